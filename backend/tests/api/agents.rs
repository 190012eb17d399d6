//! Bidding for someone else (R41): an agent registers for a principal, attaches the power of attorney, and
//! bids only once the court has confirmed the agency.

use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Bidder, TestApp, code, parse_time, synthetic_id_number, upload_to};
use crate::who_may_bid::{credit_code, register};

async fn register_for(app: &TestApp, agent: &Bidder, auction_id: &str, principal: Value) -> (u16, Value) {
    let (status, body) = app
        .post(
            &format!("/api/auctions/{auction_id}/registrations"),
            Some(&agent.token),
            json!({ "accept_terms": true, "housing_qualification_commitment": true, "on_behalf_of": principal }),
        )
        .await;
    (status.as_u16(), body)
}

async fn pay(app: &TestApp, bidder: &Bidder, registration: &Value) {
    let order = registration["payment"]["order_id"].as_str().unwrap();
    app.post_ok(
        &format!("/api/payments/{order}/sandbox-complete"),
        Some(&bidder.token),
        json!({}),
        200,
    )
    .await;
}

db_test!(
    async fn an_agent_bids_for_its_principal_only_once_the_court_confirms_and_the_sale_is_the_principals(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let lawyer = app.new_bidder("赵律师").await;
        let clerk = app.new_bidder("钱经办").await;
        let idle = app.new_bidder("孙代理").await;
        let principal_id = synthetic_id_number();
        let company_code = credit_code();

        // Bad input changes nothing.
        let (status, error) = register_for(&app, &lawyer, &id, json!({ "kind": "person", "name": "李四", "credit_code": company_code })).await;
        assert_eq!((status, code(&error)), (422, "missing_field"), "{error}");
        let (status, error) = register_for(&app, &lawyer, &id, json!({ "kind": "person", "name": "李四", "id_number": "110105194912310021" })).await;
        assert_eq!((status, code(&error)), (422, "invalid_id_number"), "{error}");

        let (status, by_lawyer) = register_for(&app, &lawyer, &id, json!({ "kind": "person", "name": "李四", "id_number": principal_id })).await;
        assert_eq!(status, 201, "{by_lawyer}");
        assert_eq!((by_lawyer["agent_status"].as_str(), by_lawyer["principal_name"].as_str()), (Some("pending"), Some("李四")));
        // One registration per principal, whoever its agent.
        let (status, error) = register_for(&app, &idle, &id, json!({ "kind": "person", "name": "李四", "id_number": principal_id })).await;
        assert_eq!((status, code(&error)), (409, "already_registered"), "{error}");
        let (status, by_clerk) =
            register_for(&app, &clerk, &id, json!({ "kind": "organisation", "name": "杭州望江贸易有限公司", "credit_code": company_code })).await;
        assert_eq!(status, 201, "{by_clerk}");
        let (status, by_idle) = register_for(&app, &idle, &id, json!({ "kind": "person", "name": "周五", "id_number": synthetic_id_number() })).await;
        assert_eq!(status, 201, "{by_idle}");
        for (agent, registration) in [(&lawyer, &by_lawyer), (&clerk, &by_clerk), (&idle, &by_idle)] {
            pay(&app, agent, registration).await;
        }

        // The court sees the agencies (and nobody else does) and decides them before bidding.
        let (status, _) = app.get(&format!("/api/auctions/{id}/agencies"), Some(&lawyer.token)).await;
        assert_eq!(status.as_u16(), 403);
        let agencies = app.get_ok(&format!("/api/auctions/{id}/agencies"), Some(&judge.token)).await;
        assert_eq!(agencies.as_array().unwrap().len(), 3, "{agencies}");
        let lawyers = agencies.as_array().unwrap().iter().find(|a| a["agent_email"] == json!(lawyer.email)).unwrap();
        assert_eq!((lawyers["principal_identity"].as_str(), lawyers["agent_status"].as_str()), (Some(principal_id.as_str()), Some("pending")));
        let decide = |registration: &Value| format!("/api/registrations/{}/agent", registration["id"].as_str().unwrap());
        let (status, _) = app.post(&decide(&by_lawyer), Some(&lawyer.token), json!({ "confirmed": true })).await;
        assert_eq!(status.as_u16(), 403, "an agent cannot confirm itself");
        let confirmed = app.post_ok(&decide(&by_lawyer), Some(&judge.token), json!({ "confirmed": true, "note": "授权委托书已核" }), 200).await;
        assert_eq!(confirmed["agent_status"], "confirmed");
        app.post_ok(&decide(&by_clerk), Some(&judge.token), json!({ "confirmed": false, "note": "授权委托书未盖公章" }), 200).await;
        let mails = app.mail_to(&lawyer.email, "agency").await;
        assert_eq!(mails.len(), 1, "the agent is told");
        assert!(app.mail_to(&clerk.email, "agency").await[0].raw.contains("授权委托书未盖公章"));

        // Bidding opens: an agency not confirmed cannot bid, and its deposit is released.
        app.open_bidding(&round).await;
        let (status, error) = app.post(&decide(&by_idle), Some(&judge.token), json!({ "confirmed": true })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "bidding_started"), "{error}");
        let (status, error) = register_for(&app, &lawyer, &id, json!({ "kind": "person", "name": "吴六", "id_number": synthetic_id_number() })).await;
        assert_eq!((status, code(&error)), (409, "bidding_started"), "too late to register an agency: {error}");
        for agent in [&clerk, &idle] {
            let (status, error) = app.bid(agent, &id, "700000").await;
            assert_eq!((status.as_u16(), code(&error)), (403, "agent_not_confirmed"), "{error}");
            let mine = app.get_ok(&format!("/api/me/registrations?auction_id={id}"), Some(&agent.token)).await;
            assert_eq!(mine["items"][0]["deposit"]["status"], "released", "{mine}");
        }
        assert!(app.mail_to(&idle.email, "agency").await.iter().any(|m| m.raw.contains("保证金已解冻")));
        assert!(app.mail_to(&idle.email, "bidding_opens").await.is_empty(), "a lapsed agency is not invited to bid");
        let (status, bid) = app.bid(&lawyer, &id, "700000").await;
        assert_eq!(status, 201, "{bid}");
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!(result["buyer_name"], "李四", "the sale is the principal's: {result}");
        app.finish().await;
    }
);

