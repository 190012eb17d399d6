//! Objections and what they decide (R61–R65): a third party's objection suspends, a rejected one resumes,
//! an upheld one sets the sale aside with refunds; a housing buyer's qualification (R32); the judges'
//! deadline reminders (R52, R64).

use chrono::Duration;
use serde_json::{Value, json};

use crate::after_failure::kinds;
use crate::db_test;
use crate::helpers::{Bidder, OpenRound, TestApp, code, parse_time, rfc};

fn objection(auction_id: &str, role: &str, grounds: &[&str]) -> Value {
    json!({
        "auction_id": auction_id,
        "objector": { "name": "李四", "email": "lisi@example.test", "role": role },
        "grounds": grounds,
        "statement": "拍卖标的系本人所有，请求停止拍卖。",
    })
}

db_test!(
    async fn a_third_partys_objection_suspends_the_round_at_once_and_its_rejection_lets_it_go_on(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        assert_eq!(app.bid(&open.alice, &open.id, "700000").await.0, 201);

        for (body, expected) in [
            (objection(&open.id, "third_party", &[]), "invalid_grounds"),
            (objection(&open.id, "third_party", &["collusion", "collusion"]), "invalid_grounds"),
            (objection(&open.id, "third_party", &["rumours"]), "invalid_grounds"),
            (objection(&open.id, "judge", &["collusion"]), "invalid_role"),
        ] {
            let (status, error) = app.post("/api/objections", Some(&judge), body).await;
            assert_eq!((status.as_u16(), code(&error)), (422, expected));
        }
        let (status, _) = app.post("/api/objections", Some(&open.alice.token), objection(&open.id, "bidder", &["collusion"])).await;
        assert_eq!(status, 403, "the court records objections");
        let other_court = app.new_judge().await;
        let (status, _) = app.post("/api/objections", Some(&other_court.token), objection(&open.id, "party", &["collusion"])).await;
        assert_eq!(status, 403);

        let filed_at = app.now().await;
        let filed = app.post_ok("/api/objections", Some(&judge), objection(&open.id, "third_party", &["untrue_description"]), 201).await;
        assert_eq!((filed["status"].as_str(), filed["suspended_round"].as_bool()), (Some("pending"), Some(true)));
        assert_eq!(parse_time(&filed["decide_by"]), filed_at + Duration::days(15));
        let round = app.auction(&open.id).await;
        assert_eq!(round["status"], "suspended");
        assert!(round["status_reason"].as_str().unwrap().contains("案外人"));
        assert!(app.mail_to(&open.bob.email, "round_suspended").await[0].raw.contains("案外人"));
        let (status, error) = app.bid(&open.bob, &open.id, "701000").await;
        assert_eq!((status.as_u16(), code(&error)), (409, "auction_not_bidding"));
        let pending = app.get_ok("/api/court/objections?status=pending", Some(&judge)).await;
        assert_eq!(pending["items"][0]["id"], filed["id"]);

        let objection_id = filed["id"].as_str().unwrap();
        let decision = format!("/api/objections/{objection_id}/decision");
        let (status, error) = app.post(&decision, Some(&judge), json!({ "outcome": "maybe", "reasoning": "x" })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_outcome"));
        let decided = app.post_ok(&decision, Some(&judge), json!({ "outcome": "rejected", "reasoning": "异议人未提供权属证明。" }), 200).await;
        assert_eq!(decided["status"], "rejected");
        assert_eq!(app.auction(&open.id).await["status"], "bidding", "the round it stopped goes on");
        assert_eq!(app.bid(&open.bob, &open.id, "701000").await.0, 201);
        let (status, error) = app.post(&decision, Some(&judge), json!({ "outcome": "upheld", "reasoning": "x" })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "objection_decided"));

        let entries = app.verified_ledger(&open.id).await;
        let kinds = kinds(&entries);
        let from = kinds.iter().position(|k| *k == "objection").unwrap();
        assert_eq!(&kinds[from..from + 4], ["objection", "status", "objection_decision", "status"]);
        assert_eq!(entries[from].payload["grounds"], json!(["untrue_description"]));
        assert!(entries[from].payload.get("objector_name").is_none() && !entries[from].payload.to_string().contains("李四"), "the ledger names no objector");
        app.finish().await;
    }
);

