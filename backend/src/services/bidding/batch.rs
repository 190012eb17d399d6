//! Group commit, across rounds. A bid that arrives while the previous batch is committing waits here; the
//! next batch takes every waiting bid of every round, locks their rounds in one order (by id — in every
//! process, so no two batches wait on each other), decides each round's bids in arrival order under its
//! lock (each with `decide::decide`, at the time it reached the server), writes them all in one
//! transaction and answers each bid only once that transaction has committed — a refusal too, because what
//! it says (a higher price, a round that just closed) must already be visible when the bidder reads the
//! round. On one hot round, and on a morning of many rounds with a bid each, this turns one commit (one WAL
//! flush) per bid into one per batch; every guarantee of the one-bid path holds, because the decision, the
//! lock and the durability before the answer are the same — only more bids share a commit. Across
//! processes the rounds' row locks (PostgreSQL) or the database's write lock (SQLite) order the batches.
//!
//! A round whose decision fails (a server error) fails only its own bids: the transaction is let go and the
//! batch decided again without that round. A batch's statements do not grow with its rounds (see
//! `decide_and_commit`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::oneshot;
use uuid::Uuid;

use sea_orm::EntityTrait;

use super::decide::{self, BidWrites};
use super::queue::{PlaceBid, Placed, Waiting};
use crate::error::{ApiError, ApiResult};
use crate::hooks::HoldPoint;
use crate::persistence::WriteTx;
use crate::persistence::entities::{bid, round};
use crate::services::rounds::{Access, LockedRound, SavedRound, insert_ledger_entries, write_rounds};
use crate::state::AppState;

/// Queues the bid for the next batch and waits for its answer. The first bid when no batch is being
/// taken starts the task that takes them; it runs apart from any request, so a client that goes away
/// takes no other bidder's answer with it.
pub async fn submit(state: Arc<AppState>, bidder_id: Uuid, command: PlaceBid) -> ApiResult<Placed> {
    let (reply, answer) = oneshot::channel();
    let waiting = Waiting {
        bidder_id,
        command,
        reply,
    };
    if let Some(committer) = state.bid_queue.push(waiting) {
        tokio::spawn(drain(state, committer));
    }
    answer
        .await
        .unwrap_or_else(|_| Err(ApiError::internal("the bid's batch ended without an answer")))
}

/// Decides and commits the committer's batches until none of its bids waits.
async fn drain(state: Arc<AppState>, committer: usize) {
    while let Some((batch, undecided)) = state.bid_queue.next_batch(committer) {
        // A panic fails this batch's bids (their senders are dropped: a 500), never the queue.
        if std::panic::AssertUnwindSafe(commit_batch(&state, batch))
            .catch_unwind()
            .await
            .is_err()
        {
            tracing::error!("a bid batch panicked; its bids were answered with an error");
        }
        // Only now are its rounds' bids decided, for a close that waits for them.
        drop(undecided);
    }
}

/// One round's part of a batch: its bids in arrival order, and the ways back to their requests.
struct RoundBids {
    work: Vec<(Uuid, PlaceBid)>,
    replies: Vec<oneshot::Sender<ApiResult<Placed>>>,
}

/// One round decided within the batch's transaction.
struct Decision {
    round_id: Uuid,
    answers: Vec<ApiResult<Placed>>,
    row: Option<round::Model>,
    saved: Option<SavedRound>,
}

/// Why a batch's transaction did not commit: a round's decision failed (its bids get the error, the others
/// are decided again), or the database did (every bid gets the error).
struct Failure {
    round_id: Option<Uuid>,
    error: ApiError,
}

/// One batch: every round locked in id order and its bids decided in arrival order, one commit, then the
/// answers and the announcements.
async fn commit_batch(state: &AppState, batch: Vec<Waiting>) {
    let mut by_round: BTreeMap<Uuid, Vec<Waiting>> = BTreeMap::new();
    for waiting in batch {
        by_round.entry(waiting.command.auction_id).or_default().push(waiting);
    }
    let mut rounds: BTreeMap<Uuid, RoundBids> = BTreeMap::new();
    for (round_id, mut waiting) in by_round {
        // Arrival order is the order of the times the bids reached the server (stable for equal times).
        waiting.sort_by_key(|w| w.command.received_at);
        let (work, replies) = waiting.into_iter().map(|w| ((w.bidder_id, w.command), w.reply)).unzip();
        rounds.insert(round_id, RoundBids { work, replies });
    }
    loop {
        match decide_and_commit(state, &rounds).await {
            Ok(decisions) => return answer(state, rounds, decisions).await,
            Err(Failure {
                round_id: Some(failed),
                error,
            }) => {
                tracing::error!(auction.id = %failed, error = %error.message, "a round's bids failed; the batch is decided again without it");
                if let Some(bids) = rounds.remove(&failed) {
                    for reply in bids.replies {
                        let _ = reply.send(Err(error.duplicate()));
                    }
                }
                if rounds.is_empty() {
                    return;
                }
            }
            Err(Failure { round_id: None, error }) => {
                // Nothing of the batch was committed: every bid gets the error.
                for reply in rounds.into_values().flat_map(|bids| bids.replies) {
                    let _ = reply.send(Err(error.duplicate()));
                }
                return;
            }
        }
    }
}

