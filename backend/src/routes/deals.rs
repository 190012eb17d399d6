//! Deals: the buyer's and court's view, the public confirmation page, and the balance payment.

use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::payments::{OfflinePaymentRequest, view as payment_view};
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::persistence::convert::money;
use crate::services::{deals, payments};
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
    Ok(web::Json(DealView::of(&deal)?))
}

/// The deal confirmation (成交确认书) as a public HTML page (R51).
#[utoipa::path(tag = "deals", responses((status = 200, content_type = "text/html", body = String), (status = 404, body = ErrorBody)))]
#[get("/api/deals/{id}/confirmation")]
pub async fn deal_confirmation(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let html = deals::confirmation_html(&state, id.into_inner()).await?;
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
    (status = 422, description = "amount_mismatch, invalid_received_on, invalid_payer, invalid_bank_reference", body = ErrorBody),
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

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(get_deal)
        .service(deal_confirmation)
        .service(start_balance_payment)
        .service(record_offline_balance);
}
