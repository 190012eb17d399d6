//! Deals: the buyer's and court's view, the public confirmation page, and the balance payment.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::payments::{OfflinePaymentRequest, view as payment_view};
use crate::auth::Caller;
use auction_core::deal::{DepositFate, Qualification};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::persistence::convert::money;
use crate::services::{after_sale, deals, parse_instant, payments, refunds};
use crate::state::AppState;
use crate::views::{DealView, PaymentView};

/// A deal, for its buyer or the selling court.
#[utoipa::path(tag = "deals", responses((status = 200, body = DealView), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/deals/{id}")]
pub async fn get_deal(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DealView>> {
    let deal = deals::find_for(&state, &caller, id.into_inner()).await?;
    let refunds = refunds::of_deals(&state, vec![deal.id]).await?;
    Ok(web::Json(DealView::of(&deal)?.with_refunds(&refunds)?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// Only the document's body, for the web app to show inside its own frame.
    pub embed: Option<bool>,
}

/// The deal confirmation (成交确认书) as a public HTML page (R51).
#[utoipa::path(tag = "deals", params(DocumentQuery), responses((status = 200, content_type = "text/html", body = String), (status = 404, body = ErrorBody)))]
#[get("/api/deals/{id}/confirmation")]
pub async fn deal_confirmation(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<DocumentQuery>,
) -> ApiResult<HttpResponse> {
    let html = deals::confirmation_html(&state, id.into_inner(), query.embed.unwrap_or(false)).await?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

#[derive(Serialize, ToSchema)]
pub struct BalanceOrder {
    pub order_id: Uuid,
    #[schema(value_type = String)]
    pub amount: auction_core::Money,
}

/// Start paying the balance (尾款); complete the returned order with the gateway.
#[utoipa::path(tag = "deals", responses(
    (status = 201, body = BalanceOrder),
    (status = 409, description = "deal_not_awaiting_balance", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/deals/{id}/balance-payment")]
pub async fn start_balance_payment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let order = deals::start_balance_payment(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::Created().json(BalanceOrder {
        order_id: order.id,
        amount: money(order.amount)?,
    }))
}

/// Record a bank transfer of the balance (a judge of the selling court, R54): the deal is paid as if
/// the buyer had paid online.
#[utoipa::path(tag = "deals", request_body = OfflinePaymentRequest, responses(
    (status = 200, body = PaymentView),
    (status = 409, description = "deal_not_awaiting_balance", body = ErrorBody),
    (status = 422, description = "amount_mismatch, payer_mismatch, invalid_received_on, invalid_payer, invalid_bank_reference, invalid_payer_mismatch_reason", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/deals/{id}/offline-payment")]
pub async fn record_offline_balance(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<OfflinePaymentRequest>,
) -> ApiResult<web::Json<PaymentView>> {
    let input = body.into_inner().parse()?;
    let order = deals::balance_order_for_court(&state, &caller, id.into_inner()).await?;
    let order = payments::record_offline(&state, &caller, order.id, input).await?;
    Ok(web::Json(payment_view(&order)?))
}

#[derive(Deserialize, ToSchema)]
pub struct VoidRequest {
    /// Why the sale is void: how the buyer faked the qualification (published as the round's reason).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// `forfeited` (the court keeps the deposit) or `refunded`.
    pub deposit: DepositFate,
    /// A fine the court imposed, for the record.
    pub fine: Option<crate::views::MoneyInput>,
    /// The case was referred for detention or prosecution.
    #[serde(default)]
    pub referred: bool,
}

/// Declare the sale void because the buyer faked their purchase qualification (R32): after the court found
/// the buyer not qualified, before the hand-over. The sale is set aside (any paid balance refunded), the
/// deposit kept or refunded as the court decides, and the liabilities kept with the deal and in the ledger.
#[utoipa::path(tag = "deals", request_body = VoidRequest, responses(
    (status = 200, body = DealView),
    (status = 409, description = "void_not_allowed", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/deals/{id}/void")]
pub async fn void_deal(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<VoidRequest>,
) -> ApiResult<web::Json<DealView>> {
    let body = body.into_inner();
    let liabilities = after_sale::Liabilities {
        deposit: body.deposit,
        fine: body.fine.map(|fine| fine.parse("fine")).transpose()?,
        referred: body.referred,
    };
    let deal = after_sale::void_for_fraud(&state, &caller, id.into_inner(), &body.reason, liabilities).await?;
    let refunds = refunds::of_deals(&state, vec![deal.id]).await?;
    Ok(web::Json(DealView::of(&deal)?.with_refunds(&refunds)?))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(get_deal)
        .service(void_deal)
        .service(deal_confirmation)
        .service(start_balance_payment)
        .service(record_offline_balance)
        .service(record_qualification)
        .service(issue_ruling)
        .service(ruling_page)
        .service(record_service)
        .service(record_handover);
}

#[derive(Deserialize, ToSchema)]
pub struct QualificationRequest {
    /// `qualified` or `not_qualified`.
    #[schema(pattern = "^(qualified|not_qualified)$")]
    pub result: String,
    /// What the court relied on (the housing authority's answer, documents).
    #[schema(min_length = 1, max_length = 2000)]
    pub evidence: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ServedRequest {
    /// When the ruling was served on the buyer (RFC 3339): ownership passes then.
    #[schema(format = DateTime)]
    pub served_at: String,
}

#[derive(Deserialize, ToSchema)]
pub struct HandoverRequest {
    /// When the property was handed over (RFC 3339).
    #[schema(format = DateTime)]
    pub handed_over_at: String,
}

/// Record a housing buyer's purchase qualification (R32), after payment and before the ruling.
#[utoipa::path(tag = "deals", request_body = QualificationRequest, responses(
    (status = 200, body = DealView),
    (status = 409, description = "not_housing, deal_not_paid, already_done", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/deals/{id}/qualification")]
pub async fn record_qualification(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<QualificationRequest>,
) -> ApiResult<web::Json<DealView>> {
    let body = body.into_inner();
    let result = Qualification::parse(&body.result)
        .ok_or_else(|| ApiError::unprocessable("invalid_result", "result is qualified or not_qualified"))?;
    let step = after_sale::Step::Qualification {
        result,
        evidence: body.evidence,
    };
    let deal = after_sale::take(&state, &caller, id.into_inner(), step).await?;
    Ok(web::Json(DealView::of(&deal)?))
}

/// Issue the sale ruling (成交裁定) after payment; for housing only once the buyer is found qualified (R52).
#[utoipa::path(tag = "deals", responses(
    (status = 200, body = DealView),
    (status = 409, description = "deal_not_paid, qualification_required, buyer_not_qualified, already_done, buyer_excluded (the buyer is on the court's exclusion list, R9), reconsideration_window, reconsideration_pending (R64)", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/deals/{id}/ruling")]
pub async fn issue_ruling(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DealView>> {
    let deal = after_sale::take(&state, &caller, id.into_inner(), after_sale::Step::Ruling).await?;
    Ok(web::Json(DealView::of(&deal)?))
}

/// The sale ruling as a public HTML page, once issued.
#[utoipa::path(tag = "deals", params(DocumentQuery), responses((status = 200, content_type = "text/html", body = String), (status = 404, body = ErrorBody)))]
#[get("/api/deals/{id}/ruling")]
pub async fn ruling_page(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<DocumentQuery>,
) -> ApiResult<HttpResponse> {
    let html = deals::ruling_html(&state, id.into_inner(), query.embed.unwrap_or(false)).await?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

/// Record when the ruling was served on the buyer (ownership passes then, R52).
#[utoipa::path(tag = "deals", request_body = ServedRequest, responses(
    (status = 200, body = DealView),
    (status = 409, description = "ruling_not_issued, already_done", body = ErrorBody),
    (status = 422, description = "invalid_time: before the ruling or in the future", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/deals/{id}/service")]
pub async fn record_service(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ServedRequest>,
) -> ApiResult<web::Json<DealView>> {
    let at = parse_instant(&body.served_at, "served_at")?;
    let deal = after_sale::take(&state, &caller, id.into_inner(), after_sale::Step::Service { at }).await?;
    Ok(web::Json(DealView::of(&deal)?))
}

/// Record the hand-over of the property, after service and never while an objection to the sale waits
/// for its decision (the hand-over ends the enforcement, R63).
#[utoipa::path(tag = "deals", request_body = HandoverRequest, responses(
    (status = 200, body = DealView),
    (status = 409, description = "ruling_not_issued, ruling_not_served, already_done, objection_pending", body = ErrorBody),
    (status = 422, description = "invalid_time: before service or in the future", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/deals/{id}/handover")]
pub async fn record_handover(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<HandoverRequest>,
) -> ApiResult<web::Json<DealView>> {
    let at = parse_instant(&body.handed_over_at, "handed_over_at")?;
    let deal = after_sale::take(&state, &caller, id.into_inner(), after_sale::Step::Handover { at }).await?;
    Ok(web::Json(DealView::of(&deal)?))
}
