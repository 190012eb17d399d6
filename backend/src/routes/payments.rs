//! Payment orders: sending the payer to the gateway, asking it after an order, its notifications (Alipay's,
//! and the sandbox's callback), the sandbox's "pay" action, and the court's record of a bank transfer.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::persistence::convert::money;
use crate::persistence::entities::payment_order;
use crate::services::payments;
use crate::state::AppState;
use crate::views::{MoneyInput, PaymentView};

/// The header a gateway signs its callback with (hex HMAC-SHA256 of the body).
pub const SIGNATURE_HEADER: &str = "x-fapai-signature";

pub(super) fn view(order: &payment_order::Model) -> ApiResult<PaymentView> {
    Ok(PaymentView {
        order_id: order.id,
        status: order.status,
        purpose: order.purpose,
        amount: money(order.amount)?,
        gateway: order.provider.clone(),
    })
}

/// Sandbox only: pay the order as its payer; simulates the gateway's signed callback. Idempotent.
#[utoipa::path(tag = "payments", responses(
    (status = 200, body = PaymentView),
    (status = 409, description = "registration_closed, deal_not_awaiting_balance, sandbox_disabled, already_paid (paid by bank transfer already: this payment is paid back)", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/payments/{order_id}/sandbox-complete")]
pub async fn sandbox_complete(
    state: web::Data<AppState>,
    caller: Caller,
    order_id: web::Path<Uuid>,
) -> ApiResult<web::Json<PaymentView>> {
    let order = payments::sandbox_complete(&state, &caller, order_id.into_inner()).await?;
    Ok(web::Json(view(&order)?))
}

/// The gateway's callback: `{order_id, amount, status, reference, paid_at}` signed in `X-Fapai-Signature`.
#[utoipa::path(tag = "payments", request_body(content = String, content_type = "application/json"), responses(
    (status = 200, body = PaymentView),
    (status = 401, description = "signature does not verify", body = ErrorBody),
))]
#[post("/api/payments/callback")]
pub async fn gateway_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<web::Json<PaymentView>> {
    let signature = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthenticated("the callback has no signature"))?;
    let order = payments::handle_callback(&state, &body, signature).await?;
    Ok(web::Json(view(&order)?))
}

/// Where the payer pays: the device, and the web app's page to go on to afterwards.
#[derive(Deserialize, ToSchema, Default)]
pub struct CheckoutRequest {
    /// `phone` for the gateway's mobile pages (H5), otherwise its desktop page.
    pub device: Option<Device>,
    /// A path of this web app to return to after paying (`/auctions/…`); anything else is ignored.
    #[schema(max_length = 300)]
    pub next: Option<String>,
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Desktop,
    Phone,
}

#[derive(Serialize, ToSchema)]
pub struct CheckoutView {
    pub order_id: Uuid,
    /// Send the payer's browser here: the gateway's cashier page (the sandbox's is this web app's own).
    pub redirect_url: String,
}

/// Send the payer to the gateway to pay their pending order (the payer only).
#[utoipa::path(tag = "payments", request_body = CheckoutRequest, responses(
    (status = 200, body = CheckoutView),
    (status = 404, body = ErrorBody),
    (status = 409, description = "payment_not_pending", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/payments/{order_id}/checkout")]
pub async fn checkout_payment(
    state: web::Data<AppState>,
    caller: Caller,
    order_id: web::Path<Uuid>,
    body: Option<web::Json<CheckoutRequest>>,
) -> ApiResult<web::Json<CheckoutView>> {
    let request = body.map(web::Json::into_inner).unwrap_or_default();
    let order_id = order_id.into_inner();
    let phone = request.device == Some(Device::Phone);
    let redirect_url = payments::checkout(&state, &caller, order_id, phone, request.next.as_deref()).await?;
    Ok(web::Json(CheckoutView { order_id, redirect_url }))
}

/// Ask the gateway after a pending order (the payer, back from the gateway): applied if it was paid.
#[utoipa::path(tag = "payments", responses(
    (status = 200, body = PaymentView),
    (status = 404, body = ErrorBody),
    (status = 409, description = "registration_closed, deal_not_awaiting_balance: paid too late, and paid back", body = ErrorBody),
    (status = 429, description = "rate_limited: asked too often about this order", body = ErrorBody),
    (status = 503, description = "gateway_unavailable (Retry-After)", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/payments/{order_id}/refresh")]
pub async fn refresh_payment(
    state: web::Data<AppState>,
    caller: Caller,
    order_id: web::Path<Uuid>,
) -> ApiResult<web::Json<PaymentView>> {
    let order = payments::refresh(&state, &caller, order_id.into_inner()).await?;
    Ok(web::Json(view(&order)?))
}

/// Alipay's asynchronous notification (form-encoded, signed with Alipay's key): `success` once acted on
/// (or when nothing is to be done); any other answer makes Alipay send it again later.
#[utoipa::path(tag = "payments", request_body(content = String, content_type = "application/x-www-form-urlencoded"), responses(
    (status = 200, body = String, content_type = "text/plain", description = "success"),
    (status = 400, description = "invalid_signature, invalid_notification", body = ErrorBody),
    (status = 404, description = "not this server's gateway, or an unknown order", body = ErrorBody),
    (status = 422, description = "amount_mismatch, other_merchant", body = ErrorBody),
))]
#[post("/api/payments/alipay/notify")]
pub async fn alipay_notification(state: web::Data<AppState>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ApiError::bad_request("invalid_notification", "the notification is not a form"))?;
    payments::alipay_notification(&state, &params).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(crate::gateway::alipay::protocol::NOTIFICATION_RECEIVED))
}

