//! Races held open on purpose: a test arms a hold point in the in-process server (`backend::hooks`), so
//! the racy interleaving happens every time instead of once in a hundred runs under load.

use std::time::Duration;

use backend::config::BidPath;
use backend::hooks::HoldPoint;
use futures_util::future::join_all;
use serde_json::json;

use crate::db_test;
use crate::helpers::{OpenRound, TestApp, parse_time, plus};

/// Long enough that a request that was going to return early has done so.
const SETTLE: Duration = Duration::from_millis(300);

db_test!(
    async fn a_clock_move_returns_only_after_a_transition_the_worker_is_committing(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let opens = parse_time(&round["bidding_starts_at"]);

        // The background worker finds the round due and is held just before it commits the opening.
        let hold = app.state().hooks.hold(HoldPoint::TransitionBeforeCommit);
        app.state().clock.set(opens).unwrap();
        tokio::time::timeout(Duration::from_secs(10), hold.reached(1))
            .await
            .expect("the worker reaches the opening");

        // The test clock is moved meanwhile: the contract says the opening is applied before it answers.
        // The round is read the moment the clock answers; the hold is let go only after a while.
        let moving = async {
            let (status, body) = app.post("/api/test/clock", None, json!({ "advance_seconds": 0 })).await;
            assert_eq!(status.as_u16(), 200, "{body}");
            app.auction(&id).await["status"].clone()
        };
        let release_later = async {
            tokio::time::sleep(SETTLE).await;
            hold.release();
        };
        let (status_when_answered, ()) = futures_util::join!(moving, release_later);
        assert_eq!(
            status_when_answered, "bidding",
            "the clock answered before the opening it made due was committed"
        );
        app.finish().await;
    }
);

db_test!(
    async fn a_clock_move_waits_for_an_opening_another_instance_is_committing(db) {
        // Two processes on one database; the second one's worker opens the round and is held before its
        // commit. The first one's clock move must wait for that row and read it afresh.
        let app = TestApp::spawn(db).await;
        let other = app.spawn_sibling().await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let opens = parse_time(&round["bidding_starts_at"]);

        let hold = other.state().hooks.hold(HoldPoint::TransitionBeforeCommit);
        other.state().clock.set(opens).unwrap();
        tokio::time::timeout(Duration::from_secs(10), hold.reached(1))
            .await
            .expect("the other instance's worker reaches the opening");
        let moving = async {
            app.set_clock(opens).await;
            app.auction(&id).await["status"].clone()
        };
        let release_later = async {
            tokio::time::sleep(SETTLE).await;
            hold.release();
        };
        let (status_when_answered, ()) = futures_util::join!(moving, release_later);
        assert_eq!(status_when_answered, "bidding", "the clock answered before the opening was committed");
        let ledger = app.verified_ledger(&id).await;
        let openings = ledger.iter().filter(|e| e.kind.as_str() == "status" && e.payload["status"] == "bidding").count();
        assert_eq!(openings, 1, "opened exactly once");
        other.finish().await;
        app.finish().await;
    }
);

