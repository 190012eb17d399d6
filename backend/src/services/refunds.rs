//! Money paid back: a revoked sale's deposit and paid balance (R65), the rest of a defaulting sell-off
//! buyer's prepayment (R58), a payment that came too late, and every released deposit (R53). Each refund
//! is a row written in the transaction that decided it.
//!
//! Money that came through the gateway goes back through it, tried at once and, should the gateway refuse,
//! again with growing waits (`auction_core::refund::retry_after`) by the worker, under the round's lock,
//! each completed refund entered in the round's ledger. Money the court received by bank transfer becomes
//! the court's task: it pays it back and confirms (已退). A refund that keeps failing, or outlives R53's
//! 24 hours, is listed for the court.

use auction_core::refund::{REFUND_WITHIN, needs_attention, retry_after};
use auction_core::{Instant, Money};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::gateway::GatewayRefusal;
use crate::notify::RefundLine;
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis, money};
use crate::persistence::entities::{payment_order, refund, registration, round};
use crate::persistence::vocabulary::{
    PaymentPurpose, PaymentStatus, RefundMethod, RefundPurpose, RefundReason, RefundStatus,
};
use crate::state::AppState;

/// What is to be paid back, to whom, and why.
pub struct RefundDue {
    pub user_id: Uuid,
    pub auction_id: Uuid,
    pub deal_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    pub purpose: RefundPurpose,
    pub reason: RefundReason,
    pub amount: Money,
}

/// Pays `due` back through the gateway and records it, in the caller's transaction. Should the gateway
/// refuse, the refund is recorded as pending, for the worker to try again: the decision that owes the
/// money stands.
pub async fn pay_back(state: &AppState, tx: &WriteTx, due: RefundDue, now: Instant) -> ApiResult<refund::Model> {
    let id = Uuid::new_v4();
    let attempt = state.gateway.refund(id, &due.amount.to_string());
    let row = new_row(id, &due, now, RefundMethod::Gateway);
    let row = match attempt {
        Ok(reference) => refund::ActiveModel {
            status: Set(RefundStatus::Completed),
            gateway_reference: Set(reference),
            completed_at: Set(Some(millis(now))),
            ..row
        },
        Err(refusal) => failed(row, 1, &refusal, now),
    }
    .insert(&**tx)
    .await?;
    tracing::info!(refund.id = %row.id, auction.id = %row.auction_id, amount = %due.amount, purpose = %due.purpose, status = %row.status, "refund");
    Ok(row)
}

fn new_row(id: Uuid, due: &RefundDue, now: Instant, method: RefundMethod) -> refund::ActiveModel {
    refund::ActiveModel {
        id: Set(id),
        user_id: Set(due.user_id),
        auction_id: Set(due.auction_id),
        deal_id: Set(due.deal_id),
        registration_id: Set(due.registration_id),
        purpose: Set(due.purpose),
        reason: Set(due.reason),
        amount: Set(due.amount.cents()),
        status: Set(RefundStatus::Pending),
        gateway_reference: Set(String::new()),
        created_at: Set(millis(now)),
        completed_at: Set(None),
        method: Set(method),
        attempts: Set(0),
        next_attempt_at: Set(None),
        last_error: Set(None),
        due_at: Set(Some(millis(now + REFUND_WITHIN))),
        payee: Set(None),
        payee_account: Set(None),
        bank_reference: Set(None),
        confirmed_by: Set(None),
    }
}

/// A gateway refund that failed its `attempts`-th try: pending, to be tried again after a growing wait.
pub(super) fn failed(
    row: refund::ActiveModel,
    attempts: u32,
    refusal: &GatewayRefusal,
    now: Instant,
) -> refund::ActiveModel {
    tracing::warn!(attempts, error = %refusal.0, "refund refused by the gateway; tried again later");
    refund::ActiveModel {
        status: Set(RefundStatus::Pending),
        attempts: Set(i32::try_from(attempts).unwrap_or(i32::MAX)),
        last_error: Set(Some(refusal.0.clone())),
        next_attempt_at: Set(Some(millis(now + retry_after(attempts)))),
        ..row
    }
}