/// A round of `open` sold to Bob at 701,000 over Alice, and its balance paid. Returns the deal's id.
async fn sold_to_bob_and_paid(app: &TestApp, open: &OpenRound) -> String {
    assert_eq!(app.bid(&open.alice, &open.id, "700000").await.0, 201);
    assert_eq!(app.bid(&open.bob, &open.id, "701000").await.0, 201);
    app.set_clock(parse_time(&open.round["bidding_ends_at"])).await;
    let deal_id = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await["deal_id"]
        .as_str()
        .unwrap()
        .to_owned();
    pay_balance(app, &open.bob, &deal_id).await;
    deal_id
}

async fn pay_balance(app: &TestApp, buyer: &Bidder, deal_id: &str) {
    let order = app
        .post_ok(
            &format!("/api/deals/{deal_id}/balance-payment"),
            Some(&buyer.token),
            json!({}),
            201,
        )
        .await;
    let order_id = order["order_id"].as_str().unwrap();
    app.post_ok(
        &format!("/api/payments/{order_id}/sandbox-complete"),
        Some(&buyer.token),
        json!({}),
        200,
    )
    .await;
}

db_test!(
    async fn an_objection_upheld_after_payment_sets_the_sale_aside_and_refunds_deposit_and_balance(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        let deal_id = sold_to_bob_and_paid(&app, &open).await;
        assert_eq!(app.get_ok(&format!("/api/deals/{deal_id}"), Some(&judge)).await["status"], "paid");

        let filed = app.post_ok("/api/objections", Some(&judge), objection(&open.id, "party", &["untrue_description", "procedural_breach"]), 201).await;
        assert_eq!(filed["suspended_round"], false, "a sold round has nothing running to stop");
        let objection_id = filed["id"].as_str().unwrap();
        let reasoning = "拍卖公告未披露房屋内存在租赁关系，属于严重失实。";
        app.post_ok(&format!("/api/objections/{objection_id}/decision"), Some(&judge), json!({ "outcome": "upheld", "reasoning": reasoning }), 200).await;

        let result = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await;
        assert_eq!(result["status"], "revoked");
        let mine = app.get_ok("/api/me/deals", Some(&open.bob.token)).await;
        let deal = &mine["items"][0];
        assert_eq!(deal["status"], "revoked");
        assert!(deal["revoked_at"].is_string());
        let refunds: Vec<(String, String)> = deal["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["purpose"].as_str().unwrap().to_owned(), r["amount"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(refunds, [("deposit".to_owned(), "70000.00".to_owned()), ("balance".to_owned(), "631000.00".to_owned())]);
        assert_eq!(app.get_ok("/api/me/registrations", Some(&open.bob.token)).await["items"][0]["deposit"]["status"], "refunded");
        let to_bob = &app.mail_to(&open.bob.email, "sale_revoked").await[0].raw;
        assert!(to_bob.contains("631000.00") && to_bob.contains("70000.00") && to_bob.contains("严重失实"), "{to_bob}");
        let to_alice = &app.mail_to(&open.alice.email, "sale_revoked").await[0].raw;
        assert!(!to_alice.contains("631000.00"), "{to_alice}");

        let entries = app.verified_ledger(&open.id).await;
        let tail = &kinds(&entries)[entries.len() - 5..];
        assert_eq!(tail, ["objection", "objection_decision", "revocation", "refund", "refund"]);
        assert_eq!(entries[entries.len() - 3].payload["reason"], reasoning);
        let (status, error) = app.post("/api/objections", Some(&judge), objection(&open.id, "party", &["collusion"])).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "nothing_to_object_to"));
        let (status, error) = app.post(&format!("/api/deals/{deal_id}/ruling"), Some(&judge), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "deal_not_paid"));

        // The listing may be auctioned again, as the round it repeats.
        let listing = open.round["listing_id"].as_str().unwrap();
        let starts = app.now().await + Duration::days(31);
        let (status, again) = app
            .post(
                &format!("/api/listings/{listing}/auctions"),
                Some(&judge),
                json!({ "starting_price": "700000", "deposit": "70000", "increment": "1000", "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)) }),
            )
            .await;
        assert_eq!(status, 201, "{again}");
        assert_eq!(again["round_kind"], "reauction_of_first");
        app.finish().await;
    }
);

