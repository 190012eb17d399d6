//! Money paid back to a bidder through the payment gateway: a revoked sale's deposit and paid balance
//! (R65), the rest of a defaulting sell-off buyer's prepayment (R58). Each refund is a row the buyer sees
//! with their deals, written in the transaction that decided it.

use auction_core::{Instant, Money};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::notify::RefundLine;
use crate::persistence::WriteTx;
use crate::persistence::convert::millis;
use crate::persistence::entities::refund;
use crate::persistence::vocabulary::{RefundPurpose, RefundReason};
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

/// A refund's one status: the sandbox gateway settles at once.
pub const COMPLETED: &str = "completed";

/// Pays `due` back through the gateway and records it, in the caller's transaction.
pub async fn pay_back(state: &AppState, tx: &WriteTx, due: RefundDue, now: Instant) -> ApiResult<refund::Model> {
    let id = Uuid::new_v4();
    let reference = state.gateway.refund(id, &due.amount.to_string())?;
    let at = millis(now);
    let row = refund::ActiveModel {
        id: Set(id),
        user_id: Set(due.user_id),
        auction_id: Set(due.auction_id),
        deal_id: Set(due.deal_id),
        registration_id: Set(due.registration_id),
        purpose: Set(due.purpose),
        reason: Set(due.reason),
        amount: Set(due.amount.cents()),
        status: Set(COMPLETED.to_owned()),
        gateway_reference: Set(reference),
        created_at: Set(at),
        completed_at: Set(Some(at)),
    }
    .insert(&**tx)
    .await?;
    tracing::info!(refund.id = %row.id, auction.id = %row.auction_id, amount = %due.amount, purpose = due.purpose.as_str(), "refunded");
    Ok(row)
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
