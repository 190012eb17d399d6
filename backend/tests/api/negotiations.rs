//! Negotiation of the reference price between the parties, through the links each is emailed (R13).

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Judge, TestApp, code, parse_time, rfc};

/// A listing with a case whose parties have these emails.
async fn listing_with_parties(app: &TestApp, judge: &Judge, applicant: &str, respondent: &str) -> String {
    let case = app
        .post_ok(
            "/api/cases",
            Some(&judge.token),
            json!({
                "case_number": "(2026)浙0102执555号",
                "applicant": { "name": "招商银行杭州分行", "email": applicant },
                "respondent": { "name": "张三", "email": respondent },
            }),
            201,
        )
        .await;
    let listing = app
        .post_ok(
            "/api/listings",
            Some(&judge.token),
            json!({ "case_id": case["id"], "title": "杭州市西湖区文三路8号601室", "category": "real_estate",
                    "description": "住宅，89平方米", "location": "杭州市西湖区" }),
            201,
        )
        .await;
    listing["id"].as_str().unwrap().to_owned()
}

db_test!(
    async fn the_parties_agree_a_price_through_their_emailed_links(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = listing_with_parties(&app, &judge, "bank@creditor.test", "zhangsan@debtor.test").await;
        let deadline = app.now().await + Duration::days(7);
        let opened = app
            .post_ok(&format!("/api/listings/{listing}/negotiation"), Some(&judge.token), json!({ "deadline": rfc(deadline) }), 201)
            .await;
        assert_eq!(opened["status"], "open");
        assert_eq!(parse_time(&opened["deadline"]), deadline);
        let (status, error) = app.post(&format!("/api/listings/{listing}/negotiation"), Some(&judge.token), json!({ "deadline": rfc(deadline) })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "negotiation_open"));
        // The court's dashboard lists it among the open negotiations, with its deadline.
        let listings = app.get_ok("/api/court/listings", Some(&judge.token)).await;
        assert_eq!(parse_time(&listings["items"][0]["open_negotiation_deadline"]), deadline);

        // Each party got an email with its own link; the links are not in any API response.
        let applicant = app.mail_to("bank@creditor.test", "negotiation_link").await;
        let respondent = app.mail_to("zhangsan@debtor.test", "negotiation_link").await;
        assert_eq!((applicant.len(), respondent.len()), (1, 1));
        assert!(applicant[0].raw.contains("http://127.0.0.1:8080/negotiate/"), "{}", applicant[0].raw);
        assert!(applicant[0].raw.contains("Dear") && applicant[0].raw.contains("协商"));
        let bank = applicant[0].negotiation_token().unwrap();
        let debtor = respondent[0].negotiation_token().unwrap();
        assert_eq!(bank.len(), 64);
        assert_ne!(bank, debtor);
        assert!(!opened.to_string().contains(&bank) && !opened.to_string().contains(&debtor));

        let view = app.get_ok(&format!("/api/negotiation/{bank}"), None).await;
        assert_eq!(view["party"], "applicant");
        assert_eq!(view["status"], "open");
        assert_eq!(view["listing"]["id"], json!(listing));
        assert_eq!(app.get(&format!("/api/negotiation/{}", "0".repeat(64)), None).await.0.as_u16(), 404);

        // Offers go back and forth until the latest ones are equal.
        app.post_ok(&format!("/api/negotiation/{bank}/offers"), None, json!({ "amount": "4500000" }), 201).await;
        let countered = app.post_ok(&format!("/api/negotiation/{debtor}/offers"), None, json!({ "amount": "3900000" }), 201).await;
        assert_eq!(countered["negotiation"]["status"], "open");
        app.post_ok(&format!("/api/negotiation/{bank}/offers"), None, json!({ "amount": "4200000" }), 201).await;
        let (status, error) = app.post(&format!("/api/negotiation/{debtor}/offers"), None, json!({ "amount": 4200000 })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_amount"));
        let agreed = app.post_ok(&format!("/api/negotiation/{debtor}/offers"), None, json!({ "amount": "4200000.00" }), 201).await;
        assert_eq!(agreed["negotiation"]["status"], "agreed");
        assert_eq!(agreed["negotiation"]["agreed_amount"], "4200000.00");
        assert_eq!(agreed["negotiation"]["offers"].as_array().unwrap().len(), 4);
        let listings = app.get_ok("/api/court/listings", Some(&judge.token)).await;
        assert!(listings["items"][0].get("open_negotiation_deadline").is_none(), "{listings}");

        let priced = app.get_ok(&format!("/api/listings/{listing}"), Some(&judge.token)).await;
        assert_eq!(priced["reference_price"], "4200000.00");
        assert_eq!(priced["reference_method"], "negotiation");
        assert_eq!(parse_time(&priced["reference_valid_until"]) - app.now().await, Duration::days(365));
        let (status, error) = app.post(&format!("/api/negotiation/{bank}/offers"), None, json!({ "amount": "4300000" })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "negotiation_closed"));
        let judge_view = app.get_ok(&format!("/api/listings/{listing}/negotiation"), Some(&judge.token)).await;
        assert_eq!(judge_view["status"], "agreed");
        app.finish().await;
    }
);

db_test!(
    async fn a_negotiation_without_agreement_fails_at_its_deadline(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = listing_with_parties(&app, &judge, "a@creditor.test", "b@debtor.test").await;
        let deadline = app.now().await + Duration::days(3);
        app.post_ok(&format!("/api/listings/{listing}/negotiation"), Some(&judge.token), json!({ "deadline": rfc(deadline) }), 201).await;
        let token = app.mail_to("a@creditor.test", "negotiation_link").await[0].negotiation_token().unwrap();
        app.post_ok(&format!("/api/negotiation/{token}/offers"), None, json!({ "amount": "100" }), 201).await;
        app.set_clock(deadline).await;
        assert_eq!(app.get_ok(&format!("/api/negotiation/{token}"), None).await["status"], "failed");
        let (status, error) = app.post(&format!("/api/negotiation/{token}/offers"), None, json!({ "amount": "100" })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "negotiation_closed"));
        assert_eq!(app.get_ok(&format!("/api/listings/{listing}"), Some(&judge.token)).await["reference_price"], Value::Null);
        // The judge then uses another method.
        app.appraise(&judge, &listing, "4000000").await;
        let (status, error) = app.post(&format!("/api/listings/{listing}/negotiation"), Some(&judge.token), json!({ "deadline": rfc(deadline - Duration::days(1)) })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_deadline"));
        app.finish().await;
    }
);
