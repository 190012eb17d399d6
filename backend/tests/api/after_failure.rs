//! The law after a failure and after a sale: the sell-off after a failed second auction (R57, R58) and the
//! release after a failed sell-off; objections, their decisions and a sale set aside with refunds (R61–R65);
//! a housing buyer's commitment and qualification (R32); the judges' deadline reminders (R52, R64).

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Bidder, Judge, OpenRound, TestApp, code, parse_time, rfc};

/// A real-estate listing whose round 1 (start 700,000) and round 2 (start 560,000, increment 1,000) both
/// failed, the clock at round 2's close. Returns the listing's id.
async fn failed_twice(app: &TestApp, judge: &Judge) -> String {
    let first = app.published_round(judge).await;
    let listing = first["listing_id"].as_str().unwrap().to_owned();
    app.set_clock(parse_time(&first["bidding_ends_at"])).await;
    let starts = app.now().await + Duration::days(15);
    let (status, second) = app
        .create_round(
            judge,
            &listing,
            json!({
                "starting_price": "560000", "deposit": "56000", "increment": "1000",
                "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
            }),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let second_id = second["id"].as_str().unwrap();
    app.post_ok(
        &format!("/api/auctions/{second_id}/publish"),
        Some(&judge.token),
        json!({}),
        200,
    )
    .await;
    app.set_clock(parse_time(&second["bidding_ends_at"])).await;
    assert_eq!(app.auction(second_id).await["status"], "failed");
    listing
}

/// A published sell-off of a listing that failed twice: price 560,000, deposit 56,000, starting 15 days on.
async fn published_sell_off(app: &TestApp, judge: &Judge) -> Value {
    let listing = failed_twice(app, judge).await;
    let starts = app.now().await + Duration::days(15);
    let (status, sell_off) = app
        .create_round(
            judge,
            &listing,
            json!({ "deposit": "56000", "bidding_starts_at": rfc(starts) }),
        )
        .await;
    assert_eq!(status, 201, "{sell_off}");
    let id = sell_off["id"].as_str().unwrap();
    app.post_ok(
        &format!("/api/auctions/{id}/publish"),
        Some(&judge.token),
        json!({}),
        200,
    )
    .await
}

fn kinds(entries: &[auction_core::ledger::LedgerEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.kind.as_str()).collect()
}

db_test!(
    async fn a_failed_second_auction_is_followed_by_a_sixty_day_sell_off_opened_by_a_bid_at_its_price(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = failed_twice(&app, &judge).await;

        let limits = app.get_ok(&format!("/api/listings/{listing}/round-limits"), Some(&judge.token)).await;
        assert_eq!((limits["round_kind"].as_str(), limits["sell_off_price"].as_str()), (Some("sell_off"), Some("560000.00")));
        assert_eq!((limits["sell_off_days"].as_i64(), limits["notice_days"].as_i64()), (Some(60), Some(15)));
        let starts = app.now().await + Duration::days(15);
        let (status, error) = app
            .create_round(&judge, &listing, json!({ "starting_price": "600000", "deposit": "56000", "bidding_starts_at": rfc(starts) }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "sell_off_price_fixed"));
        assert_eq!(error["error"]["details"]["price"], "560000.00");
        let (status, error) = app
            .create_round(&judge, &listing, json!({ "deposit": "56000", "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::days(30)) }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_sell_off_period"));
        let (status, error) = app
            .create_round(&judge, &listing, json!({ "deposit": "200000", "bidding_starts_at": rfc(starts) }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "deposit_out_of_range"), "5–20 % of the price");

        let (status, sell_off) = app
            .create_round(&judge, &listing, json!({ "deposit": "56000", "bidding_starts_at": rfc(starts) }))
            .await;
        assert_eq!(status, 201, "{sell_off}");
        assert_eq!((sell_off["round_kind"].as_str(), sell_off["round"].as_i64()), (Some("sell_off"), Some(3)));
        assert_eq!(sell_off["starting_price"], "560000.00");
        assert_eq!((sell_off["prepayment"].as_str(), sell_off["deposit"].as_str()), (Some("560000.00"), Some("56000.00")));
        assert_eq!(sell_off["increment"], "1000.00", "round 2's increment");
        assert_eq!(parse_time(&sell_off["sell_off_ends_at"]), starts + Duration::days(60));
        assert_eq!(sell_off["bidding_ends_at"], sell_off["sell_off_ends_at"]);
        let id = sell_off["id"].as_str().unwrap().to_owned();
        app.post_ok(&format!("/api/auctions/{id}/publish"), Some(&judge.token), json!({}), 200).await;
        let round = app.auction(&id).await;
        assert!(round["announcement"].as_str().unwrap().contains("变卖预缴款 ¥560,000.00"));
        let published = app.verified_ledger(&id).await;
        assert_eq!(published[0].payload["terms"]["round_kind"], "sell_off");

        // The prepayment is the price; a defaulting buyer would lose the deposit's part of it.
        let (alice, bob) = (app.new_bidder("艾丽斯").await, app.new_bidder("鲍勃").await);
        let registration = app
            .post_ok(&format!("/api/auctions/{id}/registrations"), Some(&alice.token), json!({ "accept_terms": true, "housing_qualification_commitment": true }), 201)
            .await;
        assert_eq!(registration["deposit"]["amount"], "560000.00");
        assert_eq!(registration["deposit"]["forfeitable"], "56000.00");
        let order = registration["payment"]["order_id"].as_str().unwrap();
        app.post_ok(&format!("/api/payments/{order}/sandbox-complete"), Some(&alice.token), json!({}), 200).await;
        assert!(app.mail_to(&alice.email, "deposit_frozen").await[0].raw.contains("560000.00"));
        app.register_and_pay(&bob, &id).await;

        // Forty days into the period, the first bid — at the price, not above — opens 24 hours of bidding.
        let t = app.set_clock(starts + Duration::days(40)).await;
        let (status, error) = app.bid(&alice, &id, "561000").await;
        assert_eq!((status.as_u16(), code(&error)), (422, "not_sell_off_price"));
        assert_eq!(error["error"]["details"]["price"], "560000.00");
        let (status, _) = app.bid(&alice, &id, "560000").await;
        assert_eq!(status, 201);
        assert_eq!(parse_time(&app.auction(&id).await["bidding_ends_at"]), t + Duration::hours(24));
        assert_eq!(app.bid(&bob, &id, "561000").await.0, 201);
        let late = app.set_clock(t + Duration::hours(24) - Duration::minutes(2)).await;
        assert_eq!(app.bid(&alice, &id, "562000").await.0, 201);
        let round = app.auction(&id).await;
        assert_eq!((parse_time(&round["bidding_ends_at"]), round["extension_count"].as_i64()), (late + Duration::minutes(5), Some(1)));

        app.set_clock(late + Duration::minutes(5)).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!((result["status"].as_str(), result["final_price"].as_str()), (Some("sold"), Some("562000.00")));
        let deal_id = result["deal_id"].as_str().unwrap();
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&alice.token)).await;
        assert_eq!((deal["deposit_applied"].as_str(), deal["balance_due"].as_str()), (Some("560000.00"), Some("2000.00")));
        assert_eq!(deal["status"], "awaiting_balance");
        let bobs = app.get_ok("/api/me/registrations", Some(&bob.token)).await;
        assert_eq!(bobs["items"][0]["deposit"]["status"], "released");
        let entries = app.verified_ledger(&id).await;
        assert!(kinds(&entries).contains(&"sell_off_window"), "{:?}", kinds(&entries));
        let events: Vec<String> = app.auction(&id).await["timeline"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap().to_owned()).collect();
        assert!(events.contains(&"window_opened".to_owned()) && events.contains(&"sold".to_owned()), "{events:?}");
        app.finish().await;
    }
);

