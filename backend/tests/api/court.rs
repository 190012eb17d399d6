//! The court console's backend: the court's deals, bank transfers a judge records (R54), and the
//! administrator deactivating judges and courts.

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{OpenRound, TestApp, code, parse_time, rfc};

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
        assert_eq!((status.as_u16(), code(&body)), (422, "amount_mismatch"));
        let (status, body) = app.post(&path, Some(&judge_token), transfer(&balance, "2999-01-01")).await;
        assert_eq!((status.as_u16(), code(&body)), (422, "invalid_received_on"));
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
        assert_eq!((status.as_u16(), code(&body)), (409, "deal_not_awaiting_balance"));
        assert_eq!(app.get_ok("/api/court/deals?status=paid", Some(&judge_token)).await["total"], 1);
        assert_eq!(app.get_ok("/api/court/deals", Some(&stranger.token)).await["total"], 0);

        // The round's ledger records it, chained, naming the judge and the bidder code — not the payer.
        let entries = app.verified_ledger(&open.id).await;
        let last = entries.last().unwrap();
        assert_eq!(last.kind.as_str(), "offline_payment");
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
            .post_ok(&format!("/api/auctions/{id}/registrations"), Some(&carol.token), json!({ "accept_terms": true, "housing_qualification_commitment": true }), 201)
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
    async fn a_bank_transfer_from_someone_else_counts_only_with_the_courts_reason(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        let today = app.now().await.format("%Y-%m-%d").to_string();
        let mut orders = Vec::new();
        for name in ["林可", "赵六"] {
            let bidder = app.new_bidder(name).await;
            let registration = app
                .post_ok(&format!("/api/auctions/{id}/registrations"), Some(&bidder.token), json!({ "accept_terms": true }), 201)
                .await;
            orders.push((bidder, registration));
        }
        let transfer = |registration: &Value, payer: &str, reason: Option<&str>| {
            let mut body = json!({
                "payer": payer,
                "amount": registration["deposit"]["amount"],
                "bank_reference": "CCB-901",
                "received_on": today,
            });
            if let Some(reason) = reason {
                body["payer_mismatch_reason"] = json!(reason);
            }
            body
        };
        let path = |registration: &Value| format!("/api/payments/{}/offline", registration["payment"]["order_id"].as_str().unwrap());

        // Someone else's money: refused without naming the registrant (R40), and nothing changes.
        let (carol, carols) = &orders[0];
        let (status, body) = app.post(&path(carols), Some(&judge.token), transfer(carols, "王五", None)).await;
        assert_eq!((status.as_u16(), code(&body)), (422, "payer_mismatch"), "{body}");
        assert!(!body.to_string().contains("林可"), "{body}");
        let (status, body) = app.post(&path(carols), Some(&judge.token), transfer(carols, "王五", Some(" "))).await;
        assert_eq!((status.as_u16(), code(&body)), (422, "invalid_payer_mismatch_reason"), "{body}");
        let mine = app.get_ok("/api/me/registrations", Some(&carol.token)).await;
        assert_eq!(mine["items"][0]["deposit"]["status"], "unpaid");

        // With the court's reason it counts; the ledger says the court accepted the payer, not why.
        let reason = "竞买人配偶代为转账，已核对结婚证";
        let paid = app.post_ok(&path(carols), Some(&judge.token), transfer(carols, "王五", Some(reason)), 200).await;
        assert_eq!(paid["status"], "paid");
        let entries = app.verified_ledger(id).await;
        let last = entries.last().unwrap();
        assert_eq!(last.payload["payer_accepted_by_court"], true);
        assert!(!last.payload.to_string().contains("配偶"), "{}", last.payload);

        // The registrant's own name as a bank writes it (spaced, full width) needs no reason.
        let (_, davids) = &orders[1];
        app.post_ok(&path(davids), Some(&judge.token), transfer(davids, "赵 六", None), 200).await;
        let entries = app.verified_ledger(id).await;
        assert_eq!(entries.last().unwrap().payload["payer_accepted_by_court"], false);
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
        assert_eq!((status.as_u16(), code(&body)), (401, "account_deactivated"));

        // A court: every judge of it is refused, and none can be added.
        let other = app.new_judge().await;
        app.get_ok("/api/court/listings", Some(&other.token)).await;
        let court = app
            .post_ok(&format!("/api/admin/courts/{}/deactivate", other.court_id), Some(&admin), json!({}), 200)
            .await;
        assert_eq!(court["active"], false);
        let (status, body) = app.get("/api/court/listings", Some(&other.token)).await;
        assert_eq!((status.as_u16(), code(&body)), (401, "account_deactivated"));
        let (status, body) = app
            .post(
                "/api/admin/judges",
                Some(&admin),
                json!({ "email": "late@court.test", "password": "a long password", "real_name": "赵法官", "court_id": other.court_id }),
            )
            .await;
        assert_eq!((status.as_u16(), code(&body)), (409, "court_deactivated"));
        app.finish().await;
    }
);

