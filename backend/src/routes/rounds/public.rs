//! A round as the public sees it: the round, the list and its cards, the result.

use actix_web::{get, web};
use auction_core::RoundStatus;
use auction_core::deal::DealStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::view;
use crate::auth::MaybeCaller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::persistence::ReadFrom;
use crate::persistence::convert::money;
use crate::services::bidding::{self};
use crate::services::rounds::{self, ListFilter};
use crate::services::{deals, listings, watching};
use crate::state::AppState;
use crate::views::{AuctionView, Page, PageQuery, ResultView};

/// One round, as the public sees it (a draft only by its court): with its announcement, bidding
/// instructions, special reminders and timeline.
#[utoipa::path(tag = "auctions", responses((status = 200, body = AuctionView), (status = 404, body = ErrorBody)))]
#[get("/api/auctions/{id}")]
pub async fn get_auction(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AuctionView>> {
    let row = rounds::find_visible(&state, &caller, id.into_inner()).await?;
    let from = caller.read_from();
    let timeline = bidding::timeline_entries(&state, from, &row).await?;
    let listing = listings::find_visible(&state, &caller, row.listing_id).await?;
    let information = crate::persistence::convert::buyer_information(&listing)?;
    let after = rounds::aftermath(&state, from, std::slice::from_ref(&row))
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    let mut answer = view(&state, &row)?
        .with_details(&row, &timeline)?
        .with_buyer_information(&information)
        .with_aftermath(after.watch_count, after.deal_status, after.next_round_id);
    if let Some(caller) = caller.0 {
        answer.watching = Some(watching::is_watching(&state, caller.user_id, row.id).await?);
        if caller.is_judge_of(row.court_id) || caller.role == crate::auth::Role::Admin {
            answer = answer.with_duties(&rounds::duties(&state, &row).await?);
        }
    }
    Ok(web::Json(answer))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuctionListQuery {
    /// `announced`, `bidding`, `suspended`, `sold`, `failed`, `withdrawn` or `revoked` (empty: any).
    #[param(pattern = "^(announced|bidding|suspended|sold|failed|withdrawn|revoked)?$")]
    pub status: Option<String>,
    /// `real_estate`, `movable` or `other_right` (empty: any).
    #[param(pattern = "^(real_estate|movable|other_right)?$")]
    pub category: Option<String>,
    pub court_id: Option<Uuid>,
    /// The rounds of one listing.
    pub listing_id: Option<Uuid>,
    /// Words in the title.
    pub q: Option<String>,
    /// `newest` (the default), `ending_soon`, `price_asc` or `price_desc` (by the current, else the starting price).
    #[param(pattern = "^(newest|ending_soon|price_asc|price_desc)?$")]
    pub sort: Option<String>,
    /// 1-based page number; `page × per_page` is at most 100,000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// Published rounds, newest first, each with its listing's first photo (`photo_url`).
#[utoipa::path(tag = "auctions", params(AuctionListQuery), responses((status = 200, body = Page<AuctionView>)))]
#[get("/api/auctions")]
pub async fn list_auctions(
    state: web::Data<AppState>,
    query: web::Query<AuctionListQuery>,
) -> ApiResult<web::Json<Page<AuctionView>>> {
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let filter = ListFilter {
        status: query.status,
        category: query.category,
        court_id: query.court_id,
        listing_id: query.listing_id,
        q: query.q,
        include_drafts: false,
        sort: rounds::ListOrder::parse(query.sort.as_deref().unwrap_or("")).ok_or_else(|| {
            ApiError::bad_request("invalid_query", "sort is newest, ending_soon, price_asc or price_desc")
        })?,
    };
    // The public list is the same for everyone: it may come from a replica.
    let (rows, total) = rounds::list(&state, ReadFrom::Replica, filter, page, per_page).await?;
    Ok(web::Json(Page::of(
        cards(&state, ReadFrom::Replica, &rows).await?,
        total,
        page,
        per_page,
    )))
}

/// Rounds as cards: each with its listing's first photo, its watchers and its aftermath.
pub async fn cards(
    state: &AppState,
    from: ReadFrom,
    rows: &[crate::persistence::entities::round::Model],
) -> ApiResult<Vec<AuctionView>> {
    let covers = rounds::cover_photos(state, from, rows).await?;
    let mut after = rounds::aftermath(state, from, rows).await?;
    rows.iter()
        .map(|row| {
            let facts = after.remove(&row.id).unwrap_or_default();
            Ok(view(state, row)?
                .with_photo(covers.get(&row.listing_id))
                .with_aftermath(facts.watch_count, facts.deal_status, facts.next_round_id))
        })
        .collect()
}

/// The outcome after the close: the buyer's real name is published (R51).
#[utoipa::path(tag = "bidding", responses(
    (status = 200, body = ResultView),
    (status = 409, description = "auction_not_closed", body = ErrorBody),
))]
#[get("/api/auctions/{id}/result")]
pub async fn get_result(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ResultView>> {
    let round = rounds::find_visible(&state, &caller, id.into_inner()).await?;
    let status = round.status;
    if !status.is_closed() {
        return Err(ApiError::conflict(
            "auction_not_closed",
            "the result is published when bidding has ended",
        ));
    }
    let deal = if matches!(status, RoundStatus::Sold | RoundStatus::Revoked) {
        deals::for_round(&state, round.id).await?
    } else {
        None
    };
    Ok(web::Json(match deal {
        Some(deal) => ResultView {
            status: round.status,
            final_price: Some(money(deal.final_price)?),
            winner_code: Some(deal.winner_code.clone()),
            buyer_name: (deal.status != DealStatus::Defaulted && deal.status != DealStatus::Revoked)
                .then(|| deal.buyer_name.clone()),
            deal_id: Some(deal.id),
            confirmation_url: Some(crate::links::confirmation_path(deal.id)),
            deal_status: Some(deal.status),
        },
        None => ResultView {
            status: round.status,
            final_price: None,
            winner_code: None,
            buyer_name: None,
            deal_id: None,
            confirmation_url: None,
            deal_status: None,
        },
    }))
}
