//! Deals after a sale: the buyer's view, the public deal confirmation (成交确认书, R51) and the
//! balance payment (尾款, R54).

use auction_core::DepositStatus;
use auction_core::deal::DealStatus;
use auction_core::deal::{default_forfeiture, is_in_default};
use auction_core::time::{Instant, in_beijing};
use chrono::Duration;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::rounds::{Access, set_listing_status, update_round};
use crate::notify::{self, Email};
use crate::persistence::convert::millis;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::{instant, money};
use crate::persistence::entities::{case, court, deal, listing, payment_order, registration, round, user};

/// The buyer is reminded this long before the balance deadline.
const REMINDER_BEFORE: Duration = Duration::days(2);
use crate::persistence::vocabulary::ListingStatus;
use crate::services::payments::PaidFor;
use crate::services::refunds::{self, RefundDue};
use crate::state::AppState;
use auction_core::payment::{PaymentPurpose, PaymentStatus};
use auction_core::refund::{RefundPurpose, RefundReason};

async fn find(state: &AppState, id: Uuid) -> ApiResult<deal::Model> {
    deal::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("deal"))
}

async fn round_of(state: &AppState, deal: &deal::Model) -> ApiResult<round::Model> {
    round::Entity::find_by_id(deal.auction_id)
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
    balance_order(state, id, |deal, _| {
        if deal.buyer_id == caller.user_id {
            Ok(())
        } else {
            Err(ApiError::forbidden("only the buyer pays the balance"))
        }
    })
    .await
}

/// The balance order a court records a bank transfer against (R54): the buyer's pending one, or a new
/// one for the buyer.
pub async fn balance_order_for_court(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<payment_order::Model> {
    balance_order(state, id, |_, court_id| caller.require_judge_of(court_id)).await
}

/// The deal's balance order for whoever `may` admit (given the deal and its court): under the deal's lock
/// (FOR UPDATE on PostgreSQL; SQLite's write transaction is already exclusive), so two requests at once
/// find one pending order instead of making two.
async fn balance_order(
    state: &AppState,
    id: Uuid,
    may: impl FnOnce(&deal::Model, Uuid) -> ApiResult<()>,
) -> ApiResult<payment_order::Model> {
    let tx = state.db.write().await?;
    let deal = deal::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::not_found("deal"))?;
    let round = round::Entity::find_by_id(deal.auction_id)
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::internal("deal without its round"))?;
    may(&deal, round.court_id)?;
    let order = pending_balance_order(state, &tx, &deal).await?;
    tx.commit().await?;
    Ok(order)
}

/// The deal's pending balance order, made for its buyer if there is none; 409 unless the deal is
/// awaiting its balance. Called under the deal's lock.
async fn pending_balance_order(
    state: &AppState,
    tx: &crate::persistence::WriteTx,
    deal: &deal::Model,
) -> ApiResult<payment_order::Model> {
    let now = state.clock.now();
    if deal.status != DealStatus::AwaitingBalance || now >= instant(deal.balance_due_at) {
        return Err(ApiError::conflict(
            "deal_not_awaiting_balance",
            "this deal is not awaiting its balance",
        ));
    }
    let pending = payment_order::Entity::find()
        .filter(payment_order::Column::DealId.eq(deal.id))
        .filter(payment_order::Column::Status.eq(PaymentStatus::Pending))
        .one(&**tx)
        .await?;
    match pending {
        Some(order) => Ok(order),
        None => {
            super::payments::new_order(
                tx,
                state.gateway.provider(),
                PaidFor::Balance(deal.id),
                deal.buyer_id,
                deal.balance_due,
                now,
            )
            .await
        }
    }
}

