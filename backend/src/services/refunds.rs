//! Money owed back: a revoked sale's deposit and paid balance (R65), the rest of a defaulting sell-off
//! buyer's prepayment (R58), a payment that came too late, and every released deposit (R53). Each refund
//! is a row written in the transaction that decided it, naming the payment whose money goes back; it is
//! paid afterwards, outside that transaction (`refund_tasks`), so no gateway call ever holds a round.
//!
//! Money goes back the way it came (R74): through the gateway its order was paid by, or — when the court
//! received it by bank transfer — as the court's task: it pays it back and confirms (已退). A refund that
//! keeps failing, or outlives R53's 24 hours, is listed for the court.

use auction_core::payment::{PaymentPurpose, PaymentStatus};
use auction_core::refund::{REFUND_WITHIN, needs_attention};
use auction_core::refund::{RefundMethod, RefundPurpose, RefundReason, RefundStatus};
use auction_core::{Instant, Money};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::notify::RefundLine;
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis, money};
use crate::persistence::entities::{payment_order, refund, registration, round};
use crate::state::AppState;

/// What is owed back, from which payment, and why.
pub struct RefundDue<'a> {
    /// The payment whose money goes back: all of it, or a part.
    pub order: &'a payment_order::Model,
    pub auction_id: Uuid,
    pub deal_id: Option<Uuid>,
    pub purpose: RefundPurpose,
    pub reason: RefundReason,
    pub amount: Money,
    pub way_back: WayBack,
}

/// How the money goes back (R74: the way it came).
pub enum WayBack {
    /// The way the order was paid: through its gateway, or the court's bank for a transfer it recorded.
    AsPaid,
    /// Through the gateway: a second payment that came by it.
    Gateway,
    /// By the court's bank to this payer: a second payment that came by transfer.
    BankTransfer { payee: String, account: Option<String> },
}

/// Records a refund owed, in the caller's transaction: to be paid through the gateway (at once, by
/// `refund_tasks`) or, for a bank transfer, as the court's task with the payer's account. Never more than
/// the payment took in, whatever was owed from it before.
pub async fn owe(tx: &WriteTx, due: RefundDue<'_>, now: Instant) -> ApiResult<refund::Model> {
    let order = due.order;
    let earlier = refund::Entity::find()
        .filter(refund::Column::PaymentOrderId.eq(order.id))
        .all(&**tx)
        .await?;
    // A second payment is its own money: its refunds are counted apart from the first's.
    let second = due.reason == RefundReason::Duplicate;
    let owed_before: i64 = earlier
        .iter()
        .filter(|r| (r.reason == RefundReason::Duplicate) == second)
        .map(|r| r.amount)
        .sum();
    if !order.status.received() || owed_before + due.amount.cents() > order.amount {
        return Err(ApiError::internal(format!(
            "a refund of {} from payment {} would exceed what it took in",
            due.amount, order.id
        )));
    }
    let (method, payee, payee_account) = match due.way_back {
        WayBack::AsPaid => match &order.offline_payer {
            Some(payer) => (
                RefundMethod::BankTransfer,
                Some(payer.clone()),
                order.offline_payer_account.clone(),
            ),
            None => (RefundMethod::Gateway, None, None),
        },
        WayBack::Gateway => (RefundMethod::Gateway, None, None),
        WayBack::BankTransfer { payee, account } => (RefundMethod::BankTransfer, Some(payee), account),
    };
    let row = refund::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(order.payer_id),
        auction_id: Set(due.auction_id),
        deal_id: Set(due.deal_id),
        registration_id: Set(order.registration_id),
        payment_order_id: Set(Some(order.id)),
        purpose: Set(due.purpose),
        reason: Set(due.reason),
        amount: Set(due.amount.cents()),
        status: Set(RefundStatus::owed(method)),
        method: Set(method),
        gateway_reference: Set(String::new()),
        created_at: Set(millis(now)),
        completed_at: Set(None),
        attempts: Set(0),
        next_attempt_at: Set((method == RefundMethod::Gateway).then_some(millis(now))),
        last_error: Set(None),
        due_at: Set(Some(millis(now + REFUND_WITHIN))),
        payee: Set(payee),
        payee_account: Set(payee_account),
        bank_reference: Set(None),
        confirmed_by: Set(None),
    }
    .insert(&**tx)
    .await?;
    tracing::info!(refund.id = %row.id, auction.id = %row.auction_id, payment.order_id = %order.id, amount = %due.amount, reason = %due.reason, method = %method, "refund owed");
    Ok(row)
}

/// The paid orders of a registration's deposit or of a deal's balance.
pub async fn paid_orders(
    tx: &WriteTx,
    purpose: PaymentPurpose,
    registration_id: Option<Uuid>,
    deal_id: Option<Uuid>,
) -> ApiResult<Vec<payment_order::Model>> {
    let mut query = payment_order::Entity::find()
        .filter(payment_order::Column::Purpose.eq(purpose))
        .filter(payment_order::Column::Status.eq(PaymentStatus::Paid));
    if let Some(id) = registration_id {
        query = query.filter(payment_order::Column::RegistrationId.eq(id));
    }
    if let Some(id) = deal_id {
        query = query.filter(payment_order::Column::DealId.eq(id));
    }
    Ok(query.order_by_asc(payment_order::Column::CreatedAt).all(&**tx).await?)
}

/// A deposit released after the close, a withdrawal, a lapsed agency or a frozen identity (R53), owed back
/// within 24 hours, in the caller's transaction. Once per registration; nothing when nothing was paid (the
/// applicant's claim stood for it).
pub async fn release_deposit(tx: &WriteTx, registration: &registration::Model, now: Instant) -> ApiResult<()> {
    let already = refund::Entity::find()
        .filter(refund::Column::RegistrationId.eq(registration.id))
        .filter(refund::Column::Reason.eq(RefundReason::DepositReleased))
        .one(&**tx)
        .await?;
    if already.is_some() {
        return Ok(());
    }
    for order in paid_orders(tx, PaymentPurpose::Deposit, Some(registration.id), None).await? {
        let due = RefundDue {
            order: &order,
            auction_id: registration.auction_id,
            deal_id: None,
            purpose: RefundPurpose::Deposit,
            reason: RefundReason::DepositReleased,
            amount: money(order.amount)?,
            way_back: WayBack::AsPaid,
        };
        owe(tx, due, now).await?;
    }
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
