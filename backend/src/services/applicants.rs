//! The applicant for enforcement as a bidder (R23 ¶2): the court marks it before bidding opens with its
//! unpaid claim; it then pays only the part of the deposit the claim does not cover, and if it buys, the
//! claim is set off against the price.

use auction_core::ledger::LedgerKind;
use auction_core::setup::{applicant_paid_in, paid_in};
use auction_core::{DepositStatus, Money, RoundStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use super::rounds::{Access, applicant_claim, update_round};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::{kind, millis, money};
use crate::persistence::entities::{applicant, payment_order, registration, round};
use crate::state::AppState;
use auction_core::payment::PaymentStatus;

/// What `user_id` pays in to bid in this round and how much of it a default forfeits: the deposit (a
/// sell-off's prepayment), less the applicant's claim when the court marked them (R23 ¶2).
pub async fn owed_by(tx: &WriteTx, row: &round::Model, user_id: Uuid) -> ApiResult<(Money, Money)> {
    let (amount, forfeitable) = paid_in(kind(&row.round_kind)?, money(row.starting_price)?, money(row.deposit)?);
    Ok(match applicant_claim(tx, row.id, user_id).await? {
        Some(claim) => applicant_paid_in(amount, forfeitable, claim),
        None => (amount, forfeitable),
    })
}

pub struct Marked {
    pub mark: applicant::Model,
    pub email: String,
    /// What the applicant now owes as its deposit.
    pub deposit_due: Money,
}

/// The judge marks the bidder with `email` as the applicant, before bidding opens. Marking again replaces
/// the claim. A registration not yet paid owes the reduced deposit from now on (none at all when the claim
/// covers it); one already paid keeps its deposit, and the claim is still set off at the sale.
pub async fn mark(state: &AppState, caller: &Caller, auction_id: Uuid, email: &str, claim: Money) -> ApiResult<Marked> {
    caller.judge_court()?;
    let bidder = super::accounts::find_by_email(state, email)
        .await?
        .filter(|u| u.role == Role::Bidder.as_str())
        .ok_or_else(|| ApiError::not_found("bidder account"))?;
    let now = state.clock.now();
    let updated = update_round(state, auction_id, now, Access::Court(caller), async |locked, tx| {
        if !matches!(locked.round.status, RoundStatus::Draft | RoundStatus::Announced) {
            return Err(ApiError::conflict(
                "bidding_started",
                "the applicant is marked before bidding opens (R23)",
            ));
        }
        let existing = applicant::Entity::find()
            .filter(applicant::Column::AuctionId.eq(auction_id))
            .filter(applicant::Column::UserId.eq(bidder.id))
            .one(&**tx)
            .await?;
        let at = millis(now);
        let mark = match existing {
            Some(row) => {
                let mut active = row.into_active_model();
                active.claim_amount = Set(claim.cents());
                active.marked_by = Set(caller.user_id);
                active.marked_at = Set(at);
                active.update(&**tx).await?
            }
            None => {
                applicant::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    auction_id: Set(auction_id),
                    user_id: Set(bidder.id),
                    claim_amount: Set(claim.cents()),
                    marked_by: Set(caller.user_id),
                    marked_at: Set(at),
                }
                .insert(&**tx)
                .await?
            }
        };
        let (owed, forfeitable) = owed_by(tx, &locked.row, bidder.id).await?;
        let registered = registration::Entity::find()
            .filter(registration::Column::AuctionId.eq(auction_id))
            .filter(registration::Column::UserId.eq(bidder.id))
            .one(&**tx)
            .await?;
        if let Some(registration) = registered.filter(|r| r.deposit_status == DepositStatus::Unpaid) {
            reprice_unpaid(tx, registration.id, owed).await?;
            let mut active = registration.into_active_model();
            active.deposit_amount = Set(owed.cents());
            active.deposit_forfeitable = Set(Some(forfeitable.cents()));
            let registration = active.update(&**tx).await?;
            if owed.is_zero() {
                super::payments::qualify(state, tx, locked, registration, Money::ZERO, now).await?;
            }
        }
        // In the public ledger: that a claim stands in for a deposit, not whose (R40).
        locked.record_event(
            LedgerKind::ApplicantMarked,
            serde_json::json!({ "claim_amount": claim.to_string(), "at": auction_core::time::rfc3339(now) }),
        );
        Ok(Marked {
            mark,
            email: bidder.email.clone(),
            deposit_due: owed,
        })
    })
    .await?;
    tracing::info!(auction.id = %auction_id, "applicant for enforcement marked");
    Ok(updated.value)
}

/// The pending deposit order asks for the new amount; with nothing left to pay it is withdrawn.
async fn reprice_unpaid(tx: &WriteTx, registration_id: Uuid, owed: Money) -> ApiResult<()> {
    let pending = payment_order::Entity::find()
        .filter(payment_order::Column::RegistrationId.eq(registration_id))
        .filter(payment_order::Column::Status.eq(PaymentStatus::Pending))
        .all(&**tx)
        .await?;
    for order in pending {
        let mut active = order.into_active_model();
        if owed.is_zero() {
            active.status = Set(PaymentStatus::Rejected);
        } else {
            active.amount = Set(owed.cents());
        }
        active.update(&**tx).await?;
    }
    Ok(())
}