db_test!(
    async fn a_suspended_round_refuses_bids_and_resumes_with_its_remaining_time(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let alice = app.new_bidder("陈爱丽").await;
        let bob = app.new_bidder("刘博").await;
        app.register_and_pay(&alice, &id).await;
        app.register_and_pay(&bob, &id).await;
        app.open_bidding(&round).await;
        app.bid(&alice, &id, "700000").await;
        let end = parse_time(&round["bidding_ends_at"]);
        app.set_clock(end - Duration::hours(2)).await;

        let (status, error) = app.post(&format!("/api/auctions/{id}/suspend"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "reason_required"));
        assert_eq!(app.post(&format!("/api/auctions/{id}/suspend"), Some(&alice.token), json!({ "reason": "x" })).await.0.as_u16(), 403);
        let suspended = app.post_ok(&format!("/api/auctions/{id}/suspend"), Some(&judge.token), json!({ "reason": "案外人提出执行异议" }), 200).await;
        assert_eq!(suspended["status"], "suspended");
        assert_eq!(suspended["status_reason"], "案外人提出执行异议");
        let (status, error) = app.bid(&bob, &id, "701000").await;
        assert_eq!((status.as_u16(), code(&error)), (409, "auction_not_bidding"));
        assert_eq!(app.mail_to(&bob.email, "round_suspended").await.len(), 1, "registrants are told");

        // Days pass; a suspended round does not close.
        app.set_clock(end + Duration::days(3)).await;
        assert_eq!(app.auction(&id).await["status"], "suspended");
        let resumed_at = app.now().await;
        let resumed = app.post_ok(&format!("/api/auctions/{id}/resume"), Some(&judge.token), json!({ "reason": "异议已审查" }), 200).await;
        assert_eq!(resumed["status"], "bidding");
        assert_eq!(parse_time(&resumed["bidding_ends_at"]), resumed_at + Duration::hours(2), "the two hours left are restored");
        assert_eq!(resumed["current_price"], "700000.00", "bids are kept");
        assert!(app.mail_to(&alice.email, "round_resumed").await[0].raw.contains("已恢复拍卖"));
        let (status, error) = app.post(&format!("/api/auctions/{id}/resume"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "invalid_status"));
        assert_eq!(app.bid(&bob, &id, "701000").await.0.as_u16(), 201);

        let detail = app.auction(&id).await;
        let events: Vec<&str> = detail["timeline"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(events, ["announced", "opened", "suspended", "resumed"]);
        assert_eq!(detail["timeline"][2]["reason"], "案外人提出执行异议");
        let entries = app.verified_ledger(&id).await;
        assert!(entries.iter().any(|e| e.payload["reason"] == "案外人提出执行异议"), "the reason is on the public record");
        app.finish().await;
    }
);

db_test!(
    async fn a_withdrawn_round_releases_every_deposit(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let alice = app.new_bidder("陈爱丽").await;
        app.register_and_pay(&alice, &id).await;
        app.open_bidding(&round).await;
        app.bid(&alice, &id, "700000").await;
        let withdrawn = app.post_ok(&format!("/api/auctions/{id}/withdraw"), Some(&judge.token), json!({ "reason": "被执行人已全部履行" }), 200).await;
        assert_eq!(withdrawn["status"], "withdrawn");
        assert_eq!(app.get_ok("/api/me/registrations", Some(&alice.token)).await["items"][0]["deposit"]["status"], "released");
        let notice = &app.mail_to(&alice.email, "round_withdrawn").await[0];
        assert!(notice.raw.contains("被执行人已全部履行") && notice.raw.contains("70000.00"), "{}", notice.raw);
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!((result["status"].as_str(), &result["deal_id"]), (Some("withdrawn"), &Value::Null));
        let (status, error) = app.post(&format!("/api/auctions/{id}/withdraw"), Some(&judge.token), json!({ "reason": "again" })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "invalid_status"));
        app.finish().await;
    }
);

db_test!(
    async fn a_judge_sees_its_court_and_the_registrants_only_after_the_end(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let other = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let alice = app.new_bidder("陈爱丽").await;
        app.register_and_pay(&alice, &id).await;

        let listings = app.get_ok("/api/court/listings", Some(&judge.token)).await;
        assert_eq!(listings["total"], 1);
        assert_eq!(listings["items"][0]["latest_round_status"], "announced");
        assert_eq!(app.get_ok("/api/court/listings", Some(&other.token)).await["total"], 0);
        let rounds = app.get_ok("/api/court/auctions?status=announced", Some(&judge.token)).await;
        assert_eq!(rounds["items"][0]["registrations_count"], 1);
        assert_eq!(app.get("/api/court/auctions", Some(&alice.token)).await.0.as_u16(), 403);

        let (status, error) = app.get(&format!("/api/auctions/{id}/registrants"), Some(&judge.token)).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "auction_not_closed"), "R40: not even the court, before the end");
        app.open_bidding(&round).await;
        app.bid(&alice, &id, "700000").await;
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        assert_eq!(app.get(&format!("/api/auctions/{id}/registrants"), Some(&other.token)).await.0.as_u16(), 403);
        let registrants = app.get_ok(&format!("/api/auctions/{id}/registrants"), Some(&judge.token)).await;
        assert_eq!(registrants[0]["real_name"], json!(alice.real_name));
        assert_eq!(registrants[0]["id_number"], json!(alice.id_number));
        assert_eq!(registrants[0]["deposit_status"], "applied");
        app.finish().await;
    }
);

