//! The court's duties before an announcement (R7, R31): the parties and the known priority holders told
//! of the draft's terms at least three Beijing days before (a public notice five), or their written waiver;
//! the collegial panel's decision; each refused at publication until done, and each in the ledger.

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Judge, TestApp, WAIVER_PDF, code, rfc, upload};

/// A draft first round of a flat (reference ¥1,000,000), bidding 40 days on: what the tests publish.
async fn draft(app: &TestApp, judge: &Judge) -> (String, String) {
    let listing = app.new_listing(judge, "real_estate").await;
    app.appraise(judge, &listing, "1000000").await;
    let starts = app.now().await + Duration::days(40);
    let (status, round) = app
        .create_round(
            judge,
            &listing,
            json!({
                "starting_price": "700000", "deposit": "70000", "increment": "1000",
                "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
            }),
        )
        .await;
    assert_eq!(status, 201, "{round}");
    (listing, round["id"].as_str().unwrap().to_owned())
}

async fn publish(app: &TestApp, judge: &Judge, id: &str) -> (u16, Value) {
    let (status, body) = app
        .post(&format!("/api/auctions/{id}/publish"), Some(&judge.token), json!({}))
        .await;
    (status.as_u16(), body)
}

fn missing(error: &Value) -> Vec<(String, String)> {
    error["error"]["details"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["party"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn record_panel(app: &TestApp, judge: &Judge, id: &str) {
    let now = rfc(app.now().await);
    app.post_ok(
        &format!("/api/auctions/{id}/panel"),
        Some(&judge.token),
        json!({ "members": ["王审判长", "李法官", "赵法官"], "decided_at": now }),
        201,
    )
    .await;
}

db_test!(
    async fn publication_waits_until_every_party_and_priority_holder_was_told_three_days_before(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (_, id) = draft(&app, &judge).await;
        let holder = app.new_bidder("钱优先").await;
        app.post_ok(
            &format!("/api/auctions/{id}/priority-holders"),
            Some(&judge.token),
            json!({ "email": holder.email, "rank": 1, "right": "承租人优先购买权" }),
            201,
        )
        .await;
        record_panel(&app, &judge, &id).await;

        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "parties_not_notified"), "{error}");
        assert_eq!(
            missing(&error),
            [
                ("applicant".to_owned(), "中国工商银行杭州分行".to_owned()),
                ("respondent".to_owned(), "张三".to_owned()),
                ("priority_holder".to_owned(), "钱优先".to_owned()),
            ]
        );

        // The terms go by email to each of them, recorded with the time.
        let sent = app.post_ok(&format!("/api/auctions/{id}/notices"), Some(&judge.token), json!({}), 201).await;
        let notices = sent["notices"].as_array().unwrap();
        assert_eq!(notices.len(), 3);
        assert!(notices.iter().all(|n| n["method"] == "email" && n["sent_at"].is_string()), "{sent}");
        for to in ["creditor@bank.test", "debtor@example.test", holder.email.as_str()] {
            let mail = app.mail_to(to, "terms_notice").await;
            assert_eq!(mail.len(), 1, "{to}");
            assert!(mail[0].raw.contains("700000.00") && mail[0].raw.contains("70000.00"), "the terms: {}", mail[0].raw);
        }

        // Not yet three Beijing days: refused, naming everyone still.
        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "parties_not_notified"));
        assert_eq!(missing(&error).len(), 3);
        let court = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        assert_eq!(court["notices"].as_array().unwrap().len(), 3);
        assert_eq!(court["not_yet_notified"].as_array().unwrap().len(), 3);
        let counts_from = crate::helpers::parse_time(&court["notices"][0]["counts_from"]);
        app.set_clock(counts_from - Duration::seconds(1)).await;
        assert_eq!(code(&publish(&app, &judge, &id).await.1), "parties_not_notified");

        // From the third Beijing day on, it may be announced.
        app.set_clock(counts_from).await;
        let (status, published) = publish(&app, &judge, &id).await;
        assert_eq!((status, published["status"].as_str()), (200, Some("announced")), "{published}");
        let entries = app.verified_ledger(&id).await;
        let notices: Vec<&Value> = entries.iter().filter(|e| e.kind.as_str() == "notice").map(|e| &e.payload).collect();
        assert_eq!(notices.len(), 3);
        let holders: Vec<&&Value> = notices.iter().filter(|n| n["party"] == "priority_holder").collect();
        assert_eq!(holders.len(), 1);
        assert!(holders[0]["name"].is_null(), "a priority holder is never named in public: {:?}", holders[0]);
        assert!(entries.iter().any(|e| e.kind.as_str() == "panel"));

        // The public sees no notices nor panel; the court still does; nothing more is sent once announced.
        let public = app.get_ok(&format!("/api/auctions/{id}"), None).await;
        assert!(public.get("notices").is_none() && public.get("panel").is_none(), "{public}");
        let (status, error) = app.post(&format!("/api/auctions/{id}/notices"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "round_not_draft"));
        app.finish().await;
    }
);

