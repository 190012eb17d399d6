//! What follows a round: the second auction after a failed first (R25, R27), default and re-auction (R55).

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{TestApp, code, parse_time, rfc};

/// Round terms starting at `starts`, 24 hours long, with a ¥1,000 increment.
fn terms(start: &str, deposit: &str, starts: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "starting_price": start, "deposit": deposit, "increment": "1000",
        "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::hours(24)),
    })
}

db_test!(
    async fn a_failed_first_round_is_followed_by_a_second_at_eighty_percent(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let first = app.published_round(&judge).await; // reference 1,000,000; start 700,000
        let listing = first["listing_id"].as_str().unwrap().to_owned();
        app.set_clock(parse_time(&first["bidding_ends_at"])).await;
        assert_eq!(app.auction(first["id"].as_str().unwrap()).await["status"], "failed");

        // 80 % of 700,000 = 560,000; the notice for real estate is 15 days now.
        let today = app.now().await;
        let (status, error) = app.create_round(&judge, &listing, terms("559999", "56000", today + Duration::days(16))).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "starting_price_below_floor"));
        assert_eq!(error["error"]["details"]["floor"], "560000.00");
        let (status, second) = app.create_round(&judge, &listing, terms("560000", "56000", today + Duration::days(14))).await;
        assert_eq!(status.as_u16(), 201, "{second}");
        assert_eq!((second["round"].as_i64(), second["round_kind"].as_str()), (Some(2), Some("second")));
        let second_id = second["id"].as_str().unwrap().to_owned();
        app.ready_to_publish(&judge.token, &second_id).await;
        let (status, error) = app.post(&format!("/api/auctions/{second_id}/publish"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "notice_period_too_short"));
        assert_eq!(error["error"]["details"]["required_days"], 15);
        app.post_ok(&format!("/api/auctions/{second_id}/withdraw"), Some(&judge.token), json!({ "reason": "改期" }), 200).await;
        let (_, second) = app.create_round(&judge, &listing, terms("560000", "56000", today + Duration::days(15))).await;
        let second_id = second["id"].as_str().unwrap().to_owned();
        app.publish(&judge.token, &second_id).await;

        // Round 2 fails too: what follows is the sell-off at its price (R57; after_failure.rs).
        app.set_clock(parse_time(&second["bidding_ends_at"])).await;
        let limits = app.get_ok(&format!("/api/listings/{listing}/round-limits"), Some(&judge.token)).await;
        assert_eq!((limits["round_kind"].as_str(), limits["sell_off_price"].as_str()), (Some("sell_off"), Some("560000.00")));
        app.finish().await;
    }
);

db_test!(
    async fn a_second_round_must_come_within_thirty_days(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let first = app.published_round(&judge).await;
        let listing = first["listing_id"].as_str().unwrap().to_owned();
        app.set_clock(parse_time(&first["bidding_ends_at"]) + Duration::days(31)).await;
        let (status, error) = app.create_round(&judge, &listing, terms("560000", "56000", app.now().await + Duration::days(20))).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "second_round_too_late"));
        app.finish().await;
    }
);