db_test!(
    async fn after_payment_the_court_checks_the_buyer_rules_serves_and_hands_over(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let court_id = open.round["court_id"].as_str().unwrap().to_owned();
        let deal_id = sold_to_alice(&app, &open).await;
        let judge = app.judge_of(&court_id).await;
        let step = |path: &str| format!("/api/deals/{deal_id}/{path}");

        // Nothing before payment.
        let (status, body) = app.post(&step("ruling"), Some(&judge), json!({})).await;
        assert_eq!((status.as_u16(), code(&body)), (409, "deal_not_paid"));
        let order = app.post_ok(&format!("/api/deals/{deal_id}/balance-payment"), Some(&open.alice.token), json!({}), 201).await;
        let order_id = order["order_id"].as_str().unwrap();
        app.post_ok(&format!("/api/payments/{order_id}/sandbox-complete"), Some(&open.alice.token), json!({}), 200).await;
        let paid = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&judge)).await;
        assert_eq!(paid["status"], "paid");
        assert_eq!(parse_time(&paid["ruling_due_at"]) - parse_time(&paid["paid_at"]), Duration::days(10));

        // Housing: the buyer's qualification first (R32); a buyer found not qualified gets no ruling.
        let (status, body) = app.post(&step("ruling"), Some(&judge), json!({})).await;
        assert_eq!((status.as_u16(), code(&body)), (409, "qualification_required"));
        let (status, _) = app.post(&step("qualification"), Some(&open.alice.token), json!({ "result": "qualified", "evidence": "x" })).await;
        assert_eq!(status, 403, "the court records it, not the buyer");
        app.post_ok(&step("qualification"), Some(&judge), json!({ "result": "not_qualified", "evidence": "住建局复函：名下已有两套住房" }), 200).await;
        let (status, body) = app.post(&step("ruling"), Some(&judge), json!({})).await;
        assert_eq!((status.as_u16(), code(&body)), (409, "buyer_not_qualified"));
        app.post_ok(&step("qualification"), Some(&judge), json!({ "result": "qualified", "evidence": "住建局复函：符合购房条件" }), 200).await;

        // The ruling, public; its service; the hand-over — each in order and in the round's ledger.
        let (status, _) = app.get(&step("ruling"), None).await;
        assert_eq!(status, 404, "no ruling page before the ruling");
        let ruled = app.post_ok(&step("ruling"), Some(&judge), json!({}), 200).await;
        assert_eq!(ruled["status"], "ruling_issued");
        let awaiting_service = app.get_ok("/api/court/deals?status=ruling_issued", Some(&judge)).await;
        assert_eq!(awaiting_service["items"][0]["id"], json!(deal_id), "on the court's dashboard");
        assert_eq!(ruled["ruling_url"], json!(format!("/api/deals/{deal_id}/ruling")));
        let (status, html) = app.get(&step("ruling"), None).await;
        assert_eq!(status, 200);
        let html = html.as_str().unwrap();
        assert!(html.contains("执行裁定书") && html.contains(&open.alice.real_name), "{html}");
        let (status, body) = app.post(&step("handover"), Some(&judge), json!({ "handed_over_at": rfc(app.now().await) })).await;
        assert_eq!((status.as_u16(), code(&body)), (409, "ruling_not_served"));
        let later = app.advance(3600).await;
        let (status, body) = app.post(&step("service"), Some(&judge), json!({ "served_at": rfc(later + Duration::hours(1)) })).await;
        assert_eq!((status.as_u16(), code(&body)), (422, "invalid_time"), "not in the future");
        let served = app.post_ok(&step("service"), Some(&judge), json!({ "served_at": rfc(later) }), 200).await;
        assert_eq!(parse_time(&served["handover_due_at"]) - later, Duration::days(15));
        let handed = app.post_ok(&step("handover"), Some(&judge), json!({ "handed_over_at": rfc(later) }), 200).await;
        assert_eq!(handed["status"], "handed_over");
        let (status, body) = app.post(&step("handover"), Some(&judge), json!({ "handed_over_at": rfc(later) })).await;
        assert_eq!((status.as_u16(), code(&body)), (409, "already_done"));

        let kinds: Vec<String> = app.verified_ledger(&open.id).await.iter().map(|e| e.kind.as_str().to_owned()).collect();
        let tail = &kinds[kinds.len() - 5..];
        assert_eq!(tail, ["qualification", "qualification", "ruling", "served", "handed_over"]);
        app.finish().await;
    }
);
