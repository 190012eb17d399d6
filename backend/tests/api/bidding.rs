//! A round from registration to paid balance, and every refusal on the way.

use chrono::Duration;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::{TestApp, code, parse_time};

db_test!(
    async fn a_round_runs_from_registration_to_paid_balance(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let alice = app.new_bidder("陈爱丽").await;
        let bob = app.new_bidder("刘博").await;
        let carol = app.new_bidder("周卡萝").await;

        // Registration: terms must be accepted, one registration per person.
        let (status, error) = app.post(&format!("/api/auctions/{id}/registrations"), Some(&alice.token), json!({ "accept_terms": false })).await;
        assert_eq!((status.as_u16(), code(&error)), (422, "terms_not_accepted"));
        let registration = app.post_ok(&format!("/api/auctions/{id}/registrations"), Some(&alice.token), json!({ "accept_terms": true, "housing_qualification_commitment": true }), 201).await;
        assert_eq!(registration["deposit"], json!({ "amount": "70000.00", "forfeitable": "70000.00", "status": "unpaid" }));
        assert_eq!(registration["priority_rank"], Value::Null);
        let alice_code = registration["bidder_code"].as_str().unwrap().to_owned();
        let (status, error) = app.post(&format!("/api/auctions/{id}/registrations"), Some(&alice.token), json!({ "accept_terms": true, "housing_qualification_commitment": true })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "already_registered"));
        let (status, error) = app.post(&format!("/api/auctions/{id}/registrations"), Some(&judge.token), json!({ "accept_terms": true, "housing_qualification_commitment": true })).await;
        assert_eq!((status.as_u16(), code(&error)), (403, "excluded_person"), "a judge never bids (R9)");

        // Paying the deposit is idempotent, and only the payer may pay.
        let order = registration["payment"]["order_id"].as_str().unwrap();
        let (status, _) = app.post(&format!("/api/payments/{order}/sandbox-complete"), Some(&bob.token), json!({})).await;
        assert_eq!(status.as_u16(), 403);
        for _ in 0..2 {
            let paid = app.post_ok(&format!("/api/payments/{order}/sandbox-complete"), Some(&alice.token), json!({}), 200).await;
            assert_eq!(paid["status"], "paid");
        }
        let mine = app.get_ok("/api/me/registrations", Some(&alice.token)).await;
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0]["deposit"]["status"], "frozen");
        let bob_code = app.register_and_pay(&bob, &id).await;
        // Carol registers but never pays.
        app.post_ok(&format!("/api/auctions/{id}/registrations"), Some(&carol.token), json!({ "accept_terms": true, "housing_qualification_commitment": true }), 201).await;
        assert_eq!(app.auction(&id).await["registrations_count"], 3);

        // Before the start, nobody bids.
        let (status, error) = app.bid(&alice, &id, "700000").await;
        assert_eq!((status.as_u16(), code(&error)), (409, "auction_not_bidding"));
        app.open_bidding(&round).await;
        assert_eq!(app.auction(&id).await["status"], "bidding");

        // Refusals, each with its code.
        let stranger = app.new_bidder("路人").await;
        let (status, error) = app.bid(&stranger, &id, "700000").await;
        assert_eq!((status.as_u16(), code(&error)), (403, "not_registered"));
        let (status, error) = app.bid(&carol, &id, "700000").await;
        assert_eq!((status.as_u16(), code(&error)), (403, "deposit_unpaid"));
        let (status, error) = app.bid(&alice, &id, "699000").await;
        assert_eq!((status.as_u16(), code(&error)), (422, "below_starting_price"));
        let (status, error) = app.bid(&alice, &id, "700500").await;
        assert_eq!((status.as_u16(), code(&error)), (422, "not_on_increment"));
        let (status, error) = app
            .post(&format!("/api/auctions/{id}/bids"), Some(&alice.token), json!({ "amount": 700000, "request_id": Uuid::new_v4() }))
            .await;
        assert_eq!((status.as_u16(), code(&error)), (422, "invalid_amount"));
        assert_eq!(app.auction(&id).await["bid_count"], 0, "refused bids change nothing");

        // Alice opens at the starting price; Bob must beat her by an increment.
        let (status, first) = app.bid(&alice, &id, "700000").await;
        assert_eq!(status.as_u16(), 201, "{first}");
        assert_eq!(first["bid"]["seq"], 1);
        assert_eq!(first["bid"]["bidder_code"], json!(alice_code));
        assert_eq!(first["bid"]["amount"], "700000.00");
        assert_eq!(first["auction"]["current_price"], "700000.00");
        assert_eq!(first["auction"]["leader_code"], json!(alice_code));
        let (status, error) = app.bid(&alice, &id, "702000").await;
        assert_eq!((status.as_u16(), code(&error)), (422, "already_leading"));
        let (status, error) = app.bid(&bob, &id, "700000").await;
        assert_eq!((status.as_u16(), code(&error)), (422, "bid_too_low"));
        assert_eq!(error["error"]["details"]["minimum"], "701000.00");
        assert_eq!(app.auction(&id).await["minimum_next_bid"], "701000.00");
        app.post_ok(&format!("/api/auctions/{id}/bids"), Some(&bob.token), json!({ "amount": "705000", "request_id": Uuid::new_v4() }), 201).await;

        // Two minutes before the end, Alice bids: the end moves to three minutes after the old end.
        let end = parse_time(&round["bidding_ends_at"]);
        app.set_clock(end - Duration::minutes(2)).await;
        let (status, sniped) = app.bid(&alice, &id, "706000").await;
        assert_eq!(status.as_u16(), 201);
        assert_eq!(parse_time(&sniped["auction"]["bidding_ends_at"]), end + Duration::minutes(3));
        assert_eq!(sniped["auction"]["extension_count"], 1);
        // The old end passes: still bidding.
        app.set_clock(end + Duration::seconds(1)).await;
        assert_eq!(app.auction(&id).await["status"], "bidding");
        let (status, error) = app.get(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "auction_not_closed"));

        // The public record shows codes, newest first, and never a name before the end.
        let bids = app.get_ok(&format!("/api/auctions/{id}/bids"), None).await;
        assert_eq!(bids["total"], 3);
        let statuses: Vec<&str> = bids["items"].as_array().unwrap().iter().map(|b| b["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["leading", "outbid", "outbid"]);
        assert_eq!(bids["items"][0]["bidder_code"], json!(alice_code));
        assert_eq!(bids["items"][1]["bidder_code"], json!(bob_code));
        for body in [bids.to_string(), app.auction(&id).await.to_string(), app.get_ok(&format!("/api/auctions/{id}/ledger"), Some(&judge.token)).await.to_string()] {
            for secret in [&alice.real_name, &alice.email, &alice.id_number, &bob.real_name, &bob.id_number] {
                assert!(!body.contains(secret.as_str()), "{secret} leaked before the end");
            }
        }

        // At the new end the round closes: sold to Alice.
        app.set_clock(end + Duration::minutes(3)).await;
        let closed = app.auction(&id).await;
        assert_eq!(closed["status"], "sold");
        let (status, late) = app.bid(&bob, &id, "800000").await;
        assert_eq!((status.as_u16(), code(&late)), (409, "auction_not_bidding"));
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!(result["status"], "sold");
        assert_eq!(result["final_price"], "706000.00");
        assert_eq!(result["winner_code"], json!(alice_code));
        assert_eq!(result["buyer_name"], json!(alice.real_name));
        let deal_id = result["deal_id"].as_str().unwrap().to_owned();
        assert_eq!(result["confirmation_url"], json!(format!("/api/deals/{deal_id}/confirmation")));
        let bids = app.get_ok(&format!("/api/auctions/{id}/bids"), None).await;
        assert_eq!(bids["items"][0]["status"], "winning");

        // Deposits: the winner's applied, the loser's released, the unpaid one untouched.
        let deposit_of = |body: Value| body["items"][0]["deposit"]["status"].as_str().unwrap().to_owned();
        assert_eq!(deposit_of(app.get_ok("/api/me/registrations", Some(&alice.token)).await), "applied");
        assert_eq!(deposit_of(app.get_ok("/api/me/registrations", Some(&bob.token)).await), "released");
        assert_eq!(deposit_of(app.get_ok("/api/me/registrations", Some(&carol.token)).await), "unpaid");

        // The deal: the deposit credited, the balance due in ten days.
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&alice.token)).await;
        assert_eq!(deal["final_price"], "706000.00");
        assert_eq!(deal["deposit_applied"], "70000.00");
        assert_eq!(deal["balance_due"], "636000.00");
        assert_eq!(deal["status"], "awaiting_balance");
        assert_eq!(parse_time(&deal["balance_due_at"]), end + Duration::minutes(3) + Duration::days(10));
        app.get_ok(&format!("/api/deals/{deal_id}"), Some(&judge.token)).await;
        assert_eq!(app.get(&format!("/api/deals/{deal_id}"), Some(&bob.token)).await.0.as_u16(), 403);
        assert_eq!(app.get_ok("/api/me/deals", Some(&alice.token)).await["total"], 1);

        // The confirmation page is public and names the buyer.
        let (status, html) = app.get(&format!("/api/deals/{deal_id}/confirmation"), None).await;
        assert_eq!(status.as_u16(), 200);
        let html = html.as_str().unwrap();
        assert!(html.contains("网络竞价成功确认书") && html.contains(&alice.real_name) && html.contains("¥706,000.00"));

        // The balance is paid through the gateway; only the buyer may start it.
        assert_eq!(app.post(&format!("/api/deals/{deal_id}/balance-payment"), Some(&bob.token), json!({})).await.0.as_u16(), 403);
        let order = app.post_ok(&format!("/api/deals/{deal_id}/balance-payment"), Some(&alice.token), json!({}), 201).await;
        assert_eq!(order["amount"], "636000.00");
        let order_id = order["order_id"].as_str().unwrap();
        app.post_ok(&format!("/api/payments/{order_id}/sandbox-complete"), Some(&alice.token), json!({}), 200).await;
        let deal = app.get_ok(&format!("/api/deals/{deal_id}"), Some(&alice.token)).await;
        assert_eq!(deal["status"], "paid");
        let (status, error) = app.post(&format!("/api/deals/{deal_id}/balance-payment"), Some(&alice.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "deal_not_awaiting_balance"));

        // The ledger holds every event, chained.
        let entries = app.verified_ledger(&id).await;
        let kinds: Vec<String> = entries.iter().map(|e| format!("{}:{}", e.kind, e.payload["status"].as_str().unwrap_or(""))).collect();
        // The court's duties before the announcement (the parties' waivers of the notice, the panel), then the
        // sale; after the close, Bob's released deposit is paid back (R53); Alice's is applied to the price.
        assert_eq!(kinds, ["notice:", "notice:", "panel:", "status:announced", "status:bidding", "bid:", "bid:", "bid:", "extension:", "status:sold", "refund:"]);
        assert_eq!(entries.last().unwrap().payload["reason"], "deposit_released");
        app.finish().await;
    }
);

