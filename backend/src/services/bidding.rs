//! The bid engine: one serial order per round, the rules decided by `auction-core` under that order,
//! and the bid, the new price, the new end and the ledger entries written in a transaction that commits
//! before the bid is acknowledged (R46, R47, c.1–c.3, c.22) — one transaction per bid, or one per batch of
//! the round's waiting bids (`bid_queue`).
//!
//! Work per bid is constant: a primary-key lock of the round, one statement for two unique-index lookups
//! (registration, request id), one bid insert, and per transaction one ledger insert and one row update —
//! none of it scans earlier bids.

use std::collections::HashMap;

use auction_core::agency::{AgencyStatus, check_may_bid};
use auction_core::round::Bidder;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Statement,
};
use uuid::Uuid;

use actix_web::web;

use super::rounds::{Access, LockedRound, update_round};
use crate::auth::Caller;
use crate::config::BidPath;
use crate::error::{ApiError, ApiResult};
use crate::live::LiveMessage;
use crate::persistence::WriteTx;
use crate::persistence::convert::{self, millis};
use crate::persistence::entities::{auction, bid, ledger_entry, registration};
use crate::state::AppState;
use crate::views::{AuctionView, BidView, PlaceBidResponse};

pub use crate::bid_batches::{PlaceBid, Placed};

pub enum BidOutcome {
    Accepted(PlaceBidResponse),
    /// A retry of an accepted request: the same answer, nothing created.
    Replayed(PlaceBidResponse),
}

/// Places a bid by the path the settings choose: grouped with the round's other waiting bids into one
/// transaction (`bid_queue`, the default), or one transaction per bid (`bid_path = "single"`, the
/// reference). Both decide each bid with [`decide`] and acknowledge it only after its commit.
pub async fn place_bid(state: &web::Data<AppState>, caller: &Caller, command: PlaceBid) -> ApiResult<BidOutcome> {
    match state.settings.bid_path {
        BidPath::Group => super::bid_queue::submit(state.clone().into_inner(), caller.user_id, command).await,
        BidPath::Single => place_one(state, caller.user_id, command).await,
    }
}

/// One bid in its own transaction: lock, decide, save, commit, then acknowledge and announce.
pub async fn place_one(state: &AppState, bidder_id: Uuid, command: PlaceBid) -> ApiResult<BidOutcome> {
    let t = command.received_at;
    let updated = update_round(state, command.auction_id, t, Access::Public, async |locked, tx| {
        decide(state, bidder_id, &command, locked, tx).await
    })
    .await?;
    if let Placed::Accepted(row) = &updated.value {
        announce(state, &updated.row, std::slice::from_ref(row)).await;
    }
    answer(&updated.value)
}

/// Decides one bid under the round's lock, at the time it reached the server: the bidder's registration,
/// a retry of an accepted request, the rules (`auction_core::Round::place_bid`); an accepted bid's row is
/// inserted and its ledger entries recorded in the caller's transaction. A refusal writes nothing.
pub async fn decide(
    state: &AppState,
    bidder_id: Uuid,
    command: &PlaceBid,
    locked: &mut LockedRound,
    tx: &WriteTx,
) -> ApiResult<Placed> {
    let t = command.received_at;
    let registration = lookup(tx, bidder_id, command).await?.ok_or_else(|| {
        ApiError::forbidden_because(
            "not_registered",
            "register and pay the deposit before bidding on this auction",
        )
    })?;
    if let Some(replayed) = registration.replay_id {
        if registration.replay_registration != Some(registration.id) {
            return Err(ApiError::conflict(
                "request_id_reused",
                "this request_id was already used for another bid",
            ));
        }
        let previous = bid::Entity::find_by_id(replayed)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("a replayed bid vanished"))?;
        return Ok(Placed::Replayed(previous));
    }
    check_may_bid(registration.agent_status.as_deref().and_then(AgencyStatus::parse))?;
    if registration.frozen_at.is_some() {
        return Err(crate::auth::account_frozen());
    }
    let bidder = Bidder {
        code: registration.bidder_code.clone(),
        priority_rank: registration.priority_rank.and_then(|r| u32::try_from(r).ok()),
        deposit: convert::deposit_status(&registration.deposit_status)?,
    };
    let accepted = locked.round.place_bid(&bidder, command.amount, t)?;
    let row = bid::ActiveModel {
        id: Set(Uuid::new_v4()),
        auction_id: Set(command.auction_id),
        seq: Set(i32::try_from(accepted.seq).unwrap_or(i32::MAX)),
        registration_id: Set(registration.id),
        bidder_code: Set(accepted.bidder_code.clone()),
        amount: Set(accepted.amount.cents()),
        placed_at: Set(millis(accepted.placed_at)),
        priority: Set(accepted.priority),
        priority_match: Set(accepted.priority_match),
        ends_at_after: Set(millis(accepted.ends_at)),
        extension_count_after: Set(i32::try_from(accepted.extension_count).unwrap_or(i32::MAX)),
        request_id: Set(command.request_id),
        created_at: Set(millis(state.clock.now())),
    }
    .insert(&**tx)
    .await?;
    locked.record_bid(&accepted, registration.id);
    tracing::debug!(auction.id = %command.auction_id, bid.seq = accepted.seq, extended = accepted.extended(), "bid accepted");
    Ok(Placed::Accepted(row))
}

