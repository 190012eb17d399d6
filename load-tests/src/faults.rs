//! `faults`: a bid storm on one round through the balancer while a fault strikes — a `fapai` killed, the
//! PostgreSQL primary killed or cut off from the network, a rolling restart (a shell command, run after a
//! while into the storm; another may repair it) — and WebSocket watchers following the round. Then the
//! round is closed, and the run checks what an acknowledgement promises:
//!
//! - every bid answered 201 (or 200, a retry of an accepted request) is in the record, at its sequence and
//!   amount, the record holds nothing else, and the ledger's chain verifies;
//! - no bid is there twice (the record's prices rise strictly), none was accepted at or after the end in
//!   force, and the round closed exactly once;
//! - every watcher, reconnected through the balancer as often as it was cut off, has every bid, with no gap;
//! - no answer was a server error other than 503 `unavailable`, and none took longer than the deadline.
//!
//! A bid that got no definite answer (503, or no answer at all) is sent again with the same `request_id`
//! until it does, as a client would: so the bids in the record are exactly the acknowledged ones. The time
//! the bids were unavailable is the longest stretch after the fault with no definite answer to anyone.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use awc::ws::Frame;
use futures_util::StreamExt;
use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::{Api, INCREMENT_CENTS, cents, check_rounds, prepare, yuan};
use crate::scenarios::Admin;
use crate::stats::{Latencies, Outcome};

/// What strikes, when, and what repairs it.
pub struct Fault {
    pub name: String,
    /// A shell command (`sh -c`), run `after` into the storm.
    pub command: String,
    pub after: Duration,
    /// Run once the fault's command has finished and `recover_after` has passed (e.g. bring a node back).
    pub recover: Option<String>,
    pub recover_after: Duration,
}

/// A bid's answer may take at most this long: past it the answer counts as a hang.
const DEADLINE: Duration = Duration::from_secs(15);
/// How long a bid without a definite answer is sent again before the run gives up on it.
const RETRY_FOR: Duration = Duration::from_secs(120);

/// One bid answered definitely, as the run saw it.
struct Acknowledged {
    seq: i64,
    amount: i64,
}

#[derive(Default)]
struct Tally {
    acknowledged: BTreeMap<Uuid, Acknowledged>,
    refused: u64,
    unavailable: u64,
    no_answer: u64,
    server_errors: Vec<String>,
    hangs: u64,
    /// When each definite answer came (a bid accepted or refused), for the unavailability.
    answered_at: Vec<Instant>,
    /// From a bid's first sending to its definite answer, retries included.
    accepted_in: Latencies,
    refused_in: Latencies,
}

