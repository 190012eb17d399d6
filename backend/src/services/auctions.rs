//! Rounds as the court manages them: create (the round kind derived from the listing's history),
//! publish, suspend / resume / withdraw, priority holders; and the public views.

use auction_core::deal::BALANCE_DUE_DAYS;
use auction_core::deal::DealStatus;
use auction_core::next_round::{NextRound, NoNextRound, PastRound};
use auction_core::round::Hold;
use auction_core::setup::{
    Category, PriceValidity, RoundKind, RoundTerms, TermsError, check_publish, check_terms, deposit_range,
    earliest_bidding_start, required_notice_days, starting_price_floor,
};
use auction_core::{Instant, Money, RoundStatus};
use std::collections::HashMap;

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Order};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::listings;
use super::round_texts::round_texts;
use super::rounds::{Access, update_round};
use crate::auth::{Caller, MaybeCaller, Role};
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::{self, instant, millis, money, money_opt};
use crate::persistence::entities::{auction, court, deal, listing, listing_file, priority_holder, registration, user};
use crate::persistence::vocabulary::ListingStatus;
use crate::state::AppState;

/// The longest special reminder a court may add to the seven of R30.
pub const MAX_REMINDER_CHARS: usize = 2000;

/// A round as the judge proposes it. A sell-off's price and end are fixed by law (R58): they may be left
/// out; every other round needs them.
pub struct NewRound {
    pub starting_price: Option<Money>,
    pub deposit: Money,
    /// A sell-off keeps the failed round's increment when none is given.
    pub increment: Option<Money>,
    pub bidding_starts_at: Instant,
    pub bidding_ends_at: Option<Instant>,
    pub balance_due_days: Option<i64>,
    /// The court's own announcement (拍卖公告); generated from the round's facts when absent.
    pub announcement: Option<String>,
    /// The court's own bidding instructions (竞买须知); the standard ones when absent.
    pub bidding_instructions: Option<String>,
    /// Reminders added to the seven of R30.
    pub extra_reminders: Vec<String>,
}

