//! Payment orders for deposits and balances: the payer is sent to the gateway (`checkout`), and the order is
//! confirmed by the gateway — its signed notification, or its answer when asked (`refresh`) — or by a judge
//! who records a bank transfer. The platform accepts only a confirmation whose signature verifies, whose
//! amount matches the order, and only once (a repeated one changes nothing).

use auction_core::time::beijing_date;
use auction_core::time::rfc3339;
use auction_core::{Instant, Money};
use chrono::NaiveDate;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait};
use uuid::Uuid;

mod at_gateway;
mod settle;

pub use at_gateway::{alipay_notification, checkout, refresh};
use settle::apply;
pub use settle::qualify;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::gateway::GatewayCallback;
use crate::persistence::WriteTx;
use crate::persistence::convert::{millis, money};
use crate::persistence::entities::{deal, payment_order, registration, round, user};
use crate::state::AppState;
use auction_core::payment::{PaymentPurpose, PaymentStatus};

/// What an order pays for.
pub enum PaidFor {
    /// A registration's deposit (or a sell-off's prepayment).
    Deposit(Uuid),
    /// A deal's balance.
    Balance(Uuid),
}

/// A new order for `amount_cents`, to be paid through the gateway `provider`.
pub async fn new_order(
    tx: &WriteTx,
    provider: &str,
    paid_for: PaidFor,
    payer_id: Uuid,
    amount_cents: i64,
    now: Instant,
) -> ApiResult<payment_order::Model> {
    let (purpose, registration_id, deal_id) = match paid_for {
        PaidFor::Deposit(id) => (PaymentPurpose::Deposit, Some(id), None),
        PaidFor::Balance(id) => (PaymentPurpose::Balance, None, Some(id)),
    };
    Ok(payment_order::ActiveModel {
        id: Set(Uuid::new_v4()),
        purpose: Set(purpose),
        registration_id: Set(registration_id),
        deal_id: Set(deal_id),
        provider: Set(provider.to_owned()),
        payer_id: Set(payer_id),
        amount: Set(amount_cents),
        status: Set(PaymentStatus::Pending),
        gateway_reference: Set(None),
        created_at: Set(millis(now)),
        paid_at: Set(None),
        offline_payer: Set(None),
        payer_mismatch_reason: Set(None),
        offline_payer_account: Set(None),
        offline_paid_on: Set(None),
        offline_recorded_by: Set(None),
        gateway_payer: Set(None),
    }
    .insert(&**tx)
    .await?)
}

/// A payment order, for its payer only (to anyone else it does not exist).
pub async fn find_for_payer(state: &AppState, caller: &Caller, order_id: Uuid) -> ApiResult<payment_order::Model> {
    payment_order::Entity::find_by_id(order_id)
        .one(state.db.conn())
        .await?
        .filter(|o| o.payer_id == caller.user_id)
        .ok_or_else(|| ApiError::not_found("payment order"))
}

/// The sandbox's "pay now" button: the payer completes their own order, and the gateway's signed
/// callback is delivered to the same handler a real gateway would call. Only with the sandbox.
pub async fn sandbox_complete(state: &AppState, caller: &Caller, order_id: Uuid) -> ApiResult<payment_order::Model> {
    let sandbox = sandbox_gateway(state)?;
    let order = payment_order::Entity::find_by_id(order_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("payment order"))?;
    if order.payer_id != caller.user_id {
        return Err(ApiError::forbidden("only the payer may complete this payment order"));
    }
    let callback = GatewayCallback {
        order_id,
        amount: money(order.amount)?.to_string(),
        status: GatewayCallback::PAID.into(),
        reference: format!("SANDBOX-{}", Uuid::new_v4().simple()),
        paid_at: rfc3339(state.clock.now()),
    };
    let body = serde_json::to_vec(&callback).map_err(ApiError::internal)?;
    let signature = sandbox.sign(&body)?;
    handle_callback(state, &body, &signature).await
}

fn sandbox_gateway(state: &AppState) -> ApiResult<&crate::gateway::SandboxGateway> {
    state.gateway.sandbox().ok_or_else(|| {
        ApiError::conflict(
            "sandbox_disabled",
            "this server takes payments through a real gateway; the sandbox is off",
        )
    })
}

/// The sandbox's callback: verified, matched to its order, applied once.
pub async fn handle_callback(state: &AppState, body: &[u8], signature: &str) -> ApiResult<payment_order::Model> {
    if !sandbox_gateway(state)?.verify(body, signature)? {
        return Err(ApiError::unauthenticated(
            "the payment callback's signature does not verify",
        ));
    }
    let callback: GatewayCallback = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_callback", format!("the callback is not understood: {e}")))?;
    if callback.status != GatewayCallback::PAID {
        return Err(ApiError::bad_request(
            "invalid_callback",
            "only `paid` callbacks are supported",
        ));
    }
    let amount_differs = || ApiError::bad_request("invalid_callback", "the callback's amount does not match the order");
    let confirmed = Confirmed {
        order_id: callback.order_id,
        amount: Money::parse_positive(&callback.amount).map_err(|_| amount_differs())?,
        reference: callback.reference,
        gateway_payer: None,
        offline: None,
    };
    apply(state, confirmed, amount_differs).await
}

