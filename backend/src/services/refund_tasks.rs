//! Paying what is owed back: gateway refunds, each asked of the gateway outside any transaction (its
//! request number makes a repeat harmless) and then completed under its round's lock, and the court's
//! confirmation that it paid back a bank transfer (已退). A completion enters the round's ledger and tells
//! the payer, in the transaction that completes it; a step the refund's state does not allow
//! (`RefundStatus::after`) changes nothing, so no refund is completed, entered or told twice.
//! (`refunds` decides and records what is owed; it stays below `rounds`, which owes refunds itself.)

use auction_core::Instant;
use auction_core::payment::PaymentPurpose;
use auction_core::refund::{RefundMethod, RefundReason, RefundStatus, RefundStep, retry_after};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::refunds;
use super::rounds::{Access, LockedRound, update_round};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::gateway::{GatewayRefusal, RefundToPay};
use crate::notify::{self, Email, RefundLine};
use crate::persistence::WriteTx;
use crate::persistence::convert::{millis, money};
use crate::persistence::entities::{payment_order, refund, user};
use crate::state::AppState;

/// Pays every gateway refund due for a try. Returns how many were paid.
pub async fn pay_due(state: &AppState, now: Instant) -> ApiResult<usize> {
    let due = refund::Entity::find()
        .filter(refund::Column::Status.eq(RefundStatus::Pending))
        .filter(refund::Column::Method.eq(RefundMethod::Gateway))
        .filter(refund::Column::NextAttemptAt.lte(millis(now)))
        .order_by_asc(refund::Column::NextAttemptAt)
        .limit(100)
        .all(state.db.conn())
        .await?;
    pay(state, due, now).await
}

/// Pays the gateway refunds of one round that are due, right after the transaction that owed them
/// committed (a revocation, a late payment), so the payer need not wait for the worker.
pub async fn pay_owed_in_round(state: &AppState, auction_id: Uuid, now: Instant) -> ApiResult<usize> {
    let due = refund::Entity::find()
        .filter(refund::Column::AuctionId.eq(auction_id))
        .filter(refund::Column::Status.eq(RefundStatus::Pending))
        .filter(refund::Column::Method.eq(RefundMethod::Gateway))
        .filter(refund::Column::NextAttemptAt.lte(millis(now)))
        .all(state.db.conn())
        .await?;
    pay(state, due, now).await
}

async fn pay(state: &AppState, due: Vec<refund::Model>, now: Instant) -> ApiResult<usize> {
    let mut paid = 0;
    for row in due {
        let outcome = ask_gateway(state, &row, now).await;
        if complete_at_gateway(state, row.id, row.auction_id, outcome, now).await? {
            paid += 1;
        }
    }
    if paid > 0 {
        notify::flush(state).await;
    }
    Ok(paid)
}

/// Asks the gateway to pay a refund back: through the gateway its order was paid by, and only that one.
async fn ask_gateway(state: &AppState, row: &refund::Model, now: Instant) -> Result<String, GatewayRefusal> {
    let order = match row.payment_order_id {
        Some(id) => payment_order::Entity::find_by_id(id)
            .one(state.db.conn())
            .await
            .map_err(|e| GatewayRefusal(format!("the payment could not be read: {e}")))?,
        None => None,
    }
    .ok_or_else(|| GatewayRefusal("this refund names no payment to pay back from".into()))?;
    if order.provider != state.gateway.provider() {
        return Err(GatewayRefusal(format!(
            "the money came through the {} gateway; this server pays through {}",
            order.provider,
            state.gateway.provider()
        )));
    }
    let amount = money(row.amount).map_err(|e| GatewayRefusal(e.to_string()))?;
    let request = RefundToPay {
        refund_id: row.id,
        order_id: order.id,
        amount,
        reason: reason_words(row.reason, PaymentPurpose::Deposit).0,
        earlier_attempts: u32::try_from(row.attempts).unwrap_or(0),
    };
    state.gateway.refund(&request, now).await
}