db_test!(
    async fn an_agent_cannot_bring_an_excluded_principal_nor_an_excluded_agent_a_principal(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let relative_id = synthetic_id_number();
        app.post_ok("/api/court/exclusions", Some(&judge.token), json!({ "id_number": relative_id, "reason": "承办法官之子" }), 201).await;
        let agent = app.new_bidder("赵律师").await;
        let (status, error) = register_for(&app, &agent, &id, json!({ "kind": "person", "name": "王小明", "id_number": relative_id })).await;
        assert_eq!((status, code(&error)), (403, "excluded_person"), "{error}");
        let relative = app.new_bidder_with_id("王小明", &relative_id).await;
        let (status, error) = register_for(&app, &relative, &id, json!({ "kind": "person", "name": "李四", "id_number": synthetic_id_number() })).await;
        assert_eq!((status, code(&error)), (403, "excluded_person"), "an excluded agent: {error}");
        app.finish().await;
    }
);

db_test!(
    async fn a_buyer_listed_after_the_sale_is_flagged_to_the_court_and_gets_no_ruling(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let court_id = open.round["court_id"].as_str().unwrap().to_owned();
        let judge = app.judge_of(&court_id).await;
        let (status, bid) = app.bid(&open.alice, &open.id, "700000").await;
        assert_eq!(status, 201, "{bid}");
        app.set_clock(parse_time(&open.round["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await;
        let deal_id = result["deal_id"].as_str().unwrap().to_owned();
        let order = app.post_ok(&format!("/api/deals/{deal_id}/balance-payment"), Some(&open.alice.token), json!({}), 201).await;
        let order_id = order["order_id"].as_str().unwrap();
        app.post_ok(&format!("/api/payments/{order_id}/sandbox-complete"), Some(&open.alice.token), json!({}), 200).await;
        let step = |path: &str| format!("/api/deals/{deal_id}/{path}");
        app.post_ok(&step("qualification"), Some(&judge), json!({ "result": "qualified", "evidence": "住建局复函" }), 200).await;
        let paid = app.get_ok("/api/court/deals?status=paid", Some(&judge)).await;
        assert_eq!(paid["items"][0]["buyer_excluded"], false, "{paid}");

        // Found after the sale to be the judge's spouse: flagged, and the ruling is refused.
        app.post_ok("/api/court/exclusions", Some(&judge), json!({ "id_number": open.alice.id_number, "reason": "承办法官之配偶" }), 201).await;
        let paid = app.get_ok("/api/court/deals?status=paid", Some(&judge)).await;
        assert_eq!(paid["items"][0]["buyer_excluded"], true, "{paid}");
        let (status, error) = app.post(&step("ruling"), Some(&judge), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "buyer_excluded"), "{error}");
        assert_eq!(app.get_ok(&format!("/api/deals/{deal_id}"), Some(&judge)).await["status"], "paid", "nothing changed");
        app.finish().await;
    }
);

/// A small PDF; what matters is its first bytes and that it comes back unchanged.
const POWER_OF_ATTORNEY: &[u8] =
    b"%PDF-1.4\n% power of attorney\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn file_bytes(app: &TestApp, token: &str, url: &str) -> (u16, Vec<u8>) {
    let mut response = app
        .client
        .get(format!("{}{url}", app.address))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .unwrap();
    let bytes = response.body().limit(1 << 20).await.unwrap();
    (response.status().as_u16(), bytes.to_vec())
}

db_test!(
    async fn the_power_of_attorney_is_a_file_of_the_agency_for_the_court_and_the_agent_only(db) {
        use sha2::{Digest, Sha256};
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let other_court = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let lawyer = app.new_bidder("赵律师").await;
        let stranger = app.new_bidder("钱路人").await;
        let (status, agency) =
            register_for(&app, &lawyer, &id, json!({ "kind": "person", "name": "李四", "id_number": synthetic_id_number() })).await;
        assert_eq!(status, 201, "{agency}");
        let (status, own) = register(&app, &stranger.token, &id).await;
        assert_eq!(status, 201, "{own}");
        let files = |registration: &Value| format!("/api/registrations/{}/files", registration["id"].as_str().unwrap());

        // Only the agent adds to its agency, and only a PDF or a scan; a registration in one's own name has none.
        let (status, error) = upload_to(&app, &stranger.token, &files(&agency), "委托书.pdf", POWER_OF_ATTORNEY, None).await;
        assert_eq!((status, code(&error)), (404, "not_found"), "{error}");
        let (status, error) = upload_to(&app, &stranger.token, &files(&own), "委托书.pdf", POWER_OF_ATTORNEY, None).await;
        assert_eq!((status, code(&error)), (404, "not_found"), "{error}");
        let (status, error) = upload_to(&app, &lawyer.token, &files(&agency), "x.html", b"<html><script>1</script>", None).await;
        assert_eq!((status, code(&error)), (422, "unsupported_file_type"), "{error}");
        let (status, error) = upload_to(&app, &lawyer.token, &files(&agency), "empty.pdf", b"", None).await;
        assert_eq!(status, 422, "{error}");
        let (status, stored) = upload_to(&app, &lawyer.token, &files(&agency), "../授权委托书.pdf", POWER_OF_ATTORNEY, None).await;
        assert_eq!(status, 201, "{stored}");
        assert_eq!(stored["file_name"], "授权委托书.pdf");
        assert_eq!(stored["content_type"], "application/pdf");
        assert_eq!(stored["sha256"], hex::encode(Sha256::digest(POWER_OF_ATTORNEY)));

        // The court sees it with the agency and reads it; the agent reads it back; nobody else can.
        let agencies = app.get_ok(&format!("/api/auctions/{id}/agencies"), Some(&judge.token)).await;
        let listed = &agencies[0]["files"];
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{agencies}");
        let url = listed[0]["url"].as_str().unwrap();
        assert_eq!(file_bytes(&app, &judge.token, url).await, (200, POWER_OF_ATTORNEY.to_vec()));
        assert_eq!(file_bytes(&app, &lawyer.token, url).await, (200, POWER_OF_ATTORNEY.to_vec()));
        assert_eq!(file_bytes(&app, &stranger.token, url).await.0, 404);
        assert_eq!(file_bytes(&app, &other_court.token, url).await.0, 404);
        let (status, _) = app.get(url, None).await;
        assert_eq!(status.as_u16(), 401);
        let public = app.get_ok(&format!("/api/auctions/{id}/ledger"), None).await;
        assert!(!public.to_string().contains(stored["id"].as_str().unwrap()), "the file is not in the public record");

        // Once the court has decided, the agency's files stand as they were.
        app.post_ok(
            &format!("/api/registrations/{}/agent", agency["id"].as_str().unwrap()),
            Some(&judge.token),
            json!({ "confirmed": true }),
            200,
        )
        .await;
        let (status, error) = upload_to(&app, &lawyer.token, &files(&agency), "补充.pdf", POWER_OF_ATTORNEY, None).await;
        assert_eq!((status, code(&error)), (409, "agency_decided"), "{error}");
        app.finish().await;
    }
);
