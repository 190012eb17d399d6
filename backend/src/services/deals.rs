//! Deals after a sale: the buyer's view, the public deal confirmation (成交确认书, R51) and the
//! balance payment (尾款, R54).

use askama::Template;
use auction_core::deal::DealStatus;
use auction_core::time::{Instant, in_beijing};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::{instant, money};
use crate::persistence::entities::{auction, case, court, deal, listing, payment_order};
use crate::state::AppState;

async fn find(state: &AppState, id: Uuid) -> ApiResult<deal::Model> {
    deal::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("deal"))
}

async fn round_of(state: &AppState, deal: &deal::Model) -> ApiResult<auction::Model> {
    auction::Entity::find_by_id(deal.auction_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::internal("deal without its round"))
}

/// The deal, for its buyer or a judge of the selling court.
pub async fn find_for(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<deal::Model> {
    let deal = find(state, id).await?;
    if deal.buyer_id == caller.user_id {
        return Ok(deal);
    }
    let round = round_of(state, &deal).await?;
    if caller.is_judge_of(round.court_id) {
        Ok(deal)
    } else {
        Err(ApiError::forbidden("only the buyer and the court may see this deal"))
    }
}

pub async fn for_round(state: &AppState, auction_id: Uuid) -> ApiResult<Option<deal::Model>> {
    Ok(deal::Entity::find()
        .filter(deal::Column::AuctionId.eq(auction_id))
        .one(state.db.conn())
        .await?)
}

pub async fn list_mine(
    state: &AppState,
    caller: &Caller,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<deal::Model>, u64)> {
    let paginator = deal::Entity::find()
        .filter(deal::Column::BuyerId.eq(caller.user_id))
        .order_by_desc(deal::Column::CreatedAt)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    Ok((paginator.fetch_page(page - 1).await?, total))
}

/// The buyer starts paying the balance: an order for what is due (the same pending order if one exists).
pub async fn start_balance_payment(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<payment_order::Model> {
    let deal = find(state, id).await?;
    if deal.buyer_id != caller.user_id {
        return Err(ApiError::forbidden("only the buyer pays the balance"));
    }
    let now = state.clock.now();
    if deal.status != DealStatus::AwaitingBalance.as_str() || now >= instant(deal.balance_due_at) {
        return Err(ApiError::conflict(
            "deal_not_awaiting_balance",
            "this deal is not awaiting its balance",
        ));
    }
    let tx = state.db.write().await?;
    let pending = payment_order::Entity::find()
        .filter(payment_order::Column::DealId.eq(deal.id))
        .filter(payment_order::Column::Status.eq("pending"))
        .one(&*tx)
        .await?;
    let order = match pending {
        Some(order) => order,
        None => {
            super::payments::new_order(
                &tx,
                "balance",
                None,
                Some(deal.id),
                caller.user_id,
                deal.balance_due,
                now,
            )
            .await?
        }
    };
    tx.commit().await?;
    Ok(order)
}

#[derive(Template)]
#[template(path = "confirmation.html")]
struct ConfirmationPage {
    deal_id: Uuid,
    buyer_name: String,
    winner_code: String,
    court_name: String,
    title: String,
    location: String,
    case_number: String,
    round_label: String,
    final_price: String,
    deposit_applied: String,
    balance_due: String,
    balance_due_at: String,
    closed_at: String,
    status: String,
    status_label: &'static str,
}

fn beijing_text(at: Instant) -> String {
    in_beijing(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The public deal confirmation as an HTML page; all user-supplied text is escaped by the template.
pub async fn confirmation_html(state: &AppState, id: Uuid) -> ApiResult<String> {
    let deal = find(state, id).await?;
    let round = round_of(state, &deal).await?;
    let listing = listing::Entity::find_by_id(deal.listing_id)
        .one(state.db.conn())
        .await?;
    let case_number = match &listing {
        Some(l) => case::Entity::find_by_id(l.case_id)
            .one(state.db.conn())
            .await?
            .map(|c| c.case_number),
        None => None,
    };
    let court_name = court::Entity::find_by_id(round.court_id)
        .one(state.db.conn())
        .await?
        .map(|c| c.name);
    let status = DealStatus::parse(&deal.status).unwrap_or(DealStatus::AwaitingBalance);
    let page = ConfirmationPage {
        deal_id: deal.id,
        buyer_name: deal.buyer_name.clone(),
        winner_code: deal.winner_code.clone(),
        court_name: court_name.unwrap_or_default(),
        title: round.title.clone(),
        location: listing.map(|l| l.location).unwrap_or_default(),
        case_number: case_number.unwrap_or_default(),
        round_label: match round.round_kind.as_str() {
            "first" => "第一次拍卖 · first auction".into(),
            "second" => "第二次拍卖 · second auction".into(),
            _ => "重新拍卖 · re-auction".into(),
        },
        final_price: money(deal.final_price)?.to_string(),
        deposit_applied: money(deal.deposit_applied)?.to_string(),
        balance_due: money(deal.balance_due)?.to_string(),
        balance_due_at: beijing_text(instant(deal.balance_due_at)),
        closed_at: beijing_text(instant(round.closed_at.unwrap_or(round.bidding_ends_at))),
        status: status.as_str().to_owned(),
        status_label: match status {
            DealStatus::AwaitingBalance => "待付尾款 · awaiting balance",
            DealStatus::Paid => "已付清 · paid in full",
            DealStatus::Defaulted => "悔拍 · defaulted",
        },
    };
    page.render().map_err(ApiError::internal)
}
