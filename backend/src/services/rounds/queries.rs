//! Reads about rounds that decide nothing: a round as its viewer may see it, the public lists and
//! their covers, what followed a sale, the latest announcements, a round's registrants and the
//! applicant's claim.

use auction_core::deal::DealStatus;
use auction_core::setup::Category;
use auction_core::{Money, RoundStatus};
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Order};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::MaybeCaller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::money;
use crate::persistence::entities::{applicant, court, deal, listing_file, registration, round, user};
use crate::persistence::{ReadFrom, WriteTx};
use crate::state::AppState;

/// The applicant's unpaid claim in this round, if the court marked `user_id` as the applicant.
pub async fn applicant_claim(tx: &WriteTx, auction_id: Uuid, user_id: Uuid) -> ApiResult<Option<Money>> {
    let mark = applicant::Entity::find()
        .filter(applicant::Column::AuctionId.eq(auction_id))
        .filter(applicant::Column::UserId.eq(user_id))
        .one(&**tx)
        .await?;
    Ok(mark.map(|m| money(m.claim_amount)).transpose()?)
}

/// Every registration of a round, with its person, in the order they registered.
pub async fn registrants(
    conn: &impl ConnectionTrait,
    auction_id: Uuid,
) -> ApiResult<Vec<(registration::Model, user::Model)>> {
    let registrations = registration::Entity::find()
        .filter(registration::Column::AuctionId.eq(auction_id))
        .order_by_asc(registration::Column::CreatedAt)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = registrations.iter().map(|r| r.user_id).collect();
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(registrations
        .into_iter()
        .filter_map(|r| people.iter().find(|p| p.id == r.user_id).cloned().map(|p| (r, p)))
        .collect())
}

/// A round as its viewer may see it: public once published, whatever became of it later; before that
/// (a draft, or a round withdrawn before publication) only to its court's judges.
pub async fn find_visible(state: &AppState, caller: &MaybeCaller, id: Uuid) -> ApiResult<round::Model> {
    let row = round::Entity::find_by_id(id)
        .one(state.db.reads(caller.read_from()))
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
    from: ReadFrom,
    filter: ListFilter,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<round::Model>, u64)> {
    let mut condition = Condition::all();
    if !filter.include_drafts {
        condition = condition.add(round::Column::PublishedAt.is_not_null());
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
            Some(status) => condition = condition.add(round::Column::Status.eq(status.as_str())),
        }
    }
    if let Some(category) = filter.category.as_deref().filter(|s| !s.is_empty()) {
        let category = Category::parse(category)
            .ok_or_else(|| ApiError::bad_request("invalid_query", format!("unknown category `{category}`")))?;
        condition = condition.add(round::Column::Category.eq(category.as_str()));
    }
    if let Some(court_id) = filter.court_id {
        condition = condition.add(round::Column::CourtId.eq(court_id));
    }
    if let Some(listing_id) = filter.listing_id {
        condition = condition.add(round::Column::ListingId.eq(listing_id));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // The words are matched literally: `%`, `_` and `\` are not patterns.
        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        condition = condition.add(
            Expr::col((round::Entity, round::Column::Title)).like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    let price = || Expr::cust("COALESCE(current_price, starting_price)");
    let ordered = match filter.sort {
        ListOrder::Newest => round::Entity::find().order_by_desc(round::Column::CreatedAt),
        ListOrder::EndingSoon => round::Entity::find().order_by_asc(round::Column::BiddingEndsAt),
        ListOrder::PriceAscending => round::Entity::find().order_by(price(), Order::Asc),
        ListOrder::PriceDescending => round::Entity::find().order_by(price(), Order::Desc),
    };
    // The id last, so a page boundary never splits rounds that tie.
    let paginator = ordered
        .filter(condition)
        .order_by_desc(round::Column::Id)
        .paginate(state.db.reads(from), per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page - 1).await?;
    Ok((items, total))
}

/// The first photo of each of these rounds' listings, by listing: one query for a whole page of cards.
pub async fn cover_photos(
    state: &AppState,
    from: ReadFrom,
    rounds: &[round::Model],
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
        .all(state.db.reads(from))
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
    pub deal_status: Option<DealStatus>,
    /// The listing's next published round.
    pub next_round_id: Option<Uuid>,
}

/// The aftermath of each of these rounds, in three queries for a whole page: watch counts, the deals of
/// sold and revoked rounds, and the published rounds of their listings (the next round of a round is the
/// first of its listing created after it).
pub async fn aftermath(
    state: &AppState,
    from: ReadFrom,
    rounds: &[round::Model],
) -> ApiResult<HashMap<Uuid, Aftermath>> {
    let db = state.db.reads(from);
    let ids: Vec<Uuid> = rounds.iter().map(|r| r.id).collect();
    let watchers = crate::services::watching::counts(db, &ids).await?;
    let ended: Vec<Uuid> = rounds
        .iter()
        .filter(|r| r.status == RoundStatus::Sold || r.status == RoundStatus::Revoked)
        .map(|r| r.id)
        .collect();
    let deals: HashMap<Uuid, DealStatus> = if ended.is_empty() {
        HashMap::new()
    } else {
        deal::Entity::find()
            .filter(deal::Column::AuctionId.is_in(ended))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.auction_id, d.status))
            .collect()
    };
    let listing_ids: Vec<Uuid> = rounds.iter().map(|r| r.listing_id).collect();
    let siblings = round::Entity::find()
        .filter(round::Column::ListingId.is_in(listing_ids))
        .filter(round::Column::PublishedAt.is_not_null())
        .order_by_asc(round::Column::CreatedAt)
        .all(db)
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
pub async fn recent_announcements(state: &AppState, limit: u64) -> ApiResult<Vec<(round::Model, String)>> {
    use sea_orm::QuerySelect;
    let rounds = round::Entity::find()
        .filter(round::Column::PublishedAt.is_not_null())
        .order_by_desc(round::Column::PublishedAt)
        .order_by_desc(round::Column::Id)
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
    Ok(round::Entity::find()
        .select_only()
        .column(round::Column::Id)
        .column(round::Column::UpdatedAt)
        .filter(round::Column::PublishedAt.is_not_null())
        .order_by_desc(round::Column::UpdatedAt)
        .limit(limit)
        .into_tuple::<(Uuid, i64)>()
        .all(state.db.conn())
        .await?)
}
