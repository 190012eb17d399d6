//! One bid decided under its round's lock, at the time it reached the server, and the answer to it.

use auction_core::agency::check_may_bid;
use auction_core::round::Bidder;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, Statement};
use uuid::Uuid;

use super::queue::{PlaceBid, Placed};
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::millis;
use crate::persistence::entities::bid;
use crate::services::rounds::LockedRound;
use crate::state::AppState;

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
    check_may_bid(registration.agent_status)?;
    if registration.frozen_at.is_some() {
        return Err(crate::auth::account_frozen());
    }
    let bidder = Bidder {
        code: registration.bidder_code.clone(),
        priority_rank: registration.priority_rank.and_then(|r| u32::try_from(r).ok()),
        deposit: registration.deposit_status,
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
    deposit_status: auction_core::DepositStatus,
    agent_status: Option<auction_core::agency::AgencyStatus>,
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