db_test!(
    async fn a_retried_bid_is_answered_once(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        let alice = app.new_bidder("陈爱丽").await;
        let bob = app.new_bidder("刘博").await;
        app.register_and_pay(&alice, id).await;
        app.register_and_pay(&bob, id).await;
        app.open_bidding(&round).await;
        let body = json!({ "amount": "700000", "request_id": Uuid::new_v4() });
        let first = app.post_ok(&format!("/api/auctions/{id}/bids"), Some(&alice.token), body.clone(), 201).await;
        app.bid(&bob, id, "701000").await;
        let again = app.post_ok(&format!("/api/auctions/{id}/bids"), Some(&alice.token), body.clone(), 200).await;
        assert_eq!(first, again, "a retry gets the same body");
        assert_eq!(app.auction(id).await["bid_count"], 2, "and creates nothing");
        let (status, error) = app.post(&format!("/api/auctions/{id}/bids"), Some(&bob.token), body).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "request_id_reused"));
        app.finish().await;
    }
);

db_test!(
    async fn a_priority_holder_matches_and_takes_the_lead(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        let tenant = app.new_bidder("承租人").await;
        let co_owner = app.new_bidder("共有人").await;
        let ordinary = app.new_bidder("普通人").await;
        // The tenant is confirmed before registering, the co-owner after.
        let holder = app.post_ok(&format!("/api/auctions/{id}/priority-holders"), Some(&judge.token), json!({ "email": tenant.email, "rank": 2 }), 201).await;
        let before = holder.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        app.register_and_pay(&tenant, id).await;
        app.register_and_pay(&co_owner, id).await;
        let holder = app.post_ok(&format!("/api/auctions/{id}/priority-holders"), Some(&judge.token), json!({ "email": co_owner.email, "rank": 1 }), 201).await;
        // Whether the holder registered is not told before the end (R40): the answers look alike.
        assert_eq!(holder.as_object().unwrap().keys().cloned().collect::<Vec<_>>(), before);
        assert!(holder.get("registered").is_none(), "{holder}");
        app.register_and_pay(&ordinary, id).await;
        let mine = app.get_ok("/api/me/registrations", Some(&co_owner.token)).await;
        assert_eq!(mine["items"][0]["priority_rank"], 1);
        let (status, error) = app.post(&format!("/api/auctions/{id}/priority-holders"), Some(&judge.token), json!({ "email": "nobody@x.test", "rank": 1 })).await;
        assert_eq!(status.as_u16(), 404, "{error}");

        app.open_bidding(&round).await;
        let (status, error) = app.post(&format!("/api/auctions/{id}/priority-holders"), Some(&judge.token), json!({ "email": ordinary.email, "rank": 3 })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "bidding_started"));

        app.bid(&ordinary, id, "700000").await;
        // Rank 2 matches the ordinary bidder's price and leads.
        let (status, matched) = app.bid(&tenant, id, "700000").await;
        assert_eq!(status.as_u16(), 201, "{matched}");
        assert_eq!(matched["bid"]["priority"], true);
        // The ordinary bidder cannot match; rank 1 can, and takes the lead; rank 2 cannot match it back.
        let (status, error) = app.bid(&ordinary, id, "700000").await;
        assert_eq!((status.as_u16(), code(&error)), (422, "bid_too_low"));
        assert_eq!(app.bid(&co_owner, id, "700000").await.0.as_u16(), 201);
        let (status, error) = app.bid(&tenant, id, "700000").await;
        assert_eq!((status.as_u16(), code(&error)), (422, "bid_too_low"));
        assert_eq!(error["error"]["details"]["minimum"], "701000.00");
        let auction = app.auction(id).await;
        assert_eq!(auction["current_price"], "700000.00");
        assert_eq!(auction["bid_count"], 3);
        app.finish().await;
    }
);