db_test!(
    async fn a_stop_answers_every_queued_bid_and_refuses_new_ones_with_503(db) {
        let app = TestApp::spawn_tuned(db, |s| s.bid_path = BidPath::Group).await;
        let OpenRound { id, alice, bob, .. } = app.round_open_to_two().await;
        let round_id: uuid::Uuid = id.parse().unwrap();

        // The first bid's batch is held before its commit; eight more bids queue up behind it, sent on
        // connections of their own, so they are spread over the HTTP workers.
        let hold = app.state().hooks.hold(HoldPoint::BatchBeforeCommit);
        let first = app.bid(&alice, &id, "700000");
        let queued = async {
            tokio::time::timeout(Duration::from_secs(10), hold.reached(1))
                .await
                .expect("the first batch is held");
            join_all((1..=8).map(|i| {
                let who = if i % 2 == 1 { &bob } else { &alice };
                let amount = plus("700000", i, "1000");
                let app = &app;
                let id = &id;
                async move { app.bid(who, id, &amount).await }
            }))
            .await
        };
        let stop = async {
            tokio::time::timeout(Duration::from_secs(10), hold.reached(1))
                .await
                .expect("the first batch is held");
            tokio::time::timeout(Duration::from_secs(20), async {
                while app.state().bid_queue.waiting(round_id) < 8 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
            .await
            .expect("eight bids queue behind the held batch");
            app.state().shutdown.begin();

            // A bid sent after the stop began is refused, with a time to retry after, and changes nothing.
            let late = awc::Client::default()
                .post(format!("{}/api/auctions/{id}/bids", app.address))
                .insert_header(("Authorization", format!("Bearer {}", bob.token)))
                .send_json(&json!({ "amount": "800000", "request_id": uuid::Uuid::new_v4() }))
                .await;
            let mut late = late.expect("the stopping server answers");
            let body: serde_json::Value = late.json().await.expect("an error body");
            assert_eq!(late.status().as_u16(), 503, "{body}");
            assert_eq!(body["error"]["code"], "unavailable");
            assert!(late.headers().contains_key("retry-after"));
            tokio::time::sleep(SETTLE).await;
            hold.release();
        };
        let (first, queued, ()) = futures_util::join!(first, queued, stop);
        let answers: Vec<_> = std::iter::once(first).chain(queued).collect();
        for (status, body) in &answers {
            assert!(status.as_u16() < 500, "a bid taken in before the stop was answered {status}: {body}");
        }
        // Each was decided under the rules (in arrival order some are outbid or already leading), and
        // the record holds exactly the accepted ones.
        let accepted = answers.iter().filter(|(s, _)| s.as_u16() == 201).count();
        let state = app.state().clone();
        // The stopped server's pooled connections belong to its HTTP workers' runtimes, which are gone:
        // the record is read on a connection of the test's own.
        let reader = backend::persistence::Database::connect(&state.settings.database_url, 1)
            .await
            .expect("a connection of the test's own");
        let stored = <backend::persistence::entities::bid::Entity as sea_orm::EntityTrait>::find()
            .all(reader.conn())
            .await
            .expect("the bids are read");
        assert_eq!(stored.len(), accepted, "{answers:?}");
        drop(reader);
        app.finish().await;
        assert_eq!(state.shutdown.in_flight(), 0);
    }
);

db_test!(
    async fn on_the_one_bid_path_too_a_bid_that_entered_before_the_end_is_decided_before_the_close(db) {
        let app = TestApp::spawn_tuned(db, |s| s.bid_path = BidPath::Single).await;
        let OpenRound { round, id, bob, .. } = app.round_open_to_two().await;
        let end = parse_time(&round["bidding_ends_at"]);
        app.set_clock(end - chrono::Duration::milliseconds(1)).await;

        // Bob's bid enters at end − 1 ms and is held before its decision; then the end comes.
        let hold = app.state().hooks.hold(HoldPoint::SingleBidEntered);
        let timely = app.bid(&bob, &id, "700000");
        let close = async {
            tokio::time::timeout(Duration::from_secs(10), hold.reached(1))
                .await
                .expect("Bob's bid entered and is held");
            let moved = app.set_clock(end);
            let release = async {
                tokio::time::sleep(SETTLE).await;
                hold.release();
            };
            futures_util::join!(moved, release)
        };
        let ((status, body), _) = futures_util::join!(timely, close);
        assert_eq!(status.as_u16(), 201, "a bid that entered before the end was refused: {body}");
        let after = app.auction(&id).await;
        assert_eq!(after["status"], "bidding", "{after}");
        assert_eq!(parse_time(&after["bidding_ends_at"]), end - chrono::Duration::milliseconds(1) + chrono::Duration::minutes(5));
        app.finish().await;
    }
);

db_test!(
    async fn a_bid_that_entered_a_millisecond_before_the_end_is_decided_before_the_close(db) {
        let app = TestApp::spawn_tuned(db, |s| s.bid_path = BidPath::Group).await;
        let OpenRound { round, id, alice, bob } = app.round_open_to_two().await;
        let round_id: uuid::Uuid = id.parse().unwrap();
        let end = parse_time(&round["bidding_ends_at"]);
        app.set_clock(end - chrono::Duration::minutes(10)).await;

        // Alice's batch is held before its commit; Bob's bid enters at end − 1 ms and waits behind it.
        let hold = app.state().hooks.hold(HoldPoint::BatchBeforeCommit);
        let first = app.bid(&alice, &id, "700000");
        let rest = async {
            tokio::time::timeout(Duration::from_secs(10), hold.reached(1))
                .await
                .expect("the first batch is held");
            app.state().clock.set(end - chrono::Duration::milliseconds(1)).unwrap();
            let timely = app.bid(&bob, &id, "701000");
            let close = async {
                tokio::time::timeout(Duration::from_secs(10), async {
                    while app.state().bid_queue.waiting(round_id) < 1 {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                })
                .await
                .expect("Bob's bid waits for the next batch");
                // The end comes while the bid waits: the close must decide it first, not refuse it.
                let moved = app.set_clock(end);
                let release = async {
                    tokio::time::sleep(SETTLE).await;
                    hold.release();
                };
                futures_util::join!(moved, release)
            };
            futures_util::join!(timely, close)
        };
        let ((first_status, _), ((timely_status, timely_body), _)) = futures_util::join!(first, rest);
        assert_eq!(first_status.as_u16(), 201);
        assert_eq!(timely_status.as_u16(), 201, "a bid that entered before the end was refused: {timely_body}");
        // Within the last five minutes, it extended the round (R48).
        let after = app.auction(&id).await;
        assert_eq!(after["status"], "bidding", "{after}");
        assert_eq!(parse_time(&after["bidding_ends_at"]), end - chrono::Duration::milliseconds(1) + chrono::Duration::minutes(5));
        app.set_clock(parse_time(&after["bidding_ends_at"])).await;
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!((result["status"].as_str(), result["final_price"].as_str()), (Some("sold"), Some("701000.00")));
        app.finish().await;
    }
);