/// What the listing's history allows next (`auction_core::next_round`), read under the listing's lock.
async fn next_round(tx: &WriteTx, listing_id: Uuid, now: Instant) -> ApiResult<NextRound> {
    let rounds = auction::Entity::find()
        .filter(auction::Column::ListingId.eq(listing_id))
        .order_by_asc(auction::Column::CreatedAt)
        .all(&**tx)
        .await?;
    let defaulted: std::collections::HashSet<Uuid> = deal::Entity::find()
        .filter(deal::Column::ListingId.eq(listing_id))
        .filter(deal::Column::Status.eq(DealStatus::Defaulted.as_str()))
        .all(&**tx)
        .await?
        .into_iter()
        .map(|d| d.auction_id)
        .collect();
    let history = rounds
        .iter()
        .map(|row| {
            Ok(PastRound {
                kind: convert::kind(&row.round_kind)?,
                status: convert::status(&row.status)?,
                starting_price: money(row.starting_price)?,
                closed_at: instant(row.closed_at.unwrap_or(row.bidding_ends_at)),
                defaulted: defaulted.contains(&row.id),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    auction_core::next_round::next_round(&history, now).map_err(|refusal| {
        let status = match refusal {
            NoNextRound::SecondRoundTooLate | NoNextRound::SellOffTooLate => {
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
            }
            _ => actix_web::http::StatusCode::CONFLICT,
        };
        ApiError::new(status, refusal.code(), refusal.to_string())
    })
}

/// The legal limits of a listing's next round, decided as `create` will decide them, for the court
/// console to show while the judge types.
pub struct RoundLimits {
    pub kind: RoundKind,
    pub number: i32,
    pub reference_price: Option<Money>,
    pub starting_price_floor: Option<Money>,
    /// The deposit range for the starting price asked about.
    pub deposit_range: Option<(Money, Money)>,
    pub notice_days: i64,
    /// If the announcement were published now.
    pub earliest_bidding_start: Instant,
    /// A sell-off's fixed price (R58).
    pub sell_off_price: Option<Money>,
}

pub async fn limits(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    starting_price: Option<Money>,
) -> ApiResult<RoundLimits> {
    let now = state.clock.now();
    // A write transaction, as `create` takes, so the answer is the one `create` would give; never committed.
    let tx = state.db.write().await?;
    let listing = listings::lock(&tx, listing_id).await?;
    caller.require_judge_of(listing.court_id)?;
    refuse_if_released(&listing)?;
    let next = next_round(&tx, listing.id, now).await?;
    let category = convert::category(&listing.category)?;
    let reference_price = money_opt(listing.reference_price)?;
    Ok(RoundLimits {
        kind: next.kind,
        number: i32::try_from(next.number).unwrap_or(i32::MAX),
        reference_price,
        starting_price_floor: next.sell_off_price.or_else(|| {
            reference_price.map(|reference| starting_price_floor(next.kind, reference, next.first_round_start))
        }),
        deposit_range: starting_price.or(next.sell_off_price).map(deposit_range),
        sell_off_price: next.sell_off_price,
        notice_days: required_notice_days(category, next.kind),
        earliest_bidding_start: earliest_bidding_start(category, next.kind, now),
    })
}

/// Creates a draft round of a listing; its kind (first, second, re-auction) follows from the listing's
/// earlier rounds, and its terms are checked against that kind's floors (R23–R25, R45).
pub async fn create(state: &AppState, caller: &Caller, listing_id: Uuid, input: NewRound) -> ApiResult<auction::Model> {
    let balance_due_days = input
        .balance_due_days
        .unwrap_or(i64::from(auction_core::deal::DEFAULT_BALANCE_DUE_DAYS));
    if !(i64::from(*BALANCE_DUE_DAYS.start())..=i64::from(*BALANCE_DUE_DAYS.end())).contains(&balance_due_days) {
        return Err(ApiError::unprocessable(
            "invalid_balance_due_days",
            "balance_due_days must be between 1 and 90",
        ));
    }
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let listing = listings::lock(&tx, listing_id).await?;
    caller.require_judge_of(listing.court_id)?;
    refuse_if_released(&listing)?;
    let next = next_round(&tx, listing.id, now).await?;
    let terms = match next.sell_off_price {
        Some(price) => sell_off_terms(&tx, &listing, price, &input).await?,
        None => RoundTerms {
            starting_price: input.starting_price.ok_or_else(|| missing("starting_price"))?,
            deposit: input.deposit,
            increment: input.increment.ok_or_else(|| missing("increment"))?,
            bidding_starts_at: input.bidding_starts_at,
            bidding_ends_at: input.bidding_ends_at.ok_or_else(|| missing("bidding_ends_at"))?,
        },
    };
    let reference = money_opt(listing.reference_price)?;
    check_terms(next.kind, reference, next.first_round_start, &terms)?;
    let optional_text = |text: Option<String>, field: &str| super::optional_text(text.as_deref(), field, 20_000);
    let extra_reminders = input
        .extra_reminders
        .iter()
        .map(|reminder| super::required_text(reminder, "special_reminders", MAX_REMINDER_CHARS))
        .collect::<ApiResult<Vec<_>>>()?;
    let announcement_text = optional_text(input.announcement, "announcement")?;
    let announcement_generated = announcement_text.is_none();
    let texts = round_texts(
        &tx,
        &listing,
        next.kind,
        &terms,
        balance_due_days,
        announcement_text,
        optional_text(input.bidding_instructions, "bidding_instructions")?,
        &extra_reminders,
    )
    .await?;
    let created_at = millis(now);
    let row = auction::ActiveModel {
        id: Set(Uuid::new_v4()),
        listing_id: Set(listing.id),
        court_id: Set(listing.court_id),
        title: Set(listing.title.clone()),
        category: Set(listing.category.clone()),
        round: Set(i32::try_from(next.number).unwrap_or(i32::MAX)),
        round_kind: Set(next.kind.as_str().to_owned()),
        status: Set(RoundStatus::Draft.as_str().to_owned()),
        reference_price: Set(reference.map(Money::cents).unwrap_or_default()),
        starting_price: Set(terms.starting_price.cents()),
        deposit: Set(terms.deposit.cents()),
        increment: Set(terms.increment.cents()),
        bidding_starts_at: Set(millis(terms.bidding_starts_at)),
        scheduled_ends_at: Set(millis(terms.bidding_ends_at)),
        bidding_ends_at: Set(millis(terms.bidding_ends_at)),
        balance_due_days: Set(i32::try_from(balance_due_days).unwrap_or(10)),
        current_price: Set(None),
        leader_registration_id: Set(None),
        leader_code: Set(None),
        leader_priority_rank: Set(None),
        bid_count: Set(0),
        extension_count: Set(0),
        registrations_count: Set(0),
        suspended_at: Set(None),
        suspended_from: Set(None),
        suspended_remaining_ms: Set(None),
        suspended_by_court: Set(None),
        suspended_objections: Set(None),
        published_at: Set(None),
        closed_at: Set(None),
        ledger_seq: Set(0),
        ledger_head: Set(auction_core::ledger::GENESIS_HASH.to_owned()),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        announcement: Set(Some(texts.announcement)),
        bidding_instructions: Set(Some(texts.bidding_instructions)),
        special_reminders: Set(Some(
            serde_json::to_string(&texts.special_reminders).map_err(ApiError::internal)?,
        )),
        terms_version: Set(Some(texts.terms_version)),
        status_reason: Set(None),
        announcement_generated: Set(Some(announcement_generated)),
    }
    .insert(&*tx)
    .await?;
    tx.commit().await?;
    tracing::info!(auction.id = %row.id, listing.id = %listing.id, round = row.round, kind = %row.round_kind, "round created");
    Ok(row)
}

fn missing(field: &str) -> ApiError {
    ApiError::unprocessable("missing_field", format!("`{field}` is required for this round"))
        .with_details(serde_json::json!({ "field": field }))
}

/// A sell-off's terms (R58): the price is the failed second auction's start, the period 60 days from the
/// start, the increment the failed round's unless the judge sets one; the judge sets the deposit (the part
/// of the prepayment a defaulting buyer loses) and the start.
async fn sell_off_terms(
    tx: &WriteTx,
    listing: &listing::Model,
    price: Money,
    input: &NewRound,
) -> ApiResult<RoundTerms> {
    if input.starting_price.is_some_and(|given| given != price) {
        return Err(ApiError::unprocessable(
            "sell_off_price_fixed",
            format!("a sell-off's price is the failed second auction's starting price, {price} (R58)"),
        )
        .with_details(serde_json::json!({ "price": price.to_string() })));
    }
    let ends = input.bidding_starts_at + auction_core::time::SELL_OFF_PERIOD;
    if input.bidding_ends_at.is_some_and(|given| given != ends) {
        return Err(TermsError::SellOffPeriod.into());
    }
    let increment = match input.increment {
        Some(increment) => increment,
        None => {
            let last = auction::Entity::find()
                .filter(auction::Column::ListingId.eq(listing.id))
                .filter(auction::Column::Status.ne(RoundStatus::Withdrawn.as_str()))
                .order_by_desc(auction::Column::CreatedAt)
                .one(&**tx)
                .await?
                .ok_or_else(|| ApiError::internal("a sell-off without an earlier round"))?;
            money(last.increment)?
        }
    };
    Ok(RoundTerms {
        starting_price: price,
        deposit: input.deposit,
        increment,
        bidding_starts_at: input.bidding_starts_at,
        bidding_ends_at: ends,
    })
}

/// A released listing (after a failed sell-off) has left the platform's sales for good.
fn refuse_if_released(listing: &listing::Model) -> ApiResult<()> {
    if listing.status == ListingStatus::Released.as_str() {
        return Err(ApiError::conflict(
            "listing_released",
            "this listing was released after its sell-off failed; it can no longer be sold here",
        ));
    }
    Ok(())
}

/// Releases a listing whose sell-off failed (R57): it leaves the platform's sales for good, and the failed
/// sell-off's ledger records the release.
pub async fn release(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    reason: Option<&str>,
) -> ApiResult<listing::Model> {
    let reason = super::optional_text(reason, "reason", 2000)?;
    let listing = listing::Entity::find_by_id(listing_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("listing"))?;
    caller.require_judge_of(listing.court_id)?;
    let last = auction::Entity::find()
        .filter(auction::Column::ListingId.eq(listing.id))
        .filter(auction::Column::Status.ne(RoundStatus::Withdrawn.as_str()))
        .order_by_desc(auction::Column::CreatedAt)
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
            "release",
            serde_json::json!({
                "listing_id": listing.id.to_string(),
                "reason": reason,
                "at": auction_core::time::rfc3339(now),
            }),
        );
        super::rounds::set_listing_status(tx, listing.id, ListingStatus::Released, now).await?;
        Ok(listing)
    })
    .await?;
    tracing::info!(listing.id = %listing_id, "listing released after a failed sell-off");
    let mut released = updated.value;
    released.status = ListingStatus::Released.as_str().to_owned();
    released.updated_at = millis(now);
    Ok(released)
}

fn release_refused() -> ApiError {
    ApiError::conflict(
        "release_not_allowed",
        "a listing is released only once its sell-off has failed (R57)",
    )
}

/// Announces a draft round: the notice period (R26) and the reference price's validity (R18) are
/// checked against today, and the terms again against the listing's current reference price.
pub async fn publish(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<auction::Model> {
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
        let category = convert::category(&listing.category)?;
        let first_announced_at = auction::Entity::find()
            .filter(auction::Column::ListingId.eq(listing.id))
            .filter(auction::Column::PublishedAt.is_not_null())
            .order_by_asc(auction::Column::PublishedAt)
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
    let first = auction::Entity::find()
        .filter(auction::Column::ListingId.eq(listing.id))
        .filter(auction::Column::RoundKind.eq("first"))
        .filter(auction::Column::Status.ne(RoundStatus::Withdrawn.as_str()))
        .order_by_desc(auction::Column::CreatedAt)
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
) -> ApiResult<auction::Model> {
    let reason = super::optional_text(reason, "reason", 2000)?;
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
) -> ApiResult<PriorityHolderAdded> {
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

/// A round as its viewer may see it: public once published, whatever became of it later; before that
/// (a draft, or a round withdrawn before publication) only to its court's judges.
pub async fn find_visible(state: &AppState, caller: &MaybeCaller, id: Uuid) -> ApiResult<auction::Model> {
    let row = auction::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("auction"))?;
    let own_court = caller.0.is_some_and(|c| c.is_judge_of(row.court_id));
    if row.published_at.is_none() && !own_court {
        return Err(ApiError::not_found("auction"));
    }
    Ok(row)
}

#[derive(Default)]
pub struct ListFilter {
    pub status: Option<String>,
    pub category: Option<String>,
    pub court_id: Option<Uuid>,
    /// The rounds of one listing (round 1, round 2, a re-auction …).
    pub listing_id: Option<Uuid>,
    pub q: Option<String>,
    /// Only for a court's own list: drafts are never public.
    pub include_drafts: bool,
    pub sort: ListOrder,
}

/// The orders a bidder may list rounds in; the newest first unless asked otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListOrder {
    #[default]
    Newest,
    /// The soonest scheduled end first.
    EndingSoon,
    /// By the current price (the starting price before a bid), lowest or highest first.
    PriceAscending,
    PriceDescending,
}

impl ListOrder {
    pub fn parse(text: &str) -> Option<ListOrder> {
        Some(match text {
            "" | "newest" => ListOrder::Newest,
            "ending_soon" => ListOrder::EndingSoon,
            "price_asc" => ListOrder::PriceAscending,
            "price_desc" => ListOrder::PriceDescending,
            _ => return None,
        })
    }
}

/// Rounds, newest first, with optional filters: the public list (published rounds) or a court's own.
pub async fn list(
    state: &AppState,
    filter: ListFilter,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<auction::Model>, u64)> {
    let mut condition = Condition::all();
    if !filter.include_drafts {
        condition = condition.add(auction::Column::PublishedAt.is_not_null());
    }
    if let Some(status) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        match RoundStatus::parse(status) {
            Some(RoundStatus::Draft) if !filter.include_drafts => {
                return Err(ApiError::bad_request("invalid_query", "drafts are not public"));
            }
            None => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("unknown auction status `{status}`"),
                ));
            }
            Some(status) => condition = condition.add(auction::Column::Status.eq(status.as_str())),
        }
    }
    if let Some(category) = filter.category.as_deref().filter(|s| !s.is_empty()) {
        let category = Category::parse(category)
            .ok_or_else(|| ApiError::bad_request("invalid_query", format!("unknown category `{category}`")))?;
        condition = condition.add(auction::Column::Category.eq(category.as_str()));
    }
    if let Some(court_id) = filter.court_id {
        condition = condition.add(auction::Column::CourtId.eq(court_id));
    }
    if let Some(listing_id) = filter.listing_id {
        condition = condition.add(auction::Column::ListingId.eq(listing_id));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // The words are matched literally: `%`, `_` and `\` are not patterns.
        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        condition = condition.add(
            Expr::col((auction::Entity, auction::Column::Title))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    let price = || Expr::cust("COALESCE(current_price, starting_price)");
    let ordered = match filter.sort {
        ListOrder::Newest => auction::Entity::find().order_by_desc(auction::Column::CreatedAt),
        ListOrder::EndingSoon => auction::Entity::find().order_by_asc(auction::Column::BiddingEndsAt),
        ListOrder::PriceAscending => auction::Entity::find().order_by(price(), Order::Asc),
        ListOrder::PriceDescending => auction::Entity::find().order_by(price(), Order::Desc),
    };
    // The id last, so a page boundary never splits rounds that tie.
    let paginator = ordered
        .filter(condition)
        .order_by_desc(auction::Column::Id)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page - 1).await?;
    Ok((items, total))
}