pub async fn faults(
    api: &Api,
    admin: &Admin,
    label: &str,
    bidders: usize,
    watchers: usize,
    seconds: u64,
    fault: Fault,
) -> Result<Outcome, String> {
    let setup = prepare(api, (&admin.email, &admin.password), 1, bidders, |_, _| true).await?;
    setup.open(api).await?;
    let round = setup.rounds[0].clone();
    let bidding = api
        .ok("GET", &format!("/api/auctions/{round}"), None, Value::Null)
        .await?;
    let scheduled_end = bidding["bidding_ends_at"].as_str().unwrap_or_default().to_owned();

    let stop_watching = Rc::new(Cell::new(false));
    let watched: Vec<Rc<RefCell<Watcher>>> = (0..watchers).map(|_| Rc::default()).collect();
    let watcher_tasks: Vec<_> = watched
        .iter()
        .map(|w| actix_rt::spawn(watch(api.url.clone(), round.clone(), w.clone(), stop_watching.clone())))
        .collect();
    actix_rt::time::sleep(Duration::from_secs(1)).await;

    let client = awc::Client::builder()
        .connector(awc::Connector::new().limit(0))
        .timeout(DEADLINE)
        .finish();
    let tally = RefCell::new(Tally::default());
    let started = Instant::now();
    let storm_ends = started + Duration::from_secs(seconds);
    let fault_at = Rc::new(Cell::new(None::<Instant>));
    let injector = {
        let fault_at = fault_at.clone();
        let (command, after, recover, recover_after) = (
            fault.command.clone(),
            fault.after,
            fault.recover.clone(),
            fault.recover_after,
        );
        actix_rt::spawn(async move {
            actix_rt::time::sleep(after).await;
            fault_at.set(Some(Instant::now()));
            let struck = run_command(&command).await;
            if let Some(recover) = recover {
                actix_rt::time::sleep(recover_after).await;
                let recovered = run_command(&recover).await;
                return struck.and(recovered);
            }
            struck
        })
    };
    join_all(setup.bidders.iter().enumerate().map(|(i, token)| {
        let (client, api, round, tally) = (&client, api, &round, &tally);
        async move {
            let mut step = i as i64 % 3;
            while Instant::now() < storm_ends {
                let view = api.call("GET", &format!("/api/auctions/{round}"), None, None).await;
                if view.status != 200 {
                    actix_rt::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                let minimum = cents(&view.body["minimum_next_bid"]);
                bid_until_answered(client, api, token, round, minimum + step * INCREMENT_CENTS, tally).await;
                step = (step + 1) % 3;
            }
        }
    }))
    .await;
    let struck = injector.await.map_err(|e| format!("the fault's task: {e}"))?;
    struck.map_err(|e| format!("the fault ({}): {e}", fault.name))?;

    // The close: the clock past the end in force, through the balancer, sent again while unavailable.
    let round_now = retry_ok(api, "GET", &format!("/api/auctions/{round}"), Value::Null).await?;
    let end = round_now["bidding_ends_at"]
        .as_str()
        .unwrap_or(&scheduled_end)
        .to_owned();
    let after_end = chrono::DateTime::parse_from_rfc3339(&end)
        .map_err(|e| format!("the end {end}: {e}"))?
        .to_utc()
        + chrono::Duration::seconds(1);
    retry_ok(
        api,
        "POST",
        "/api/test/clock",
        json!({ "now": auction_core::time::rfc3339(after_end) }),
    )
    .await?;
    // Bids after the close are all refused.
    let late = api
        .call(
            "POST",
            &format!("/api/auctions/{round}/bids"),
            Some(&setup.bidders[0]),
            Some(json!({ "amount": yuan(cents(&round_now["minimum_next_bid"]) + 100 * INCREMENT_CENTS), "request_id": Uuid::new_v4() })),
        )
        .await;
    if late.status != 409 {
        return Err(format!(
            "a bid after the close was answered {} {}",
            late.status, late.body
        ));
    }
    actix_rt::time::sleep(Duration::from_secs(3)).await;
    stop_watching.set(true);
    join_all(watcher_tasks).await;

    let mut tally = tally.into_inner();
    let mut outcome = Outcome::new(
        &format!("faults: {} ({bidders} bidders, {watchers} watchers)", fault.name),
        label,
        bidders,
    );
    outcome.seconds = (storm_ends - started).as_secs_f64();
    outcome.errors = tally.server_errors.len() as u64 + tally.hangs;
    outcome.accepted = std::mem::take(&mut tally.accepted_in);
    outcome.refused = std::mem::take(&mut tally.refused_in);
    let count = tally.acknowledged.len() as u64;
    outcome
        .notes
        .push(check_rounds(api, std::slice::from_ref(&round), &[count]).await?);
    outcome
        .notes
        .push(check_acknowledged(api, &round, &tally.acknowledged).await?);
    outcome.notes.push(check_closed_once(api, &round).await?);
    outcome.notes.push(check_watchers(&watched, count)?);
    let unavailable = fault_at
        .get()
        .map(|at| {
            let last = tally.answered_at.iter().max().copied().unwrap_or(at);
            longest_silence(&tally.answered_at, at, last)
        })
        .unwrap_or_default();
    outcome.notes.push(format!(
        "{count} bids acknowledged, {} refused; {} answers 503 `unavailable` and {} connections failed, each bid sent again until answered; bids unavailable for {:.1} s at most after the fault",
        tally.refused,
        tally.unavailable,
        tally.no_answer,
        unavailable.as_secs_f64()
    ));
    if !tally.server_errors.is_empty() || tally.hangs > 0 {
        outcome.notes.push(format!(
            "{} server errors ({}), {} answers past {} s",
            tally.server_errors.len(),
            tally
                .server_errors
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
            tally.hangs,
            DEADLINE.as_secs()
        ));
    }
    Ok(outcome)
}

async fn run_command(command: &str) -> Result<(), String> {
    let command = command.to_owned();
    let status = actix_rt::task::spawn_blocking(move || Command::new("sh").arg("-c").arg(&command).status())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("exited with {status}"))
    }
}

