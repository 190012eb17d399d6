//! The test clock of a cluster (`FAPAI_CLOCK=manual` on PostgreSQL): every process behind the balancer
//! stands at the same instant. The furthest instant any process was moved to is kept in `test_clock`; a
//! process joins it at start (a restarted one included), a move records it there and announces it with
//! `NOTIFY fapai_clock`, and every process's listener (`live`) catches up on hearing it or on reconnecting.
//! Time only moves forward, so clocks that hear of a move a moment apart still agree on the order of events.

use auction_core::Instant;
use chrono::{TimeZone, Utc};
use sea_orm::sqlx::postgres::PgPool;

use crate::clock::Clock;

/// The channel a move of the shared test clock is announced on (its payload: the instant in milliseconds).
pub const CHANNEL: &str = "fapai_clock";

/// Records that the cluster's clock stands at least at `at`, tells the other processes, and returns where
/// the cluster's clock stands (later than `at` if another process went further).
pub async fn record(pool: &PgPool, at: Instant) -> Result<Instant, sea_orm::sqlx::Error> {
    let furthest: i64 = sea_orm::sqlx::query_scalar(
        "WITH moved AS (
             INSERT INTO test_clock (id, now_ms) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET now_ms = GREATEST(test_clock.now_ms, EXCLUDED.now_ms)
             RETURNING now_ms)
         SELECT now_ms FROM moved, LATERAL (SELECT pg_notify($2, now_ms::text)) AS told",
    )
    .bind(at.timestamp_millis())
    .bind(CHANNEL)
    .fetch_one(pool)
    .await?;
    Ok(instant(furthest).unwrap_or(at))
}

/// Joins the cluster's clock: `clock` moves to the furthest instant recorded, and the record to `clock`'s
/// own time if that is later (a process started after every move so far).
pub async fn join(pool: &PgPool, clock: &Clock) -> Result<Instant, sea_orm::sqlx::Error> {
    let furthest = record(pool, clock.now()).await?;
    Ok(clock.catch_up(furthest))
}

/// Catches `clock` up with a move announced on `CHANNEL`.
pub fn heard(clock: &Clock, payload: &str) {
    match payload.parse::<i64>().ok().and_then(instant) {
        Some(at) => {
            clock.catch_up(at);
        }
        None => tracing::warn!(payload, "malformed test clock announcement ignored"),
    }
}

fn instant(millis: i64) -> Option<Instant> {
    Utc.timestamp_millis_opt(millis).single()
}
