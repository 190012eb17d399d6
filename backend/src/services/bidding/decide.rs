//! One bid decided under its round's lock, at the time it reached the server, and the answer to it.

use auction_core::agency::check_may_bid;
use auction_core::round::Bidder;
use std::collections::HashMap;

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Statement};
use uuid::Uuid;

use super::queue::{PlaceBid, Placed};
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::millis;
use crate::persistence::entities::bid;
use crate::persistence::{WriteTx, bulk};
use crate::services::rounds::LockedRound;
use crate::state::AppState;

/// What the bids of one transaction read and write together: their registrations and earlier tries,
/// looked up for a whole batch in one statement (`ahead`) or one bid at a time (the one-bid path), and the
/// accepted bids, inserted in one statement (`write`) before the transaction commits.
#[derive(Default)]
pub struct BidWrites {
    /// Looked up ahead for every bid of a batch, by (round, bidder, request id); `None`: ask per bid.
    known: Option<HashMap<(Uuid, Uuid, Uuid), Lookup>>,
    accepted: Vec<bid::Model>,
}

impl BidWrites {
    /// Looks up the registrations and earlier tries of all these bids (`(bidder, bid)`) in one statement.
    pub async fn ahead(tx: &WriteTx, bids: &[(Uuid, &PlaceBid)]) -> ApiResult<BidWrites> {
        let mut known = HashMap::with_capacity(bids.len());
        // Within the bind-variable limits of both databases (three per bid).
        for chunk in bids.chunks(300) {
            for found in lookup_many(tx, chunk).await? {
                known.insert((found.q_auction, found.q_user, found.q_request), found.lookup);
            }
        }
        Ok(BidWrites {
            known: Some(known),
            accepted: Vec::new(),
        })
    }

    async fn lookup(&self, tx: &WriteTx, bidder_id: Uuid, command: &PlaceBid) -> ApiResult<Option<Lookup>> {
        match &self.known {
            Some(known) => Ok(known.get(&(command.auction_id, bidder_id, command.request_id)).cloned()),
            None => lookup(tx, bidder_id, command).await,
        }
    }

    /// The bid a try of this request accepted earlier in this transaction (two tries in one batch).
    fn accepted_earlier(&self, command: &PlaceBid) -> Option<&bid::Model> {
        self.accepted
            .iter()
            .find(|b| b.auction_id == command.auction_id && b.request_id == command.request_id)
    }

    /// Inserts the accepted bids in one statement.
    pub async fn write(self, tx: &WriteTx) -> ApiResult<()> {
        let rows: Vec<bid::ActiveModel> = self.accepted.into_iter().map(bid::ActiveModel::from).collect();
        bulk::insert_rows(tx, rows).await
    }
}

/// Decides one bid under the round's lock, at the time it reached the server: the bidder's registration,
/// a retry of an accepted request, the rules (`auction_core::Round::place_bid`); an accepted bid's row is
/// kept in `writes` (inserted before the commit) and its ledger entries recorded. A refusal writes nothing.
pub async fn decide(
    state: &AppState,
    bidder_id: Uuid,
    command: &PlaceBid,
    locked: &mut LockedRound,
    tx: &WriteTx,
    writes: &mut BidWrites,
) -> ApiResult<Placed> {
    let t = command.received_at;
    let registration = writes.lookup(tx, bidder_id, command).await?.ok_or_else(|| {
        ApiError::forbidden_because(
            "not_registered",
            "register and pay the deposit before bidding on this auction",
        )
    })?;
    if let Some(earlier) = writes.accepted_earlier(command) {
        if earlier.registration_id != registration.id {
            return Err(request_id_reused());
        }
        return Ok(Placed::Replayed(earlier.clone()));
    }
    if let Some(replayed) = registration.replay_id {
        if registration.replay_registration != Some(registration.id) {
            return Err(request_id_reused());
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
    let row = bid::Model {
        id: Uuid::new_v4(),
        auction_id: command.auction_id,
        seq: i32::try_from(accepted.seq).unwrap_or(i32::MAX),
        registration_id: registration.id,
        bidder_code: accepted.bidder_code.clone(),
        amount: accepted.amount.cents(),
        placed_at: millis(accepted.placed_at),
        priority: accepted.priority,
        priority_match: accepted.priority_match,
        ends_at_after: millis(accepted.ends_at),
        extension_count_after: i32::try_from(accepted.extension_count).unwrap_or(i32::MAX),
        request_id: command.request_id,
        created_at: millis(state.clock.now()),
    };
    writes.accepted.push(row.clone());
    locked.record_bid(&accepted, registration.id);
    tracing::debug!(auction.id = %command.auction_id, bid.seq = accepted.seq, extended = accepted.extended(), "bid accepted");
    Ok(Placed::Accepted(row))
}

fn request_id_reused() -> ApiError {
    ApiError::conflict("request_id_reused", "this request_id was already used for another bid")
}

/// The caller's registration for the round, and the bid an earlier try of this request made, if any.
#[derive(Debug, Clone, FromQueryResult)]
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

/// One row of a batch's lookup: the bid it answers for, and what was found.
#[derive(Debug, FromQueryResult)]
struct LookupFor {
    q_auction: Uuid,
    q_user: Uuid,
    q_request: Uuid,
    #[sea_orm(nested)]
    lookup: Lookup,
}

/// [`lookup`] for many bids in one statement: their (round, bidder, request id) as a table joined to the
/// registrations and the earlier bids. A bid whose bidder has no registration has no row. On PostgreSQL
/// the table is three array parameters, so the statement is the same for any number of bids (prepared
/// once per connection, see `persistence::bulk`); on SQLite it is a list of values.
async fn lookup_many(tx: &WriteTx, bids: &[(Uuid, &PlaceBid)]) -> ApiResult<Vec<LookupFor>> {
    let backend = tx.get_database_backend();
    let (table, values): (String, Vec<sea_orm::Value>) = if backend == sea_orm::DbBackend::Postgres {
        let column = |part: fn(&(Uuid, &PlaceBid)) -> Uuid| bids.iter().map(part).collect::<Vec<Uuid>>().into();
        (
            "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[])".to_owned(),
            vec![
                column(|(_, command)| command.auction_id),
                column(|(bidder_id, _)| *bidder_id),
                column(|(_, command)| command.request_id),
            ],
        )
    } else {
        let (tuples, values) = bulk::values_list(bids.iter().map(|(bidder_id, command)| {
            [
                command.auction_id.into(),
                (*bidder_id).into(),
                command.request_id.into(),
            ]
        }));
        (format!("VALUES {tuples}"), values)
    };
    let sql = format!(
        "WITH q(q_auction, q_user, q_request) AS ({table}) \
         SELECT q.q_auction, q.q_user, q.q_request, r.id, r.bidder_code, r.priority_rank, r.deposit_status, \
                r.agent_status, r.frozen_at, b.id AS replay_id, b.registration_id AS replay_registration \
         FROM q JOIN registrations AS r ON r.auction_id = q.q_auction AND r.user_id = q.q_user \
         LEFT JOIN bids AS b ON b.auction_id = q.q_auction AND b.request_id = q.q_request"
    );
    let statement = Statement::from_sql_and_values(backend, sql, values);
    Ok(LookupFor::find_by_statement(statement).all(&**tx).await?)
}
