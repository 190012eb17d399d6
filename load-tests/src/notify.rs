//! `notify`: the ceiling of PostgreSQL's LISTEN/NOTIFY, the way the live hub carries a round's events to
//! the other instances — each event one `SELECT pg_notify(channel, text)` on its own, the text of a bid
//! message's size — with one listening connection, as each instance has. Sent/s is the ceiling of events
//! the cluster can announce; the delivery latency is what an instance's watchers wait on top of their own.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use sqlx::postgres::{PgListener, PgPoolOptions};

use crate::stats::{Latencies, Outcome};

const CHANNEL: &str = "fapai_load_notify";

pub async fn notify(
    database_url: &str,
    label: &str,
    connections: usize,
    payload_bytes: usize,
    seconds: u64,
) -> Result<Outcome, String> {
    let pool = PgPoolOptions::new()
        .max_connections(u32::try_from(connections).unwrap_or(64))
        .connect(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    let mut listener = PgListener::connect(database_url).await.map_err(|e| e.to_string())?;
    listener.listen(CHANNEL).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let received = Rc::new(Cell::new(0u64));
    let delivery = Rc::new(RefCell::new(Latencies::default()));
    let listening = {
        let (received, delivery) = (received.clone(), delivery.clone());
        actix_rt::spawn(async move {
            // Each text starts with the microseconds since `started` at which it was sent.
            while let Ok(Ok(note)) = actix_rt::time::timeout(Duration::from_secs(2), listener.recv()).await {
                let sent = note.payload().split(':').next().and_then(|m| m.parse::<u64>().ok());
                if let Some(sent) = sent {
                    delivery
                        .borrow_mut()
                        .record(started.elapsed().saturating_sub(Duration::from_micros(sent)));
                    received.set(received.get() + 1);
                }
            }
        })
    };
    let outcome = RefCell::new(Outcome::new(
        &format!("NOTIFY ceiling ({payload_bytes}-byte events, one listener)"),
        label,
        connections,
    ));
    let deadline = started + Duration::from_secs(seconds);
    let padding = "x".repeat(payload_bytes.saturating_sub(24));
    join_all((0..connections).map(|_| {
        let (pool, outcome, padding) = (&pool, &outcome, &padding);
        async move {
            while Instant::now() < deadline {
                let text = format!("{}:{padding}", started.elapsed().as_micros());
                let began = Instant::now();
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(&text)
                    .execute(pool)
                    .await;
                let mut outcome = outcome.borrow_mut();
                match sent {
                    Ok(_) => outcome.accepted.record(began.elapsed()),
                    Err(_) => outcome.errors += 1,
                }
            }
        }
    }))
    .await;
    let mut outcome = outcome.into_inner();
    outcome.seconds = started.elapsed().as_secs_f64();
    // The listener stops two seconds after the last text reached it.
    let _ = listening.await;
    let delivery = delivery.borrow();
    outcome.notes.push(format!(
        "accepted/s = NOTIFY statements/s; {} of {} received by the listener; send → listener p50 / p99 {:.1} / {:.1} ms",
        received.get(),
        outcome.accepted.count(),
        delivery.ms(0.5),
        delivery.ms(0.99),
    ));
    Ok(outcome)
}
