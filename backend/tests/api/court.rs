//! The court console's backend: the court's deals, bank transfers a judge records (R54), and the
//! administrator deactivating judges and courts.

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{OpenRound, TestApp, parse_time};

fn code(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

/// A round of `open` sold to Alice at its opening bid; returns the deal's id.
async fn sold_to_alice(app: &TestApp, open: &OpenRound) -> String {
    let minimum = open.round["minimum_next_bid"].as_str().unwrap().to_owned();
    let (status, body) = app.bid(&open.alice, &open.id, &minimum).await;
    assert_eq!(status, 201, "{body}");
    app.set_clock(parse_time(&open.round["bidding_ends_at"]) + Duration::seconds(1))
        .await;
    let result = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await;
    assert_eq!(result["status"], "sold", "{result}");
    result["deal_id"].as_str().unwrap().to_owned()
}

db_test!(
    async fn a_judge_records_the_balance_received_by_bank_transfer(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let court_id = open.round["court_id"].as_str().unwrap().to_owned();
        let deal_id = sold_to_alice(&app, &open).await;
        let judge_token = app.judge_of(&court_id).await;

        let awaiting = app.get_ok("/api/court/deals?status=awaiting_balance", Some(&judge_token)).await;
        assert_eq!(awaiting["total"], 1, "{awaiting}");
        assert_eq!(awaiting["items"][0]["id"], json!(deal_id));
        assert_eq!(awaiting["items"][0]["title"], open.round["title"]);
        let balance = awaiting["items"][0]["balance_due"].as_str().unwrap().to_owned();

        let path = format!("/api/deals/{deal_id}/offline-payment");
        let transfer = |amount: &str, received_on: &str| {
            json!({ "payer": "陈爱丽", "amount": amount, "bank_reference": "ICBC20270120-0001", "received_on": received_on })
        };
        let today = app.now().await.format("%Y-%m-%d").to_string();
        // The amount must be the order's; the day cannot be in the future; only the selling court records it.
        let (status, body) = app.post(&path, Some(&judge_token), transfer("1.00", &today)).await;
        assert_eq!((status.as_u16(), code(&body)), (422, Some("amount_mismatch")));
        let (status, body) = app.post(&path, Some(&judge_token), transfer(&balance, "2999-01-01")).await;
        assert_eq!((status.as_u16(), code(&body)), (422, Some("invalid_received_on")));
        let stranger = app.new_judge().await;
        let (status, _) = app.post(&path, Some(&stranger.token), transfer(&balance, &today)).await;
        assert_eq!(status, 403);
        let (status, _) = app.post(&path, Some(&open.alice.token), transfer(&balance, &today)).await;
        assert_eq!(status, 403, "the buyer cannot declare their own transfer");
        assert_eq!(app.get_ok(&format!("/api/deals/{deal_id}"), Some(&open.alice.token)).await["status"], "awaiting_balance");

        let paid = app.post_ok(&path, Some(&judge_token), transfer(&balance, &today), 200).await;
        assert_eq!((&paid["status"], &paid["purpose"]), (&json!("paid"), &json!("balance")));
        assert_eq!(app.get_ok(&format!("/api/deals/{deal_id}"), Some(&open.alice.token)).await["status"], "paid");
        let (status, body) = app.post(&path, Some(&judge_token), transfer(&balance, &today)).await;
        assert_eq!((status.as_u16(), code(&body)), (409, Some("deal_not_awaiting_balance")));
        assert_eq!(app.get_ok("/api/court/deals?status=paid", Some(&judge_token)).await["total"], 1);
        assert_eq!(app.get_ok("/api/court/deals", Some(&stranger.token)).await["total"], 0);

        // The round's ledger records it, chained, naming the judge and the bidder code — not the payer.
        let entries = app.verified_ledger(&open.id).await;
        let last = entries.last().unwrap();
        assert_eq!(last.kind, "offline_payment");
        assert_eq!(last.payload["amount"], json!(balance));
        assert_eq!(last.payload["recorded_by"], "王法官");
        assert_eq!(last.payload["received_on"], json!(today));
        assert!(!last.payload.to_string().contains("陈爱丽"), "{}", last.payload);
        app.finish().await;
    }
);

db_test!(
    async fn a_deposit_paid_by_bank_transfer_counts_once_recorded(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        let carol = app.new_bidder("林可").await;
        let registration = app
            .post_ok(&format!("/api/auctions/{id}/registrations"), Some(&carol.token), json!({ "accept_terms": true }), 201)
            .await;
        let order = registration["payment"]["order_id"].as_str().unwrap();
        let deposit = registration["deposit"]["amount"].as_str().unwrap();
        let today = app.now().await.format("%Y-%m-%d").to_string();
        let body = json!({ "payer": "林可", "amount": deposit, "bank_reference": "CCB-778", "received_on": today });
        let paid = app.post_ok(&format!("/api/payments/{order}/offline"), Some(&judge.token), body, 200).await;
        assert_eq!(paid["status"], "paid");
        let mine = app.get_ok("/api/me/registrations", Some(&carol.token)).await;
        assert_eq!(mine["items"][0]["deposit"]["status"], "frozen");
        let entries = app.verified_ledger(id).await;
        let last = entries.last().unwrap();
        assert_eq!((last.kind.as_str(), &last.payload["purpose"]), ("offline_payment", &json!("deposit")));
        assert_eq!(last.payload["bidder_code"], registration["bidder_code"]);
        assert!(!last.payload.to_string().contains("林可"), "R40: no name before the end");
        app.finish().await;
    }
);

db_test!(
    async fn a_deactivated_judge_or_court_is_refused_at_the_next_request(db) {
        let app = TestApp::spawn(db).await;
        let admin = app.admin_token().await;
        let judge = app.new_judge().await;
        app.get_ok("/api/court/listings", Some(&judge.token)).await;
        let me = app.get_ok("/api/me", Some(&judge.token)).await;
        let judge_id = me["user"]["id"].as_str().or(me["id"].as_str()).unwrap().to_owned();

        let judges = app.get_ok(&format!("/api/admin/judges?court_id={}", judge.court_id), Some(&admin)).await;
        assert_eq!(judges.as_array().unwrap().len(), 1, "{judges}");
        assert_eq!(judges[0]["id"], json!(judge_id));
        let (status, _) = app.post(&format!("/api/admin/judges/{judge_id}/deactivate"), Some(&judge.token), json!({})).await;
        assert_eq!(status, 403, "only the administrator");

        let deactivated = app.post_ok(&format!("/api/admin/judges/{judge_id}/deactivate"), Some(&admin), json!({}), 200).await;
        assert!(deactivated["deactivated_at"].is_string(), "{deactivated}");
        let (status, body) = app.get("/api/court/listings", Some(&judge.token)).await;
        assert_eq!((status.as_u16(), code(&body)), (401, Some("account_deactivated")));

        // A court: every judge of it is refused, and none can be added.
        let other = app.new_judge().await;
        app.get_ok("/api/court/listings", Some(&other.token)).await;
        let court = app
            .post_ok(&format!("/api/admin/courts/{}/deactivate", other.court_id), Some(&admin), json!({}), 200)
            .await;
        assert_eq!(court["active"], false);
        let (status, body) = app.get("/api/court/listings", Some(&other.token)).await;
        assert_eq!((status.as_u16(), code(&body)), (401, Some("account_deactivated")));
        let (status, body) = app
            .post(
                "/api/admin/judges",
                Some(&admin),
                json!({ "email": "late@court.test", "password": "a long password", "real_name": "赵法官", "court_id": other.court_id }),
            )
            .await;
        assert_eq!((status.as_u16(), code(&body)), (409, Some("court_deactivated")));
        app.finish().await;
    }
);
