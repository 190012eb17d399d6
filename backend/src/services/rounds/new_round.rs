//! A new round as the court proposes it: its kind derived from the listing's history (a first or second
//! round, a sell-off), its terms checked, the limits the form shows.

use auction_core::deal::BALANCE_DUE_DAYS;
use auction_core::deal::DealStatus;
use auction_core::next_round::{NextRound, NoNextRound, PastRound, Windows};
use auction_core::setup::{
    RoundKind, RoundTerms, TermsError, check_terms, deposit_range, earliest_bidding_start, required_notice_days,
    starting_price_floor,
};
use auction_core::{Instant, Money, RoundStatus};

use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::{self, instant, millis, money, money_opt};
use crate::persistence::entities::{court, deal, listing, round};
use crate::persistence::vocabulary::ListingStatus;
use crate::services::listings;
use crate::services::round_texts::round_texts;
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
    /// Why the court holds the round after its legal window passed (R27, R58): the only way to hold it then.
    pub late_reason: Option<String>,
}

/// What the listing's history allows next (`auction_core::next_round`), read under the listing's lock —
/// leaving out the round `besides` (a draft being published, whose own window is being checked). The
/// sell-off's window is the court's setting.
pub(super) async fn next_round(tx: &WriteTx, listing: &listing::Model, besides: Option<Uuid>) -> ApiResult<NextRound> {
    let listing_id = listing.id;
    let rounds: Vec<round::Model> = round::Entity::find()
        .filter(round::Column::ListingId.eq(listing_id))
        .order_by_asc(round::Column::CreatedAt)
        .all(&**tx)
        .await?
        .into_iter()
        .filter(|row| Some(row.id) != besides)
        .collect();
    let court = court::Entity::find_by_id(listing.court_id)
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::internal("a listing without its court"))?;
    let windows = Windows {
        sell_off: chrono::Duration::days(i64::from(court.sell_off_window_days.max(1))),
    };
    let defaulted: std::collections::HashSet<Uuid> = deal::Entity::find()
        .filter(deal::Column::ListingId.eq(listing_id))
        .filter(deal::Column::Status.eq(DealStatus::Defaulted))
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
                status: row.status,
                starting_price: money(row.starting_price)?,
                closed_at: instant(row.closed_at.unwrap_or(row.bidding_ends_at)),
                defaulted: defaulted.contains(&row.id),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    auction_core::next_round::next_round(&history, windows).map_err(refused)
}

/// A next round refused: too late is a 422 (the court may give its reason), anything else a 409.
pub(super) fn refused(refusal: NoNextRound) -> ApiError {
    match refusal {
        NoNextRound::SecondRoundTooLate | NoNextRound::SellOffTooLate => {
            ApiError::unprocessable(refusal.code(), refusal.to_string())
        }
        _ => ApiError::conflict(refusal.code(), refusal.to_string()),
    }
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
    /// If it were published once the parties have had their three days' notice (R31) from now.
    pub earliest_bidding_start_after_notice: Instant,
    /// A sell-off's fixed price (R58).
    pub sell_off_price: Option<Money>,
    /// The window after the failure ends then (R27, R58), if there is one.
    pub deadline: Option<Instant>,
    /// It has passed: the round may be held only for the court's written reason.
    pub late: bool,
}

/// The limits as `create` would decide them now; past the window, only when the court means to give its
/// reason (`late`).
pub async fn limits(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    starting_price: Option<Money>,
    late: bool,
) -> ApiResult<RoundLimits> {
    let now = state.clock.now();
    // A write transaction, as `create` takes, so the answer is the one `create` would give; never committed.
    let tx = state.db.write().await?;
    let listing = listings::lock(&tx, listing_id).await?;
    caller.require_judge_of(listing.court_id)?;
    refuse_if_released(&listing)?;
    let next = next_round(&tx, &listing, None).await?;
    next.in_time(now, late).map_err(refused)?;
    let category = listing.category;
    let reference_price = money_opt(listing.reference_price)?;
    Ok(RoundLimits {
        deadline: next.deadline,
        late: next.is_late(now),
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
        earliest_bidding_start_after_notice: earliest_bidding_start(
            category,
            next.kind,
            auction_core::time::beijing_midnight_after(now, auction_core::before_publication::NOTICE_DAYS),
        ),
    })
}

/// Creates a draft round of a listing; its kind (first, second, re-auction) follows from the listing's
/// earlier rounds, and its terms are checked against that kind's floors (R23–R25, R45).
pub async fn create(state: &AppState, caller: &Caller, listing_id: Uuid, input: NewRound) -> ApiResult<round::Model> {
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
    let late_reason = crate::services::optional_text(input.late_reason.as_deref(), "late_reason", 2000)?;
    let next = next_round(&tx, &listing, None).await?;
    next.in_time(now, late_reason.is_some()).map_err(refused)?;
    if let Some(hold) = super::before_publication::price_hold(&*tx, &listing).await? {
        return Err(hold);
    }
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
    let optional_text =
        |text: Option<String>, field: &str| crate::services::optional_text(text.as_deref(), field, 20_000);
    let extra_reminders = input
        .extra_reminders
        .iter()
        .map(|reminder| crate::services::required_text(reminder, "special_reminders", MAX_REMINDER_CHARS))
        .collect::<ApiResult<Vec<_>>>()?;
    let announcement_text = optional_text(input.announcement, "announcement")?;
    let announcement_generated = announcement_text.is_none();
    let texts = round_texts(
        &tx,
        &listing,
        None,
        next.kind,
        &terms,
        balance_due_days,
        announcement_text,
        optional_text(input.bidding_instructions, "bidding_instructions")?,
        &extra_reminders,
    )
    .await?;
    let created_at = millis(now);
    let row = round::ActiveModel {
        id: Set(Uuid::new_v4()),
        listing_id: Set(listing.id),
        court_id: Set(listing.court_id),
        title: Set(listing.title.clone()),
        category: Set(listing.category),
        round: Set(i32::try_from(next.number).unwrap_or(i32::MAX)),
        round_kind: Set(next.kind.as_str().to_owned()),
        status: Set(RoundStatus::Draft),
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
        panel_members: Set(None),
        panel_decided_at: Set(None),
        late_reason: Set(late_reason.filter(|_| next.is_late(now))),
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
            let last = round::Entity::find()
                .filter(round::Column::ListingId.eq(listing.id))
                .filter(round::Column::Status.ne(RoundStatus::Withdrawn))
                .order_by_desc(round::Column::CreatedAt)
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
pub(super) fn refuse_if_released(listing: &listing::Model) -> ApiResult<()> {
    match listing.status {
        ListingStatus::Released => Err(ApiError::conflict(
            "listing_released",
            "this listing was released from sale; it can no longer be sold here",
        )),
        ListingStatus::Settled => Err(ApiError::conflict(
            "listing_settled",
            "a creditor took this property in settlement of the debt (R59); it can no longer be sold here",
        )),
        _ => Ok(()),
    }
}