db_test!(
    async fn a_round_without_bids_fails_and_releases_every_deposit(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        let alice = app.new_bidder("陈爱丽").await;
        app.register_and_pay(&alice, id).await;
        // One jump from before the start to after the end: opened and closed in one step.
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        assert_eq!(app.auction(id).await["status"], "failed");
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!(result, json!({ "status": "failed", "final_price": null, "winner_code": null, "buyer_name": null, "deal_id": null, "confirmation_url": null }));
        assert_eq!(app.get_ok("/api/me/registrations", Some(&alice.token)).await["items"][0]["deposit"]["status"], "released");
        let listing = app.get_ok(&format!("/api/listings/{}", round["listing_id"].as_str().unwrap()), None).await;
        assert_eq!(listing["status"], "unsold");
        // Registration and deposits are closed too.
        let late = app.new_bidder("迟到者").await;
        let (status, error) = app.post(&format!("/api/auctions/{id}/registrations"), Some(&late.token), json!({ "accept_terms": true, "housing_qualification_commitment": true })).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "registration_closed"));
        let entries = app.verified_ledger(id).await;
        let closed = entries.iter().rposition(|e| e.kind.as_str() == "status").unwrap();
        assert_eq!(entries[closed].payload["status"], "failed");
        let after: Vec<_> = entries[closed + 1..].iter().map(|e| (e.kind.as_str(), e.payload["reason"].as_str())).collect();
        assert_eq!(after, [("refund", Some("deposit_released"))], "Alice's released deposit, paid back (R53)");
        app.finish().await;
    }
);