/// Sends one bid until it is answered definitely (accepted, replayed, refused) or `RETRY_FOR` passes,
/// always with the same `request_id`, and tallies every answer.
async fn bid_until_answered(
    client: &awc::Client,
    api: &Api,
    token: &str,
    round: &str,
    amount_cents: i64,
    tally: &RefCell<Tally>,
) {
    let request_id = Uuid::new_v4();
    let body = json!({ "amount": yuan(amount_cents), "request_id": request_id });
    let url = format!("{}/api/auctions/{round}/bids", api.url);
    let first = Instant::now();
    while first.elapsed() < RETRY_FOR {
        let sent = Instant::now();
        let answer = client
            .post(&url)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send_json(&body)
            .await;
        let heard = match answer {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                let body: Value = response
                    .body()
                    .await
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or(Value::Null);
                Heard::Answer {
                    status,
                    retry_after,
                    body,
                }
            }
            Err(awc::error::SendRequestError::Timeout) => Heard::Hang,
            Err(_) => Heard::Nothing,
        };
        let mut wait = Duration::from_millis(250);
        {
            let mut tally = tally.borrow_mut();
            if sent.elapsed() > DEADLINE {
                tally.hangs += 1;
            }
            match heard {
                Heard::Answer {
                    status: 200 | 201,
                    body,
                    ..
                } => {
                    let seq = body["bid"]["seq"].as_i64().unwrap_or(0);
                    tally.acknowledged.insert(
                        request_id,
                        Acknowledged {
                            seq,
                            amount: amount_cents,
                        },
                    );
                    tally.answered_at.push(Instant::now());
                    tally.accepted_in.record(first.elapsed());
                    return;
                }
                Heard::Answer { status: 400..=499, .. } => {
                    tally.refused += 1;
                    tally.answered_at.push(Instant::now());
                    tally.refused_in.record(first.elapsed());
                    return;
                }
                Heard::Answer {
                    status: 503,
                    retry_after,
                    body,
                } if body["error"]["code"] == "unavailable" => {
                    tally.unavailable += 1;
                    wait = Duration::from_secs(retry_after.unwrap_or(1).min(2));
                }
                Heard::Answer { status, body, .. } => {
                    tally.server_errors.push(format!("{status} {body}"));
                    return;
                }
                Heard::Hang => {}
                Heard::Nothing => tally.no_answer += 1,
            }
        }
        actix_rt::time::sleep(wait).await;
    }
}

/// What came back for one attempt of a bid.
enum Heard {
    Answer {
        status: u16,
        retry_after: Option<u64>,
        body: Value,
    },
    /// No answer within the deadline.
    Hang,
    /// The connection failed before an answer.
    Nothing,
}