db_test!(
    async fn a_housing_bidder_commits_to_the_qualification_and_a_buyer_found_without_it_loses_the_sale(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await; // a housing listing
        let id = round["id"].as_str().unwrap().to_owned();
        let details = app.auction(&id).await;
        assert!(details["announcement"].as_str().unwrap().contains("购房资格"));
        assert!(details["special_reminders"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("限购")));
        let buyer = app.new_bidder("赵买").await;
        let (status, error) = app
            .post(&format!("/api/auctions/{id}/registrations"), Some(&buyer.token), json!({ "accept_terms": true, "housing_qualification_commitment": false }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "housing_commitment_required"));
        // As the contract has it: accepting the terms, whose reminders state the commitment, makes it.
        let registration = app
            .post_ok(&format!("/api/auctions/{id}/registrations"), Some(&buyer.token), json!({ "accept_terms": true }), 201)
            .await;
        assert!(registration["housing_commitment_at"].is_string(), "{registration}");
        let order = registration["payment"]["order_id"].as_str().unwrap();
        app.post_ok(&format!("/api/payments/{order}/sandbox-complete"), Some(&buyer.token), json!({}), 200).await;
        app.open_bidding(&round).await;
        assert_eq!(app.bid(&buyer, &id, "700000").await.0, 201);
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        let deal_id = app.get_ok(&format!("/api/auctions/{id}/result"), None).await["deal_id"].as_str().unwrap().to_owned();
        pay_balance(&app, &buyer, &deal_id).await;

        let step = |path: &str| format!("/api/deals/{deal_id}/{path}");
        app.post_ok(&step("qualification"), Some(&judge.token), json!({ "result": "not_qualified", "evidence": "住建局复函：不符合限购条件" }), 200).await;
        let (status, error) = app.post(&step("ruling"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "buyer_not_qualified"));
        let filed = app.post_ok("/api/objections", Some(&judge.token), objection(&id, "party", &["buyer_not_qualified"]), 201).await;
        let objection_id = filed["id"].as_str().unwrap();
        app.post_ok(&format!("/api/objections/{objection_id}/decision"), Some(&judge.token), json!({ "outcome": "upheld", "reasoning": "买受人不具备购房资格（R32）。" }), 200).await;
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&buyer.token)).await;
        assert_eq!(deal["status"], "revoked");
        assert_eq!(deal["refunds"].as_array().unwrap().len(), 2);
        app.finish().await;
    }
);

