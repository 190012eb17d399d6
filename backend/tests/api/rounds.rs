//! Reference prices, creating and publishing rounds: every 422 of the contract.

use chrono::Duration;
use serde_json::{Value, json};

use crate::db_test;
use crate::helpers::{TestApp, parse_time, rfc};

db_test!(
    async fn money_round_trips_exactly_through_the_database(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        for amount in ["41999999.99", "0.01", "99999999999999.99", "29400000"] {
            let listing = app.new_listing(&judge, "real_estate").await;
            let priced = app.appraise(&judge, &listing, amount).await;
            let expected = if amount.contains('.') { amount.to_owned() } else { format!("{amount}.00") };
            assert_eq!(priced["reference_price"], json!(expected));
            let read_back = app.get_ok(&format!("/api/listings/{listing}"), Some(&judge.token)).await;
            assert_eq!(read_back["reference_price"], json!(expected), "{amount} after a database round trip");
        }
        app.finish().await;
    }
);

db_test!(
    async fn online_inquiry_takes_the_mean_and_the_price_locks_at_publication(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = app.new_listing(&judge, "real_estate").await;
        let quotes = json!({ "method": "online_inquiry", "quotes": [
            { "source": "淘宝询价", "amount": "4000000" },
            { "source": "京东询价", "amount": "4100000" },
            { "source": "工行融e购询价", "amount": "4300000" },
        ]});
        let priced = app.post_ok(&format!("/api/listings/{listing}/valuations"), Some(&judge.token), quotes, 201).await;
        assert_eq!(priced["reference_price"], "4133333.33");
        assert_eq!(priced["reference_method"], "online_inquiry");
        assert_eq!(priced["status"], "priced");
        assert!(priced["reference_valid_until"].is_string());

        let (status, error) = app
            .post(&format!("/api/listings/{listing}/valuations"), Some(&judge.token), json!({ "method": "appraisal", "quotes": [{ "source": "a", "amount": "1" }, { "source": "b", "amount": "2" }] }))
            .await;
        assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (422, Some("invalid_quotes")));

        let starts = app.now().await + Duration::days(30);
        let (status, round) = app.create_round(&judge, &listing, terms("2893333.34", "144666.67", "10000", starts)).await;
        assert_eq!(status.as_u16(), 201, "{round}");
        // While the round is a draft the price may still change…
        app.appraise(&judge, &listing, "4133333.33").await;
        app.publish(&judge.token, round["id"].as_str().unwrap()).await;
        // …but not once it is published.
        let (status, error) = app
            .post(&format!("/api/listings/{listing}/valuations"), Some(&judge.token), json!({ "method": "appraisal", "quotes": [{ "source": "a", "amount": "1" }] }))
            .await;
        assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (409, Some("reference_price_locked")));
        // And the listing is now public.
        app.get_ok(&format!("/api/listings/{listing}"), None).await;
        app.finish().await;
    }
);

fn terms(start: &str, deposit: &str, increment: &str, starts: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "starting_price": start,
        "deposit": deposit,
        "increment": increment,
        "bidding_starts_at": rfc(starts),
        "bidding_ends_at": rfc(starts + Duration::hours(24)),
        "balance_due_days": 10,
    })
}