db_test!(
    async fn a_buyer_who_does_not_pay_loses_the_deposit_and_may_not_bid_again(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let listing = round["listing_id"].as_str().unwrap().to_owned();
        let reneger = app.new_bidder("悔拍人").await;
        let other = app.new_bidder("刘博").await;
        app.register_and_pay(&reneger, &id).await;
        app.register_and_pay(&other, &id).await;
        assert!(app.mail_to(&reneger.email, "deposit_frozen").await[0].raw.contains("70000.00"));
        app.open_bidding(&round).await;
        assert_eq!(app.mail_to(&other.email, "bidding_opens").await.len(), 1);
        app.bid(&other, &id, "700000").await;
        app.bid(&reneger, &id, "801000").await;
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        let deal_id = result["deal_id"].as_str().unwrap().to_owned();
        assert!(app.mail_to(&reneger.email, "won").await[0].raw.contains("731000.00"), "the balance due");
        assert_eq!(app.mail_to(&other.email, "deposit_released").await.len(), 1);

        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&reneger.token)).await;
        let due = parse_time(&deal["balance_due_at"]);
        app.set_clock(due - Duration::days(2)).await;
        assert_eq!(app.mail_to(&reneger.email, "balance_reminder").await.len(), 1, "reminded two days ahead");
        app.set_clock(due - Duration::days(1)).await;
        assert_eq!(app.mail_to(&reneger.email, "balance_reminder").await.len(), 1, "once");
        app.set_clock(due).await;
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&judge.token)).await;
        assert_eq!(deal["status"], "defaulted");
        assert_eq!(app.get_ok("/api/me/registrations", Some(&reneger.token)).await["items"][0]["deposit"]["status"], "forfeited");
        assert!(app.mail_to(&reneger.email, "default_notice").await[0].raw.contains("不予退还"));
        let entries = app.verified_ledger(&id).await;
        assert_eq!(entries.last().unwrap().kind.as_str(), "default");
        assert_eq!(app.auction(&id).await["timeline"].as_array().unwrap().last().unwrap()["event"], "defaulted");
        let (status, error) = app.post(&format!("/api/deals/{deal_id}/balance-payment"), Some(&reneger.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "deal_not_awaiting_balance"));

        // The re-auction keeps round 1's floor (70 % of the reference).
        let today = app.now().await;
        let (status, error) = app.create_round(&judge, &listing, terms("699000", "70000", today + Duration::days(31))).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "starting_price_below_floor"));
        let (status, again) = app.create_round(&judge, &listing, terms("700000", "70000", today + Duration::days(31))).await;
        assert_eq!(status.as_u16(), 201, "{again}");
        assert_eq!(again["round_kind"], "reauction_of_first");
        let again_id = again["id"].as_str().unwrap().to_owned();
        app.publish(&judge.token, &again_id).await;

        // Barred by identity; and no second account can be made with the same ID number to escape it.
        let (status, error) = app.post(&format!("/api/auctions/{again_id}/registrations"), Some(&reneger.token), json!({ "accept_terms": true, "housing_qualification_commitment": true })).await;
        assert_eq!((status.as_u16(), code(&error)), (403, "barred"));
        let (status, error) = app
            .post(
                "/api/auth/register",
                None,
                json!({ "email": "alias@example.test", "password": "a-long-password", "real_name": "换号人", "id_number": reneger.id_number }),
            )
            .await;
        assert_eq!((status.as_u16(), code(&error)), (409, "identity_in_use"));
        app.post_ok(&format!("/api/auctions/{again_id}/registrations"), Some(&other.token), json!({ "accept_terms": true, "housing_qualification_commitment": true }), 201).await;
        app.finish().await;
    }
);

db_test!(
    async fn a_price_that_expires_between_rounds_serves_six_months_more_or_is_fixed_anew(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let t0 = app.now().await;
        let (near, far) = (app.new_listing(&judge, "real_estate").await, app.new_listing(&judge, "real_estate").await);
        for listing in [&near, &far] {
            app.appraise(&judge, listing, "1000000").await; // valid one year: until t0 + 365 days
        }
        // Round 1 of each announced within the validity, failing just before it ends.
        app.set_clock(t0 + Duration::days(320)).await;
        let mut ends = t0;
        for listing in [&near, &far] {
            let (_, round) = app.create_round(&judge, listing, terms("700000", "70000", app.now().await + Duration::days(31))).await;
            let id = round["id"].as_str().unwrap().to_owned();
            app.publish(&judge.token, &id).await;
            ends = parse_time(&round["bidding_ends_at"]);
        }
        app.set_clock(ends).await;
        app.set_clock(t0 + Duration::days(370)).await; // the price has expired

        // Round 2 ending within six months of the expiry needs no new price (R18).
        let (_, second) = app.create_round(&judge, &near, terms("560000", "56000", app.now().await + Duration::days(16))).await;
        let second_id = second["id"].as_str().unwrap();
        let published = app.publish(&judge.token, second_id).await;
        assert_eq!(published["status"], "announced");
        // While it is announced the price is locked.
        let (status, error) = app
            .post(&format!("/api/listings/{near}/valuations"), Some(&judge.token), json!({ "method": "appraisal", "quotes": [{ "source": "a", "amount": "900000" }] }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (409, "reference_price_locked"));

        // One ending later than that needs a new price, which may be fixed now that no round is live.
        let (_, late) = app.create_round(&judge, &far, terms("560000", "56000", app.now().await + Duration::days(200))).await;
        let late_id = late["id"].as_str().unwrap();
        app.ready_to_publish(&judge.token, late_id).await;
        let (status, error) = app.post(&format!("/api/auctions/{late_id}/publish"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "reference_price_expired"));
        let repriced = app.appraise(&judge, &far, "950000").await;
        assert_eq!(repriced["reference_price"], "950000.00");
        app.publish(&judge.token, late_id).await;
        app.finish().await;
    }
);
