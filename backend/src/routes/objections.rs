//! Objections to a round (异议, R61–R65): recorded and decided by the round's court.

use actix_web::{HttpResponse, get, post, web};
use auction_core::objection::{ObjectionKind, ObjectionStatus, ObjectorRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::persistence::convert::instant;
use crate::persistence::entities::objection;
use crate::services::objections::{self, NewObjection};
use crate::state::AppState;
use crate::views::{Page, PageQuery};
use auction_core::time::rfc3339;

#[derive(Deserialize, ToSchema)]
pub struct ObjectorInput {
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// `party`, `bidder`, `priority_holder` or `third_party` (a third party's objection suspends a running
    /// round at once, R61).
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
pub struct FileObjectionRequest {
    pub auction_id: Uuid,
    pub objector: ObjectorInput,
    /// `procedural` (the default: the procedure or the sale, on the grounds of R65) or `ownership_claim` (someone
    /// outside the case claims the property: the round stops at once, and if upheld the property leaves the
    /// sale for good). An objection to the reference price is made on the listing
    /// (`POST /api/listings/{id}/price-objections`).
    pub kind: Option<ObjectionKind>,
    /// The R65 grounds: `untrue_description`, `system_failure`, `collusion`, `buyer_not_qualified`,
    /// `unequal_treatment`, `procedural_breach`; at least one, each once, for a procedural objection.
    #[serde(default)]
    pub grounds: Vec<String>,
    #[schema(max_length = 20000)]
    pub statement: String,
}

/// An objection and, once made, the court's decision.
#[derive(Serialize, ToSchema)]
pub struct ObjectionView {
    pub id: Uuid,
    pub auction_id: Uuid,
    pub kind: ObjectionKind,
    pub objector: ObjectorView,
    pub grounds: Vec<String>,
    pub statement: String,
    pub status: ObjectionStatus,
    pub filed_at: String,
    /// The decision is due by then: 15 days after filing (R64).
    pub decide_by: String,
    /// Filing it suspended the round (R61).
    pub suspended_round: bool,
    pub decided_at: Option<String>,
    pub reasoning: Option<String>,
    /// The objector asked the higher court to reconsider a rejection (R64): when, and what it decided.
    pub reconsideration_requested_at: Option<String>,
    pub reconsideration_outcome: Option<ObjectionStatus>,
    /// Until then no sale ruling issues, while reconsideration may still be asked for (R64).
    pub reconsideration_until: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ObjectorView {
    pub name: String,
    pub email: String,
    pub role: ObjectorRole,
}

impl ObjectionView {
    fn of(row: &objection::Model) -> ApiResult<ObjectionView> {
        Ok(ObjectionView {
            id: row.id,
            auction_id: row.auction_id,
            kind: row.kind,
            objector: ObjectorView {
                name: row.objector_name.clone(),
                email: row.objector_email.clone(),
                role: row.objector_role,
            },
            grounds: serde_json::from_str(&row.grounds).map_err(ApiError::internal)?,
            statement: row.statement.clone(),
            status: row.status,
            filed_at: rfc3339(instant(row.filed_at)),
            decide_by: rfc3339(instant(row.decide_by)),
            suspended_round: row.suspended_round,
            decided_at: row.decided_at.map(|t| rfc3339(instant(t))),
            reasoning: row.reasoning.clone(),
            reconsideration_requested_at: row.reconsideration_requested_at.map(|t| rfc3339(instant(t))),
            reconsideration_outcome: row.reconsideration_outcome,
            reconsideration_until: row
                .decided_at
                .filter(|_| row.status == ObjectionStatus::Rejected)
                .map(|t| rfc3339(instant(t) + auction_core::objection::RECONSIDERATION_WITHIN)),
        })
    }
}

/// Record an objection to a round of the judge's court. A third party's objection to the property suspends
/// a running round at once (R61); the decision is due in 15 days (R64).
#[utoipa::path(tag = "objections", request_body = FileObjectionRequest, responses(
    (status = 201, body = ObjectionView),
    (status = 404, description = "not_found: no such auction (or another court's draft)", body = ErrorBody),
    (status = 409, description = "auction_not_published, nothing_to_object_to, enforcement_ended", body = ErrorBody),
    (status = 422, description = "invalid_role, invalid_grounds, invalid_email", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/objections")]
pub async fn file_objection(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<FileObjectionRequest>,
) -> ApiResult<HttpResponse> {
    caller.judge_court()?;
    let body = body.into_inner();
    let input = NewObjection {
        auction_id: body.auction_id,
        objector_name: body.objector.name,
        objector_email: body.objector.email,
        role: body.objector.role,
        kind: body.kind.unwrap_or(ObjectionKind::Procedural),
        grounds: body.grounds,
        statement: body.statement,
    };
    let row = objections::file(&state, &caller, input).await?;
    Ok(HttpResponse::Created().json(ObjectionView::of(&row)?))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `rejected` or `upheld`.
    pub outcome: String,
    #[schema(max_length = 20000)]
    pub reasoning: String,
}

/// Decide an objection. Upheld: a running round is withdrawn (deposits released); a sold round's sale is
/// set aside — the deal `revoked`, the buyer's deposit and any paid balance refunded (R65). Rejected: a
/// round the objection suspended resumes.
#[utoipa::path(tag = "objections", request_body = DecisionRequest, responses(
    (status = 200, body = ObjectionView),
    (status = 409, description = "objection_decided", body = ErrorBody),
    (status = 422, description = "invalid_outcome", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/objections/{id}/decision")]
pub async fn decide_objection(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<DecisionRequest>,
) -> ApiResult<web::Json<ObjectionView>> {
    let row = objections::decide(&state, &caller, id.into_inner(), &body.outcome, &body.reasoning).await?;
    Ok(web::Json(ObjectionView::of(&row)?))
}

/// One objection, for its court.
#[utoipa::path(tag = "objections", responses((status = 200, body = ObjectionView)), security(("bearer" = [])))]
#[get("/api/objections/{id}")]
pub async fn get_objection(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ObjectionView>> {
    let row = objections::find_for(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(ObjectionView::of(&row)?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObjectionQuery {
    /// Only this round's.
    pub auction_id: Option<Uuid>,
    /// `pending`, `rejected` or `upheld`.
    #[param(pattern = "^(pending|rejected|upheld)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// The judge's court's objections: pending ones first, by their decision deadline.
#[utoipa::path(tag = "objections", params(ObjectionQuery), responses(
    (status = 200, body = Page<ObjectionView>),
), security(("bearer" = [])))]
#[get("/api/court/objections")]
pub async fn court_objections(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ObjectionQuery>,
) -> ApiResult<web::Json<Page<ObjectionView>>> {
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let (rows, total) = objections::list(
        &state,
        &caller,
        query.auction_id,
        query.status.as_deref(),
        page,
        per_page,
    )
    .await?;
    let items = rows.iter().map(ObjectionView::of).collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

#[derive(Deserialize, ToSchema)]
pub struct ReconsiderationRequest {
    /// When the objector asked the higher court (RFC 3339; within 10 days of the decision, not in the future).
    #[schema(format = DateTime)]
    pub requested_at: String,
}

/// Record that the objector asked the higher court to reconsider the rejection of its objection (R64):
/// within 10 days of the decision. No sale ruling issues until the higher court decides.
#[utoipa::path(tag = "objections", request_body = ReconsiderationRequest, responses(
    (status = 200, body = ObjectionView),
    (status = 409, description = "objection_pending, not_reconsiderable, already_requested", body = ErrorBody),
    (status = 422, description = "reconsideration_too_late, invalid_time", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/objections/{id}/reconsideration")]
pub async fn request_reconsideration(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ReconsiderationRequest>,
) -> ApiResult<web::Json<ObjectionView>> {
    let requested_at = crate::services::parse_instant(&body.requested_at, "requested_at")?;
    let row = objections::request_reconsideration(&state, &caller, id.into_inner(), requested_at).await?;
    Ok(web::Json(ObjectionView::of(&row)?))
}

/// Record the higher court's decision on the reconsideration (R64): upheld, the objection is upheld after
/// all (a running round withdrawn, a sale set aside with refunds); rejected, the ruling may issue.
#[utoipa::path(tag = "objections", request_body = DecisionRequest, responses(
    (status = 200, body = ObjectionView),
    (status = 409, description = "no_reconsideration_waiting", body = ErrorBody),
    (status = 422, description = "invalid_outcome", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/objections/{id}/reconsideration/decision")]
pub async fn decide_reconsideration(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<DecisionRequest>,
) -> ApiResult<web::Json<ObjectionView>> {
    let row =
        objections::decide_reconsideration(&state, &caller, id.into_inner(), &body.outcome, &body.reasoning).await?;
    Ok(web::Json(ObjectionView::of(&row)?))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(file_objection)
        .service(decide_objection)
        .service(request_reconsideration)
        .service(decide_reconsideration)
        .service(get_objection)
        .service(court_objections);
}