/// The first photo of each of these rounds' listings, by listing: one query for a whole page of cards.
pub async fn cover_photos(
    state: &AppState,
    rounds: &[auction::Model],
) -> ApiResult<HashMap<Uuid, listing_file::Model>> {
    let listing_ids: Vec<Uuid> = rounds.iter().map(|r| r.listing_id).collect();
    if listing_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let photos = listing_file::Entity::find()
        .filter(listing_file::Column::ListingId.is_in(listing_ids))
        .filter(listing_file::Column::Kind.eq("photo"))
        .order_by_asc(listing_file::Column::CreatedAt)
        .order_by_asc(listing_file::Column::Id)
        .all(state.db.conn())
        .await?;
    let mut covers = HashMap::new();
    for photo in photos {
        covers.entry(photo.listing_id).or_insert(photo);
    }
    Ok(covers)
}

/// What a round's public view says beyond its own row.
#[derive(Debug, Clone, Default)]
pub struct Aftermath {
    pub watch_count: u64,
    /// A sold (or revoked) round's deal status.
    pub deal_status: Option<String>,
    /// The listing's next published round.
    pub next_round_id: Option<Uuid>,
}

/// The aftermath of each of these rounds, in three queries for a whole page: watch counts, the deals of
/// sold and revoked rounds, and the published rounds of their listings (the next round of a round is the
/// first of its listing created after it).
pub async fn aftermath(state: &AppState, rounds: &[auction::Model]) -> ApiResult<HashMap<Uuid, Aftermath>> {
    let ids: Vec<Uuid> = rounds.iter().map(|r| r.id).collect();
    let watchers = super::watching::counts(state, &ids).await?;
    let ended: Vec<Uuid> = rounds
        .iter()
        .filter(|r| r.status == RoundStatus::Sold.as_str() || r.status == RoundStatus::Revoked.as_str())
        .map(|r| r.id)
        .collect();
    let deals: HashMap<Uuid, String> = if ended.is_empty() {
        HashMap::new()
    } else {
        deal::Entity::find()
            .filter(deal::Column::AuctionId.is_in(ended))
            .all(state.db.conn())
            .await?
            .into_iter()
            .map(|d| (d.auction_id, d.status))
            .collect()
    };
    let listing_ids: Vec<Uuid> = rounds.iter().map(|r| r.listing_id).collect();
    let siblings = auction::Entity::find()
        .filter(auction::Column::ListingId.is_in(listing_ids))
        .filter(auction::Column::PublishedAt.is_not_null())
        .order_by_asc(auction::Column::CreatedAt)
        .all(state.db.conn())
        .await?;
    Ok(rounds
        .iter()
        .map(|round| {
            let next_round_id = siblings
                .iter()
                .find(|s| s.listing_id == round.listing_id && s.created_at > round.created_at)
                .map(|s| s.id);
            let facts = Aftermath {
                watch_count: watchers.get(&round.id).copied().unwrap_or(0),
                deal_status: deals.get(&round.id).cloned(),
                next_round_id,
            };
            (round.id, facts)
        })
        .collect())
}