db_test!(
    async fn judges_are_reminded_two_days_before_the_ruling_hand_over_and_decision_deadlines(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        let deal_id = sold_to_bob_and_paid(&app, &open).await;
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&judge)).await;
        let reminders = |app: &TestApp| app.outbox().into_iter().filter(|m| m.kind.as_str() == "court_deadline").collect::<Vec<_>>();
        let judges = reminders(&app).len();
        assert_eq!(judges, 0);

        let ruling_due = parse_time(&deal["ruling_due_at"]);
        app.set_clock(ruling_due - Duration::days(2) - Duration::seconds(1)).await;
        assert!(reminders(&app).is_empty(), "not yet");
        app.set_clock(ruling_due - Duration::days(2)).await;
        let first = reminders(&app);
        assert!(!first.is_empty() && first.iter().all(|m| m.raw.contains("出具成交裁定") && m.to.contains("@court.test")), "{first:?}");
        app.advance(3600).await;
        assert_eq!(reminders(&app).len(), first.len(), "once");

        let step = |path: &str| format!("/api/deals/{deal_id}/{path}");
        app.post_ok(&step("qualification"), Some(&judge), json!({ "result": "qualified", "evidence": "符合" }), 200).await;
        app.post_ok(&step("ruling"), Some(&judge), json!({}), 200).await;
        let served = app.now().await;
        app.post_ok(&step("service"), Some(&judge), json!({ "served_at": rfc(served) }), 200).await;
        app.set_clock(served + Duration::days(13)).await;
        let second = reminders(&app);
        assert_eq!(second.len(), first.len() * 2);
        assert!(second.iter().any(|m| m.raw.contains("交付拍卖财产")));

        let filed = app.post_ok("/api/objections", Some(&judge), objection(&open.id, "bidder", &["collusion"]), 201).await;
        app.set_clock(parse_time(&filed["decide_by"]) - Duration::days(2)).await;
        let third = reminders(&app);
        assert_eq!(third.len(), first.len() * 3);
        assert!(third.iter().any(|m| m.raw.contains("审查异议")));
        app.finish().await;
    }
);

