//! The scenarios over HTTP and WebSocket. Each prepares its rounds through the API, opens bidding by moving
//! the server's manual clock, runs for the given time, and checks the rounds afterwards.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;
use uuid::Uuid;

use crate::api::{Api, INCREMENT_CENTS, START_CENTS, check_rounds, prepare, yuan};
use crate::stats::Outcome;
use crate::watchers::WatcherPool;

/// The administrator the set-up signs in as.
#[derive(Clone)]
pub struct Admin {
    pub email: String,
    pub password: String,
}

impl Admin {
    fn pair(&self) -> (&str, &str) {
        (&self.email, &self.password)
    }
}

/// A timed run: its deadline, and a progress bar over its seconds with a live count on the terminal (hidden
/// otherwise).
struct Timed {
    deadline: Instant,
    started: Instant,
    bar: indicatif::ProgressBar,
    ticker: actix_rt::task::JoinHandle<()>,
}

impl Timed {
    fn start(seconds: u64, what: &'static str, count: Rc<Cell<u64>>) -> Timed {
        let bar = indicatif::ProgressBar::new(seconds);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} s  {msg}") {
            bar.set_style(style);
        }
        let started = Instant::now();
        let ticker = {
            let bar = bar.clone();
            actix_rt::spawn(async move {
                loop {
                    bar.set_position(started.elapsed().as_secs());
                    bar.set_message(format!("{} {what}", count.get()));
                    actix_rt::time::sleep(Duration::from_millis(250)).await;
                }
            })
        };
        Timed {
            deadline: started + Duration::from_secs(seconds),
            started,
            bar,
            ticker,
        }
    }

    fn running(&self) -> bool {
        Instant::now() < self.deadline
    }

    /// The outcome with the run's length, the bar cleared.
    fn finish(self, outcome: RefCell<Outcome>) -> Outcome {
        let mut outcome = outcome.into_inner();
        outcome.seconds = self.started.elapsed().as_secs_f64();
        self.ticker.abort();
        self.bar.finish_and_clear();
        outcome
    }
}

/// Sends one bid and records its answer; returns whether it was accepted.
async fn bid(api: &Api, token: &str, round: &str, amount_cents: i64, outcome: &RefCell<Outcome>) -> bool {
    let body = json!({ "amount": yuan(amount_cents), "request_id": Uuid::new_v4() });
    let answer = api
        .call("POST", &format!("/api/auctions/{round}/bids"), Some(token), Some(body))
        .await;
    let mut outcome = outcome.borrow_mut();
    match answer.status {
        201 => {
            outcome.accepted.record(answer.took);
            true
        }
        400..=499 => {
            outcome.refused.record(answer.took);
            false
        }
        _ => {
            outcome.errors += 1;
            false
        }
    }
}

/// `storm`: every bidder reads the minimum and bids it or a step above, as fast as it can, on one round —
/// most requests collide on the same amount, as in an extension war.
pub async fn storm(api: &Api, admin: &Admin, label: &str, bidders: usize, seconds: u64) -> Result<Outcome, String> {
    let setup = prepare(api, admin.pair(), 1, bidders, |_, _| true).await?;
    setup.open(api).await?;
    let round = setup.rounds[0].clone();
    let outcome = RefCell::new(Outcome::new("storm (colliding, one round)", label, bidders));
    let accepted = Rc::new(Cell::new(0u64));
    let run = Timed::start(seconds, "accepted", accepted.clone());
    join_all(setup.bidders.iter().enumerate().map(|(i, token)| {
        let (round, outcome, accepted, run) = (&round, &outcome, accepted.clone(), &run);
        async move {
            let mut step = i as i64 % 3;
            while run.running() {
                let view = api.call("GET", &format!("/api/auctions/{round}"), None, None).await;
                let minimum = crate::api::cents(&view.body["minimum_next_bid"]);
                if bid(api, token, round, minimum + step * INCREMENT_CENTS, outcome).await {
                    accepted.set(accepted.get() + 1);
                }
                step = (step + 1) % 3;
            }
        }
    }))
    .await;
    let mut outcome = run.finish(outcome);
    outcome
        .notes
        .push(check_rounds(api, &[round], &[accepted.get()]).await?);
    Ok(outcome)
}

