//! `fapai-load`: load tests that use only the public API of a running server.
//!
//! The server must run with `FAPAI_CLOCK=manual` (to open bidding without waiting a month) and an admin
//! account (`FAPAI_ADMIN_EMAIL` / `FAPAI_ADMIN_PASSWORD`). Scenarios:
//! - `storm`: N bidders bid as fast as they can on one round, most of them colliding on the same amount;
//! - `sequence`: two bidders alternate 2,000 bids one after another (is bid 2,000 as cheap as bid 1?);
//! - `reads`: N clients read the round and its bid record;
//! - watchers: WebSocket subscribers follow the round during the storm and count what reaches them.
#![allow(clippy::print_stdout)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use awc::Client;
use awc::ws::Frame;
use futures_util::StreamExt;
use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

struct Options {
    url: String,
    admin_email: String,
    admin_password: String,
    bidders: usize,
    seconds: u64,
    watchers: usize,
    sequence: usize,
}

fn options() -> Options {
    let mut o = Options {
        url: "http://127.0.0.1:8080".into(),
        admin_email: std::env::var("FAPAI_ADMIN_EMAIL").unwrap_or_else(|_| "admin@load.test".into()),
        admin_password: std::env::var("FAPAI_ADMIN_PASSWORD").unwrap_or_else(|_| "load-test-password".into()),
        bidders: 50,
        seconds: 20,
        watchers: 100,
        sequence: 2000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--url" => o.url = value,
            "--bidders" => o.bidders = value.parse().unwrap_or(o.bidders),
            "--seconds" => o.seconds = value.parse().unwrap_or(o.seconds),
            "--watchers" => o.watchers = value.parse().unwrap_or(o.watchers),
            "--sequence" => o.sequence = value.parse().unwrap_or(o.sequence),
            other => {
                eprintln!("unknown option {other}; options: --url --bidders --seconds --watchers --sequence");
                std::process::exit(2);
            }
        }
    }
    o
}

struct Api {
    client: Client,
    url: String,
}

impl Api {
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value, Duration) {
        let url = format!("{}{path}", self.url);
        let mut request = if method == "GET" {
            self.client.get(url)
        } else {
            self.client.post(url)
        };
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let started = Instant::now();
        let sent = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        let Ok(mut response) = sent else {
            return (0, Value::Null, started.elapsed());
        };
        let status = response.status().as_u16();
        let body = response.body().limit(16 << 20).await.ok();
        let elapsed = started.elapsed();
        let value = body
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        (status, value, elapsed)
    }

    async fn ok(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Value {
        let body = if method == "GET" { None } else { Some(body) };
        let (status, value, _) = self.call(method, path, token, body).await;
        assert!((200..300).contains(&status), "{method} {path}: {status} {value}");
        value
    }
}

fn cents(amount: &Value) -> i64 {
    auction_core::Money::parse_positive(amount.as_str().unwrap_or("0"))
        .map(|m| m.cents())
        .unwrap_or(0)
}

fn yuan(cents: i64) -> String {
    auction_core::Money::from_cents(cents)
        .map(|m| m.to_string())
        .unwrap_or_default()
}

fn id_number(n: u128) -> String {
    let first17 = format!(
        "110105{}{:02}{:02}{:03}",
        1960 + n % 40,
        1 + n / 40 % 12,
        1 + n / 480 % 28,
        n / 13440 % 1000
    );
    let digits: Vec<u32> = first17.chars().filter_map(|c| c.to_digit(10)).collect();
    let check = digits
        .try_into()
        .map(|d: [u32; 17]| auction_core::identity::check_character(&d))
        .unwrap_or('0');
    format!("{first17}{check}")
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn summary(name: &str, mut latencies: Vec<Duration>, seconds: f64) {
    latencies.sort();
    println!(
        "| {name} | {} | {:.0}/s | {:.1} ms | {:.1} ms | {:.1} ms |",
        latencies.len(),
        latencies.len() as f64 / seconds,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99)
    );
}

