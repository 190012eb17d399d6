//! What the court does with a round once it exists: publish, suspend / resume / withdraw, confirm priority
//! holders, and release a listing whose sell-off failed.

use auction_core::ledger::LedgerKind;
use auction_core::round::Hold;
use auction_core::setup::{PriceValidity, RoundKind, RoundTerms, check_publish, check_terms};
use auction_core::{Money, RoundStatus};

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::new_round::refuse_if_released;
use super::{Access, update_round};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::{self, instant, millis, money_opt};
use crate::persistence::entities::{listing, priority_holder, registration, round, user};
use crate::persistence::vocabulary::ListingStatus;
use crate::services::listings;
use crate::state::AppState;

/// Releases a listing from sale for good (R57): after its sell-off failed, or once the window for its next
/// round after a failure has passed (R27, R58) — a way out rather than a dead end. The release is kept in
/// the last round's ledger.
pub async fn release(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    reason: Option<&str>,
) -> ApiResult<listing::Model> {
    let reason = crate::services::optional_text(reason, "reason", 2000)?;
    let now = state.clock.now();
    let updated = with_last_failed_round(
        state,
        caller,
        listing_id,
        release_refused,
        async |locked, tx, listing| {
            let failed_sell_off = locked.round.sell_off;
            let late = match super::new_round::next_round(tx, listing, None).await {
                Ok(next) => next.is_late(now),
                Err(_) => false,
            };
            if !failed_sell_off && !late {
                return Err(release_refused());
            }
            locked.record_event(
                LedgerKind::Release,
                serde_json::json!({
                    "listing_id": listing.id.to_string(),
                    "reason": reason,
                    "at": auction_core::time::rfc3339(now),
                }),
            );
            super::set_listing_status(tx, listing.id, ListingStatus::Released, now).await?;
            Ok(())
        },
    )
    .await?;
    tracing::info!(listing.id = %listing_id, "listing released from sale");
    let mut released = updated;
    released.status = ListingStatus::Released;
    released.updated_at = millis(now);
    Ok(released)
}

/// A creditor's taking of the property in settlement of the debt (以物抵债, R59).
pub struct Settlement {
    /// The creditor who takes it: the applicant, or another creditor by legal priority.
    pub creditor: String,
    /// The creditor's claim still unpaid; what the price exceeds it by is paid in.
    pub claim: Money,
    pub reason: Option<String>,
    /// For housing, the evidence that the creditor may buy it ([HQ] Art. 5).
    pub qualification: Option<String>,
}

/// After a failed round, a creditor takes the property at that round's reserve in settlement of its claim
/// (R59): the listing is settled for good, with what the creditor owes on top of its claim, in the failed
/// round's ledger.
pub async fn settle_debt(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    settlement: Settlement,
) -> ApiResult<listing::Model> {
    let creditor = crate::services::required_text(&settlement.creditor, "creditor", 200)?;
    let reason = crate::services::optional_text(settlement.reason.as_deref(), "reason", 2000)?;
    let qualification = crate::services::optional_text(settlement.qualification.as_deref(), "qualification", 2000)?;
    let now = state.clock.now();
    let refused = || {
        ApiError::conflict(
            "settlement_not_allowed",
            "the property is taken in settlement of the debt only after a round failed, before any further round (R59)",
        )
    };
    let updated = with_last_failed_round(state, caller, listing_id, refused, async |locked, tx, listing| {
        if locked.row.status != RoundStatus::Failed {
            return Err(refused());
        }
        if listing.is_housing && qualification.is_none() {
            return Err(ApiError::unprocessable(
                "qualification_required",
                "a creditor takes housing only with evidence that it may buy it (R32): give it in qualification",
            ));
        }
        let price = locked.round.starting_price;
        let excess = price.checked_sub(settlement.claim).unwrap_or(Money::ZERO);
        locked.record_event(
            LedgerKind::Settlement,
            serde_json::json!({
                "listing_id": listing.id.to_string(),
                "creditor": creditor,
                "price": price.to_string(),
                "claim": settlement.claim.to_string(),
                "excess_due": excess.to_string(),
                "reason": reason,
                "at": auction_core::time::rfc3339(now),
            }),
        );
        super::set_listing_status(tx, listing.id, ListingStatus::Settled, now).await?;
        Ok(())
    })
    .await?;
    tracing::info!(listing.id = %listing_id, "listing settled with a creditor");
    let mut settled = updated;
    settled.status = ListingStatus::Settled;
    settled.updated_at = millis(now);
    Ok(settled)
}