/// `rising` (one hot round) and `spread` (N rounds): every bid meant to be valid, so each accepted bid is a
/// commit. On one round the connections take their amounts from one rising counter (a bid that arrives
/// after a higher one is refused); over N rounds each connection owns its rounds and alternates two bidders
/// in each, so every bid is valid.
pub async fn rising(
    api: &Api,
    admin: &Admin,
    label: &str,
    rounds: usize,
    connections: usize,
    seconds: u64,
) -> Result<Outcome, String> {
    let rounds = rounds.max(1);
    let hot = rounds == 1;
    // Hot: one bidder per connection, all on the round. Spread: connection w has bidders 2w and 2w+1,
    // registered for the rounds w owns (r % connections == w).
    let bidders = if hot { connections } else { 2 * connections };
    let setup = prepare(api, admin.pair(), rounds, bidders, |b, r| {
        hot || r % connections == b / 2
    })
    .await?;
    setup.open(api).await?;
    let scenario = if hot {
        "rising (every bid valid, one hot round)".to_owned()
    } else {
        format!("spread (every bid valid, {rounds} rounds)")
    };
    let outcome = RefCell::new(Outcome::new(&scenario, label, connections));
    let acknowledged: Vec<Cell<u64>> = (0..rounds).map(|_| Cell::new(0)).collect();
    let next_step = Cell::new(0i64);
    let accepted = Rc::new(Cell::new(0u64));
    let run = Timed::start(seconds, "accepted", accepted.clone());
    join_all((0..connections).map(|w| {
        let (setup, outcome, acknowledged, next_step, accepted, run) =
            (&setup, &outcome, &acknowledged, &next_step, accepted.clone(), &run);
        async move {
            if hot {
                while run.running() {
                    let step = next_step.get();
                    next_step.set(step + 1);
                    if bid(
                        api,
                        &setup.bidders[w],
                        &setup.rounds[0],
                        START_CENTS + step * INCREMENT_CENTS,
                        outcome,
                    )
                    .await
                    {
                        acknowledged[0].set(acknowledged[0].get() + 1);
                        accepted.set(accepted.get() + 1);
                    }
                }
                return;
            }
            let owned: Vec<usize> = (w..rounds).step_by(connections).collect();
            let mut steps = vec![0i64; owned.len()];
            let mut turn = 0usize;
            while !owned.is_empty() && run.running() {
                let k = turn % owned.len();
                let r = owned[k];
                // Alternate the two bidders so the leader never bids twice in a row.
                let token = &setup.bidders[2 * w + (steps[k] % 2) as usize];
                if bid(
                    api,
                    token,
                    &setup.rounds[r],
                    START_CENTS + steps[k] * INCREMENT_CENTS,
                    outcome,
                )
                .await
                {
                    steps[k] += 1;
                    acknowledged[r].set(acknowledged[r].get() + 1);
                    accepted.set(accepted.get() + 1);
                }
                turn += 1;
            }
        }
    }))
    .await;
    let mut outcome = run.finish(outcome);
    let counts: Vec<u64> = acknowledged.iter().map(Cell::get).collect();
    outcome.notes.push(check_rounds(api, &setup.rounds, &counts).await?);
    Ok(outcome)
}