/// A published round of a fresh listing, bidding open; returns (auction, bidder tokens).
async fn prepare(api: &Api, bidders: usize) -> (Value, Vec<String>) {
    let admin = api
        .ok(
            "POST",
            "/api/auth/login",
            None,
            json!({ "email": api_admin().0, "password": api_admin().1 }),
        )
        .await;
    let admin = admin["token"].as_str().unwrap_or_default().to_owned();
    let court = api
        .ok(
            "POST",
            "/api/admin/courts",
            Some(&admin),
            json!({ "name": "压力测试法院" }),
        )
        .await;
    let judge_email = format!("judge-{}@load.test", Uuid::new_v4().simple());
    api.ok(
        "POST",
        "/api/admin/judges",
        Some(&admin),
        json!({ "email": judge_email, "password": "load-password", "real_name": "法官", "court_id": court["id"] }),
    )
    .await;
    let judge = api
        .ok(
            "POST",
            "/api/auth/login",
            None,
            json!({ "email": judge_email, "password": "load-password" }),
        )
        .await;
    let judge = judge["token"].as_str().unwrap_or_default().to_owned();
    let case = api.ok("POST", "/api/cases", Some(&judge), json!({ "case_number": "(2026)压测1号", "applicant": { "name": "甲", "email": "a@load.test" }, "respondent": { "name": "乙", "email": "b@load.test" } })).await;
    let listing = api.ok("POST", "/api/listings", Some(&judge), json!({ "case_id": case["id"], "title": "压力测试标的", "category": "movable", "description": "d", "location": "l" })).await;
    let listing_id = listing["id"].as_str().unwrap_or_default().to_owned();
    api.ok(
        "POST",
        &format!("/api/listings/{listing_id}/valuations"),
        Some(&judge),
        json!({ "method": "appraisal", "quotes": [{ "source": "评估", "amount": "100000" }] }),
    )
    .await;
    let now = api.ok("GET", "/api/time", None, Value::Null).await;
    let now = chrono::DateTime::parse_from_rfc3339(now["now"].as_str().unwrap_or_default())
        .map(|t| t.to_utc())
        .unwrap_or_default();
    let starts = now + chrono::Duration::days(16);
    let round = api
        .ok(
            "POST",
            &format!("/api/listings/{listing_id}/auctions"),
            Some(&judge),
            json!({
                "starting_price": "70000", "deposit": "7000", "increment": "1",
                "bidding_starts_at": auction_core::time::rfc3339(starts),
                "bidding_ends_at": auction_core::time::rfc3339(starts + chrono::Duration::hours(24)),
            }),
        )
        .await;
    let id = round["id"].as_str().unwrap_or_default().to_owned();
    api.ok("POST", &format!("/api/auctions/{id}/publish"), Some(&judge), json!({}))
        .await;
    let mut tokens = Vec::new();
    for i in 0..bidders {
        let email = format!("bidder-{i}-{}@load.test", Uuid::new_v4().simple());
        let body = json!({ "email": email, "password": "load-password", "real_name": format!("竞买人{}", chinese_digits(i)), "id_number": id_number(Uuid::new_v4().as_u128()) });
        api.ok("POST", "/api/auth/register", None, body).await;
        let login = api
            .ok(
                "POST",
                "/api/auth/login",
                None,
                json!({ "email": email, "password": "load-password" }),
            )
            .await;
        let token = login["token"].as_str().unwrap_or_default().to_owned();
        let registration = api
            .ok(
                "POST",
                &format!("/api/auctions/{id}/registrations"),
                Some(&token),
                json!({ "accept_terms": true, "housing_qualification_commitment": true }),
            )
            .await;
        let order = registration["payment"]["order_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        api.ok(
            "POST",
            &format!("/api/payments/{order}/sandbox-complete"),
            Some(&token),
            json!({}),
        )
        .await;
        tokens.push(token);
    }
    api.ok(
        "POST",
        "/api/test/clock",
        None,
        json!({ "now": auction_core::time::rfc3339(starts) }),
    )
    .await;
    (
        api.ok("GET", &format!("/api/auctions/{id}"), None, Value::Null).await,
        tokens,
    )
}

fn api_admin() -> (String, String) {
    let o = options();
    (o.admin_email, o.admin_password)
}

