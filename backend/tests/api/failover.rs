//! What a cluster of processes on one PostgreSQL relies on (PostgreSQL only): the test clock is the
//! cluster's, and a database that goes away — a failover, a restart, a cut — is answered 503 `unavailable`
//! with Retry-After, never a 500 nor a hang, after which the pool and the live listener recover by
//! themselves and watchers are caught up with what they missed. The whole cluster (Patroni, HAProxy, three
//! processes) is driven by `load-tests/faults.sh`.

use std::time::{Duration, Instant};

use awc::ws::Frame;
use futures_util::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::proxy::Relay;
use crate::helpers::{Db, OpenRound, TestApp, TestDatabase, parse_time, postgres_url, test_settings};

fn on_postgres() -> bool {
    if postgres_url().is_none() {
        eprintln!("FAPAI_TEST_POSTGRES_URL is not set: PostgreSQL-only test not run");
        return false;
    }
    true
}

async fn clock_of(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    parse_time(&app.get_ok("/api/test/clock", None).await["now"])
}

#[actix_web::test]
async fn every_process_on_the_database_keeps_the_same_test_clock() {
    if !on_postgres() {
        return;
    }
    let first = TestApp::spawn(Db::Postgres).await;
    let second = first.spawn_sibling().await;
    let moved = first.advance(31 * 86_400).await;
    // The other process hears of the move at once (NOTIFY), without being asked.
    let heard = Instant::now();
    while clock_of(&second).await != moved {
        assert!(
            heard.elapsed() < Duration::from_secs(5),
            "the sibling's clock did not follow the move"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A process started afterwards — a restart — joins the cluster's time, not its own.
    let third = first.spawn_sibling().await;
    assert_eq!(clock_of(&third).await, moved);
    // Moved through the third, it moves for all; and never back.
    let later = third.advance(3600).await;
    let settled = Instant::now();
    while clock_of(&first).await != later {
        assert!(
            settled.elapsed() < Duration::from_secs(5),
            "the first process's clock did not follow"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = first
        .post(
            "/api/test/clock",
            None,
            json!({ "now": auction_core::time::rfc3339(moved) }),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (409, Some("clock_backwards")),
        "{body}"
    );
    third.finish().await;
    second.finish().await;
    first.finish().await;
}

/// A raw bid: its status, its Retry-After header and its body, and how long it took.
async fn timed_bid(
    app: &TestApp,
    token: &str,
    id: &str,
    amount: &str,
    request_id: Uuid,
) -> (u16, Option<u64>, Value, Duration) {
    let started = Instant::now();
    let mut response = app
        .client
        .post(format!("{}/api/auctions/{id}/bids", app.address))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(&json!({ "amount": amount, "request_id": request_id }))
        .await
        .expect("an answer");
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (response.status().as_u16(), retry_after, body, started.elapsed())
}

/// Where `host:port` stands in a `postgres://user@host:port/db` URL.
fn host_and_port(url: &str) -> (usize, usize) {
    let start = url
        .find('@')
        .map_or_else(|| url.find("://").map_or(0, |i| i + 3), |i| i + 1);
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    (start, end)
}

type Socket = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

/// The next bid's sequence a watcher is sent, skipping other messages, within `within`.
async fn next_bid_seq(socket: &mut Socket, within: Duration) -> Option<i64> {
    let until = Instant::now() + within;
    loop {
        let left = until.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, socket.next()).await.ok()?? {
            Ok(Frame::Text(bytes)) => {
                let message: Value = serde_json::from_slice(&bytes).ok()?;
                if message["type"] == "bid" {
                    return message["bid"]["seq"].as_i64();
                }
            }
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

#[actix_web::test]
async fn a_lost_database_is_answered_503_and_recovered_from_with_watchers_caught_up() {
    if !on_postgres() {
        return;
    }
    // Process A reaches the database through a relay the test cuts; process B directly.
    let database = TestDatabase::create(Db::Postgres).await;
    let (before, after) = host_and_port(&database.url);
    let relay = Relay::start(database.url[before..after].to_owned()).await;
    let through_relay = format!(
        "{}127.0.0.1:{}{}",
        &database.url[..before],
        relay.port,
        &database.url[after..]
    );
    let direct_url = database.url.clone();
    let mut settings = test_settings(&through_relay, &database.data_dir());
    settings.database_acquire_timeout_ms = 1000;
    let a = TestApp::spawn_with(Db::Postgres, settings.clone(), Some(database)).await;
    let mut direct = settings;
    direct.database_url = direct_url;
    let b = TestApp::spawn_with(Db::Postgres, direct, None).await;

    let OpenRound { id, alice, bob, .. } = a.round_open_to_two().await;
    let (status, _, body, _) = timed_bid(&a, &alice.token, &id, "700000", Uuid::new_v4()).await;
    assert_eq!(status, 201, "{body}");
    let url = format!(
        "{}/api/auctions/{id}/live?after_seq=1",
        a.address.replace("http://", "ws://")
    );
    let (_, mut watcher) = a.client.ws(url).connect().await.expect("WebSocket connects");
    let snapshot = tokio::time::timeout(Duration::from_secs(5), watcher.next()).await;
    assert!(
        matches!(snapshot, Ok(Some(Ok(Frame::Text(_))))),
        "the snapshot first: {snapshot:?}"
    );

    relay.cut().await;
    // A bid while A's database is gone: 503 `unavailable`, Retry-After, within the pool's deadline.
    let retried = Uuid::new_v4();
    let (status, retry_after, body, took) = timed_bid(&a, &bob.token, &id, "701000", retried).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("unavailable")),
        "{body}"
    );
    assert!(
        retry_after.is_some_and(|s| s >= 1),
        "Retry-After tells when to send it again"
    );
    assert!(
        took < Duration::from_secs(5),
        "answered within the deadline, not hung: {took:?}"
    );
    let (status, _) = a.get("/api/ready", None).await;
    assert_eq!(status.as_u16(), 503, "not ready without its database");

    // Meanwhile B, which still reaches the database, takes Bob's bid; A's listener does not hear of it.
    let (status, _, body, _) = timed_bid(&b, &bob.token, &id, "701000", Uuid::new_v4()).await;
    assert_eq!(status, 201, "{body}");

    relay.restore();
    // A's watcher is caught up with the bid it missed once A's listener is back, without reconnecting.
    assert_eq!(
        next_bid_seq(&mut watcher, Duration::from_secs(10)).await,
        Some(2),
        "the missed bid, caught up"
    );
    // The pool is back: the bid sent again with its request_id is decided now (Bob leads by then).
    let deadline = Instant::now() + Duration::from_secs(10);
    let answer = loop {
        let (status, _, body, _) = timed_bid(&a, &bob.token, &id, "701000", retried).await;
        if status != 503 || Instant::now() > deadline {
            break (status, body);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        (answer.0, answer.1["error"]["code"].as_str()),
        (422, Some("already_leading")),
        "{}",
        answer.1
    );
    let (status, _, body, _) = timed_bid(&a, &alice.token, &id, "702000", Uuid::new_v4()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(next_bid_seq(&mut watcher, Duration::from_secs(5)).await, Some(3));
    let record = a.get_ok(&format!("/api/auctions/{id}/bids"), None).await;
    assert_eq!(record["total"], 3, "every acknowledged bid, once: {record}");
    b.finish().await;
    a.finish().await;
}

#[actix_web::test]
async fn a_write_refused_by_a_standby_counts_as_the_database_being_unavailable() {
    use sea_orm::ConnectionTrait;
    if !on_postgres() {
        return;
    }
    // The old primary after a failover is a standby until the pool reconnects: its refusal (25006) is a
    // 503 to send again, not a 500; a genuine fault (a missing table) stays a server error.
    let database = TestDatabase::create(Db::Postgres).await;
    let db = backend::persistence::Database::connect(&database.url, 1)
        .await
        .expect("connects");
    // One connection in the pool: the session's setting holds for the next statement.
    db.conn()
        .execute_unprepared("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        .await
        .expect("read only");
    let read_only = db
        .conn()
        .execute_unprepared("CREATE TABLE refused (id int)")
        .await
        .expect_err("a read-only session refuses writes");
    assert!(backend::error::is_unavailable(&read_only), "{read_only}");
    let fault = db
        .conn()
        .execute_unprepared("SELECT * FROM no_such_table")
        .await
        .expect_err("no such table");
    assert!(!backend::error::is_unavailable(&fault), "{fault}");
    db.close().await;
    database.drop_database().await;
}

async fn metric(app: &TestApp, name: &str) -> Option<f64> {
    let mut response = app.client.get(format!("{}/metrics", app.address)).send().await.ok()?;
    let text = String::from_utf8(response.body().await.ok()?.to_vec()).ok()?;
    text.lines()
        .find(|line| line.starts_with(name) && line[name.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

async fn until_metric(app: &TestApp, name: &str, value: f64) {
    let started = Instant::now();
    while metric(app, name).await != Some(value) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name} never became {value}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn public_reads_use_the_replica_while_it_keeps_up_and_the_primary_when_it_does_not() {
    if !on_postgres() {
        return;
    }
    // The "replica" is the same database reached through a relay (no lag); cut, it stops answering.
    let database = TestDatabase::create(Db::Postgres).await;
    let (before, after) = host_and_port(&database.url);
    let relay = Relay::start(database.url[before..after].to_owned()).await;
    let mut settings = test_settings(&database.url, &database.data_dir());
    settings.database_read_url = format!(
        "{}127.0.0.1:{}{}",
        &database.url[..before],
        relay.port,
        &database.url[after..]
    );
    settings.database_acquire_timeout_ms = 1000;
    let app = TestApp::spawn_with(Db::Postgres, settings, Some(database)).await;
    let OpenRound { id, alice, .. } = app.round_open_to_two().await;
    assert_eq!(app.bid(&alice, &id, "700000").await.0.as_u16(), 201);

    until_metric(&app, "fapai_replica_in_use", 1.0).await;
    assert_eq!(metric(&app, "fapai_replica_lag_bytes").await, Some(0.0));
    let record = app.get_ok(&format!("/api/auctions/{id}/bids"), None).await;
    assert_eq!(record["total"], 1);

    relay.cut().await;
    until_metric(&app, "fapai_replica_in_use", 0.0).await;
    // Bypassed: the public reads come from the primary, answered as before.
    for path in [
        format!("/api/auctions/{id}"),
        format!("/api/auctions/{id}/bids"),
        "/api/auctions".to_owned(),
    ] {
        let (status, body) = app.get(&path, None).await;
        assert_eq!(status.as_u16(), 200, "{path}: {body}");
    }
    let ledger = app.verified_ledger(&id).await;
    assert!(ledger.iter().any(|e| e.kind.as_str() == "bid"));
    relay.restore();
    until_metric(&app, "fapai_replica_in_use", 1.0).await;
    app.finish().await;
}