/// The caller's registration for the round, and the bid an earlier try of this request made, if any.
#[derive(Debug, FromQueryResult)]
struct Lookup {
    id: Uuid,
    bidder_code: String,
    priority_rank: Option<i32>,
    deposit_status: String,
    agent_status: Option<String>,
    frozen_at: Option<i64>,
    replay_id: Option<Uuid>,
    replay_registration: Option<Uuid>,
}

/// The registration and the request id looked up in one statement (the bid path's profile counts every
/// round trip); the parameters appear in order, as SQLite numbers `$n` by first appearance.
async fn lookup(tx: &WriteTx, bidder_id: Uuid, command: &PlaceBid) -> ApiResult<Option<Lookup>> {
    const SQL: &str = "SELECT r.id, r.bidder_code, r.priority_rank, r.deposit_status, r.agent_status, r.frozen_at, \
         b.id AS replay_id, b.registration_id AS replay_registration \
         FROM (SELECT id, bidder_code, priority_rank, deposit_status, agent_status, frozen_at, auction_id \
               FROM registrations \
               WHERE auction_id = $1 AND user_id = $2) AS r \
         LEFT JOIN bids AS b ON b.auction_id = r.auction_id AND b.request_id = $3";
    let statement = Statement::from_sql_and_values(
        tx.get_database_backend(),
        SQL,
        [command.auction_id.into(), bidder_id.into(), command.request_id.into()],
    );
    Ok(Lookup::find_by_statement(statement).one(&**tx).await?)
}

/// Tells the round's watchers about bids just committed, in order. Each message carries the round as it
/// stood right after that bid (its price, leader, count and end), so a watcher never sees a later bid's
/// price beside an earlier bid.
pub async fn announce(state: &AppState, round: &auction::Model, bids: &[bid::Model]) {
    let Ok(status) = convert::status(&round.status) else {
        return;
    };
    let now = state.clock.now();
    // The round's long texts are not part of a live view: copy the row without them, once.
    let light = auction::Model {
        announcement: None,
        bidding_instructions: None,
        special_reminders: None,
        ..round.clone()
    };
    for row in bids {
        let mut as_of = light.clone();
        if row.seq < round.bid_count {
            as_of.current_price = Some(row.amount);
            as_of.leader_code = Some(row.bidder_code.clone());
            as_of.bid_count = row.seq;
            as_of.bidding_ends_at = row.ends_at_after;
            as_of.extension_count = row.extension_count_after;
        }
        if let (Ok(view), Ok(bid_view)) = (AuctionView::of(&as_of, now), BidView::of(row, as_of.bid_count, status)) {
            state
                .live
                .publish(
                    row.auction_id,
                    LiveMessage::Bid {
                        bid: &bid_view,
                        auction: &view,
                    },
                )
                .await;
        }
    }
}

