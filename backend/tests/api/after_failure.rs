//! The law after a failure: the sell-off after a failed second auction (R57, R58) and the release after a
//! failed sell-off. Objections and a sale set aside are in `objections.rs`.

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{Judge, TestApp, code, parse_time, rfc};

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
    app.publish(&judge.token, second_id).await;
    app.set_clock(parse_time(&second["bidding_ends_at"])).await;
    assert_eq!(app.auction(second_id).await["status"], "failed");
    listing
}

/// A published sell-off of a listing that failed twice: price 560,000, deposit 56,000, starting 15 days on.
pub(crate) async fn published_sell_off(app: &TestApp, judge: &Judge) -> Value {
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
    app.publish(&judge.token, id).await
}

pub(crate) fn kinds(entries: &[auction_core::ledger::LedgerEntry]) -> Vec<&str> {
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
        app.publish(&judge.token, &id).await;
        let round = app.auction(&id).await;
        assert!(round["announcement"].as_str().unwrap().contains("变卖预缴款 ¥560,000.00"));
        let published = app.verified_ledger(&id).await;
        let announced = published.iter().find(|e| e.kind.as_str() == "status").expect("the announcement");
        assert_eq!(announced.payload["terms"]["round_kind"], "sell_off");

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
        app.publish(&judge.token, again_id).await;
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