db_test!(
    async fn creating_a_round_refuses_every_invalid_term(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let unpriced = app.new_listing(&judge, "real_estate").await;
        let starts = app.now().await + Duration::days(40);
        let (status, error) = app.create_round(&judge, &unpriced, terms("29400000", "1470000", "100000", starts)).await;
        assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (422, Some("no_reference_price")));

        // The seed case: reference ¥42,000,000.
        let listing = app.new_listing(&judge, "real_estate").await;
        app.appraise(&judge, &listing, "42000000").await;
        let mut too_short = terms("29400000", "1470000", "100000", starts);
        too_short["bidding_ends_at"] = json!(rfc(starts + Duration::hours(24) - Duration::seconds(1)));
        let cases: Vec<(Value, &str)> = vec![
            (terms("29399999.99", "1470000", "100000", starts), "starting_price_below_floor"),
            (terms("29400000", "1469999.99", "100000", starts), "deposit_out_of_range"),
            (terms("29400000", "5880000.01", "100000", starts), "deposit_out_of_range"),
            (terms("29400000", "1470000", "29400000.01", starts), "invalid_increment"),
            (too_short, "bidding_too_short"),
            (json!({ "starting_price": 29400000, "deposit": "1470000", "increment": "100000", "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + Duration::days(1)) }), "invalid_amount"),
            (terms("29400000.001", "1470000", "100000", starts), "invalid_amount"),
            (terms("-29400000", "1470000", "100000", starts), "invalid_amount"),
            (terms("29400000", "0", "100000", starts), "invalid_amount"),
            (terms("100000000000000", "1470000", "100000", starts), "invalid_amount"),
        ];
        for (body, code) in cases {
            let (status, error) = app.create_round(&judge, &listing, body.clone()).await;
            assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (422, Some(code)), "{body}: {error}");
        }
        // Exactly at the floors, all is well: 70 % of the reference, 5 % and 20 % deposits, 24 h.
        let (status, round) = app.create_round(&judge, &listing, terms("29400000", "1470000", "100000", starts)).await;
        assert_eq!(status.as_u16(), 201, "{round}");
        assert_eq!(round["status"], "draft");
        assert_eq!(round["round"], 1);
        assert_eq!(round["starting_price"], "29400000.00");
        assert_eq!(round["minimum_next_bid"], "29400000.00");
        assert_eq!(round["current_price"], Value::Null);
        // A second draft of the same listing is a conflict.
        let (status, error) = app.create_round(&judge, &listing, terms("29400000", "5880000", "100000", starts)).await;
        assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (409, Some("round_in_progress")));
        app.finish().await;
    }
);

db_test!(
    async fn publishing_needs_the_full_notice_period_in_beijing_days(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        // Today is 2027-01-01 09:00 Beijing time.
        app.set_clock("2027-01-01T01:00:00Z".parse().unwrap()).await;
        for (category, short_start, ok_start) in [
            ("real_estate", "2027-01-30T02:00:00Z", "2027-01-31T02:00:00Z"),
            ("other_right", "2027-01-30T02:00:00Z", "2027-01-31T02:00:00Z"),
            ("movable", "2027-01-15T02:00:00Z", "2027-01-16T02:00:00Z"),
        ] {
            let listing = app.new_listing(&judge, category).await;
            app.appraise(&judge, &listing, "100000").await;
            let (_, round) = app.create_round(&judge, &listing, terms("70000", "7000", "500", short_start.parse().unwrap())).await;
            let id = round["id"].as_str().unwrap().to_owned();
            app.ready_to_publish(&judge.token, &id).await;
            let (status, error) = app.post(&format!("/api/auctions/{id}/publish"), Some(&judge.token), json!({})).await;
            assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (422, Some("notice_period_too_short")), "{category}: {error}");
            assert_eq!(app.get_ok(&format!("/api/auctions/{id}"), Some(&judge.token)).await["status"], "draft", "a refusal changes nothing");
            // Withdraw the draft and try again with one more day.
            app.post_ok(&format!("/api/auctions/{id}/withdraw"), Some(&judge.token), json!({ "reason": "重新定期" }), 200).await;
            let (_, round) = app.create_round(&judge, &listing, terms("70000", "7000", "500", ok_start.parse().unwrap())).await;
            let id = round["id"].as_str().unwrap();
            let published = app.publish(&judge.token, id).await;
            assert_eq!(published["status"], "announced");
            let (status, error) = app.post(&format!("/api/auctions/{id}/publish"), Some(&judge.token), json!({})).await;
            assert_eq!((status.as_u16(), error["error"]["code"].as_str()), (409, Some("invalid_status")));
        }
        app.finish().await;
    }
);