db_test!(
    async fn a_balance_paid_after_the_sale_was_set_aside_is_paid_back(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        assert_eq!(app.bid(&open.bob, &open.id, "701000").await.0, 201);
        app.set_clock(parse_time(&open.round["bidding_ends_at"])).await;
        let deal_id = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await["deal_id"].as_str().unwrap().to_owned();
        // Bob starts paying; before the gateway confirms, the sale is set aside.
        let order = app.post_ok(&format!("/api/deals/{deal_id}/balance-payment"), Some(&open.bob.token), json!({}), 201).await;
        let filed = app.post_ok("/api/objections", Some(&judge), objection(&open.id, "party", &["untrue_description"]), 201).await;
        let decision = format!("/api/objections/{}/decision", filed["id"].as_str().unwrap());
        app.post_ok(&decision, Some(&judge), json!({ "outcome": "upheld", "reasoning": "公告严重失实。" }), 200).await;
        let order_id = order["order_id"].as_str().unwrap();
        let (status, error) = app.post(&format!("/api/payments/{order_id}/sandbox-complete"), Some(&open.bob.token), json!({})).await;
        assert_eq!(status.as_u16(), 409, "{error}");
        let mine = app.get_ok("/api/me/deals", Some(&open.bob.token)).await;
        let refunds: Vec<(String, String)> = mine["items"][0]["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["purpose"].as_str().unwrap().to_owned(), r["amount"].as_str().unwrap().to_owned()))
            .collect();
        assert!(refunds.contains(&("balance".to_owned(), "631000.00".to_owned())), "the late balance is paid back: {refunds:?}");
        // One message for each refund: the deposit the revocation owed, and the late balance.
        let told = app.mails_to(&open.bob.email, "payment_refunded", 2).await;
        assert_eq!(told.len(), 2, "{told:?}");
        assert!(told.iter().any(|m| m.raw.contains("631000.00") && m.raw.contains("尾款")), "{told:?}");
        app.finish().await;
    }
);

/// Alice buys at the opening bid and pays the balance; the deal's id.
async fn bought_and_paid(app: &TestApp, open: &OpenRound) -> String {
    let minimum = open.round["minimum_next_bid"].as_str().unwrap().to_owned();
    assert_eq!(app.bid(&open.alice, &open.id, &minimum).await.0, 201);
    app.set_clock(parse_time(&open.round["bidding_ends_at"])).await;
    let deal_id = app.get_ok(&format!("/api/auctions/{}/result", open.id), None).await["deal_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let order = app
        .post_ok(
            &format!("/api/deals/{deal_id}/balance-payment"),
            Some(&open.alice.token),
            json!({}),
            201,
        )
        .await;
    let order = order["order_id"].as_str().unwrap();
    app.post_ok(
        &format!("/api/payments/{order}/sandbox-complete"),
        Some(&open.alice.token),
        json!({}),
        200,
    )
    .await;
    deal_id
}

db_test!(
    async fn a_claim_to_the_property_stops_the_round_whoever_files_it_and_upheld_takes_the_property_off_sale(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        // A party files it (not a third party), with no R65 ground: the round stops all the same.
        let filed = app
            .post_ok(
                "/api/objections",
                Some(&judge),
                json!({
                    "auction_id": open.id, "kind": "ownership_claim",
                    "objector": { "name": "王五", "email": "wangwu@example.test", "role": "party" },
                    "statement": "该房屋系本人购买，仅登记在被执行人名下。",
                }),
                201,
            )
            .await;
        assert_eq!((filed["kind"].as_str(), filed["suspended_round"].as_bool()), (Some("ownership_claim"), Some(true)));
        assert_eq!(app.auction(&open.id).await["status"], "suspended");
        let decision = format!("/api/objections/{}/decision", filed["id"].as_str().unwrap());
        app.post_ok(&decision, Some(&judge), json!({ "outcome": "upheld", "reasoning": "案外人提交购房合同及付款凭证，异议成立。" }), 200).await;
        assert_eq!(app.auction(&open.id).await["status"], "withdrawn");
        let listing = open.round["listing_id"].as_str().unwrap();
        assert_eq!(app.get_ok(&format!("/api/listings/{listing}"), Some(&judge)).await["status"], "released", "off sale for good");
        let kinds: Vec<String> = app.verified_ledger(&open.id).await.iter().map(|e| e.kind.as_str().to_owned()).collect();
        assert!(kinds.iter().any(|k| k == "release"), "{kinds:?}");
        app.finish().await;
    }
);

db_test!(
    async fn no_ruling_while_the_objector_may_ask_for_reconsideration_or_the_higher_court_decides(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        let deal_id = bought_and_paid(&app, &open).await;
        app.post_ok(&format!("/api/deals/{deal_id}/qualification"), Some(&judge), json!({ "result": "qualified", "evidence": "符合购房条件" }), 200).await;
        let filed = app.post_ok("/api/objections", Some(&judge), objection(&open.id, "party", &["collusion"]), 201).await;
        let id = filed["id"].as_str().unwrap().to_owned();
        let decided = app.post_ok(&format!("/api/objections/{id}/decision"), Some(&judge), json!({ "outcome": "rejected", "reasoning": "证据不足。" }), 200).await;
        let until = parse_time(&decided["reconsideration_until"]);
        assert_eq!(until - parse_time(&decided["decided_at"]), Duration::days(10));
        let ruling = format!("/api/deals/{deal_id}/ruling");
        let (status, error) = app.post(&ruling, Some(&judge), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "reconsideration_window"), "{error}");

        // The objector asks the higher court within the ten days: the ruling waits for its decision.
        let reconsider = format!("/api/objections/{id}/reconsideration");
        app.post_ok(&reconsider, Some(&judge), json!({ "requested_at": rfc(app.now().await) }), 200).await;
        let (status, error) = app.post(&reconsider, Some(&judge), json!({ "requested_at": rfc(app.now().await) })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "already_requested"));
        app.set_clock(until + Duration::days(1)).await;
        let (status, error) = app.post(&ruling, Some(&judge), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "reconsideration_pending"));
        app.post_ok(&format!("{reconsider}/decision"), Some(&judge), json!({ "outcome": "rejected", "reasoning": "维持原裁定。" }), 200).await;
        assert_eq!(app.post_ok(&ruling, Some(&judge), json!({}), 200).await["status"], "ruling_issued");
        let kinds: Vec<String> = app.verified_ledger(&open.id).await.iter().map(|e| e.kind.as_str().to_owned()).collect();
        assert_eq!(kinds.iter().filter(|k| k.as_str() == "reconsideration").count(), 2);
        app.finish().await;
    }
);

