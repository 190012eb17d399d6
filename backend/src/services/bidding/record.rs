//! What the bids leave behind, read back: the public bid record, a bidder's own bids, the timeline and the
//! ledger in pages.

use auction_core::ledger::LedgerKind;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::ReadFrom;
use crate::persistence::entities::{bid, ledger_entry, registration, round};
use crate::state::AppState;

/// The public bid record, newest first (R47). The total is the round's own counter, so a page costs
/// the same however many bids there are.
pub async fn list(
    state: &AppState,
    from: ReadFrom,
    round: &round::Model,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<bid::Model>, u64)> {
    let total = u64::try_from(round.bid_count).unwrap_or(0);
    let bids = bid::Entity::find()
        .filter(bid::Column::AuctionId.eq(round.id))
        .order_by_desc(bid::Column::Seq)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(state.db.reads(from))
        .await?;
    Ok((bids, total))
}

/// The caller's own bids, newest first, each with its round; optionally in one round only.
pub async fn list_mine(
    state: &AppState,
    caller: &Caller,
    auction_id: Option<Uuid>,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<(bid::Model, round::Model)>, u64)> {
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
    let rounds: HashMap<Uuid, round::Model> = round::Entity::find()
        .filter(round::Column::Id.is_in(round_ids))
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
pub async fn timeline_entries(
    state: &AppState,
    from: ReadFrom,
    round: &round::Model,
) -> ApiResult<Vec<ledger_entry::Model>> {
    let db = state.db.reads(from);
    let mut entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AuctionId.eq(round.id))
        .filter(ledger_entry::Column::Kind.is_in([
            LedgerKind::Status,
            LedgerKind::SellOffWindow,
            LedgerKind::Default,
            LedgerKind::Objection,
            LedgerKind::SuspensionHold,
            LedgerKind::Revocation,
            LedgerKind::Release,
        ]))
        .order_by_asc(ledger_entry::Column::Seq)
        .all(db)
        .await?;
    if round.extension_count > 0
        && let Some(latest) = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::AuctionId.eq(round.id))
            .filter(ledger_entry::Column::Kind.eq(LedgerKind::Extension))
            .order_by_desc(ledger_entry::Column::Seq)
            .one(db)
            .await?
    {
        entries.push(latest);
        entries.sort_by_key(|e| e.seq);
    }
    Ok(entries)
}

/// Up to `limit` ledger entries of a round after `after_seq`, in order: one page of the chain.
pub async fn ledger_page(
    state: &AppState,
    from: ReadFrom,
    round_id: Uuid,
    after_seq: i64,
    limit: u64,
) -> ApiResult<Vec<ledger_entry::Model>> {
    Ok(ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AuctionId.eq(round_id))
        .filter(ledger_entry::Column::Seq.gt(after_seq))
        .order_by_asc(ledger_entry::Column::Seq)
        .limit(limit)
        .all(state.db.reads(from))
        .await?)
}
