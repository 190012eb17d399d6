//! Thousands of WebSocket watchers of one round, spread over worker threads so that the figure measures the
//! server and not the client. Each thread runs its own single-threaded runtime with its share of the
//! sockets and a probe that measures how late the thread's own timers fire: the client's lag, reported
//! beside the latency it would otherwise hide in.
//!
//! A bid's latency to a watcher runs from the moment its request was sent (the time is shared with every
//! thread, keyed by the bid's amount, which is unique in a rising round) to the moment the watcher's
//! thread read the `bid` message. The watchers may be spread over several `fapai` instances of one
//! database (one URL each), whose latencies are kept apart: a bid reaches the others' watchers through
//! PostgreSQL's LISTEN/NOTIFY.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use awc::ws::Frame;
use futures_util::StreamExt;
use futures_util::future::join_all;

use crate::stats::Latencies;

/// How often each thread's lag probe wakes; its lateness is the thread's lag.
const PROBE_EVERY: Duration = Duration::from_millis(10);

/// What the bidder and the watcher threads share.
#[derive(Default)]
struct Shared {
    /// When each bid's request was sent, by amount in cents.
    sent_at: RwLock<HashMap<i64, Instant>>,
    connected: AtomicUsize,
    /// Bid messages received, by all watchers.
    deliveries: AtomicU64,
    stop: AtomicBool,
}

/// What one watcher thread measured.
struct ThreadReport {
    /// By instance.
    delivery: Vec<Latencies>,
    lag: Latencies,
    /// Bids each of its watchers received.
    received: Vec<u64>,
}

/// What the whole pool measured.
pub struct WatcherReport {
    /// Every delivery, and the deliveries by instance.
    pub delivery: Latencies,
    pub by_instance: Vec<Latencies>,
    pub lag: Latencies,
    pub received: Vec<u64>,
    pub threads: usize,
}

pub struct WatcherPool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<ThreadReport>>,
}

impl WatcherPool {
    /// Connects `watchers` sockets, in turn to each of `urls` (one per instance), spread evenly over
    /// `threads` threads.
    pub fn connect(urls: &[String], watchers: usize, threads: usize) -> WatcherPool {
        let shared = Arc::new(Shared::default());
        let threads = threads.clamp(1, watchers.max(1));
        let handles = (0..threads)
            .map(|t| {
                // Watcher i goes to instance i mod n; thread t takes watchers t, t + threads, …
                let mine: Vec<usize> = (t..watchers).step_by(threads).map(|i| i % urls.len().max(1)).collect();
                let (shared, urls) = (Arc::clone(&shared), urls.to_vec());
                std::thread::spawn(move || actix_rt::System::new().block_on(watch(shared, urls, mine)))
            })
            .collect();
        WatcherPool {
            shared,
            threads: handles,
        }
    }

    pub fn connected(&self) -> usize {
        self.shared.connected.load(Ordering::Relaxed)
    }

    /// Bid messages received so far, by all watchers.
    pub fn deliveries(&self) -> u64 {
        self.shared.deliveries.load(Ordering::Relaxed)
    }

    /// Notes when the bid of `amount_cents` was sent, before sending it.
    pub fn sending(&self, amount_cents: i64) {
        if let Ok(mut sent_at) = self.shared.sent_at.write() {
            sent_at.insert(amount_cents, Instant::now());
        }
    }

    /// Stops every watcher and merges what the threads measured.
    pub fn finish(self) -> WatcherReport {
        self.shared.stop.store(true, Ordering::Relaxed);
        let threads = self.threads.len();
        let mut report = WatcherReport {
            delivery: Latencies::default(),
            by_instance: Vec::new(),
            lag: Latencies::default(),
            received: Vec::new(),
            threads,
        };
        for handle in self.threads {
            // A thread that panicked measured nothing; its watchers count as having received nothing.
            if let Ok(part) = handle.join() {
                for (instance, delivery) in part.delivery.iter().enumerate() {
                    report.delivery.add(delivery);
                    if report.by_instance.len() <= instance {
                        report.by_instance.resize_with(instance + 1, Latencies::default);
                    }
                    report.by_instance[instance].add(delivery);
                }
                report.lag.add(&part.lag);
                report.received.extend(part.received);
            }
        }
        report
    }
}

/// One thread's watchers (each given as the index of its instance's URL) and its lag probe, until the pool
/// stops.
async fn watch(shared: Arc<Shared>, urls: Vec<String>, watchers: Vec<usize>) -> ThreadReport {
    let client = awc::Client::builder()
        .connector(awc::Connector::new().limit(0))
        .timeout(Duration::from_secs(60))
        .finish();
    let count = watchers.len();
    let sockets = watchers.into_iter().map(|instance| {
        let (client, url, shared) = (client.clone(), urls[instance].clone(), Arc::clone(&shared));
        actix_rt::spawn(async move {
            let mut delivery = Latencies::default();
            let mut received = 0u64;
            let Ok((_, mut socket)) = client.ws(url).max_frame_size(1 << 20).connect().await else {
                return (instance, delivery, received);
            };
            let mut snapshot = false;
            while !shared.stop.load(Ordering::Relaxed) {
                match actix_rt::time::timeout(Duration::from_millis(500), socket.next()).await {
                    // Connected once the server has sent the round's snapshot: bids it covers come as no
                    // message of their own, so the bids start only when every watcher has one.
                    Ok(Some(Ok(Frame::Text(text)))) if !snapshot => {
                        snapshot = std::str::from_utf8(&text).is_ok_and(|t| t.contains("\"type\":\"snapshot\""));
                        if snapshot {
                            shared.connected.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok(Some(Ok(Frame::Text(text)))) => {
                        let now = Instant::now();
                        let sent = bid_amount(&text)
                            .and_then(|amount| shared.sent_at.read().ok().and_then(|s| s.get(&amount).copied()));
                        if let Some(sent) = sent {
                            delivery.record(now.saturating_duration_since(sent));
                            received += 1;
                            shared.deliveries.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok(Some(Ok(_))) | Err(_) => {}
                    Ok(None) | Ok(Some(Err(_))) => break,
                }
            }
            (instance, delivery, received)
        })
    });
    let sockets: Vec<_> = sockets.collect();
    let probe = {
        let shared = Arc::clone(&shared);
        actix_rt::spawn(async move {
            let mut lag = Latencies::default();
            while !shared.stop.load(Ordering::Relaxed) {
                let due = Instant::now() + PROBE_EVERY;
                actix_rt::time::sleep_until(due.into()).await;
                lag.record(Instant::now().saturating_duration_since(due));
            }
            lag
        })
    };
    let mut report = ThreadReport {
        delivery: (0..urls.len()).map(|_| Latencies::default()).collect(),
        lag: probe.await.unwrap_or_default(),
        received: Vec::with_capacity(count),
    };
    for (instance, delivery, received) in join_all(sockets).await.into_iter().flatten() {
        report.delivery[instance].add(&delivery);
        report.received.push(received);
    }
    report
}

/// The amount of a live `bid` message, found without parsing the whole message.
fn bid_amount(text: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(text).ok()?;
    if !text.contains("\"type\":\"bid\"") {
        return None;
    }
    let start = text.find("\"amount\":\"")? + 10;
    let end = start + text[start..].find('"')?;
    auction_core::Money::parse_positive(&text[start..end])
        .ok()
        .map(|m| m.cents())
}