db_test!(
    async fn a_sell_off_sold_at_its_price_is_paid_by_the_prepayment(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let sell_off = published_sell_off(&app, &judge).await;
        let id = sell_off["id"].as_str().unwrap().to_owned();
        let alice = app.new_bidder("艾丽斯").await;
        app.register_and_pay(&alice, &id).await;
        let t = app.set_clock(parse_time(&sell_off["bidding_starts_at"]) + Duration::days(3)).await;
        assert_eq!(app.bid(&alice, &id, "560000").await.0, 201);
        app.set_clock(t + Duration::hours(24)).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        let deal = app.get_ok(&format!("/api/deals/{}", result["deal_id"].as_str().unwrap()), Some(&alice.token)).await;
        assert_eq!((deal["status"].as_str(), deal["balance_due"].as_str()), (Some("paid"), Some("0.00")));
        assert_eq!(parse_time(&deal["paid_at"]), t + Duration::hours(24));
        assert_eq!(parse_time(&deal["ruling_due_at"]), t + Duration::hours(24) + Duration::days(10));
        app.finish().await;
    }
);

db_test!(
    async fn a_defaulting_sell_off_buyer_loses_the_deposit_and_gets_the_rest_of_the_prepayment_back(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let sell_off = published_sell_off(&app, &judge).await;
        let id = sell_off["id"].as_str().unwrap().to_owned();
        let listing = sell_off["listing_id"].as_str().unwrap().to_owned();
        let (alice, bob) = (app.new_bidder("艾丽斯").await, app.new_bidder("鲍勃").await);
        app.register_and_pay(&alice, &id).await;
        app.register_and_pay(&bob, &id).await;
        let t = app.set_clock(parse_time(&sell_off["bidding_starts_at"])).await;
        assert_eq!(app.bid(&alice, &id, "560000").await.0, 201);
        assert_eq!(app.bid(&bob, &id, "561000").await.0, 201);
        app.set_clock(t + Duration::hours(24)).await;
        let deal_id = app.get_ok(&format!("/api/auctions/{id}/result"), None).await["deal_id"].as_str().unwrap().to_owned();
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&bob.token)).await;
        assert_eq!(deal["balance_due"], "1000.00");

        app.set_clock(parse_time(&deal["balance_due_at"])).await;
        let mine = app.get_ok("/api/me/deals", Some(&bob.token)).await;
        let deal = &mine["items"][0];
        assert_eq!(deal["status"], "defaulted");
        let refunds = deal["refunds"].as_array().unwrap();
        assert_eq!(refunds.len(), 1, "{deal}");
        assert_eq!((refunds[0]["amount"].as_str(), refunds[0]["purpose"].as_str(), refunds[0]["reason"].as_str()), (Some("504000.00"), Some("prepayment"), Some("default")));
        assert!(refunds[0]["gateway_reference"].as_str().unwrap().starts_with("SANDBOX-REFUND-"));
        assert_eq!(app.get_ok("/api/me/registrations", Some(&bob.token)).await["items"][0]["deposit"]["status"], "forfeited");
        let notice = &app.mail_to(&bob.email, "default_notice").await[0].raw;
        assert!(notice.contains("56000.00") && notice.contains("504000.00"), "{notice}");
        let entries = app.verified_ledger(&id).await;
        let tail = &kinds(&entries)[entries.len() - 2..];
        assert_eq!(tail, ["default", "refund"]);
        let default = &entries[entries.len() - 2].payload;
        assert_eq!((default["forfeited_deposit"].as_str(), default["refunded"].as_str()), (Some("56000.00"), Some("504000.00")));

        // The sell-off is held again at its price, and the defaulter may not take part.
        let starts = app.now().await + Duration::days(15);
        let (status, again) = app.create_round(&judge, &listing, json!({ "deposit": "56000", "bidding_starts_at": rfc(starts) })).await;
        assert_eq!(status, 201, "{again}");
        assert_eq!((again["round_kind"].as_str(), again["starting_price"].as_str()), (Some("sell_off"), Some("560000.00")));
        let again_id = again["id"].as_str().unwrap();
        app.post_ok(&format!("/api/auctions/{again_id}/publish"), Some(&judge.token), json!({}), 200).await;
        let (status, error) = app.post(&format!("/api/auctions/{again_id}/registrations"), Some(&bob.token), json!({ "accept_terms": true, "housing_qualification_commitment": true })).await;
        assert_eq!((status.as_u16(), code(&error)), (403, "barred"));
        app.finish().await;
    }
);