/// Decides every round of the batch in one transaction and commits it, in a handful of statements
/// whatever the batch holds: the rounds locked in one, the bids' registrations and earlier tries looked up
/// in one, the changed rounds' rows written in one, the accepted bids inserted in one and the ledger
/// entries of every round in one (`persistence::bulk`).
async fn decide_and_commit(state: &AppState, rounds: &BTreeMap<Uuid, RoundBids>) -> Result<Vec<Decision>, Failure> {
    let whole = |error: ApiError| Failure { round_id: None, error };
    let tx = state.db.write().await.map_err(|e| whole(e.into()))?;
    let ids: Vec<Uuid> = rounds.keys().copied().collect();
    let rows = match LockedRound::lock_many(&tx, &ids).await {
        Ok(rows) => rows,
        // One row that cannot be read fails the statement: find which, so that only its bids fail.
        Err(error) => {
            drop(tx);
            return Err(Failure {
                round_id: unreadable_round(state, &ids).await,
                error,
            });
        }
    };
    let mut rows: HashMap<Uuid, round::Model> = rows.into_iter().map(|row| (row.id, row)).collect();
    let all: Vec<(Uuid, &PlaceBid)> = rounds
        .values()
        .flat_map(|bids| bids.work.iter().map(|(bidder_id, command)| (*bidder_id, command)))
        .collect();
    let mut writes = BidWrites::ahead(&tx, &all).await.map_err(whole)?;
    let mut entries = Vec::new();
    let now = state.clock.now();
    let mut decisions = Vec::with_capacity(rounds.len());
    for (&round_id, bids) in rounds {
        let failed = |error: ApiError| Failure {
            round_id: Some(round_id),
            error,
        };
        let refused = |refusal: ApiError| Decision {
            round_id,
            answers: bids.work.iter().map(|_| Err(refusal.duplicate())).collect(),
            row: None,
            saved: None,
        };
        let Some(row) = rows.remove(&round_id) else {
            decisions.push(refused(ApiError::not_found("auction")));
            continue;
        };
        let mut locked = LockedRound::from_row(row).map_err(failed)?;
        // A draft is no round to the public: its bids are refused before anything is written.
        if let Err(refusal) = Access::Public.check(&locked) {
            decisions.push(refused(refusal));
            continue;
        }
        let answers = decide_round(state, &tx, &mut locked, bids, &mut writes)
            .await
            .map_err(failed)?;
        let (row, saved) = if locked.has_changes() {
            let saved = locked.into_saved(now, &mut entries).map_err(failed)?;
            (saved.row.clone(), Some(saved))
        } else {
            (locked.row, None)
        };
        decisions.push(Decision {
            round_id,
            answers,
            row: Some(row),
            saved,
        });
    }
    let changed: Vec<&SavedRound> = decisions.iter().filter_map(|d| d.saved.as_ref()).collect();
    write_rounds(&tx, &changed).await.map_err(whole)?;
    writes.write(&tx).await.map_err(whole)?;
    insert_ledger_entries(&tx, entries).await.map_err(whole)?;
    if decisions.iter().any(|d| d.saved.is_some()) {
        state.hooks.pass(HoldPoint::BatchBeforeCommit).await;
    }
    tx.commit().await.map_err(|e| whole(e.into()))?;
    Ok(decisions)
}

/// One round's bids decided in arrival order, each at the time it reached the server; a server error
/// fails them all.
async fn decide_round(
    state: &AppState,
    tx: &WriteTx,
    locked: &mut LockedRound,
    bids: &RoundBids,
    writes: &mut BidWrites,
) -> ApiResult<Vec<ApiResult<Placed>>> {
    let mut answers = Vec::with_capacity(bids.work.len());
    for (bidder_id, command) in &bids.work {
        locked.advance(state, tx, command.received_at).await?;
        match decide::decide(state, *bidder_id, command, locked, tx, writes).await {
            Err(error) if error.status.is_server_error() => return Err(error),
            answer => answers.push(answer),
        }
    }
    Ok(answers)
}

/// The first of these rounds whose row cannot be read, each read on its own; `None` if all can (the
/// failure was the database's).
async fn unreadable_round(state: &AppState, ids: &[Uuid]) -> Option<Uuid> {
    for &id in ids {
        if round::Entity::find_by_id(id).one(state.db.conn()).await.is_err() {
            return Some(id);
        }
    }
    None
}

/// After the commit: every bid's answer, then the watchers of each round.
async fn answer(state: &AppState, mut rounds: BTreeMap<Uuid, RoundBids>, decisions: Vec<Decision>) {
    let size: usize = decisions.iter().map(|d| d.answers.len()).sum();
    let mut announcements = Vec::with_capacity(decisions.len());
    for decision in decisions {
        let accepted: Vec<_> = decision
            .answers
            .iter()
            .filter_map(|answer| match answer {
                Ok(Placed::Accepted(row)) => Some(row.clone()),
                _ => None,
            })
            .collect();
        if let Some(bids) = rounds.remove(&decision.round_id) {
            for (reply, answer) in bids.replies.into_iter().zip(decision.answers) {
                // The request may have gone away; its bid stands all the same.
                let _ = reply.send(answer);
            }
        }
        announcements.push((decision.row, decision.saved, accepted));
    }
    state.bid_queue.committed(size, announcements.len());
    tracing::debug!(batch = size, rounds = announcements.len(), "bid batch committed");
    state.hooks.pass(HoldPoint::BidsCommittedBeforeAnnounce).await;
    let now = state.clock.now();
    // Status changes first, then every round's bids in one publication.
    for (_, saved, _) in &announcements {
        if let Some(saved) = saved {
            saved.announce(state).await;
        }
    }
    let committed: Vec<(&round::Model, &[bid::Model])> = announcements
        .iter()
        .filter_map(|(row, _, accepted)| row.as_ref().map(|row| (row, accepted.as_slice())))
        .collect();
    state.live.batch_committed(&committed, now).await;
}
