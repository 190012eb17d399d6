//! Reconciliation with the gateway's books, for the administrator: run a day now, read the runs and the
//! differences each found (see `services::reconciliation`).

use actix_web::{get, post, web};
use auction_core::reconciliation::DifferenceKind;
use auction_core::time::{beijing_date, rfc3339};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::persistence::convert::{instant, money};
use crate::persistence::entities::{reconciliation, reconciliation_difference};
use crate::services::reconciliation::{self as service, Run};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ReconciliationView {
    pub id: Uuid,
    pub provider: String,
    /// The Beijing day compared (`YYYY-MM-DD`).
    pub day: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub orders_checked: i32,
    pub refunds_checked: i32,
    pub difference_count: i32,
    /// Why it could not finish (the gateway did not answer): run it again.
    pub failure: Option<String>,
    /// The daily job's run when false.
    pub requested: bool,
    /// Every difference found (only on a single run's page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub differences: Option<Vec<DifferenceView>>,
}

#[derive(Serialize, ToSchema)]
pub struct DifferenceView {
    pub kind: DifferenceKind,
    pub order_id: Option<Uuid>,
    pub refund_id: Option<Uuid>,
    pub auction_id: Option<Uuid>,
    /// The gateway's order number, for a notification the platform could not match.
    pub out_trade_no: Option<String>,
    /// What each side recorded.
    #[schema(value_type = Option<String>)]
    pub platform_amount: Option<auction_core::Money>,
    #[schema(value_type = Option<String>)]
    pub gateway_amount: Option<auction_core::Money>,
    pub platform_state: Option<String>,
    pub gateway_state: Option<String>,
    pub detail: String,
}

impl ReconciliationView {
    fn of(run: &reconciliation::Model, differences: Option<&[reconciliation_difference::Model]>) -> ApiResult<Self> {
        Ok(ReconciliationView {
            id: run.id,
            provider: run.provider.clone(),
            day: run.day.clone(),
            started_at: rfc3339(instant(run.started_at)),
            finished_at: run.finished_at.map(|t| rfc3339(instant(t))),
            orders_checked: run.orders_checked,
            refunds_checked: run.refunds_checked,
            difference_count: run.differences,
            failure: run.failure.clone(),
            requested: run.requested_by.is_some(),
            differences: differences
                .map(|rows| rows.iter().map(DifferenceView::of).collect::<ApiResult<_>>())
                .transpose()?,
        })
    }
}

impl DifferenceView {
    fn of(row: &reconciliation_difference::Model) -> ApiResult<Self> {
        Ok(DifferenceView {
            kind: row.kind,
            order_id: row.order_id,
            refund_id: row.refund_id,
            auction_id: row.auction_id,
            out_trade_no: row.out_trade_no.clone(),
            platform_amount: row.platform_amount.map(money).transpose()?,
            gateway_amount: row.gateway_amount.map(money).transpose()?,
            platform_state: row.platform_state.clone(),
            gateway_state: row.gateway_state.clone(),
            detail: row.detail.clone(),
        })
    }
}

fn full(run: &Run) -> ApiResult<ReconciliationView> {
    ReconciliationView::of(&run.run, Some(&run.differences))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ReconcileRequest {
    /// The Beijing day to compare; yesterday when absent.
    #[schema(value_type = Option<String>, format = Date)]
    pub day: Option<NaiveDate>,
}

/// Compare a day's orders and refunds with the gateway's books now (the administrator). 409 with the
/// sandbox, which keeps no books.
#[utoipa::path(tag = "admin", request_body = ReconcileRequest, responses(
    (status = 201, body = ReconciliationView),
    (status = 403, body = ErrorBody),
    (status = 409, description = "reconciliation_unavailable, reconciliation_running", body = ErrorBody),
    (status = 422, description = "invalid_day", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/admin/reconciliations")]
pub async fn reconcile(
    state: web::Data<AppState>,
    caller: Caller,
    body: Option<web::Json<ReconcileRequest>>,
) -> ApiResult<(web::Json<ReconciliationView>, actix_web::http::StatusCode)> {
    caller.require_admin()?;
    let request = body.map(web::Json::into_inner).unwrap_or_default();
    let yesterday = beijing_date(state.clock.now()).pred_opt().unwrap_or_default();
    let run = service::run_for(&state, request.day.unwrap_or(yesterday), caller.user_id).await?;
    Ok((web::Json(full(&run)?), actix_web::http::StatusCode::CREATED))
}

/// The latest reconciliations, newest first (the administrator).
#[utoipa::path(tag = "admin", responses((status = 200, body = Vec<ReconciliationView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/admin/reconciliations")]
pub async fn list_reconciliations(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<web::Json<Vec<ReconciliationView>>> {
    caller.require_admin()?;
    let runs = service::latest(&state).await?;
    Ok(web::Json(
        runs.iter()
            .map(|run| ReconciliationView::of(run, None))
            .collect::<ApiResult<_>>()?,
    ))
}

/// One reconciliation with every difference it found (the administrator).
#[utoipa::path(tag = "admin", responses((status = 200, body = ReconciliationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/admin/reconciliations/{id}")]
pub async fn get_reconciliation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ReconciliationView>> {
    caller.require_admin()?;
    let run = service::find(&state, id.into_inner()).await?;
    Ok(web::Json(full(&run)?))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(reconcile)
        .service(list_reconciliations)
        .service(get_reconciliation);
}
