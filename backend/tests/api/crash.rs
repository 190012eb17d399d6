//! An acknowledged bid survives the server being killed (SIGKILL) or stopped (SIGTERM) in the middle of
//! bidding; a stop answers what it has taken in, never with a server error (a bid that comes after the
//! stop began is refused `503 unavailable`, to be sent again).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::join_all;

use crate::db_test;
use crate::helpers::{Bidder, OpenRound, ServerProcess, TestApp, TestDatabase, plus, test_env};

/// Sends `count` bids (alternating two bidders, rising from `from`) all at once and, once three are
/// answered, runs `interrupt` while the rest are still being decided. Returns the answers that came.
async fn interrupted_burst<F: std::future::Future>(
    app: &TestApp,
    id: &str,
    bidders: [&Bidder; 2],
    count: i64,
    from: &str,
    interrupt: F,
) -> (Vec<(awc::http::StatusCode, serde_json::Value)>, F::Output) {
    let path = format!("/api/auctions/{id}/bids");
    let answered_so_far = AtomicUsize::new(0);
    let burst = join_all((0..count).map(|i| {
        let who = bidders[usize::from(i % 2 == 1)];
        let body = serde_json::json!({ "amount": plus(from, i, "1000"), "request_id": uuid::Uuid::new_v4() });
        let (path, answered_so_far) = (&path, &answered_so_far);
        async move {
            let answer = app.try_request("POST", path, Some(&who.token), Some(body)).await;
            answered_so_far.fetch_add(1, Ordering::SeqCst);
            answer
        }
    }));
    let interrupt = async {
        for _ in 0..2000 {
            if answered_so_far.load(Ordering::SeqCst) >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        interrupt.await
    };
    let (results, outcome) = futures_util::join!(burst, interrupt);
    (results.into_iter().flatten().collect(), outcome)
}

db_test!(
    async fn acknowledged_bids_survive_a_crash(db) {
        let database = TestDatabase::create(db).await;
        let mut server = ServerProcess::start(test_env(&database.url, &database.data_dir()));
        let app = TestApp::attach(db, server.address.clone());
        let OpenRound { round, id, alice, bob, .. } = app.round_open_to_two().await;

        let mut acknowledged = Vec::new();
        for i in 0..20 {
            let who = if i % 2 == 0 { &alice } else { &bob };
            let (status, body) = app.bid(who, &id, &plus("700000", i, "1000")).await;
            assert_eq!(status.as_u16(), 201, "{body}");
            acknowledged.push(body);
        }
        // A burst in flight, and the process killed while it is being answered.
        let (answers, ()) = interrupted_burst(&app, &id, [&alice, &bob], 30, "720000", async { server.kill() }).await;
        let answered = answers.len();
        acknowledged.extend(answers.into_iter().filter(|(s, _)| s.as_u16() == 201).map(|(_, b)| b));
        eprintln!("{answered} of 30 in-flight bids were answered before the kill");

        let mut restarted = ServerProcess::start(test_env(&database.url, &database.data_dir()));
        let app = TestApp::attach(db, restarted.address.clone());
        let stored = app.get_ok(&format!("/api/auctions/{id}/bids?per_page=100"), None).await;
        let stored = stored["items"].as_array().unwrap();
        for ack in &acknowledged {
            let seq = &ack["bid"]["seq"];
            let found = stored.iter().find(|b| &b["seq"] == seq).unwrap_or_else(|| panic!("acknowledged bid {seq} was lost"));
            assert_eq!(found["amount"], ack["bid"]["amount"]);
            assert_eq!(found["bidder_code"], ack["bid"]["bidder_code"]);
        }
        let auction = app.auction(&id).await;
        assert_eq!(auction["bid_count"].as_u64(), Some(stored.len() as u64), "the round agrees with its bids");
        assert!(stored.len() >= acknowledged.len());
        let entries = app.verified_ledger(&id).await;
        assert_eq!(entries.iter().filter(|e| e.kind.as_str() == "bid").count(), stored.len());
        // And bidding goes on where it stopped (the new process's manual clock starts at real time again).
        app.open_bidding(&round).await;
        let next = auction["minimum_next_bid"].as_str().unwrap().to_owned();
        let leader = auction["leader_code"].clone();
        let alice_code = app.get_ok("/api/me/registrations", Some(&alice.token)).await["items"][0]["bidder_code"].clone();
        let who = if alice_code == leader { &bob } else { &alice };
        assert_eq!(app.bid(who, &id, &next).await.0.as_u16(), 201);
        restarted.kill();
        database.drop_database().await;
    }
);

db_test!(
    async fn a_stop_during_a_bid_burst_answers_every_bid_it_took_without_a_server_error(db) {
        let database = TestDatabase::create(db).await;
        let mut server = ServerProcess::start(test_env(&database.url, &database.data_dir()));
        let app = TestApp::attach(db, server.address.clone());
        let OpenRound { id, alice, bob, .. } = app.round_open_to_two().await;

        let (answers, stopped_cleanly) =
            interrupted_burst(&app, &id, [&alice, &bob], 40, "700000", server.terminate(Duration::from_secs(15))).await;
        assert!(stopped_cleanly, "fapai stops within 15 s of SIGTERM");
        for (status, body) in &answers {
            // A bid that arrived after the stop began is refused as `unavailable` (try again elsewhere).
            let refused_late = status.as_u16() == 503 && body["error"]["code"] == "unavailable";
            assert!(
                status.as_u16() < 500 || refused_late,
                "an in-flight request answered {status}: {body}\n{}",
                server.log()
            );
        }
        let acknowledged: Vec<_> = answers.iter().filter(|(s, _)| s.as_u16() == 201).map(|(_, b)| b).collect();
        eprintln!("{} of 40 in-flight bids were answered before the stop, {} accepted", answers.len(), acknowledged.len());

        let mut restarted = ServerProcess::start(test_env(&database.url, &database.data_dir()));
        let app = TestApp::attach(db, restarted.address.clone());
        let stored = app.get_ok(&format!("/api/auctions/{id}/bids?per_page=100"), None).await;
        let stored = stored["items"].as_array().unwrap();
        for ack in &acknowledged {
            let seq = &ack["bid"]["seq"];
            let found = stored.iter().find(|b| &b["seq"] == seq).unwrap_or_else(|| panic!("acknowledged bid {seq} was lost"));
            assert_eq!(found["amount"], ack["bid"]["amount"]);
        }
        assert_eq!(app.verified_ledger(&id).await.iter().filter(|e| e.kind.as_str() == "bid").count(), stored.len());
        restarted.kill();
        database.drop_database().await;
    }
);
