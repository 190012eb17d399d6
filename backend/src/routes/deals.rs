//! Deals: the buyer's and court's view, the public confirmation page, and the balance payment.

use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::views::DealView;
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::persistence::convert::money;
use crate::services::deals;
use crate::state::AppState;

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