db_test!(
    async fn drafts_are_private_and_the_public_list_filters(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let other = app.new_judge().await;
        let published = app.published_round(&judge).await;
        let listing = app.new_listing(&judge, "movable").await;
        app.appraise(&judge, &listing, "50000").await;
        let starts = app.now().await + Duration::days(20);
        let (_, draft) = app.create_round(&judge, &listing, terms("35000", "3500", "100", starts)).await;
        let draft_id = draft["id"].as_str().unwrap();

        assert_eq!(app.get(&format!("/api/auctions/{draft_id}"), None).await.0.as_u16(), 404);
        assert_eq!(app.get(&format!("/api/auctions/{draft_id}"), Some(&other.token)).await.0.as_u16(), 404);
        app.get_ok(&format!("/api/auctions/{draft_id}"), Some(&judge.token)).await;
        let (status, _) = app.post(&format!("/api/auctions/{draft_id}/publish"), Some(&other.token), json!({})).await;
        assert_eq!(status.as_u16(), 404);

        let all = app.get_ok("/api/auctions", None).await;
        assert_eq!(all["total"], 1);
        assert_eq!(all["items"][0]["id"], published["id"]);
        assert_eq!((all["page"].as_u64(), all["per_page"].as_u64()), (Some(1), Some(20)));
        let court = judge.court_id;
        assert_eq!(app.get_ok(&format!("/api/auctions?status=announced&category=real_estate&court_id={court}"), None).await["total"], 1);
        assert_eq!(app.get_ok("/api/auctions?category=movable", None).await["total"], 0);
        assert_eq!(app.get_ok("/api/auctions?q=%E6%9C%9B%E6%B1%9F%E8%B7%AF", None).await["total"], 1, "search by 望江路");
        assert_eq!(app.get_ok("/api/auctions?q=nothing-like-this", None).await["total"], 0);
        assert_eq!(app.get("/api/auctions?status=nonsense", None).await.0.as_u16(), 400);
        assert_eq!(app.get("/api/auctions?per_page=1000", None).await.0.as_u16(), 400);
        app.finish().await;
    }
);

db_test!(
    async fn the_console_is_told_the_next_rounds_limits_as_create_applies_them(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = app.new_listing(&judge, "movable").await;
        let path = format!("/api/listings/{listing}/round-limits");

        let before = app.get_ok(&path, Some(&judge.token)).await;
        assert_eq!(before["round_kind"], "first");
        assert_eq!(before["starting_price_floor"], Value::Null, "no reference price yet: {before}");

        app.appraise(&judge, &listing, "1000000.00").await;
        let now = app.set_clock(parse_time(&json!("2027-01-01T15:59:59Z"))).await;
        let limits = app
            .get_ok(&format!("{path}?starting_price=700000.01"), Some(&judge.token))
            .await;
        assert_eq!(limits["starting_price_floor"], "700000.00", "70 % of the reference (R24)");
        assert_eq!((&limits["deposit_min"], &limits["deposit_max"]), (&json!("35000.01"), &json!("140000.00")));
        assert_eq!(limits["notice_days"], 15);
        // 23:59:59 in Beijing on 1 January: fifteen calendar days on is 16 January, 00:00 Beijing.
        assert_eq!(limits["earliest_bidding_start"], "2027-01-15T16:00:00.000Z");
        assert_eq!(limits["min_bidding_hours"], 24);

        // What the limits allow, create and publish accept; a cent or a second less, they refuse.
        let terms = |start: &str, price: &str| {
            let starts = parse_time(&json!(start));
            json!({
                "starting_price": price, "deposit": "35000.01", "increment": "1000.00",
                "bidding_starts_at": rfc(starts), "bidding_ends_at": rfc(starts + chrono::Duration::hours(24)),
            })
        };
        let (status, body) = app.create_round(&judge, &listing, terms("2027-01-15T16:00:00Z", "699999.99")).await;
        assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (422, Some("starting_price_below_floor")));
        let (status, early) = app.create_round(&judge, &listing, terms("2027-01-15T15:59:59Z", "700000.01")).await;
        assert_eq!(status, 201, "{early}");
        let early_id = early["id"].as_str().unwrap();
        app.ready_to_publish(&judge.token, early_id).await;
        let (status, body) = app.post(&format!("/api/auctions/{early_id}/publish"), Some(&judge.token), json!({})).await;
        assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (422, Some("notice_period_too_short")));
        app.post_ok(&format!("/api/auctions/{early_id}/withdraw"), Some(&judge.token), json!({"reason": "日期有误"}), 200)
            .await;
        let (status, round) = app.create_round(&judge, &listing, terms("2027-01-15T16:00:00Z", "700000.01")).await;
        assert_eq!(status, 201, "{round}");
        let id = round["id"].as_str().unwrap();
        app.publish(&judge.token, id).await;
        assert_eq!(app.now().await, now);

        // While that round runs there is no next one; another court's judge sees nothing.
        let (status, body) = app.get(&path, Some(&judge.token)).await;
        assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (409, Some("round_in_progress")));
        let stranger = app.new_judge().await;
        let (status, _) = app.get(&path, Some(&stranger.token)).await;
        assert_eq!(status, 403);
        app.finish().await;
    }
);