db_test!(
    async fn a_reconsideration_upheld_by_the_higher_court_sets_the_sale_aside(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        let deal_id = bought_and_paid(&app, &open).await;
        let filed = app.post_ok("/api/objections", Some(&judge), objection(&open.id, "bidder", &["untrue_description"]), 201).await;
        let id = filed["id"].as_str().unwrap().to_owned();
        let decided = app.post_ok(&format!("/api/objections/{id}/decision"), Some(&judge), json!({ "outcome": "rejected", "reasoning": "证据不足。" }), 200).await;
        let late = parse_time(&decided["reconsideration_until"]);
        let (status, error) = app.post(&format!("/api/objections/{id}/reconsideration"), Some(&judge), json!({ "requested_at": rfc(late) })).await;
        assert!(matches!((status.as_u16(), code(&error)), (422, "reconsideration_too_late") | (422, "invalid_time")), "{error}");
        app.post_ok(&format!("/api/objections/{id}/reconsideration"), Some(&judge), json!({ "requested_at": rfc(app.now().await) }), 200).await;
        let upheld = app.post_ok(&format!("/api/objections/{id}/reconsideration/decision"), Some(&judge), json!({ "outcome": "upheld", "reasoning": "上级法院：拍卖公告严重失实。" }), 200).await;
        assert_eq!((upheld["status"].as_str(), upheld["reconsideration_outcome"].as_str()), (Some("upheld"), Some("upheld")));
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&judge)).await;
        assert_eq!(deal["status"], "revoked");
        assert_eq!(deal["refunds"].as_array().unwrap().len(), 2, "the deposit and the balance: {deal}");
        app.finish().await;
    }
);

db_test!(
    async fn a_buyer_who_faked_the_qualification_loses_the_sale_and_the_deposit_as_the_court_decides(db) {
        let app = TestApp::spawn(db).await;
        let open = app.round_open_to_two().await;
        let judge = app.judge_of(open.round["court_id"].as_str().unwrap()).await;
        let deal_id = bought_and_paid(&app, &open).await;
        let void = format!("/api/deals/{deal_id}/void");
        let body = json!({ "reason": "买受人伪造购房资格证明", "deposit": "forfeited", "fine": "50000", "referred": true });
        let (status, error) = app.post(&void, Some(&judge), body.clone()).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "void_not_allowed"), "only once found not qualified");
        app.post_ok(&format!("/api/deals/{deal_id}/qualification"), Some(&judge), json!({ "result": "not_qualified", "evidence": "资格证明系伪造" }), 200).await;
        let voided = app.post_ok(&void, Some(&judge), body, 200).await;
        assert_eq!((voided["status"].as_str(), voided["void_reason"].as_str()), (Some("revoked"), Some("买受人伪造购房资格证明")));
        assert_eq!(voided["liabilities"], json!({ "deposit": "forfeited", "fine": "50000.00", "referred": true }));
        let refunds = voided["refunds"].as_array().unwrap();
        assert_eq!(refunds.len(), 1, "the balance only: {voided}");
        assert_eq!(refunds[0]["purpose"], "balance");
        let mine = app.get_ok("/api/me/registrations", Some(&open.alice.token)).await;
        assert_eq!(mine["items"][0]["deposit"]["status"], "forfeited");
        let entries = app.verified_ledger(&open.id).await;
        assert!(entries.iter().any(|e| e.kind.as_str() == "sale_voided" && e.payload["liabilities"]["referred"] == true));
        assert_eq!(app.auction(&open.id).await["status"], "revoked");
        app.finish().await;
    }
);