#[actix_rt::main]
async fn main() {
    let o = options();
    // Separate connection pools for requests and for watchers; awc allows 100 connections per pool by default.
    let unlimited = || {
        Client::builder()
            .connector(awc::Connector::new().limit(0))
            .timeout(Duration::from_secs(60))
            .finish()
    };
    let api = Rc::new(Api {
        client: unlimited(),
        url: o.url.clone(),
    });
    let watcher_client = unlimited();
    println!("preparing: a round with {} registered bidders at {}", o.bidders, o.url);
    let (round, tokens) = prepare(&api, o.bidders).await;
    let id = round["id"].as_str().unwrap_or_default().to_owned();

    // Watchers follow the round during the storm.
    let received = Rc::new(RefCell::new(vec![0usize; o.watchers]));
    let stop = Rc::new(RefCell::new(false));
    let mut watcher_tasks = Vec::new();
    for w in 0..o.watchers {
        let url = format!("{}/api/auctions/{id}/live", o.url.replace("http://", "ws://"));
        let (client, received, stop) = (watcher_client.clone(), received.clone(), stop.clone());
        watcher_tasks.push(actix_rt::spawn(async move {
            let Ok((_, mut socket)) = client.ws(url).connect().await else {
                return;
            };
            while !*stop.borrow() {
                match actix_rt::time::timeout(Duration::from_millis(500), socket.next()).await {
                    Ok(Some(Ok(Frame::Text(text)))) if text.windows(11).any(|w| w == b"\"type\":\"bid") => {
                        received.borrow_mut()[w] += 1;
                    }
                    Ok(Some(Ok(_))) | Err(_) => {}
                    Ok(None) | Ok(Some(Err(_))) => return,
                }
            }
        }));
    }
    actix_rt::time::sleep(Duration::from_millis(500)).await;

    println!("\n| scenario | requests | rate | p50 | p95 | p99 |\n|---|---|---|---|---|---|");
    // Storm: everyone reads the minimum and bids it (or a step above), as fast as possible.
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let outcomes = Rc::new(RefCell::new((Vec::new(), Vec::new(), 0usize)));
    let started = Instant::now();
    let workers = tokens.iter().enumerate().map(|(i, token)| {
        let (api, id, outcomes) = (api.clone(), id.clone(), outcomes.clone());
        async move {
            let mut step = i as i64 % 3;
            while Instant::now() < deadline {
                let (_, round, _) = api.call("GET", &format!("/api/auctions/{id}"), None, None).await;
                let amount = yuan(cents(&round["minimum_next_bid"]) + step * 100);
                step = (step + 1) % 3;
                let body = json!({ "amount": amount, "request_id": Uuid::new_v4() });
                let (status, _, latency) = api
                    .call("POST", &format!("/api/auctions/{id}/bids"), Some(token), Some(body))
                    .await;
                let mut outcomes = outcomes.borrow_mut();
                match status {
                    201 => outcomes.0.push(latency),
                    400..=499 => outcomes.1.push(latency),
                    _ => outcomes.2 += 1,
                }
            }
        }
    });
    join_all(workers).await;
    let storm_seconds = started.elapsed().as_secs_f64();
    let (accepted, refused, errors) = outcomes.take();
    let accepted_count = accepted.len();
    summary(
        &format!("storm: accepted bids ({} bidders)", o.bidders),
        accepted,
        storm_seconds,
    );
    summary("storm: refused bids (4xx, e.g. bid_too_low)", refused, storm_seconds);
    // Let the last events of the storm reach the watchers before they stop counting.
    actix_rt::time::sleep(Duration::from_secs(1)).await;
    *stop.borrow_mut() = true;
    join_all(watcher_tasks).await;
    let received = received.borrow().clone();
    let complete = received.iter().filter(|n| **n >= accepted_count).count();
    println!(
        "\nstorm: {errors} errors (5xx or no answer); {complete} of {} watchers received all {accepted_count} bid events (min {}, max {})",
        o.watchers,
        received.iter().min().unwrap_or(&0),
        received.iter().max().unwrap_or(&0)
    );
    let round = api.ok("GET", &format!("/api/auctions/{id}"), None, Value::Null).await;
    println!(
        "round after the storm: bid_count {} (accepted answers {accepted_count})",
        round["bid_count"]
    );

    // Sequence: is the 2,000th bid as cheap as the first?
    let mut latencies = Vec::new();
    let mut amount = cents(&round["minimum_next_bid"]);
    let leader = round["leader_code"].clone();
    let mut turn = 0usize;
    let registrations: Vec<Value> = join_all(
        tokens
            .iter()
            .take(2)
            .map(|t| api.ok("GET", "/api/me/registrations", Some(t), Value::Null)),
    )
    .await;
    if registrations
        .first()
        .is_some_and(|r| r["items"][0]["bidder_code"] == leader)
    {
        turn = 1;
    }
    for _ in 0..o.sequence {
        let body = json!({ "amount": yuan(amount), "request_id": Uuid::new_v4() });
        let (status, value, latency) = api
            .call(
                "POST",
                &format!("/api/auctions/{id}/bids"),
                Some(&tokens[turn % 2]),
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "{value}");
        latencies.push(latency);
        amount += 100;
        turn += 1;
    }
    let n = latencies.len();
    let window = 100.min(n);
    // One bid at a time: the rate is what a single client achieves back to back.
    let seconds = |slice: &[Duration]| slice.iter().sum::<Duration>().as_secs_f64();
    let (first, last) = (&latencies[..window], &latencies[n - window..]);
    summary(
        &format!("sequence: first {window} bids, one at a time"),
        first.to_vec(),
        seconds(first),
    );
    let total = round["bid_count"].as_u64().unwrap_or(0) as usize + n;
    summary(
        &format!("sequence: last {window} bids (bid count now {total})"),
        last.to_vec(),
        seconds(last),
    );

    // Reads: the round and its record, many clients at once.
    let deadline = Instant::now() + Duration::from_secs(o.seconds.min(10));
    let reads = Rc::new(RefCell::new(Vec::new()));
    let started = Instant::now();
    join_all((0..o.bidders).map(|i| {
        let (api, id, reads) = (api.clone(), id.clone(), reads.clone());
        async move {
            while Instant::now() < deadline {
                let path = if i % 2 == 0 {
                    format!("/api/auctions/{id}")
                } else {
                    format!("/api/auctions/{id}/bids")
                };
                let (status, _, latency) = api.call("GET", &path, None, None).await;
                if status == 200 {
                    reads.borrow_mut().push(latency);
                }
            }
        }
    }))
    .await;
    summary(
        &format!("reads: round + bid record ({} clients)", o.bidders),
        reads.take(),
        started.elapsed().as_secs_f64(),
    );
}

/// `12` → `一二`: a bidder's name is letters only (the sign-up's identity check refuses digits).
fn chinese_digits(n: usize) -> String {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    n.to_string().bytes().map(|b| DIGITS[usize::from(b - b'0')]).collect()
}
