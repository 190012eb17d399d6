//! An order at the gateway: the payer sent to pay it (`checkout`), the gateway's notification that it was
//! paid, and asking the gateway after it when no notification came (`refresh`). A notification the
//! platform cannot act on is kept (`gateway_notices`) for reconciliation.

use auction_core::Money;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
use uuid::Uuid;

use super::{Confirmed, apply, find_for_payer, round_of};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::gateway::alipay::{Notification, NotificationProblem};
use crate::gateway::{OrderAtGateway, OrderToPay};
use crate::persistence::convert::{millis, money};
use crate::persistence::entities::{gateway_notice, payment_order, refund};
use crate::state::AppState;
use auction_core::payment::{PaymentPurpose, PaymentStatus};

/// How long a payer waits before asking again when the gateway did not answer.
const RETRY_AFTER_SECONDS: u64 = 5;

/// Where to send the payer to pay their pending order: the gateway's page, which sends them back to the
/// web app's payment page (and then to `next`, a path of this app).
pub async fn checkout(
    state: &AppState,
    caller: &Caller,
    order_id: Uuid,
    phone: bool,
    next: Option<&str>,
) -> ApiResult<String> {
    let order = find_for_payer(state, caller, order_id).await?;
    if order.status != PaymentStatus::Pending {
        return Err(ApiError::conflict(
            "payment_not_pending",
            "this payment order is not waiting to be paid",
        ));
    }
    // An order made before the gateway was changed is paid, and paid back, through the one in use now.
    let provider = state.gateway.provider();
    let order = if order.provider == provider {
        order
    } else {
        let mut active = order.into_active_model();
        active.provider = Set(provider.to_owned());
        active.update(state.db.conn()).await?
    };
    let round = round_of(state, &order).await?;
    let what = match order.purpose {
        PaymentPurpose::Deposit => "保证金",
        PaymentPurpose::Balance => "尾款",
    };
    let subject = format!("{what} · {}", round.title);
    let next = next.filter(|path| is_app_path(path));
    let public_url = &state.settings.public_url;
    let return_url = crate::links::payment_page(public_url, order.id, next);
    let notify_url = crate::links::alipay_notify_url(public_url);
    let to_pay = OrderToPay {
        order_id: order.id,
        amount: money(order.amount)?,
        subject: &subject,
        phone,
        return_url: &return_url,
        notify_url: &notify_url,
    };
    Ok(state.gateway.checkout(&to_pay, state.clock.now()))
}

/// A path of this web app (`/auctions/…`), never another site (`//evil`, `/\evil`).
fn is_app_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && path.len() <= 300
}

/// Asks the gateway after a pending order — the payer is back from the gateway, and no notification came
/// (lost, or late) — and applies the payment if the gateway says it was made.
pub async fn refresh(state: &AppState, caller: &Caller, order_id: Uuid) -> ApiResult<payment_order::Model> {
    let order = find_for_payer(state, caller, order_id).await?;
    if order.status != PaymentStatus::Pending {
        return Ok(order);
    }
    state
        .throttle
        .before_gateway_query(&order.id.to_string(), std::time::Instant::now())?;
    let now = state.clock.now();
    let Some(answer) = state.gateway.query_order(order.id, now).await else {
        return Ok(order);
    };
    match answer {
        Ok(OrderAtGateway::Paid {
            amount,
            reference,
            payer,
            ..
        }) => {
            if amount.cents() != order.amount {
                return Err(ApiError::unprocessable(
                    "amount_mismatch",
                    "the gateway reports another amount for this order; the court's finance office will look into it",
                ));
            }
            let confirmed = Confirmed {
                order_id: order.id,
                amount,
                reference,
                gateway_payer: payer,
                offline: None,
            };
            apply(state, confirmed, || {
                ApiError::unprocessable("amount_mismatch", "the amount paid differs from the order's")
            })
            .await
        }
        Ok(_) => Ok(order),
        Err(refusal) => {
            tracing::warn!(payment.order_id = %order.id, error = %refusal, "the gateway could not be asked after an order");
            Err(ApiError::unavailable(
                "gateway_unavailable",
                "the payment gateway did not answer; please try again in a moment",
                RETRY_AFTER_SECONDS,
            ))
        }
    }
}