db_test!(
    async fn a_round_shows_its_announcement_and_registration_records_the_terms_accepted(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let listing = app.new_listing(&judge, "real_estate").await;
        app.appraise(&judge, &listing, "1000000").await;
        let starts = app.now().await + Duration::days(31);
        let mut body = terms("700000", "70000", "1000", starts);
        body["special_reminders"] = json!(["该房屋存在租赁，租期至2028年12月31日。"]);
        let (_, round) = app.create_round(&judge, &listing, body).await;
        let id = round["id"].as_str().unwrap().to_owned();
        app.publish(&judge.token, &id).await;
        let detail = app.auction(&id).await;
        let announcement = detail["announcement"].as_str().unwrap();
        assert!(announcement.contains("杭州市上城区人民法院") && announcement.contains("¥700,000.00（柒拾万元整）"), "{announcement}");
        assert!(detail["bidding_instructions"].as_str().unwrap().contains("五分钟"));
        let reminders = detail["special_reminders"].as_array().unwrap();
        assert_eq!(reminders.len(), 9, "the seven of R30, the housing qualification (R32) and the court's own");
        assert!(reminders[2].as_str().unwrap().contains("抵押权人"), "the listing's burdens are disclosed");
        let version = detail["terms_version"].as_str().unwrap();
        let list = app.get_ok("/api/auctions", None).await;
        assert!(list["items"][0].get("announcement").is_none(), "lists stay light");

        let alice = app.new_bidder("陈爱丽").await;
        let registration = app.post_ok(&format!("/api/auctions/{id}/registrations"), Some(&alice.token), json!({ "accept_terms": true, "housing_qualification_commitment": true }), 201).await;
        assert_eq!(registration["terms_version"], version);
        app.finish().await;
    }
);

db_test!(
    async fn the_ledger_keeps_the_terms_announced_and_every_file_added_after(db) {
        use sha2::{Digest, Sha256};
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        let entries = app.verified_ledger(id).await;
        // Before it, the court's duties: the parties told (here, their waivers) and the panel (R7, R31).
        let duties: Vec<&str> = entries.iter().take_while(|e| e.kind.as_str() != "status").map(|e| e.kind.as_str()).collect();
        assert_eq!(duties, ["notice", "notice", "panel"]);
        let entries = &entries[duties.len()..];
        let terms = &entries[0].payload["terms"];
        assert_eq!(entries[0].payload["status"], "announced");
        assert_eq!(terms["starting_price"], round["starting_price"], "{terms}");
        assert_eq!(terms["deposit"], round["deposit"]);
        assert_eq!(terms["increment"], round["increment"]);
        assert_eq!(terms["bidding_ends_at"], round["bidding_ends_at"]);
        assert_eq!(terms["round_kind"], "first");
        let full = app.auction(id).await;
        let announcement = full["announcement"].as_str().unwrap();
        assert_eq!(terms["announcement_sha256"], hex::encode(Sha256::digest(announcement.as_bytes())));

        let listing = round["listing_id"].as_str().unwrap();
        let (status, file) = crate::helpers::upload(&app, &judge.token, listing, "补充说明.png", crate::helpers::PNG, None).await;
        assert_eq!(status, 201, "{file}");
        let entries = app.verified_ledger(id).await;
        let last = entries.last().unwrap();
        assert_eq!(last.kind.as_str(), "file_added");
        assert_eq!(last.payload["file_id"], file["id"]);
        assert_eq!(last.payload["file_name"], "补充说明.png");
        app.finish().await;
    }
);
