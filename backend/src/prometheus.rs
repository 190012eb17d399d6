//! Prometheus metrics at `GET /metrics`: bid decisions by outcome and the bid latency (counted where
//! bids are answered), and at each scrape the open WebSockets, the email outbox backlog and the
//! database pool; with a read replica, its lag and whether public reads use it (`watch_replica`). The recorder is process-wide (the `metrics` facade is global by design), installed
//! once however many servers a process starts.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, get, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::error::{ApiError, ApiResult};
use crate::persistence::Backend;
use crate::persistence::entities::outbox_email;
use crate::state::AppState;

pub const BID_DECISIONS: &str = "fapai_bid_decisions_total";
pub const BID_SECONDS: &str = "fapai_bid_seconds";

/// Histogram buckets for a bid's answer, in seconds.
const BID_BUCKETS: &[f64] = &[0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use; `None` if another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(BID_SECONDS.to_owned()), BID_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .as_ref()
}

/// One bid answered: its outcome (`accepted`, `replayed` or the refusal's code) and how long it took.
pub fn bid_decided(outcome: &str, took: Duration) {
    metrics::counter!(BID_DECISIONS, "outcome" => outcome.to_owned()).increment(1);
    metrics::histogram!(BID_SECONDS).record(took.as_secs_f64());
}

/// Whether this request may read the metrics: with `FAPAI_METRICS_TOKEN` set, by that bearer token;
/// without, only from this machine and never through a proxy (`FAPAI_TRUSTED_PROXIES`): a proxy on this
/// machine makes every client look local, so behind one the token is needed.
fn allowed(req: &HttpRequest, token: &str, trusted_proxies: &[std::net::IpAddr]) -> bool {
    if token.is_empty() {
        return req
            .peer_addr()
            .is_some_and(|a| a.ip().is_loopback() && !trusted_proxies.contains(&a.ip()));
    }
    let sent = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as digests, so the time taken says nothing of how much of the token was right.
    use sha2::{Digest, Sha256};
    Sha256::digest(sent.as_bytes()) == Sha256::digest(token.as_bytes())
}

/// The Prometheus text exposition.
#[get("/metrics")]
pub async fn metrics_page(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    if !allowed(&req, &state.settings.metrics_token, &state.trusted_proxies) {
        return Err(ApiError::not_found("resource"));
    }
    let handle = handle().ok_or_else(|| ApiError::internal("no metrics recorder"))?;
    metrics::gauge!("fapai_websockets_open").set(state.live.connection_count() as f64);
    let backlog = outbox_email::Entity::find()
        .filter(outbox_email::Column::Status.eq(crate::persistence::vocabulary::OutboxStatus::Pending.as_str()))
        .count(state.db.conn())
        .await?;
    metrics::gauge!("fapai_outbox_pending").set(backlog as f64);
    let (size, idle) = match state.db.backend() {
        Backend::Postgres => {
            let pool = state.db.conn().get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        Backend::Sqlite => {
            let pool = state.db.conn().get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    metrics::gauge!("fapai_db_pool_connections").set(f64::from(size));
    metrics::gauge!("fapai_db_pool_idle").set(idle as f64);
    metrics::gauge!("fapai_db_statements").set(state.db.statement_count() as f64);
    let batches = state.bid_queue.stats();
    metrics::gauge!("fapai_bid_batches").set(batches.batches as f64);
    metrics::gauge!("fapai_bid_batched_bids").set(batches.bids as f64);
    metrics::gauge!("fapai_bid_batched_rounds").set(batches.rounds as f64);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render()))
}

/// How often the read replica's lag is measured.
const REPLICA_WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Measures the read replica's lag until cancelled: public reads use it only within `max_lag`
/// (`Database::measure_replica`), and `/metrics` shows `fapai_replica_lag_bytes`, `fapai_replica_lag_seconds`
/// (+Inf while it does not answer) and `fapai_replica_in_use`.
pub fn watch_replica(
    state: std::sync::Arc<AppState>,
    max_lag: Duration,
    cancel: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(REPLICA_WATCH_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => return,
                _ = every.tick() => {}
            }
            if let Some(lag) = state.db.measure_replica(max_lag).await {
                metrics::gauge!("fapai_replica_lag_bytes").set(lag.bytes as f64);
                metrics::gauge!("fapai_replica_lag_seconds").set(lag.seconds);
                metrics::gauge!("fapai_replica_in_use").set(if lag.in_use { 1.0 } else { 0.0 });
            }
        }
    })
}