db_test!(
    async fn a_deposit_paid_after_the_end_does_not_qualify_and_is_paid_back(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap();
        let alice = app.new_bidder("陈爱丽").await;
        let registration = app.post_ok(&format!("/api/auctions/{id}/registrations"), Some(&alice.token), json!({ "accept_terms": true, "housing_qualification_commitment": true }), 201).await;
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        let order = registration["payment"]["order_id"].as_str().unwrap();
        let (status, error) = app.post(&format!("/api/payments/{order}/sandbox-complete"), Some(&alice.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&error)), (409, "registration_closed"));
        assert_eq!(app.get_ok("/api/me/registrations", Some(&alice.token)).await["items"][0]["deposit"]["status"], "unpaid");
        // The money that came too late is not left with the gateway: it is paid back, once, and she is told.
        let refunds = <backend::persistence::entities::refund::Entity as sea_orm::EntityTrait>::find()
            .all(app.state().db.conn())
            .await
            .unwrap();
        assert_eq!(refunds.len(), 1);
        let refund = &refunds[0];
        assert_eq!((refund.user_id, refund.reason.as_str(), refund.purpose.as_str(), refund.amount), (alice.id, "late_payment", "deposit", 7_000_000));
        let told = app.mail_to(&alice.email, "payment_refunded").await;
        assert_eq!(told.len(), 1);
        assert!(told[0].raw.contains("70000.00") && told[0].raw.contains(&refund.gateway_reference), "{}", told[0].raw);
        let (status, again) = app.post(&format!("/api/payments/{order}/sandbox-complete"), Some(&alice.token), json!({})).await;
        assert_eq!((status.as_u16(), code(&again)), (409, "payment_rejected"));
        assert_eq!(<backend::persistence::entities::refund::Entity as sea_orm::EntityTrait>::find().all(app.state().db.conn()).await.unwrap().len(), 1, "refunded once");
        // The refund is in the round's ledger, once, though it was paid under the order's lock.
        app.advance(1).await;
        let entries = app.verified_ledger(id).await;
        let refunds: Vec<_> = entries.iter().filter(|e| e.kind.as_str() == "refund").collect();
        assert_eq!(refunds.len(), 1, "{entries:?}");
        assert_eq!((&refunds[0].payload["reason"], &refunds[0].payload["refund_id"]), (&json!("late_payment"), &json!(refund.id.to_string())));
        app.finish().await;
    }
);

db_test!(
    async fn the_confirmation_page_escapes_what_people_typed(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        // What a court typed: a buyer's own name cannot hold markup (the identity check refuses it).
        let round = app.published_round_titled(&judge, "<script>alert('x')</script>望江路1号").await;
        let id = round["id"].as_str().unwrap();
        let mallory = app.new_bidder("陈爱丽").await;
        app.register_and_pay(&mallory, id).await;
        app.open_bidding(&round).await;
        app.bid(&mallory, id, "700000").await;
        app.set_clock(parse_time(&round["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        let (_, html) = app.get(result["confirmation_url"].as_str().unwrap(), None).await;
        let html = html.as_str().unwrap();
        assert!(!html.contains("<script>alert"), "user text must be escaped");
        assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"), "{html}");
        app.finish().await;
    }
);