/// A bank transfer the court received (R54), as one of its judges records it.
pub struct OfflinePayment {
    pub payer: String,
    pub payer_account: Option<String>,
    pub amount: Money,
    pub bank_reference: String,
    /// The day the bank received it, Beijing date.
    pub received_on: NaiveDate,
    /// Why the court accepts it from someone other than the registrant (R74): needed only then.
    pub payer_mismatch_reason: Option<String>,
}

/// Who recorded a bank transfer, and what they recorded.
struct OfflineRecord {
    payer: String,
    payer_account: Option<String>,
    /// The court's reason for a payer who is not the registrant; `None` when the names match.
    payer_mismatch_reason: Option<String>,
    received_on: NaiveDate,
    judge_id: Uuid,
    judge_name: String,
}

/// A payment confirmed by the gateway's callback or by a judge: applied to its order once.
struct Confirmed {
    order_id: Uuid,
    amount: Money,
    reference: String,
    /// The paying account as the gateway names it.
    gateway_payer: Option<String>,
    offline: Option<OfflineRecord>,
}

/// A judge of the order's court confirms a bank transfer: the order completes as if the gateway had
/// confirmed it, and the round's ledger records it with the judge's name.
pub async fn record_offline(
    state: &AppState,
    caller: &Caller,
    order_id: Uuid,
    input: OfflinePayment,
) -> ApiResult<payment_order::Model> {
    let order = payment_order::Entity::find_by_id(order_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("payment order"))?;
    let round = round_of(state, &order).await?;
    caller.require_judge_of(round.court_id)?;
    let payer = super::required_text(&input.payer, "payer", 200)?;
    let bank_reference = super::required_text(&input.bank_reference, "bank_reference", 100)?;
    let payer_account = super::optional_text(input.payer_account.as_deref(), "payer_account", 100)?;
    let reason = input
        .payer_mismatch_reason
        .as_deref()
        .map(|reason| super::required_text(reason, "payer_mismatch_reason", 500))
        .transpose()?;
    let expected = expected_payers(state, &order).await?;
    let names: Vec<&str> = expected.iter().map(String::as_str).collect();
    // Not named in the refusal: before the end the court must not learn who registered (R40).
    let payer_mismatch_reason = match (auction_core::payer::is_registrant(&payer, &names), reason) {
        (true, _) => None,
        (false, Some(reason)) => Some(reason),
        (false, None) => {
            return Err(ApiError::unprocessable(
                "payer_mismatch",
                "the payer on the bank statement is not the registrant (nor the principal it bids for): the money \
                 must come from the bidder's own account (R74); if the court accepts it, give the reason in \
                 payer_mismatch_reason",
            ));
        }
    };
    if input.received_on > beijing_date(state.clock.now()) {
        return Err(ApiError::unprocessable(
            "invalid_received_on",
            "the day the bank received the money cannot be in the future",
        ));
    }
    let judge = user::Entity::find_by_id(caller.user_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::unauthenticated("the judge's account is gone"))?;
    let confirmed = Confirmed {
        order_id,
        amount: input.amount,
        reference: format!("OFFLINE:{bank_reference}"),
        gateway_payer: None,
        offline: Some(OfflineRecord {
            payer,
            payer_account,
            payer_mismatch_reason,
            received_on: input.received_on,
            judge_id: judge.id,
            judge_name: judge.real_name,
        }),
    };
    apply(state, confirmed, || {
        ApiError::unprocessable(
            "amount_mismatch",
            "the amount received must be exactly the order's amount",
        )
    })
    .await
}

/// Whose money the order may be paid with: the payer's own name (a person's, an organisation's), and for
/// an agency's deposit its principal's (R41).
async fn expected_payers(state: &AppState, order: &payment_order::Model) -> ApiResult<Vec<String>> {
    let payer = user::Entity::find_by_id(order.payer_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::internal("payment order without its payer"))?;
    let mut names = vec![payer.party_name().to_owned()];
    if let Some(registration_id) = order.registration_id
        && let Some(principal) = registration::Entity::find_by_id(registration_id)
            .one(state.db.conn())
            .await?
            .and_then(|r| r.principal_name)
    {
        names.push(principal);
    }
    Ok(names)
}

/// The round an order pays into: a deposit's registration's, or a balance's deal's.
async fn round_of(state: &AppState, order: &payment_order::Model) -> ApiResult<round::Model> {
    let auction_id = match (order.registration_id, order.deal_id) {
        (Some(registration_id), _) => registration::Entity::find_by_id(registration_id)
            .one(state.db.conn())
            .await?
            .map(|r| r.auction_id),
        (None, Some(deal_id)) => deal::Entity::find_by_id(deal_id)
            .one(state.db.conn())
            .await?
            .map(|d| d.auction_id),
        (None, None) => None,
    }
    .ok_or_else(|| ApiError::internal(format!("payment order {} pays into nothing", order.id)))?;
    round::Entity::find_by_id(auction_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::internal("payment order's round is missing"))
}