db_test!(
    async fn a_sell_off_without_a_bid_in_sixty_days_fails_and_the_court_may_release_the_listing(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let sell_off = published_sell_off(&app, &judge).await;
        let id = sell_off["id"].as_str().unwrap().to_owned();
        let listing = sell_off["listing_id"].as_str().unwrap().to_owned();
        let release = format!("/api/listings/{listing}/release");
        let (status, error) = app.post(&release, Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "release_not_allowed"), "not while the sell-off runs");

        let ends = parse_time(&sell_off["sell_off_ends_at"]);
        app.set_clock(ends - Duration::seconds(1)).await;
        assert_eq!(app.auction(&id).await["status"], "bidding");
        app.set_clock(ends).await;
        assert_eq!(app.auction(&id).await["status"], "failed");
        let (status, error) = app.create_round(&judge, &listing, json!({ "deposit": "56000", "bidding_starts_at": rfc(ends + Duration::days(20)) })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "no_further_round"));

        let other = app.new_judge().await;
        let (status, _) = app.post(&release, Some(&other.token), json!({})).await;
        assert_eq!(status, 403, "another court's judge");
        let released = app.post_ok(&release, Some(&judge.token), json!({ "reason": "申请执行人不同意以物抵债" }), 200).await;
        assert_eq!(released["status"], "released");
        let entries = app.verified_ledger(&id).await;
        let last = entries.last().unwrap();
        assert_eq!((last.kind.as_str(), last.payload["reason"].as_str()), ("release", Some("申请执行人不同意以物抵债")));
        let (status, error) = app.post(&release, Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "listing_released"));
        let (status, error) = app.create_round(&judge, &listing, json!({ "deposit": "56000", "bidding_starts_at": rfc(ends + Duration::days(20)) })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "listing_released"));
        app.finish().await;
    }
);

db_test!(
    async fn a_sell_off_comes_within_fifteen_days_of_the_failed_second_auction(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = failed_twice(&app, &judge).await;
        let late = app.advance(15 * 86_400 + 1).await;
        let (status, error) = app.create_round(&judge, &listing, json!({ "deposit": "56000", "bidding_starts_at": rfc(late + Duration::days(15)) })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "sell_off_too_late"));
        app.finish().await;
    }
);

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
        let reminders = |app: &TestApp| app.outbox().into_iter().filter(|m| m.kind == "court_deadline").collect::<Vec<_>>();
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
        assert_eq!(app.mail_to(&open.bob.email, "payment_refunded").await.len(), 1);
        app.finish().await;
    }
);