/// Alipay's asynchronous notification (`application/x-www-form-urlencoded`). Ok means it is acted on —
/// or needs nothing (a repeat, a status that is not a payment, money already being paid back) — and the
/// gateway may stop sending it; an error makes the gateway send it again later.
pub async fn alipay_notification(state: &AppState, params: &[(String, String)]) -> ApiResult<()> {
    let alipay = state
        .gateway
        .alipay()
        .ok_or_else(|| ApiError::not_found("Alipay notifications (this server does not use Alipay)"))?;
    let notification = match alipay.verify_notification(params) {
        Ok(notification) => notification,
        Err(NotificationProblem::Signature) => {
            tracing::warn!("an Alipay notification whose signature does not verify was refused");
            return Err(ApiError::bad_request(
                "invalid_signature",
                "the notification's signature does not verify",
            ));
        }
        Err(NotificationProblem::OtherMerchant(who)) => {
            keep(state, params, None, "other_merchant", &format!("for {who}")).await?;
            return Err(ApiError::unprocessable(
                "other_merchant",
                "the notification is for another application",
            ));
        }
        Err(NotificationProblem::Malformed(what)) => {
            return Err(ApiError::bad_request("invalid_notification", what));
        }
    };
    if let Some(request) = &notification.out_biz_no
        && notification.refund_fee.is_some()
    {
        // A refund's notification: the platform asked for it, or someone else did (kept to be looked at).
        let ours = match Uuid::parse_str(request) {
            Ok(id) => refund::Entity::find_by_id(id).one(state.db.conn()).await?.is_some(),
            Err(_) => false,
        };
        if !ours {
            keep(
                state,
                params,
                Some(&notification),
                "unknown_refund",
                &format!("refund request {request}"),
            )
            .await?;
        }
        return Ok(());
    }
    if !notification.status.is_paid() {
        // Created, or closed (unpaid, or by a full refund): nothing for the platform to do.
        return Ok(());
    }
    let order = match Uuid::parse_str(&notification.out_trade_no) {
        Ok(id) => payment_order::Entity::find_by_id(id).one(state.db.conn()).await?,
        Err(_) => None,
    };
    let Some(order) = order else {
        keep(
            state,
            params,
            Some(&notification),
            "unknown_order",
            "no such payment order",
        )
        .await?;
        return Err(ApiError::not_found("payment order"));
    };
    let amount = notification.total_amount.unwrap_or(Money::ZERO);
    if amount.cents() != order.amount {
        let detail = format!("the order is for {}", money(order.amount)?);
        keep(state, params, Some(&notification), "amount_differs", &detail).await?;
        return Err(ApiError::unprocessable(
            "amount_mismatch",
            "the notification's amount differs from the order's",
        ));
    }
    let confirmed = Confirmed {
        order_id: order.id,
        amount,
        reference: notification.trade_no.clone(),
        gateway_payer: notification.buyer_id.clone(),
        offline: None,
    };
    let applied = apply(state, confirmed, || {
        ApiError::unprocessable("amount_mismatch", "the amount paid differs from the order's")
    })
    .await;
    match applied {
        Ok(_) => Ok(()),
        // Too late for its purpose: the money is owed back already (and a repeat finds it so).
        Err(refusal)
            if matches!(
                refusal.code.as_ref(),
                "registration_closed" | "deal_not_awaiting_balance" | "payment_rejected" | "already_paid"
            ) =>
        {
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// Keeps a signed notification the platform did not act on, once per notification and problem.
async fn keep(
    state: &AppState,
    params: &[(String, String)],
    notification: Option<&Notification>,
    problem: &str,
    detail: &str,
) -> ApiResult<()> {
    let param = |name: &str| crate::gateway::alipay::protocol::param(params, name).map(str::to_owned);
    let row = gateway_notice::ActiveModel {
        id: Set(Uuid::new_v4()),
        provider: Set(state.gateway.provider().to_owned()),
        received_at: Set(millis(state.clock.now())),
        notify_id: Set(param("notify_id").unwrap_or_default()),
        out_trade_no: Set(param("out_trade_no").unwrap_or_default()),
        trade_no: Set(param("trade_no")),
        trade_status: Set(param("trade_status")),
        amount: Set(notification.and_then(|n| n.total_amount).map(Money::cents)),
        problem: Set(problem.to_owned()),
        detail: Set(detail.to_owned()),
    };
    gateway_notice::Entity::insert(row)
        .on_conflict_do_nothing_on([
            gateway_notice::Column::Provider,
            gateway_notice::Column::NotifyId,
            gateway_notice::Column::Problem,
        ])
        .exec(state.db.conn())
        .await?;
    tracing::warn!(
        problem,
        detail,
        "a gateway notification was not acted on; kept for reconciliation"
    );
    Ok(())
}