/// A request that must succeed, sent again while the cluster is unavailable (up to two minutes).
async fn retry_ok(api: &Api, method: &str, path: &str, body: Value) -> Result<Value, String> {
    let first = Instant::now();
    loop {
        match api.ok(method, path, None, body.clone()).await {
            Ok(value) => return Ok(value),
            Err(error) if first.elapsed() > RETRY_FOR => return Err(error),
            Err(_) => actix_rt::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Every acknowledged bid is in the record at its sequence, with its amount.
async fn check_acknowledged(
    api: &Api,
    round: &str,
    acknowledged: &BTreeMap<Uuid, Acknowledged>,
) -> Result<String, String> {
    let mut record = BTreeMap::new();
    let mut page = 1;
    loop {
        let items = api
            .ok(
                "GET",
                &format!("/api/auctions/{round}/bids?per_page=100&page={page}"),
                None,
                Value::Null,
            )
            .await?["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if items.is_empty() {
            break;
        }
        for bid in items {
            record.insert(bid["seq"].as_i64().unwrap_or(0), cents(&bid["amount"]));
        }
        page += 1;
    }
    for ack in acknowledged.values() {
        if record.get(&ack.seq) != Some(&ack.amount) {
            return Err(format!(
                "the bid acknowledged as seq {} at {} is not in the record so",
                ack.seq,
                yuan(ack.amount)
            ));
        }
    }
    if record.len() != acknowledged.len() {
        return Err(format!(
            "the record holds {} bids, {} were acknowledged",
            record.len(),
            acknowledged.len()
        ));
    }
    Ok(format!(
        "each of the {} acknowledged bids is in the record at its sequence and amount",
        acknowledged.len()
    ))
}

/// The ledger: no bid at or after the end in force, one close, after every bid.
async fn check_closed_once(api: &Api, round: &str) -> Result<String, String> {
    let ledger = api
        .ok("GET", &format!("/api/auctions/{round}/ledger"), None, Value::Null)
        .await?;
    let entries = ledger["entries"].as_array().cloned().unwrap_or_default();
    let time = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default()).ok();
    let mut end = None;
    let mut closings = 0;
    for entry in &entries {
        match (entry["kind"].as_str(), entry["payload"]["status"].as_str()) {
            (Some("status"), Some("announced")) => end = time(&entry["payload"]["terms"]["bidding_ends_at"]),
            (Some("status"), Some("resumed")) => end = time(&entry["payload"]["bidding_ends_at"]),
            (Some("extension"), _) => end = time(&entry["payload"]["to"]),
            (Some("bid"), _) => {
                if closings > 0 {
                    return Err("a bid after the close".into());
                }
                if let (Some(placed), Some(end)) = (time(&entry["payload"]["placed_at"]), end)
                    && placed >= end
                {
                    return Err(format!("a bid at {placed}, at or after the end {end}"));
                }
            }
            (Some("status"), Some("sold" | "failed")) => closings += 1,
            _ => {}
        }
    }
    if closings != 1 {
        return Err(format!("the round closed {closings} times"));
    }
    Ok("closed exactly once, after every bid, none at or after the end".into())
}

/// What one watcher received: the bids by sequence, and how often it was cut off.
#[derive(Default)]
struct Watcher {
    seen: BTreeSet<i64>,
    reconnections: u64,
}

impl Watcher {
    /// The last sequence it has with none missing before it.
    fn contiguous(&self) -> i64 {
        let mut n = 0;
        while self.seen.contains(&(n + 1)) {
            n += 1;
        }
        n
    }
}

/// Follows the round over WebSockets through the balancer, reconnecting with `after_seq` whenever cut off.
async fn watch(base: String, round: String, watcher: Rc<RefCell<Watcher>>, stop: Rc<Cell<bool>>) {
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();
    let ws_base = base.replacen("http", "ws", 1);
    let mut first = true;
    while !stop.get() {
        let after = watcher.borrow().contiguous();
        let url = format!("{ws_base}/api/auctions/{round}/live?after_seq={after}");
        let Ok((_, mut socket)) = client.ws(url).max_frame_size(1 << 20).connect().await else {
            actix_rt::time::sleep(Duration::from_millis(300)).await;
            continue;
        };
        if !first {
            watcher.borrow_mut().reconnections += 1;
        }
        first = false;
        while !stop.get() {
            match actix_rt::time::timeout(Duration::from_millis(500), socket.next()).await {
                Ok(Some(Ok(Frame::Text(text)))) => {
                    let Ok(message) = serde_json::from_slice::<Value>(&text) else {
                        continue;
                    };
                    let mut w = watcher.borrow_mut();
                    match message["type"].as_str() {
                        Some("bid") => {
                            if let Some(seq) = message["bid"]["seq"].as_i64() {
                                w.seen.insert(seq);
                            }
                        }
                        // Too many missed for a catch-up: a client reloads the record, which holds them all.
                        Some("reset") => {
                            let count = message["auction"]["bid_count"].as_i64().unwrap_or(0);
                            w.seen.extend(1..=count);
                        }
                        _ => {}
                    }
                }
                Ok(Some(Ok(Frame::Ping(bytes)))) => {
                    let _ = futures_util::SinkExt::send(&mut socket, awc::ws::Message::Pong(bytes)).await;
                }
                Ok(Some(Ok(Frame::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => break,
                Ok(Some(Ok(_))) | Err(_) => {}
            }
        }
    }
}

fn check_watchers(watched: &[Rc<RefCell<Watcher>>], count: u64) -> Result<String, String> {
    let mut reconnections = 0;
    for (i, w) in watched.iter().enumerate() {
        let w = w.borrow();
        reconnections += w.reconnections;
        let contiguous = w.contiguous();
        if contiguous != count as i64 {
            return Err(format!(
                "watcher {i} has every bid up to {contiguous} of {count} (reconnected {} times)",
                w.reconnections
            ));
        }
    }
    Ok(format!(
        "{} watchers have all {count} bids with no gap ({reconnections} reconnections through the balancer)",
        watched.len()
    ))
}

/// The longest time after `from` with no definite answer to any bid.
fn longest_silence(answered: &[Instant], from: Instant, to: Instant) -> Duration {
    let mut times: Vec<Instant> = answered.iter().copied().filter(|t| *t >= from).collect();
    times.sort();
    let mut previous = from;
    let mut longest = Duration::ZERO;
    for t in times.into_iter().chain(std::iter::once(to)) {
        longest = longest.max(t.saturating_duration_since(previous));
        previous = t;
    }
    longest
}