db_test!(
    async fn a_party_out_of_reach_is_told_by_a_five_day_public_notice_and_a_written_waiver_counts_at_once(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (listing, id) = draft(&app, &judge).await;
        record_panel(&app, &judge, &id).await;
        let (status, file) = upload(&app, &judge.token, &listing, "放弃通知声明.pdf", WAIVER_PDF, Some("document")).await;
        assert_eq!(status, 201, "{file}");
        let now = app.now().await;
        let offline = format!("/api/auctions/{id}/notices/offline");
        let notice = |party: &str, name: &str, method: &str, at: chrono::DateTime<chrono::Utc>, file: &Value| {
            json!({ "party": party, "name": name, "method": method, "at": rfc(at), "file_id": file })
        };

        // What is refused, and changes nothing.
        for (body, expected) in [
            (notice("applicant", "中国工商银行杭州分行", "email", now, &file["id"]), "invalid_method"),
            (notice("applicant", "中国工商银行杭州分行", "waiver", now + Duration::hours(1), &file["id"]), "invalid_time"),
            (notice("applicant", "中国工商银行杭州分行", "waiver", now, &Value::Null), "proof_required"),
            (notice("applicant", "中国工商银行杭州分行", "served", now, &json!(uuid::Uuid::new_v4())), "invalid_file"),
            (notice("applicant", "工商银行", "waiver", now, &file["id"]), "unknown_party"),
            (notice("respondent", "中国工商银行杭州分行", "waiver", now, &file["id"]), "unknown_party"),
        ] {
            let (status, error) = app.post(&offline, Some(&judge.token), body).await;
            assert_eq!((status.as_u16(), code(&error)), (422, expected), "{error}");
        }
        let court = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        assert_eq!(court["notices"], json!([]));

        // The applicant waived in writing: told at once. The respondent cannot be reached: a public notice.
        app.post_ok(&offline, Some(&judge.token), notice("applicant", "中国工商银行杭州分行", "waiver", now, &file["id"]), 201).await;
        let public = app.post_ok(&offline, Some(&judge.token), notice("respondent", "张三", "public_notice", now, &Value::Null), 201).await;
        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "parties_not_notified"));
        assert_eq!(missing(&error), [("respondent".to_owned(), "张三".to_owned())]);
        let counts_from = crate::helpers::parse_time(&public["counts_from"]);
        assert_eq!(auction_core::time::beijing_days_between(now, counts_from), 5);
        app.set_clock(counts_from - Duration::seconds(1)).await;
        assert_eq!(code(&publish(&app, &judge, &id).await.1), "parties_not_notified");
        app.set_clock(counts_from).await;
        assert_eq!(publish(&app, &judge, &id).await.0, 200);
        app.finish().await;
    }
);

db_test!(
    async fn the_collegial_panel_decides_the_terms_before_they_are_announced(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (_, id) = draft(&app, &judge).await;
        let panel = format!("/api/auctions/{id}/panel");
        let now = app.now().await;
        for (members, decided_at, expected) in [
            (json!(["王审判长", "李法官"]), now, "panel_too_small"),
            (json!(["王审判长", "李法官", "王审判长"]), now, "invalid_panel"),
            (json!(["王审判长", "李法官", " "]), now, "invalid_panel"),
            (json!(["王审判长", "李法官", "赵法官"]), now + Duration::days(1), "invalid_decided_at"),
        ] {
            let (status, error) = app.post(&panel, Some(&judge.token), json!({ "members": members, "decided_at": rfc(decided_at) })).await;
            assert_eq!((status.as_u16(), code(&error)), (422, expected), "{error}");
        }
        // Told, but no panel: refused.
        app.ready_to_publish(&judge.token, &id).await;
        let court = app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await;
        assert_eq!(court["panel"]["members"], json!(["王审判长", "李法官", "赵法官"]), "ready_to_publish records one");
        // Another court's judge sees no draft to record on.
        let stranger = app.new_judge().await;
        let (status, _) = app.post(&panel, Some(&stranger.token), json!({ "members": ["甲", "乙", "丙"], "decided_at": rfc(now) })).await;
        assert_eq!(status.as_u16(), 404);
        assert_eq!(publish(&app, &judge, &id).await.0, 200);
        let (status, error) = app.post(&panel, Some(&judge.token), json!({ "members": ["甲", "乙", "丙"], "decided_at": rfc(now) })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "round_not_draft"));
        app.finish().await;
    }
);

db_test!(
    async fn without_the_panel_an_announcement_is_refused(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let (listing, id) = draft(&app, &judge).await;
        let (_, file) = upload(&app, &judge.token, &listing, "放弃通知声明.pdf", WAIVER_PDF, Some("document")).await;
        let now = rfc(app.now().await);
        for (party, name) in [("applicant", "中国工商银行杭州分行"), ("respondent", "张三")] {
            app.post_ok(
                &format!("/api/auctions/{id}/notices/offline"),
                Some(&judge.token),
                json!({ "party": party, "name": name, "method": "waiver", "at": now, "file_id": file["id"] }),
                201,
            )
            .await;
        }
        let (status, error) = publish(&app, &judge, &id).await;
        assert_eq!((status, code(&error)), (422, "panel_required"), "{error}");
        assert_eq!(app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await["status"], "draft");
        app.finish().await;
    }
);
