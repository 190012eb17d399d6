//! Placing a bid, and the public bid record.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiResult, ErrorBody};
use crate::services::bidding::{self, PlaceBid, Placed};
use crate::services::rounds::{self};
use crate::state::AppState;
use crate::views::{BidView, MoneyInput, Page, PageQuery, PlaceBidResponse};

#[derive(Deserialize, ToSchema)]
pub struct PlaceBidRequest {
    pub amount: MoneyInput,
    /// A UUID chosen by the client; a retry with the same one creates nothing and gets the same answer.
    pub request_id: Uuid,
}

/// Place a bid.
#[utoipa::path(tag = "bidding", request_body = PlaceBidRequest, responses(
    (status = 201, body = PlaceBidResponse),
    (status = 200, description = "a retry of an accepted request", body = PlaceBidResponse),
    (status = 403, description = "not_registered, deposit_unpaid", body = ErrorBody),
    (status = 409, description = "auction_not_bidding", body = ErrorBody),
    (status = 422, description = "invalid_amount, below_starting_price, not_on_increment, bid_too_low, already_leading", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/bids")]
pub async fn place_bid(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<PlaceBidRequest>,
) -> ApiResult<HttpResponse> {
    // The bid's legal time: when it reached the server, before any waiting for the round's lock.
    let received_at = state.clock.now();
    let started = std::time::Instant::now();
    let decided = async {
        let amount = body.amount.parse("amount")?;
        let command = PlaceBid {
            auction_id: id.into_inner(),
            amount,
            request_id: body.request_id,
            received_at,
        };
        bidding::place_bid(&state, &caller, command).await
    }
    .await;
    let outcome = match &decided {
        Ok(Placed::Accepted(_)) => "accepted",
        Ok(Placed::Replayed(_)) => "replayed",
        Err(err) => err.code.as_ref(),
    };
    crate::prometheus::bid_decided(outcome, started.elapsed());
    Ok(match decided? {
        Placed::Accepted(row) => HttpResponse::Created().json(PlaceBidResponse::of(&row)?),
        // A retry of an accepted request: the same answer, nothing created.
        Placed::Replayed(row) => HttpResponse::Ok().json(PlaceBidResponse::of(&row)?),
    })
}

/// The public bid record, newest first: codes, never names (R40, R47).
#[utoipa::path(tag = "bidding", params(PageQuery), responses((status = 200, body = Page<BidView>), (status = 404, body = ErrorBody)))]
#[get("/api/auctions/{id}/bids")]
pub async fn list_bids(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<BidView>>> {
    let (page, per_page) = query.resolve()?;
    let round = rounds::find_visible(&state, &caller, id.into_inner()).await?;
    let (bids, total) = bidding::list(&state, caller.read_from(), &round, page, per_page).await?;
    let status = round.status;
    let items = bids
        .iter()
        .map(|bid| BidView::of(bid, round.bid_count, status))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}