/// A deposit released after the close, a withdrawal or a lapsed agency (R53), to be paid back within 24
/// hours, in the caller's transaction: through the gateway by the worker, or — when the court received it
/// by bank transfer — as the court's task. Once per registration; nothing when nothing was paid (the
/// applicant's claim stood for it).
pub async fn release_deposit(tx: &WriteTx, registration: &registration::Model, now: Instant) -> ApiResult<()> {
    let already = refund::Entity::find()
        .filter(refund::Column::RegistrationId.eq(registration.id))
        .filter(refund::Column::Reason.eq(RefundReason::DepositReleased))
        .one(&**tx)
        .await?;
    let paid = payment_order::Entity::find()
        .filter(payment_order::Column::RegistrationId.eq(registration.id))
        .filter(payment_order::Column::Purpose.eq(PaymentPurpose::Deposit))
        .filter(payment_order::Column::Status.eq(PaymentStatus::Paid))
        .one(&**tx)
        .await?;
    let (None, Some(order)) = (already, paid) else {
        return Ok(());
    };
    let due = RefundDue {
        user_id: registration.user_id,
        auction_id: registration.auction_id,
        deal_id: None,
        registration_id: Some(registration.id),
        purpose: RefundPurpose::Deposit,
        reason: RefundReason::DepositReleased,
        amount: money(order.amount)?,
    };
    let row = match order.offline_payer {
        Some(payer) => refund::ActiveModel {
            status: Set(RefundStatus::AwaitingCourt),
            payee: Set(Some(payer)),
            payee_account: Set(order.offline_payer_account),
            ..new_row(Uuid::new_v4(), &due, now, RefundMethod::BankTransfer)
        },
        None => refund::ActiveModel {
            next_attempt_at: Set(Some(millis(now))),
            ..new_row(Uuid::new_v4(), &due, now, RefundMethod::Gateway)
        },
    };
    row.insert(&**tx).await?;
    Ok(())
}

/// The refunds of a court's rounds, newest first: what the court must pay back itself, and gateway refunds
/// that keep failing or are late, first.
pub async fn of_court(state: &AppState, court_id: Uuid, now: Instant) -> ApiResult<Vec<(refund::Model, bool)>> {
    let rounds = round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .filter(round::Column::CourtId.eq(court_id));
    let rows = refund::Entity::find()
        .filter(refund::Column::AuctionId.in_subquery(rounds.into_query()))
        .order_by_desc(refund::Column::CreatedAt)
        .limit(500)
        .all(state.db.conn())
        .await?;
    let mut listed: Vec<(refund::Model, bool)> = rows
        .into_iter()
        .map(|row| {
            let attention = needs_court(&row, now);
            (row, attention)
        })
        .collect();
    listed.sort_by_key(|(_, attention)| !attention);
    Ok(listed)
}

/// Whether the court should look at this refund now.
pub fn needs_court(row: &refund::Model, now: Instant) -> bool {
    match row.status {
        RefundStatus::AwaitingCourt => true,
        RefundStatus::Completed => false,
        RefundStatus::Pending => needs_attention(
            u32::try_from(row.attempts).unwrap_or(0),
            row.due_at.map(instant).unwrap_or(now),
            now,
        ),
    }
}

/// The refunds of these deals, oldest first.
pub async fn of_deals(state: &AppState, deal_ids: Vec<Uuid>) -> ApiResult<Vec<refund::Model>> {
    if deal_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(refund::Entity::find()
        .filter(refund::Column::DealId.is_in(deal_ids))
        .order_by_asc(refund::Column::CreatedAt)
        .all(state.db.conn())
        .await?)
}

/// How a message names a refund.
pub fn line(row: &refund::Model) -> ApiResult<RefundLine> {
    let (label, label_en) = match row.purpose {
        RefundPurpose::Deposit => ("保证金", "deposit"),
        RefundPurpose::Prepayment => ("变卖预缴款", "sell-off prepayment"),
        RefundPurpose::Balance => ("已付尾款", "balance paid"),
    };
    Ok(RefundLine {
        label,
        label_en,
        amount: crate::persistence::convert::money(row.amount)?,
        reference: row.gateway_reference.clone(),
    })
}
