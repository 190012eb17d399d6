//! The refunds that wait: gateway refunds tried again by the worker, and the court's confirmation that it
//! paid back a bank transfer (已退) — each completed under its round's lock and entered in its ledger.
//! (`refunds` decides and records what is owed; it stays below `rounds`, which owes refunds itself.)

use auction_core::Instant;
use auction_core::ledger::LedgerKind;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::refunds::{self, failed};
use super::rounds::{Access, update_round};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, Email, RefundLine};
use crate::persistence::convert::{millis, money};
use crate::persistence::entities::{ledger_entry, refund, user};
use crate::persistence::vocabulary::{RefundMethod, RefundReason, RefundStatus};
use crate::state::AppState;

/// Tries every gateway refund due for it, each under its round's lock: paid, it is completed and entered
/// in the round's ledger; refused, it waits longer. Returns how many were paid.
pub async fn retry_due(state: &AppState, now: Instant) -> ApiResult<usize> {
    let due = refund::Entity::find()
        .filter(refund::Column::Status.eq(RefundStatus::Pending))
        .filter(refund::Column::Method.eq(RefundMethod::Gateway))
        .filter(refund::Column::NextAttemptAt.lte(millis(now)))
        .order_by_asc(refund::Column::NextAttemptAt)
        .limit(100)
        .all(state.db.conn())
        .await?;
    let mut paid = 0;
    for pending in due {
        let updated = update_round(state, pending.auction_id, now, Access::System, async |locked, tx| {
            // Another worker may have paid it meanwhile: the row is read again under the round's lock.
            let Some(row) = refund::Entity::find_by_id(pending.id).one(&**tx).await? else {
                return Ok(false);
            };
            if row.status != RefundStatus::Pending {
                return Ok(false);
            }
            let attempts = u32::try_from(row.attempts).unwrap_or(0) + 1;
            let amount = money(row.amount)?;
            match state.gateway.refund(row.id, &amount.to_string()) {
                Ok(reference) => {
                    let done = refund::ActiveModel {
                        status: Set(RefundStatus::Completed),
                        gateway_reference: Set(reference),
                        completed_at: Set(Some(millis(now))),
                        attempts: Set(i32::try_from(attempts).unwrap_or(i32::MAX)),
                        next_attempt_at: Set(None),
                        ..row.into()
                    }
                    .update(&**tx)
                    .await?;
                    locked.record_refund(&done)?;
                    Ok(true)
                }
                Err(refusal) => {
                    failed(row.into(), attempts, &refusal, now).update(&**tx).await?;
                    Ok(false)
                }
            }
        })
        .await?;
        paid += usize::from(updated.value);
    }
    Ok(paid)
}

/// The court confirms it paid back money it received by bank transfer (已退): the refund is completed,
/// names the court's transfer, and enters the round's ledger.
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
            if row.status != RefundStatus::AwaitingCourt {
                return Err(ApiError::conflict(
                    "refund_not_awaiting_court",
                    "this refund is not the court's to pay back, or it is paid back already",
                ));
            }
            let done = refund::ActiveModel {
                status: Set(RefundStatus::Completed),
                bank_reference: Set(Some(bank_reference.clone())),
                confirmed_by: Set(Some(caller.user_id)),
                completed_at: Set(Some(millis(now))),
                ..row.into()
            }
            .update(&**tx)
            .await?;
            locked.record_refund(&done)?;
            // The payer is told, with the court's own transfer as the reference.
            let payer = user::Entity::find_by_id(done.user_id)
                .one(&**tx)
                .await?
                .ok_or_else(|| ApiError::internal("a refund without its payer"))?;
            let line = RefundLine {
                reference: bank_reference.clone(),
                ..refunds::line(&done)?
            };
            let why = "法院已将银行转账退回原付款账户 · the court paid the transfer back to the account it came from";
            let email = Email::payment_refunded(&payer.email, payer.party_name(), &locked.row.title, why, &line);
            notify::queue(tx, email, now).await?;
            Ok(done)
        },
    )
    .await?;
    notify::flush(state).await;
    Ok(updated.value)
}

/// How long after its payment a late payment's refund is still looked for in the ledger.
const LATE_REFUNDS_CHECKED_FOR: chrono::Duration = chrono::Duration::days(7);

/// Enters in their rounds' ledgers the refunds of late payments that are not there yet. Such a refund is
/// paid in the payment's own transaction, which holds the order's lock, not the round's; the entry is
/// made afterwards under the round's lock — by the payment right after its commit, and here for any a
/// crash left out. Reading comes first, so a refund already entered costs no write.
pub async fn enter_late_refunds(state: &AppState, now: Instant) -> ApiResult<()> {
    let late = refund::Entity::find()
        .filter(refund::Column::Reason.eq(RefundReason::LatePayment))
        .filter(refund::Column::Status.eq(RefundStatus::Completed))
        .filter(refund::Column::CompletedAt.gte(millis(now - LATE_REFUNDS_CHECKED_FOR)))
        .all(state.db.conn())
        .await?;
    for row in late {
        if !in_ledger(state.db.conn(), &row).await? {
            enter_in_ledger(state, &row, now).await?;
        }
    }
    Ok(())
}

/// Enters a completed refund in its round's ledger, once, under the round's lock.
pub async fn enter_in_ledger(state: &AppState, row: &refund::Model, now: Instant) -> ApiResult<()> {
    update_round(state, row.auction_id, now, Access::System, async |locked, tx| {
        if !in_ledger(&**tx, row).await? {
            locked.record_refund(row)?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}

async fn in_ledger(conn: &impl sea_orm::ConnectionTrait, row: &refund::Model) -> ApiResult<bool> {
    let id = row.id.to_string();
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AuctionId.eq(row.auction_id))
        .filter(ledger_entry::Column::Kind.eq(LedgerKind::Refund))
        .all(conn)
        .await?;
    Ok(entries.iter().any(|entry| {
        serde_json::from_str::<serde_json::Value>(&entry.payload).is_ok_and(|p| p["refund_id"] == id.as_str())
    }))
}
