//! What a judge sees of its own court: listings and rounds with their status and counts, and — only
//! once a round has ended (R40) — who registered for it.

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::rounds::ListFilter;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::entities::{deal, listing, negotiation, registration, round, user};
use crate::state::AppState;

pub struct CourtListing {
    pub listing: listing::Model,
    pub rounds: u64,
    pub latest_round: Option<round::Model>,
    /// A negotiation of its reference price that is still taking offers.
    pub open_negotiation: Option<negotiation::Model>,
}

pub async fn listings(
    state: &AppState,
    caller: &Caller,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<CourtListing>, u64)> {
    let court = caller.judge_court()?;
    let paginator = listing::Entity::find()
        .filter(listing::Column::CourtId.eq(court))
        .order_by_desc(listing::Column::CreatedAt)
        .order_by_desc(listing::Column::Id)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    let mut items = Vec::new();
    for listing in paginator.fetch_page(page - 1).await? {
        let rounds = round::Entity::find().filter(round::Column::ListingId.eq(listing.id));
        let count = rounds.clone().count(state.db.conn()).await?;
        let latest_round = rounds
            .order_by_desc(round::Column::CreatedAt)
            .one(state.db.conn())
            .await?;
        let open_negotiation = negotiation::Entity::find()
            .filter(negotiation::Column::ListingId.eq(listing.id))
            .filter(negotiation::Column::Status.eq(crate::persistence::vocabulary::NegotiationStatus::Open.as_str()))
            .one(state.db.conn())
            .await?;
        items.push(CourtListing {
            listing,
            rounds: count,
            latest_round,
            open_negotiation,
        });
    }
    Ok((items, total))
}

/// The court's rounds, drafts included, newest first.
pub async fn rounds(
    state: &AppState,
    caller: &Caller,
    status: Option<String>,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<round::Model>, u64)> {
    let court = caller.judge_court()?;
    let filter = ListFilter {
        status,
        court_id: Some(court),
        include_drafts: true,
        ..ListFilter::default()
    };
    super::rounds::list(state, crate::persistence::ReadFrom::Primary, filter, page, per_page).await
}

/// The deals of the court's rounds, soonest balance deadline first, each with its round's title; by
/// status (`awaiting_balance`, `paid`, `defaulted`) when asked.
pub async fn deals(
    state: &AppState,
    caller: &Caller,
    status: Option<&str>,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<(deal::Model, String, bool)>, u64)> {
    let court = caller.judge_court()?;
    let rounds_of_court = Query::select()
        .column(round::Column::Id)
        .from(round::Entity)
        .and_where(round::Column::CourtId.eq(court))
        .to_owned();
    let mut query = deal::Entity::find().filter(deal::Column::AuctionId.in_subquery(rounds_of_court));
    if let Some(status) = status {
        query = query.filter(deal::Column::Status.eq(status));
    }
    let paginator = query
        .order_by_asc(deal::Column::BalanceDueAt)
        .order_by_asc(deal::Column::Id)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    let deals = paginator.fetch_page(page - 1).await?;
    let titles: std::collections::HashMap<Uuid, String> = round::Entity::find()
        .filter(round::Column::Id.is_in(deals.iter().map(|d| d.auction_id)))
        .all(state.db.conn())
        .await?
        .into_iter()
        .map(|round| (round.id, round.title))
        .collect();
    let excluded = super::exclusions::excluded_buyers(state.db.conn(), court, &deals).await?;
    let items = deals
        .into_iter()
        .map(|deal| {
            let title = titles.get(&deal.auction_id).cloned().unwrap_or_default();
            let flagged = excluded.contains(&deal.id);
            (deal, title, flagged)
        })
        .collect();
    Ok((items, total))
}

/// The registrants of a round and their identities, for its court, once bidding has ended (R40).
pub async fn registrants(
    state: &AppState,
    caller: &Caller,
    auction_id: Uuid,
) -> ApiResult<(round::Model, Vec<(registration::Model, user::Model)>)> {
    let round = round::Entity::find_by_id(auction_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("auction"))?;
    caller.require_judge_of(round.court_id)?;
    let closed = round.status.is_closed();
    if !closed {
        return Err(ApiError::conflict(
            "auction_not_closed",
            "bidders' identities stay confidential until bidding has ended (R40)",
        ));
    }
    let rows = super::rounds::registrants(state.db.conn(), auction_id).await?;
    Ok((round, rows))
}

/// A court's own settings: the size of its collegial panels (never fewer than three, R7), the window for a
/// sell-off after a failed second auction (R58: 15 days by default), and the account it takes transfers on,
/// as announcements state it (R29).
pub struct CourtSettings {
    pub panel_min_members: i64,
    pub sell_off_window_days: i64,
    pub payment_account: Option<String>,
}

pub async fn settings(state: &AppState, caller: &Caller) -> ApiResult<crate::persistence::entities::court::Model> {
    let court_id = caller.judge_court()?;
    crate::persistence::entities::court::Entity::find_by_id(court_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("court"))
}

/// Changes the court's settings (any judge of the court).
pub async fn set_settings(
    state: &AppState,
    caller: &Caller,
    input: CourtSettings,
) -> ApiResult<crate::persistence::entities::court::Model> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let min = i64::try_from(auction_core::before_publication::PANEL_MEMBERS).unwrap_or(3);
    if !(min..=15).contains(&input.panel_min_members) {
        return Err(ApiError::unprocessable(
            "invalid_panel_size",
            format!("a collegial panel has from {min} to 15 members (R7)"),
        ));
    }
    if !(1..=60).contains(&input.sell_off_window_days) {
        return Err(ApiError::unprocessable(
            "invalid_sell_off_window",
            "the sell-off's window is from 1 to 60 days (the law's default: 15, R58)",
        ));
    }
    let account = super::optional_text(input.payment_account.as_deref(), "payment_account", 500)?;
    let court = settings(state, caller).await?;
    let mut active = court.into_active_model();
    // Both within the ranges just checked.
    active.panel_min_members = Set(i32::try_from(input.panel_min_members).unwrap_or(i32::MAX));
    active.sell_off_window_days = Set(i32::try_from(input.sell_off_window_days).unwrap_or(i32::MAX));
    active.payment_account = Set(account);
    Ok(active.update(state.db.conn()).await?)
}