/// A payment order, for its payer.
#[utoipa::path(tag = "payments", responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
// Only ids match, so that `GET /api/payments/callback` is the callback's 405, not a look-up of "callback".
#[get("/api/payments/{order_id:[0-9a-fA-F-]+}")]
pub async fn get_payment(
    state: web::Data<AppState>,
    caller: Caller,
    order_id: web::Path<Uuid>,
) -> ApiResult<web::Json<PaymentView>> {
    let order = payments::find_for_payer(&state, &caller, order_id.into_inner()).await?;
    Ok(web::Json(view(&order)?))
}

/// A bank transfer the court received, as a judge records it (R54).
#[derive(Deserialize, ToSchema)]
pub struct OfflinePaymentRequest {
    /// Who paid, as the bank statement names them.
    #[schema(min_length = 1, max_length = 200)]
    pub payer: String,
    /// The account it came from (bank and number), to pay a released deposit back to.
    #[schema(max_length = 100)]
    pub payer_account: Option<String>,
    /// Exactly the order's amount.
    pub amount: MoneyInput,
    /// The bank's transaction reference (银行流水号).
    #[schema(min_length = 1, max_length = 100)]
    pub bank_reference: String,
    /// The day the court's account received it (Beijing date, not in the future).
    #[schema(value_type = String, format = Date)]
    pub received_on: chrono::NaiveDate,
    /// Only when the payer is not the registrant: why the court accepts the money all the same (R74). Kept
    /// with the order for the court's file, never published.
    #[schema(min_length = 1, max_length = 500)]
    pub payer_mismatch_reason: Option<String>,
}

impl OfflinePaymentRequest {
    pub fn parse(self) -> ApiResult<payments::OfflinePayment> {
        Ok(payments::OfflinePayment {
            amount: self.amount.parse("amount")?,
            payer: self.payer,
            payer_account: self.payer_account,
            bank_reference: self.bank_reference,
            received_on: self.received_on,
            payer_mismatch_reason: self.payer_mismatch_reason,
        })
    }
}

/// Record a bank transfer for a deposit or balance order (a judge of its court): the order completes as
/// if the gateway had confirmed it, and the round's ledger names the judge.
#[utoipa::path(tag = "payments", request_body = OfflinePaymentRequest, responses(
    (status = 200, body = PaymentView),
    (status = 409, description = "registration_closed, deal_not_awaiting_balance, payment_rejected, already_paid (paid through the gateway already: the transfer is the court's to pay back)", body = ErrorBody),
    (status = 422, description = "amount_mismatch, payer_mismatch, invalid_received_on, invalid_payer, invalid_bank_reference, invalid_payer_mismatch_reason", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/payments/{order_id}/offline")]
pub async fn record_offline_payment(
    state: web::Data<AppState>,
    caller: Caller,
    order_id: web::Path<Uuid>,
    body: web::Json<OfflinePaymentRequest>,
) -> ApiResult<web::Json<PaymentView>> {
    let input = body.into_inner().parse()?;
    let order = payments::record_offline(&state, &caller, order_id.into_inner(), input).await?;
    Ok(web::Json(view(&order)?))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(sandbox_complete)
        .service(checkout_payment)
        .service(refresh_payment)
        .service(alipay_notification)
        .service(record_offline_payment)
        .service(gateway_callback)
        .service(get_payment);
}
