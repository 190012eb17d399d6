//! Races: simultaneous bids, bids against the close, two instances on one database, and retries.

use std::collections::HashSet;

use chrono::Duration;
use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::{Bidder, TestApp, parse_time, plus};

async fn bidders(app: &TestApp, auction_id: &str, count: usize) -> Vec<Bidder> {
    // Names are letters only (the sign-up's identity check refuses digits): 竞买人零一, 竞买人零二 …
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let names: Vec<String> = (0..count)
        .map(|i| format!("竞买人{}{}", DIGITS[i / 10 % 10], DIGITS[i % 10]))
        .collect();
    let people = join_all(names.iter().map(|name| app.new_bidder(name))).await;
    for person in &people {
        app.register_and_pay(person, auction_id).await;
    }
    people
}

/// The bids of the public record in sequence order.
async fn record(app: &TestApp, auction_id: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1.. {
        let body = app
            .get_ok(
                &format!("/api/auctions/{auction_id}/bids?per_page=100&page={page}"),
                None,
            )
            .await;
        let items = body["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        all.extend(items);
    }
    all.sort_by_key(|b| b["seq"].as_i64());
    all
}

fn cents(amount: &Value) -> i64 {
    auction_core::Money::parse_positive(amount.as_str().unwrap())
        .unwrap()
        .cents()
}

db_test!(
    async fn simultaneous_bids_are_decided_one_at_a_time(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let people = bidders(&app, &id, 24).await;
        app.open_bidding(&round).await;

        let mut accepted: Vec<Value> = Vec::new();
        let mut refused: Vec<(String, Value)> = Vec::new();
        for wave in 0..5usize {
            // Everyone reads the same minimum and bids on it or a little above, all released at once.
            let minimum = app.auction(&id).await["minimum_next_bid"].as_str().unwrap().to_owned();
            let (app, id) = (&app, &id);
            let attempts = people.iter().enumerate().map(|(i, person)| {
                let amount = plus(&minimum, ((i * 7 + wave) % 4) as i64, "1000");
                async move { (amount.clone(), app.bid(person, id, &amount).await) }
            });
            for (amount, (status, body)) in join_all(attempts).await {
                match status.as_u16() {
                    201 => accepted.push(body),
                    422 => refused.push((amount, body)),
                    other => panic!("unexpected {other}: {body}"),
                }
            }
        }

        let stored = record(&app, &id).await;
        let auction = app.auction(&id).await;
        assert!(!accepted.is_empty());
        assert_eq!(auction["bid_count"].as_u64(), Some(accepted.len() as u64), "every 201 is counted once");
        assert_eq!(stored.len(), accepted.len(), "nothing lost, nothing duplicated");
        let seqs: Vec<i64> = stored.iter().map(|b| b["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=accepted.len() as i64).collect::<Vec<_>>(), "sequence numbers without gaps");
        let acknowledged: HashSet<(i64, String, String)> = accepted
            .iter()
            .map(|b| (b["bid"]["seq"].as_i64().unwrap(), b["bid"]["bidder_code"].to_string(), b["bid"]["amount"].to_string()))
            .collect();
        let recorded: HashSet<(i64, String, String)> =
            stored.iter().map(|b| (b["seq"].as_i64().unwrap(), b["bidder_code"].to_string(), b["amount"].to_string())).collect();
        assert_eq!(acknowledged, recorded, "every acknowledged bid is exactly what was recorded");
        for pair in stored.windows(2) {
            assert!(cents(&pair[1]["amount"]) > cents(&pair[0]["amount"]), "prices strictly rise in sequence order: {pair:?}");
            assert_ne!(pair[1]["bidder_code"], pair[0]["bidder_code"], "the leader never bids twice in a row");
        }
        let final_price = cents(&auction["current_price"]);
        for (amount, body) in &refused {
            let code = body["error"]["code"].as_str().unwrap();
            assert!(code == "bid_too_low" || code == "already_leading", "{body}");
            if code == "bid_too_low" {
                let amount = auction_core::Money::parse_positive(amount).unwrap().cents();
                assert!(amount <= final_price, "a valid bid of {amount} was refused (final {final_price})");
            }
        }
        let entries = app.verified_ledger(&id).await;
        assert_eq!(entries.iter().filter(|e| e.kind.as_str() == "bid").count(), accepted.len());
        if app.state().settings.bid_path == backend::config::BidPath::Group {
            // Bids that arrived together shared commits: fewer batches than bids decided.
            let stats = app.state().bid_queue.stats();
            assert_eq!(stats.bids, (accepted.len() + refused.len()) as u64, "every bid went through a batch");
            assert!(stats.batches < stats.bids, "{stats:?}");
        }
        app.finish().await;
    }
);

db_test!(
    async fn concurrent_retries_of_one_request_create_one_bid(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let people = bidders(&app, &id, 1).await;
        app.open_bidding(&round).await;
        let body = json!({ "amount": "700000", "request_id": Uuid::new_v4() });
        let path = format!("/api/auctions/{id}/bids");
        let results = join_all((0..12).map(|_| app.post(&path, Some(&people[0].token), body.clone()))).await;
        let created = results.iter().filter(|(s, _)| s.as_u16() == 201).count();
        let replayed = results.iter().filter(|(s, _)| s.as_u16() == 200).count();
        assert_eq!((created, replayed), (1, 11), "{results:?}");
        assert!(results.windows(2).all(|w| w[0].1 == w[1].1), "every answer is the same body");
        assert_eq!(app.auction(&id).await["bid_count"], 1);
        app.finish().await;
    }
);

/// Walks the ledger: every bid entered before the end in force at that moment, and the round closed once, last.
fn assert_closed_once_after_every_bid(
    entries: &[auction_core::ledger::LedgerEntry],
    scheduled_end: chrono::DateTime<chrono::Utc>,
) {
    let mut end = scheduled_end;
    let mut closings = 0;
    for (i, entry) in entries.iter().enumerate() {
        match (entry.kind.as_str(), entry.payload["status"].as_str()) {
            ("bid", _) => {
                let placed = parse_time(&entry.payload["placed_at"]);
                assert!(
                    placed < end,
                    "bid {} at {placed} was accepted at or after the end {end}",
                    entry.payload["bid_seq"]
                );
                assert_eq!(closings, 0, "a bid after the close");
            }
            ("extension", _) => end = parse_time(&entry.payload["to"]),
            ("status", Some("sold" | "failed")) => {
                closings += 1;
                assert_eq!(parse_time(&entry.payload["at"]), end, "closed at the end in force");
                assert!(
                    entries[i + 1..].iter().all(|e| e.kind.as_str() == "refund"),
                    "nothing follows the close but the released deposits' refunds (R53)"
                );
            }
            _ => {}
        }
    }
    assert_eq!(closings, 1, "the round closed exactly once");
}

db_test!(
    async fn no_bid_is_accepted_at_or_after_the_end(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let people = bidders(&app, &id, 10).await;
        app.open_bidding(&round).await;
        app.bid(&people[0], &id, "700000").await;
        let end = parse_time(&round["bidding_ends_at"]);
        app.set_clock(end - Duration::milliseconds(3)).await;
        // Bids race the clock over the end: each is accepted only if it entered before the end in force.
        let (app_ref, id_ref) = (&app, &id);
        let bids = people.iter().skip(1).enumerate().map(|(i, person)| {
            let amount = plus("701000", i as i64, "1000");
            async move { app_ref.bid(person, id_ref, &amount).await }
        });
        let ticks = async {
            for _ in 0..3 {
                app.advance(0).await;
                app.post("/api/test/clock", None, json!({ "advance_seconds": 0 })).await;
            }
            app.set_clock(end).await;
        };
        let (results, ()) = futures_util::join!(join_all(bids), ticks);
        for (status, body) in &results {
            let ok = matches!(status.as_u16(), 201) || body["error"]["code"] == "auction_not_bidding" || body["error"]["code"] == "bid_too_low";
            assert!(ok, "{status}: {body}");
        }
        app.advance(24 * 3600).await;
        assert_eq!(app.auction(&id).await["status"], "sold");
        assert_closed_once_after_every_bid(&app.verified_ledger(&id).await, end);
        app.finish().await;
    }
);

db_test!(
    async fn a_bid_that_finds_its_round_past_the_end_closes_it_and_is_refused(db) {
        // The worker is made too slow to act, so the bid itself must decide the close under the lock.
        let app = TestApp::spawn_with_idle_worker(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let people = bidders(&app, &id, 2).await;
        app.open_bidding(&round).await;
        app.bid(&people[0], &id, "700000").await;
        let end = parse_time(&round["bidding_ends_at"]);
        // Move the clock without applying anything: only the bid path can notice the end.
        app.state().clock.set(end).unwrap();
        assert_eq!(app.auction(&id).await["status"], "bidding", "nothing has closed it yet");
        let (status, body) = app.bid(&people[1], &id, "701000").await;
        assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (409, Some("auction_not_bidding")));
        assert_eq!(app.auction(&id).await["status"], "sold");
        let result = app.get_ok(&format!("/api/auctions/{id}/result"), None).await;
        assert_eq!(result["final_price"], "700000.00");
        assert_closed_once_after_every_bid(&app.verified_ledger(&id).await, end);
        app.finish().await;
    }
);

db_test!(
    async fn two_instances_close_each_round_exactly_once(db) {
        let first = TestApp::spawn(db).await;
        let second = first.spawn_sibling().await;
        let judge = first.new_judge().await;
        let mut rounds = Vec::new();
        for _ in 0..6 {
            rounds.push(first.published_round(&judge).await);
        }
        let buyer = first.new_bidder("买受人").await;
        let loser = first.new_bidder("竞买人").await;
        // Bids in every other round; rounds start seconds apart, so open the latest start.
        for round in rounds.iter().step_by(2) {
            let id = round["id"].as_str().unwrap();
            first.register_and_pay(&buyer, id).await;
            first.register_and_pay(&loser, id).await;
        }
        let latest_start = rounds.iter().map(|r| parse_time(&r["bidding_starts_at"])).max().unwrap();
        first.set_clock(latest_start).await;
        for round in rounds.iter().step_by(2) {
            let id = round["id"].as_str().unwrap();
            assert_eq!(first.bid(&loser, id, "700000").await.0.as_u16(), 201);
            assert_eq!(first.bid(&buyer, id, "701000").await.0.as_u16(), 201);
        }
        // Both instances reach the end at once; their workers and clock requests all race to close.
        let after = rounds.iter().map(|r| parse_time(&r["bidding_ends_at"])).max().unwrap() + Duration::seconds(1);
        futures_util::join!(first.set_clock(after), second.set_clock(after), second.set_clock(after), first.set_clock(after));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;

        for (i, round) in rounds.iter().enumerate() {
            let id = round["id"].as_str().unwrap();
            let entries = first.verified_ledger(id).await;
            assert_closed_once_after_every_bid(&entries, parse_time(&round["bidding_ends_at"]));
            let status = if i % 2 == 0 { "sold" } else { "failed" };
            assert_eq!(second.auction(id).await["status"], status);
        }
        let deals = first.get_ok("/api/me/deals", Some(&buyer.token)).await;
        assert_eq!(deals["total"], 3, "one deal per sold round");
        let registrations = first.get_ok("/api/me/registrations", Some(&loser.token)).await;
        assert!(registrations["items"].as_array().unwrap().iter().all(|r| r["deposit"]["status"] == "released"));
        second.finish().await;
        first.finish().await;
    }
);

db_test!(
    async fn the_work_of_a_bid_does_not_grow_with_the_bids_before_it(db) {
        let app = TestApp::spawn_with_idle_worker(db).await;
        let judge = app.new_judge().await;
        let round = app.published_round(&judge).await;
        let id = round["id"].as_str().unwrap().to_owned();
        let people = bidders(&app, &id, 2).await;
        app.open_bidding(&round).await;
        let mut statements_per_bid = Vec::new();
        for i in 0..300 {
            let before = app.state().db.statement_count();
            let (status, body) = app.bid(&people[i % 2], &id, &plus("700000", i as i64, "1000")).await;
            assert_eq!(status.as_u16(), 201, "{body}");
            statements_per_bid.push(app.state().db.statement_count() - before);
        }
        let first = statements_per_bid[0];
        assert!(first <= 12, "a bid takes a handful of statements, not {first}");
        assert!(statements_per_bid.iter().all(|n| *n == first), "bid 1 and bid 300 do the same work: {statements_per_bid:?}");
        app.finish().await;
    }
);

/// Group commit with one committer: every waiting bid, of any round, in the next batch.
fn one_committer(settings: &mut backend::config::Settings) {
    settings.bid_path = backend::config::BidPath::Group;
    settings.bid_committers = 1;
}

/// `count` published rounds with one bidder registered and paid in each, bidding open in all.
async fn rounds_open_to_one(app: &TestApp, count: usize) -> (Vec<String>, Bidder) {
    let judge = app.new_judge().await;
    let mut rounds = Vec::new();
    for _ in 0..count {
        rounds.push(app.published_round(&judge).await);
    }
    let bidder = app.new_bidder("早班竞买人").await;
    let ids: Vec<String> = rounds.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    for id in &ids {
        app.register_and_pay(&bidder, id).await;
    }
    let latest_start = rounds
        .iter()
        .map(|r| parse_time(&r["bidding_starts_at"]))
        .max()
        .unwrap();
    app.set_clock(latest_start).await;
    (ids, bidder)
}

/// A bid on `ids[0]` held before its batch commits, the bids on every other round queued behind it meanwhile
/// (so they make one batch), then released: every answer, and the texts of the statements run from the hold
/// to the end.
async fn one_batch_behind_a_held_one(
    app: &TestApp,
    bidder: &Bidder,
    ids: &[String],
) -> (Vec<(u16, Value)>, Vec<String>) {
    use backend::hooks::HoldPoint;
    let hold = app.state().hooks.hold(HoldPoint::BatchBeforeCommit);
    let held = async {
        tokio::time::timeout(std::time::Duration::from_secs(10), hold.reached(1))
            .await
            .expect("the first batch is held");
    };
    let (first, rest, ()) = futures_util::join!(
        app.bid(bidder, &ids[0], "700000"),
        async {
            held.await;
            join_all(ids[1..].iter().map(|id| app.bid(bidder, id, "700000"))).await
        },
        async {
            tokio::time::timeout(std::time::Duration::from_secs(10), hold.reached(1))
                .await
                .expect("held");
            let waiting = || {
                ids.iter()
                    .map(|id| app.state().bid_queue.waiting(id.parse().unwrap()))
                    .sum::<usize>()
            };
            tokio::time::timeout(std::time::Duration::from_secs(20), async {
                while waiting() < ids.len() - 1 {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            })
            .await
            .expect("the other bids wait behind the held batch");
            app.state().db.record_statements();
            hold.release();
        }
    );
    let statements = app.state().db.recorded_statements();
    let answers = std::iter::once(first)
        .chain(rest)
        .map(|(status, body)| (status.as_u16(), body))
        .collect();
    (answers, statements)
}

db_test!(
    async fn bids_of_many_rounds_arriving_together_share_one_commit(db) {
        let app = TestApp::spawn_tuned(db, one_committer).await;
        let (ids, bidder) = rounds_open_to_one(&app, 50).await;
        let (answers, _) = one_batch_behind_a_held_one(&app, &bidder, &ids).await;
        assert!(answers.iter().all(|(status, _)| *status == 201), "{answers:?}");
        // Two commits for fifty rounds: the held one, and one for the 49 that waited.
        let stats = app.state().bid_queue.stats();
        assert_eq!((stats.batches, stats.bids, stats.rounds), (2, 50, 50), "{stats:?}");
        for id in &ids {
            assert_eq!(app.auction(id).await["bid_count"], 1);
            app.verified_ledger(id).await;
        }
        app.finish().await;
    }
);

db_test!(
    async fn a_batch_costs_the_same_few_statements_however_many_rounds_it_changes(db) {
        // The worker idle, so that only the bids' statements are counted (not its emails' or closes').
        let app = TestApp::spawn_tuned(db, |s| {
            one_committer(s);
            s.worker_interval_ms = 3_600_000;
        })
        .await;
        let (ids, bidder) = rounds_open_to_one(&app, 42).await;
        // A batch of 10 rounds, then one of 30, each behind a held batch of one bid.
        let (small, ten) = one_batch_behind_a_held_one(&app, &bidder, &ids[..11]).await;
        let (large, thirty) = one_batch_behind_a_held_one(&app, &bidder, &ids[11..]).await;
        assert!(small.iter().chain(&large).all(|(status, _)| *status == 201), "{small:?} {large:?}");
        // Twenty more rounds, no more statements: the rounds' rows are written in one, as are the bids and
        // the ledger entries.
        let (ten_count, thirty_count) = (ten.len(), thirty.len());
        assert_eq!(thirty_count, ten_count, "statements: {ten:#?} for 10 rounds, {thirty:#?} for 30");
        assert!(ten_count <= 7, "a batch of 10 rounds in {ten_count} statements: {ten:#?}");
        // On PostgreSQL not even their texts change: each is prepared once per connection and reused.
        if app.state().db.backend() == backend::persistence::Backend::Postgres {
            assert_eq!(thirty, ten, "the statements of a batch of 10 rounds and of one of 30");
        }
        app.finish().await;
    }
);

db_test!(
    async fn a_round_that_fails_in_a_shared_batch_fails_only_its_own_bids(db) {
        use sea_orm::ConnectionTrait;
        let app = TestApp::spawn_tuned(db, one_committer).await;
        let (ids, bidder) = rounds_open_to_one(&app, 4).await;
        // One round's stored row is damaged (a status no code knows): deciding it is a server error.
        let conn = app.state().db.conn();
        let damaged: Uuid = ids[2].parse().unwrap();
        conn.execute_raw(sea_orm::Statement::from_sql_and_values(
            conn.get_database_backend(),
            "UPDATE auctions SET status = 'mangled' WHERE id = $1",
            [damaged.into()],
        ))
        .await
        .expect("damage one round");
        let (answers, _) = one_batch_behind_a_held_one(&app, &bidder, &ids).await;
        let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
        assert_eq!(statuses, [201, 201, 500, 201], "the damaged round's bid fails, the others stand: {answers:?}");
        for id in [&ids[1], &ids[3]] {
            assert_eq!(app.auction(id).await["bid_count"], 1);
        }
        app.finish().await;
    }
);