/// The most recently announced public rounds, newest first, with their courts' names: for the Atom feed.
pub async fn recent_announcements(state: &AppState, limit: u64) -> ApiResult<Vec<(auction::Model, String)>> {
    use sea_orm::QuerySelect;
    let rounds = auction::Entity::find()
        .filter(auction::Column::PublishedAt.is_not_null())
        .order_by_desc(auction::Column::PublishedAt)
        .order_by_desc(auction::Column::Id)
        .limit(limit)
        .all(state.db.conn())
        .await?;
    let courts: HashMap<Uuid, String> = court::Entity::find()
        .all(state.db.conn())
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(rounds
        .into_iter()
        .map(|r| {
            let court = courts.get(&r.court_id).cloned().unwrap_or_default();
            (r, court)
        })
        .collect())
}

/// Every public round's id and last change, newest first, at most `limit`: for the sitemap.
pub async fn public_round_stamps(state: &AppState, limit: u64) -> ApiResult<Vec<(Uuid, i64)>> {
    use sea_orm::QuerySelect;
    Ok(auction::Entity::find()
        .select_only()
        .column(auction::Column::Id)
        .column(auction::Column::UpdatedAt)
        .filter(auction::Column::PublishedAt.is_not_null())
        .order_by_desc(auction::Column::UpdatedAt)
        .limit(limit)
        .into_tuple::<(Uuid, i64)>()
        .all(state.db.conn())
        .await?)
}