/// The answer to a bid once its transaction has committed.
pub fn answer(placed: &Placed) -> ApiResult<BidOutcome> {
    Ok(match placed {
        Placed::Accepted(row) => BidOutcome::Accepted(PlaceBidResponse::of(row)?),
        Placed::Replayed(row) => BidOutcome::Replayed(PlaceBidResponse::of(row)?),
    })
}

/// The public bid record, newest first (R47). The total is the round's own counter, so a page costs
/// the same however many bids there are.
pub async fn list(
    state: &AppState,
    round: &auction::Model,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<BidView>, u64)> {
    let status = convert::status(&round.status)?;
    let total = u64::try_from(round.bid_count).unwrap_or(0);
    let bids = bid::Entity::find()
        .filter(bid::Column::AuctionId.eq(round.id))
        .order_by_desc(bid::Column::Seq)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(state.db.conn())
        .await?;
    let views = bids
        .iter()
        .map(|b| BidView::of(b, round.bid_count, status))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((views, total))
}

/// The caller's own bids, newest first, each with its round; optionally in one round only.
pub async fn list_mine(
    state: &AppState,
    caller: &Caller,
    auction_id: Option<Uuid>,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<(bid::Model, auction::Model)>, u64)> {
    let mut registrations = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .filter(registration::Column::UserId.eq(caller.user_id));
    if let Some(auction_id) = auction_id {
        registrations = registrations.filter(registration::Column::AuctionId.eq(auction_id));
    }
    let paginator = bid::Entity::find()
        .filter(bid::Column::RegistrationId.in_subquery(registrations.into_query()))
        .order_by_desc(bid::Column::PlacedAt)
        .order_by_desc(bid::Column::Seq)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    let bids = paginator.fetch_page(page - 1).await?;
    let round_ids: Vec<Uuid> = bids.iter().map(|b| b.auction_id).collect();
    let rounds: HashMap<Uuid, auction::Model> = auction::Entity::find()
        .filter(auction::Column::Id.is_in(round_ids))
        .all(state.db.conn())
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let items = bids
        .into_iter()
        .map(|b| {
            let round = rounds
                .get(&b.auction_id)
                .cloned()
                .ok_or_else(|| ApiError::internal("bid without its round"))?;
            Ok((b, round))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((items, total))
}

/// What a round's timeline is made of: its status changes, a sell-off's opening bid, a default, objections,
/// the reasons of a suspension, a revocation and a release, in order, and its latest extension — read through the (round, kind) index,
/// never through the bids.
pub async fn timeline_entries(state: &AppState, round: &auction::Model) -> ApiResult<Vec<ledger_entry::Model>> {
    let mut entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AuctionId.eq(round.id))
        .filter(ledger_entry::Column::Kind.is_in([
            "status",
            "sell_off_window",
            "default",
            "objection",
            "suspension_hold",
            "revocation",
            "release",
        ]))
        .order_by_asc(ledger_entry::Column::Seq)
        .all(state.db.conn())
        .await?;
    if round.extension_count > 0
        && let Some(latest) = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::AuctionId.eq(round.id))
            .filter(ledger_entry::Column::Kind.eq("extension"))
            .order_by_desc(ledger_entry::Column::Seq)
            .one(state.db.conn())
            .await?
    {
        entries.push(latest);
        entries.sort_by_key(|e| e.seq);
    }
    Ok(entries)
}

/// The round's whole ledger, in order.
/// Up to `limit` ledger entries of a round after `after_seq`, in order: one page of the chain.
pub async fn ledger_page(
    state: &AppState,
    round_id: Uuid,
    after_seq: i64,
    limit: u64,
) -> ApiResult<Vec<ledger_entry::Model>> {
    Ok(ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AuctionId.eq(round_id))
        .filter(ledger_entry::Column::Seq.gt(after_seq))
        .order_by_asc(ledger_entry::Column::Seq)
        .limit(limit)
        .all(state.db.conn())
        .await?)
}