/// Runs `decide` under the lock of the listing's last counted round, with the listing locked too, for the
/// court of the listing. `refused` when the listing has no round, or may no longer change.
async fn with_last_failed_round(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    refused: impl Fn() -> ApiError,
    decide: impl AsyncFnOnce(&mut super::update::LockedRound, &WriteTx, &listing::Model) -> ApiResult<()>,
) -> ApiResult<listing::Model> {
    let listing = listing::Entity::find_by_id(listing_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("listing"))?;
    caller.require_judge_of(listing.court_id)?;
    let last = round::Entity::find()
        .filter(round::Column::ListingId.eq(listing.id))
        .filter(round::Column::Status.ne(RoundStatus::Withdrawn))
        .order_by_desc(round::Column::CreatedAt)
        .one(state.db.conn())
        .await?
        .ok_or_else(&refused)?;
    let now = state.clock.now();
    let updated = update_round(state, last.id, now, Access::Court(caller), async |locked, tx| {
        let listing = listings::lock(tx, listing_id).await?;
        refuse_if_released(&listing)?;
        if locked.round.status != RoundStatus::Failed {
            return Err(refused());
        }
        decide(locked, tx, &listing).await?;
        Ok(listing)
    })
    .await?;
    Ok(updated.value)
}

fn release_refused() -> ApiError {
    ApiError::conflict(
        "release_not_allowed",
        "a listing is released only once its sell-off has failed (R57)",
    )
}

/// Announces a draft round: the parties told in time, the panel's decision and the price's objection window
/// (`before_publication`), the notice period (R26) and the reference price's validity (R18) are checked
/// against today, and the terms again against the listing's current reference price.
pub async fn publish(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<round::Model> {
    let now = state.clock.now();
    let updated = update_round(state, id, now, Access::Court(caller), async |locked, tx| {
        let listing = listings::lock(tx, locked.row.listing_id).await?;
        let transition = locked.round.publish(now)?;
        let kind = convert::kind(&locked.row.round_kind)?;
        let reference = money_opt(listing.reference_price)?;
        let first_round_start = if kind == RoundKind::First {
            None
        } else {
            first_round_start(tx, &listing).await?
        };
        let terms = RoundTerms {
            starting_price: locked.round.starting_price,
            deposit: money_opt(Some(locked.row.deposit))?.unwrap_or_default(),
            increment: locked.round.increment,
            bidding_starts_at: locked.round.bidding_starts_at,
            bidding_ends_at: locked.round.bidding_ends_at,
        };
        check_terms(kind, reference, first_round_start, &terms)?;
        // The window after a failure binds the announcement too, not only the draft (R27, R58).
        let next = super::new_round::next_round(tx, &listing, Some(locked.id())).await?;
        next.in_time(now, locked.row.late_reason.is_some())
            .map_err(super::new_round::refused)?;
        if next.is_late(now) {
            locked.record_event(
                LedgerKind::LateRound,
                serde_json::json!({
                    "deadline": next.deadline.map(auction_core::time::rfc3339),
                    "reason": locked.row.late_reason,
                    "at": auction_core::time::rfc3339(now),
                }),
            );
        }
        super::before_publication::check(tx, locked, &listing, now).await?;
        let category = listing.category;
        let first_announced_at = round::Entity::find()
            .filter(round::Column::ListingId.eq(listing.id))
            .filter(round::Column::PublishedAt.is_not_null())
            .order_by_asc(round::Column::PublishedAt)
            .one(&**tx)
            .await?
            .and_then(|first| first.published_at.map(instant));
        let price = listing.reference_valid_until.map(|valid_until| PriceValidity {
            valid_until: instant(valid_until),
            first_announced_at,
            round_ends_at: locked.round.bidding_ends_at,
        });
        check_publish(category, kind, price, locked.round.bidding_starts_at, now)?;
        crate::services::round_texts::at_announcement(tx, &listing, &mut locked.row).await?;
        locked.row.reference_price = reference.map(Money::cents).unwrap_or_default();
        locked.record(state, tx, transition, None).await
    })
    .await?;
    tracing::info!(auction.id = %id, "round published");
    Ok(updated.row)
}

async fn first_round_start(tx: &WriteTx, listing: &listing::Model) -> ApiResult<Option<Money>> {
    let first = round::Entity::find()
        .filter(round::Column::ListingId.eq(listing.id))
        .filter(round::Column::RoundKind.eq("first"))
        .filter(round::Column::Status.ne(RoundStatus::Withdrawn))
        .order_by_desc(round::Column::CreatedAt)
        .one(&**tx)
        .await?;
    Ok(money_opt(first.map(|r| r.starting_price))?)
}

/// A court action on a round: suspend, resume or withdraw, with the court's public reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourtAction {
    Suspend,
    Resume,
    Withdraw,
}