/// The resident memory of process `pid`, in KiB (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `watchers`: N WebSocket clients follow one round while two bidders alternate valid bids at a steady
/// rate; each bid's latency to each watcher is measured from the moment its request was sent. The watchers
/// are spread over `threads` threads (see `watchers.rs`), whose own lag is reported beside the latency, and
/// over this server and the `others` on its database (their base URLs), each instance's latency apart.
#[allow(clippy::too_many_arguments)]
pub async fn watchers(
    api: &Api,
    admin: &Admin,
    label: &str,
    watchers: usize,
    threads: usize,
    others: &[String],
    seconds: u64,
    bids_per_second: u32,
    server_pid: Option<u32>,
) -> Result<Outcome, String> {
    let setup = prepare(api, admin.pair(), 1, 2, |_, _| true).await?;
    setup.open(api).await?;
    let round = setup.rounds[0].clone();
    let before = server_pid.and_then(rss_kib);
    let urls: Vec<String> = std::iter::once(&api.url)
        .chain(others)
        .map(|base| format!("{}/api/auctions/{round}/live", base.replacen("http", "ws", 1)))
        .collect();
    let pool = WatcherPool::connect(&urls, watchers, threads);
    let waiting = Instant::now();
    while pool.connected() < watchers && waiting.elapsed() < Duration::from_secs(120) {
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
    actix_rt::time::sleep(Duration::from_secs(1)).await;
    let connected = server_pid.and_then(rss_kib);

    let outcome = RefCell::new(Outcome::new(
        &format!(
            "watchers ({watchers} WebSockets, one round, {} instance{})",
            urls.len(),
            if urls.len() == 1 { "" } else { "s" }
        ),
        label,
        1,
    ));
    let accepted = Rc::new(Cell::new(0u64));
    let run = Timed::start(seconds, "bids", accepted.clone());
    let mut step = 0i64;
    let pause = Duration::from_secs(1) / bids_per_second.max(1);
    while run.running() {
        let next = Instant::now() + pause;
        let amount = START_CENTS + step * INCREMENT_CENTS;
        pool.sending(amount);
        if bid(api, &setup.bidders[(step % 2) as usize], &round, amount, &outcome).await {
            step += 1;
            accepted.set(accepted.get() + 1);
        }
        actix_rt::time::sleep_until(next.into()).await;
    }
    let mut outcome = run.finish(outcome);
    // The last bids' messages on their way: until every watcher has every bid, or ten seconds.
    let expected = accepted.get() * pool.connected() as u64;
    let waiting = Instant::now();
    while pool.deliveries() < expected && waiting.elapsed() < Duration::from_secs(10) {
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let at_end = server_pid.and_then(rss_kib);
    let count = pool.connected();
    let report = pool.finish();
    let complete = report.received.iter().filter(|n| **n >= accepted.get()).count();
    let (p50, p99) = (report.delivery.ms(0.5), report.delivery.ms(0.99));
    let lag = report.lag.ms(0.99);
    outcome.notes.push(format!(
        "{count} of {watchers} connected, {complete} received all {} bids; bid → watcher p50 / p99 {p50:.0} / {p99:.0} ms ({} deliveries); client lag p99 {lag:.1} ms over {} threads = {:.1} % of the p99",
        accepted.get(),
        report.delivery.count(),
        report.threads,
        100.0 * lag / p99.max(f64::EPSILON),
    ));
    if !others.is_empty() {
        let each: Vec<String> = report
            .by_instance
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let which = if i == 0 {
                    "the bids' instance".to_owned()
                } else {
                    format!("instance {}", i + 1)
                };
                format!("{which} {:.0} / {:.0} ms", d.ms(0.5), d.ms(0.99))
            })
            .collect();
        outcome
            .notes
            .push(format!("p50 / p99 by instance: {}", each.join(", ")));
    }
    if let (Some(before), Some(connected), Some(at_end)) = (before, connected, at_end) {
        // The memory is the first instance's, which has every n-th watcher.
        let on_first = count.div_ceil(urls.len()).max(1);
        let per = |kib: u64| kib.saturating_sub(before) as f64 / on_first as f64;
        outcome.notes.push(format!(
            "server memory {before} → {connected} KiB connected ({:.1} KiB per watcher), {at_end} KiB after the bids ({:.1} KiB per watcher)",
            per(connected),
            per(at_end),
        ));
    }
    outcome
        .notes
        .push(check_rounds(api, &[round], &[accepted.get()]).await?);
    Ok(outcome)
}

/// `reads`: N clients read the round (with its timeline) and its bid record, after 200 bids.
pub async fn reads(api: &Api, admin: &Admin, label: &str, clients: usize, seconds: u64) -> Result<Outcome, String> {
    let setup = prepare(api, admin.pair(), 1, 2, |_, _| true).await?;
    setup.open(api).await?;
    let round = setup.rounds[0].clone();
    let warmup = RefCell::new(Outcome::new("warm-up", label, 1));
    for step in 0..200i64 {
        bid(
            api,
            &setup.bidders[(step % 2) as usize],
            &round,
            START_CENTS + step * INCREMENT_CENTS,
            &warmup,
        )
        .await;
    }
    let outcome = RefCell::new(Outcome::new("reads (round view and bid record)", label, clients));
    let done = Rc::new(Cell::new(0u64));
    let run = Timed::start(seconds, "reads", done.clone());
    join_all((0..clients).map(|i| {
        let (round, outcome, done, run) = (&round, &outcome, done.clone(), &run);
        async move {
            while run.running() {
                let path = if i % 2 == 0 {
                    format!("/api/auctions/{round}")
                } else {
                    format!("/api/auctions/{round}/bids")
                };
                let answer = api.call("GET", &path, None, None).await;
                let mut outcome = outcome.borrow_mut();
                if answer.status == 200 {
                    outcome.accepted.record(answer.took);
                    done.set(done.get() + 1);
                } else {
                    outcome.errors += 1;
                }
            }
        }
    }))
    .await;
    let mut outcome = run.finish(outcome);
    outcome.notes.push("accepted/s = reads/s".to_owned());
    Ok(outcome)
}
