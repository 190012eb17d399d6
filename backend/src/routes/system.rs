//! Health, the server's time, and the test clock (only with `FAPAI_CLOCK=manual`).

use actix_web::{get, post, web};
use auction_core::time::rfc3339;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::services::{parse_instant, workers};
use crate::state::AppState;
use crate::views::TimeView;

#[derive(Serialize, ToSchema)]
pub struct HealthView {
    #[schema(example = "ok")]
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The payment gateway: `sandbox` or `alipay`.
    pub payments: String,
    /// The sandbox runs with the real clock, outside the demo: no payment here moves real money, and every
    /// page says so.
    pub sandbox_payments_warning: bool,
}

impl HealthView {
    fn of(state: &AppState) -> HealthView {
        HealthView {
            status: "ok".into(),
            database: state.db.backend().name().into(),
            payments: state.settings.payments.clone(),
            sandbox_payments_warning: state.settings.sandbox_in_production(),
        }
    }
}

/// Liveness: the process answers (it does not wait for the database), and which database it uses.
#[utoipa::path(tag = "system", responses((status = 200, body = HealthView)))]
#[get("/api/health")]
pub async fn health(state: web::Data<AppState>) -> web::Json<HealthView> {
    web::Json(HealthView::of(&state))
}

/// Readiness: the database answers, so this process can take traffic (503 otherwise).
#[utoipa::path(tag = "system", responses((status = 200, body = HealthView), (status = 503, description = "database_unavailable", body = ErrorBody)))]
#[get("/api/ready")]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<web::Json<HealthView>> {
    state.db.conn().ping().await.map_err(|err| {
        tracing::error!(error = %err, "database unreachable");
        ApiError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is not reachable",
        )
    })?;
    Ok(web::Json(HealthView::of(&state)))
}

/// The server's clock, for client countdowns.
#[utoipa::path(tag = "system", responses((status = 200, body = TimeView)))]
#[get("/api/time")]
pub async fn time(state: web::Data<AppState>) -> web::Json<TimeView> {
    web::Json(TimeView {
        now: rfc3339(state.clock.now()),
    })
}

fn manual_only(state: &AppState) -> ApiResult<()> {
    if state.clock.is_manual() {
        Ok(())
    } else {
        Err(ApiError::not_found("resource"))
    }
}

/// The test clock (only with `FAPAI_CLOCK=manual`).
#[utoipa::path(tag = "test", responses((status = 200, body = TimeView), (status = 404, body = ErrorBody)))]
#[get("/api/test/clock")]
pub async fn get_clock(state: web::Data<AppState>) -> ApiResult<web::Json<TimeView>> {
    manual_only(&state)?;
    Ok(web::Json(TimeView {
        now: rfc3339(state.clock.now()),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveClockRequest {
    /// Move forward by this many seconds.
    #[serde(default, deserialize_with = "crate::views::optional_whole_number")]
    pub advance_seconds: Option<i64>,
    /// Or move to this instant (RFC 3339).
    #[schema(format = DateTime)]
    pub now: Option<String>,
}

/// The furthest one move of the test clock may go.
const MAX_CLOCK_MOVE: Duration = Duration::days(36_525);

/// Move the test clock forward (at most 100 years); every transition that became due is applied before
/// the answer.
#[utoipa::path(tag = "test", request_body = MoveClockRequest, responses(
    (status = 200, body = TimeView),
    (status = 400, description = "invalid_clock_move: more than 100 years", body = ErrorBody),
    (status = 409, description = "clock_backwards", body = ErrorBody),
    (status = 404, body = ErrorBody),
))]
#[post("/api/test/clock")]
pub async fn move_clock(
    state: web::Data<AppState>,
    body: web::Json<MoveClockRequest>,
) -> ApiResult<web::Json<TimeView>> {
    manual_only(&state)?;
    let too_far = || {
        ApiError::bad_request(
            "invalid_clock_move",
            "the test clock moves at most 100 years from where it stands",
        )
    };
    let from = state.clock.now();
    let target = match (&body.advance_seconds, &body.now) {
        (Some(seconds), None) => {
            if *seconds < 0 {
                return Err(ApiError::conflict("clock_backwards", "the clock never moves backwards"));
            }
            Duration::try_seconds(*seconds)
                .and_then(|by| from.checked_add_signed(by))
                .ok_or_else(too_far)?
        }
        (None, Some(now)) => parse_instant(now, "now")?,
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_clock_move",
                "send exactly one of advance_seconds or now",
            ));
        }
    };
    // Far enough for any legal period; beyond it, dates computed from the clock could overflow.
    if target > from + MAX_CLOCK_MOVE {
        return Err(too_far());
    }
    let mut now = state
        .clock
        .set(target)
        .map_err(|e| ApiError::conflict("clock_backwards", e.to_string()))?;
    // On PostgreSQL every process of the cluster moves with it (and this one with a further move of another).
    if let Some(pool) = state.live.postgres_pool() {
        let furthest = crate::shared_clock::record(pool, now)
            .await
            .map_err(|e| ApiError::from(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into()))))?;
        now = state.clock.catch_up(furthest);
    }
    // A pass the background worker began is finished first (what it claimed nobody else applies).
    {
        let _pass = state.due_pass.lock().await;
        workers::run_due(&state, now, workers::DueBy::ClockMove).await?;
    }
    // What those transitions sent is delivered too, so a test can read it at once.
    let _delivery = state.delivery_pass.lock().await;
    crate::notify::flush(&state).await;
    Ok(web::Json(TimeView { now: rfc3339(now) }))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(health)
        .service(ready)
        .service(time)
        .service(get_clock)
        .service(move_clock);
}