pub async fn court_action(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    action: CourtAction,
    reason: Option<&str>,
) -> ApiResult<round::Model> {
    let reason = crate::services::optional_text(reason, "reason", 2000)?;
    let reason = reason.as_deref();
    if action != CourtAction::Resume && reason.is_none() {
        return Err(ApiError::unprocessable(
            "reason_required",
            "give the reason; it is published with the auction (R60)",
        ));
    }
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(ApiError::unprocessable(
            "invalid_reason",
            "a reason may have at most 2000 characters",
        ));
    }
    let now = state.clock.now();
    // A round whose end has already passed closes first (`update_round` applies what is due); it can
    // then no longer be suspended.
    let updated = update_round(state, id, now, Access::Court(caller), async |locked, tx| match action {
        // The court's own reason: a round an objection holds stays suspended until that is decided too.
        CourtAction::Suspend => locked.suspend_for(state, tx, Hold::Court, reason, now).await,
        CourtAction::Resume => locked.lift(state, tx, Hold::Court, reason, now).await,
        CourtAction::Withdraw => {
            let transition = locked.round.withdraw(now)?;
            locked.record(state, tx, transition, reason).await
        }
    })
    .await?;
    tracing::info!(auction.id = %id, action = ?action, "court action on round");
    crate::notify::flush(state).await;
    Ok(updated.row)
}

/// Confirms a priority holder (R42): the bidder account with `email` bids in this round with `rank`.
/// A priority holder as the court named it, and whether it was new. (Whether the person has registered
/// is not said: the court learns who registered only after the end, R40.)
pub struct PriorityHolderAdded {
    pub holder: priority_holder::Model,
    pub created: bool,
}

pub async fn add_priority_holder(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    email: &str,
    rank: i64,
    right_nature: Option<&str>,
) -> ApiResult<PriorityHolderAdded> {
    let right_nature = crate::services::optional_text(right_nature, "right", 200)?;
    let rank = i32::try_from(rank)
        .ok()
        .filter(|r| *r >= 1)
        .ok_or_else(|| ApiError::unprocessable("invalid_rank", "rank is a whole number from 1 (highest)"))?;
    let now = state.clock.now();
    let updated = update_round(state, id, now, Access::Court(caller), async |locked, tx| {
        let before_bidding = matches!(locked.round.status, RoundStatus::Draft | RoundStatus::Announced)
            && now < locked.round.bidding_starts_at;
        if !before_bidding {
            return Err(ApiError::conflict(
                "bidding_started",
                "priority holders are confirmed before bidding opens",
            ));
        }
        let account = user::Entity::find()
            .filter(user::Column::Email.eq(email.trim().to_lowercase()))
            .filter(user::Column::Role.eq(Role::Bidder.as_str()))
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::not_found("bidder account with that email"))?;
        let existing = priority_holder::Entity::find()
            .filter(priority_holder::Column::AuctionId.eq(id))
            .filter(priority_holder::Column::UserId.eq(account.id))
            .one(&**tx)
            .await?;
        let created = existing.is_none();
        let holder = match existing {
            Some(holder) => {
                let mut active: priority_holder::ActiveModel = holder.into();
                active.rank = Set(rank);
                active.confirmed_by = Set(caller.user_id);
                if right_nature.is_some() {
                    active.right_nature = Set(right_nature.clone());
                }
                active.update(&**tx).await?
            }
            None => {
                priority_holder::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    auction_id: Set(id),
                    user_id: Set(account.id),
                    rank: Set(rank),
                    confirmed_by: Set(caller.user_id),
                    created_at: Set(millis(now)),
                    right_nature: Set(right_nature.clone()),
                }
                .insert(&**tx)
                .await?
            }
        };
        registration::Entity::update_many()
            .col_expr(registration::Column::PriorityRank, Expr::value(rank))
            .filter(registration::Column::AuctionId.eq(id))
            .filter(registration::Column::UserId.eq(account.id))
            .exec(&**tx)
            .await?;
        Ok(PriorityHolderAdded { holder, created })
    })
    .await?;
    Ok(updated.value)
}