fn beijing_text(at: Instant) -> String {
    in_beijing(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The sale ruling (成交裁定) as a public page, once issued (R52): the buyer, the property, the price.
pub async fn ruling_html(state: &AppState, id: Uuid, embed: bool) -> ApiResult<String> {
    let deal = find(state, id).await?;
    let Some(ruled_at) = deal.ruling_issued_at else {
        return Err(ApiError::not_found("ruling"));
    };
    let round = round_of(state, &deal).await?;
    let listing = listing::Entity::find_by_id(deal.listing_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::internal("deal without its listing"))?;
    let case_number = case::Entity::find_by_id(listing.case_id)
        .one(state.db.conn())
        .await?
        .map(|c| c.case_number)
        .unwrap_or_default();
    let court_name = court::Entity::find_by_id(round.court_id)
        .one(state.db.conn())
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let context = minijinja::context! {
        deal_id => deal.id.to_string(),
        buyer_name => deal.buyer_name,
        winner_code => deal.winner_code,
        court_name,
        case_number,
        title => round.title,
        location => listing.location,
        final_price => money(deal.final_price)?.in_words(),
        paid_at => deal.paid_at.map(|at| beijing_text(instant(at))).unwrap_or_default(),
        ruled_at => beijing_text(instant(ruled_at)),
        embed,
    };
    crate::templates::render("pages/ruling.html", &context)
}

/// The public deal confirmation as an HTML page; all user-supplied text is escaped by the template.
pub async fn confirmation_html(state: &AppState, id: Uuid, embed: bool) -> ApiResult<String> {
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
    let status = deal.status;
    let round_label = match round.round_kind.as_str() {
        "first" => "第一次拍卖 · first auction",
        "second" => "第二次拍卖 · second auction",
        "sell_off" => "变卖 · sell-off",
        _ => "重新拍卖 · re-auction",
    };
    let status_label = match status {
        DealStatus::AwaitingBalance => "待付尾款 · awaiting balance",
        DealStatus::Paid => "已付清 · paid in full",
        DealStatus::Defaulted => "悔拍 · defaulted",
        DealStatus::RulingIssued => "已出具成交裁定 · sale ruling issued",
        DealStatus::HandedOver => "已交付 · handed over",
        DealStatus::Revoked => "已撤销 · set aside",
    };
    let context = minijinja::context! {
        deal_id => deal.id.to_string(),
        buyer_name => deal.buyer_name,
        winner_code => deal.winner_code,
        court_name => court_name.unwrap_or_default(),
        title => round.title,
        location => listing.map(|l| l.location).unwrap_or_default(),
        case_number => case_number.unwrap_or_default(),
        round_label,
        final_price => money(deal.final_price)?.in_words(),
        deposit_applied => money(deal.deposit_applied)?.in_words(),
        claim_offset => (deal.claim_offset > 0).then(|| money(deal.claim_offset).map(|m| m.in_words())).transpose()?,
        balance_due => money(deal.balance_due)?.in_words(),
        balance_due_at => beijing_text(instant(deal.balance_due_at)),
        closed_at => beijing_text(instant(round.closed_at.unwrap_or(round.bidding_ends_at))),
        status => status.as_str(),
        status_label,
        embed,
    };
    crate::templates::render("pages/confirmation.html", &context)
}

/// Every deal whose balance deadline has passed unpaid goes into default (悔拍, R55): the deal is
/// `defaulted`, the deposit `forfeited`, the round's ledger records it, and the buyer is told. The
/// buyer is then barred, by identity, from the listing's later rounds (see `registrations`).
pub async fn apply_defaults(state: &AppState, now: Instant) -> ApiResult<usize> {
    let due = deal::Entity::find()
        .filter(deal::Column::Status.eq(DealStatus::AwaitingBalance))
        .filter(deal::Column::BalanceDueAt.lte(millis(now)))
        .all(state.db.conn())
        .await?;
    let mut defaulted = 0;
    for candidate in due {
        // The round first, then the deal: the same order as every other path that takes both.
        let updated = update_round(state, candidate.auction_id, now, Access::System, async |locked, tx| {
            let Some(deal) = deal::Entity::find_by_id(candidate.id)
                .lock_exclusive()
                .one(&**tx)
                .await?
            else {
                return Ok(None);
            };
            if !is_in_default(deal.status, instant(deal.balance_due_at), now) {
                return Ok(None); // paid in the meantime
            }
            let at = instant(deal.balance_due_at);
            let registration = registration::Entity::find_by_id(deal.registration_id)
                .one(&**tx)
                .await?
                .ok_or_else(|| ApiError::internal("deal without its registration"))?;
            let paid_in = money(registration.deposit_amount)?;
            let forfeitable = money(registration.deposit_forfeitable.unwrap_or(registration.deposit_amount))?;
            let (forfeited, refunded) = default_forfeiture(paid_in, forfeitable);
            let registration_id = registration.id;
            let mut registration = registration.into_active_model();
            registration.deposit_status = Set(DepositStatus::Forfeited);
            registration.updated_at = Set(millis(now));
            registration.update(&**tx).await?;
            locked.record_default(&deal, forfeited, refunded, at);
            if !refunded.is_zero() {
                // The rest of the prepayment goes back from the payment that brought it (R58).
                let prepayments =
                    refunds::paid_orders(tx, PaymentPurpose::Deposit, Some(registration_id), None).await?;
                let order = prepayments
                    .first()
                    .ok_or_else(|| ApiError::internal("a prepayment to refund without its payment"))?;
                let due = RefundDue {
                    order,
                    auction_id: locked.row.id,
                    deal_id: Some(deal.id),
                    purpose: RefundPurpose::Prepayment,
                    reason: RefundReason::Default,
                    amount: refunded,
                    way_back: refunds::WayBack::AsPaid,
                };
                refunds::owe(tx, due, now).await?;
            }
            let buyer = user::Entity::find_by_id(deal.buyer_id)
                .one(&**tx)
                .await?
                .ok_or_else(|| ApiError::internal("deal without its buyer"))?;
            let refunded = (!refunded.is_zero()).then_some(refunded);
            let email = Email::default_notice(
                &buyer.email,
                buyer.party_name(),
                &locked.row.title,
                forfeited,
                refunded,
                at,
            );
            notify::queue(tx, email, now).await?;
            set_listing_status(tx, deal.listing_id, ListingStatus::Defaulted, at).await?;
            let mut active = deal.into_active_model();
            active.status = Set(DealStatus::Defaulted);
            active.defaulted_at = Set(Some(millis(at)));
            active.updated_at = Set(millis(now));
            Ok(Some(active.update(&**tx).await?))
        })
        .await?;
        if let Some(deal) = updated.value {
            tracing::info!(deal.id = %deal.id, auction.id = %updated.row.id, "buyer defaulted; deposit forfeited");
            defaulted += 1;
        }
    }
    Ok(defaulted)
}

/// Two days before the balance deadline the buyer is reminded, once.
pub async fn send_reminders(state: &AppState, now: Instant) -> ApiResult<usize> {
    let due = deal::Entity::find()
        .filter(deal::Column::Status.eq(DealStatus::AwaitingBalance))
        .filter(deal::Column::ReminderSentAt.is_null())
        .filter(deal::Column::BalanceDueAt.lte(millis(now + REMINDER_BEFORE)))
        .filter(deal::Column::BalanceDueAt.gt(millis(now)))
        .all(state.db.conn())
        .await?;
    let mut sent = 0;
    for deal in due {
        let tx = state.db.write().await?;
        let marked = deal::Entity::update_many()
            .col_expr(deal::Column::ReminderSentAt, Expr::value(millis(now)))
            .filter(deal::Column::Id.eq(deal.id))
            .filter(deal::Column::ReminderSentAt.is_null())
            .filter(deal::Column::Status.eq(DealStatus::AwaitingBalance))
            .exec(&*tx)
            .await?;
        if marked.rows_affected == 1 {
            let buyer = user::Entity::find_by_id(deal.buyer_id)
                .one(&*tx)
                .await?
                .ok_or_else(|| ApiError::internal("deal without its buyer"))?;
            let round = round::Entity::find_by_id(deal.auction_id)
                .one(&*tx)
                .await?
                .ok_or_else(|| ApiError::internal("deal without its round"))?;
            let link = crate::links::deal_page(&state.settings.public_url, deal.id);
            let email = Email::balance_reminder(
                &buyer.email,
                buyer.party_name(),
                &round.title,
                money(deal.balance_due)?,
                instant(deal.balance_due_at),
                &link,
            );
            notify::queue(&tx, email, now).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
