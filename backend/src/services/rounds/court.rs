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

/// Releases a listing whose sell-off failed (R57): it leaves the platform's sales for good, and the failed
/// sell-off's ledger records the release.
pub async fn release(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    reason: Option<&str>,
) -> ApiResult<listing::Model> {
    let reason = crate::services::optional_text(reason, "reason", 2000)?;
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
        .ok_or_else(release_refused)?;
    let now = state.clock.now();
    let updated = update_round(state, last.id, now, Access::Court(caller), async |locked, tx| {
        let listing = listings::lock(tx, listing_id).await?;
        refuse_if_released(&listing)?;
        let failed_sell_off = locked.round.sell_off && locked.round.status == RoundStatus::Failed;
        if !failed_sell_off {
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
        Ok(listing)
    })
    .await?;
    tracing::info!(listing.id = %listing_id, "listing released after a failed sell-off");
    let mut released = updated.value;
    released.status = ListingStatus::Released;
    released.updated_at = millis(now);
    Ok(released)
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