/// Records what the gateway did with a refund, under its round's lock: paid, it is completed, entered in
/// the ledger and its payer told; refused, it waits longer. A refund completed meanwhile (by another
/// worker, another process) is left alone. Returns whether this completed it.
async fn complete_at_gateway(
    state: &AppState,
    refund_id: Uuid,
    auction_id: Uuid,
    outcome: Result<String, GatewayRefusal>,
    now: Instant,
) -> ApiResult<bool> {
    let step = match outcome {
        Ok(_) => RefundStep::GatewayPaid,
        Err(_) => RefundStep::GatewayRefused,
    };
    let updated = update_round(state, auction_id, now, Access::System, async |locked, tx| {
        let Some(row) = refund::Entity::find_by_id(refund_id).one(&**tx).await? else {
            return Ok(false);
        };
        let Ok(status) = row.status.after(step) else {
            return Ok(false);
        };
        let attempts = u32::try_from(row.attempts).unwrap_or(0) + 1;
        match &outcome {
            Ok(reference) => {
                let done = refund::ActiveModel {
                    status: Set(status),
                    gateway_reference: Set(reference.clone()),
                    completed_at: Set(Some(millis(now))),
                    attempts: Set(i32::try_from(attempts).unwrap_or(i32::MAX)),
                    next_attempt_at: Set(None),
                    last_error: Set(None),
                    ..row.into()
                }
                .update(&**tx)
                .await?;
                completed(locked, tx, &done, &done.gateway_reference, now).await?;
                Ok(true)
            }
            Err(refusal) => {
                tracing::warn!(refund.id = %row.id, attempts, error = %refusal, "refund not paid by the gateway; tried again later");
                refund::ActiveModel {
                    status: Set(status),
                    attempts: Set(i32::try_from(attempts).unwrap_or(i32::MAX)),
                    last_error: Set(Some(refusal.0.clone())),
                    next_attempt_at: Set(Some(millis(now + retry_after(attempts)))),
                    ..row.into()
                }
                .update(&**tx)
                .await?;
                Ok(false)
            }
        }
    })
    .await?;
    if updated.value {
        tracing::info!(refund.id = %refund_id, auction.id = %auction_id, "refund paid");
    }
    Ok(updated.value)
}

/// What a completed refund does beyond its row: the round's ledger entry and the payer's email.
async fn completed(
    locked: &mut LockedRound,
    tx: &WriteTx,
    done: &refund::Model,
    reference: &str,
    now: Instant,
) -> ApiResult<()> {
    locked.record_refund(done)?;
    let payer = user::Entity::find_by_id(done.user_id)
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::internal("a refund without its payer"))?;
    let purpose = match done.payment_order_id {
        Some(id) => payment_order::Entity::find_by_id(id)
            .one(&**tx)
            .await?
            .map_or(PaymentPurpose::Deposit, |order| order.purpose),
        None => PaymentPurpose::Deposit,
    };
    let why = match done.method {
        RefundMethod::BankTransfer => {
            "法院已将银行转账退回原付款账户 · the court paid the transfer back to the account it came from".to_owned()
        }
        RefundMethod::Gateway => {
            let (zh, en) = reason_words(done.reason, purpose);
            format!("{zh} · {en}")
        }
    };
    let line = RefundLine {
        reference: reference.to_owned(),
        ..refunds::line(done)?
    };
    let email = Email::payment_refunded(&payer.email, payer.party_name(), &locked.row.title, &why, &line);
    notify::queue(tx, email, now).await
}

/// Why the money goes back, in the payer's words (and the gateway's refund reason).
fn reason_words(reason: RefundReason, purpose: PaymentPurpose) -> (&'static str, &'static str) {
    match (reason, purpose) {
        (RefundReason::LatePayment, PaymentPurpose::Deposit) => (
            "款项到账时竞价已结束，保证金不再计入",
            "it arrived after bidding had ended",
        ),
        (RefundReason::LatePayment, PaymentPurpose::Balance) => (
            "款项到账时该成交已不再等待尾款",
            "it arrived when the deal no longer awaited its balance",
        ),
        (RefundReason::DepositReleased, _) => ("竞价结束，保证金解冻退回", "the deposit was released"),
        (RefundReason::Revocation, _) => ("拍卖成交已被法院撤销", "the court set the sale aside"),
        (RefundReason::Default, _) => (
            "买受人悔拍，预缴款超出保证金的部分退回",
            "the part of the prepayment above the deposit, after the default",
        ),
        (RefundReason::Duplicate, _) => (
            "同一笔订单已经付过款，这笔重复支付原路退回",
            "the order had been paid already; this second payment goes back",
        ),
    }
}

/// The court confirms it paid back money it received by bank transfer (已退): the refund is completed,
/// names the court's transfer, enters the round's ledger, and the payer is told.
pub async fn confirm_paid_back(
    state: &AppState,
    caller: &Caller,
    refund_id: Uuid,
    bank_reference: &str,
) -> ApiResult<refund::Model> {
    let bank_reference = super::required_text(bank_reference, "bank_reference", 100)?;
    let found = refund::Entity::find_by_id(refund_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("refund"))?;
    let now = state.clock.now();
    let updated = update_round(
        state,
        found.auction_id,
        now,
        Access::Court(caller),
        async |locked, tx| {
            let row = refund::Entity::find_by_id(refund_id)
                .one(&**tx)
                .await?
                .ok_or_else(|| ApiError::not_found("refund"))?;
            let status = row.status.after(RefundStep::CourtConfirmed).map_err(|_| {
                ApiError::conflict(
                    "refund_not_awaiting_court",
                    "this refund is not the court's to pay back, or it is paid back already",
                )
            })?;
            let done = refund::ActiveModel {
                status: Set(status),
                bank_reference: Set(Some(bank_reference.clone())),
                confirmed_by: Set(Some(caller.user_id)),
                completed_at: Set(Some(millis(now))),
                ..row.into()
            }
            .update(&**tx)
            .await?;
            completed(locked, tx, &done, &bank_reference, now).await?;
            Ok(done)
        },
    )
    .await?;
    notify::flush(state).await;
    Ok(updated.value)
}
