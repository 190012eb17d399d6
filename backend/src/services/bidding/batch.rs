//! Group commit per round. A bid that arrives while its round's previous batch is committing waits here;
//! the next batch takes every waiting bid of the round, decides them in arrival order under one lock of the
//! round (each with `decide::decide`, at the time it reached the server), writes them in one transaction
//! and answers each bid only once that transaction has committed — a refusal too, because what it says (a
//! higher price, a round that just closed) must already be visible when the bidder reads the round. On one
//! hot round this turns one commit (one WAL flush) per bid into one per batch;
//! every guarantee of the one-bid path holds, because the decision, the lock and the durability before the
//! answer are the same — only more bids share a commit. Across processes the round's row lock (PostgreSQL)
//! or the database's write lock (SQLite) still orders the batches.

use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::decide;
use super::queue::{PlaceBid, Placed, Waiting};
use crate::error::{ApiError, ApiResult};
use crate::hooks::HoldPoint;
use crate::services::rounds::{Access, commit_and_announce, update_round_in};
use crate::state::AppState;

/// Queues the bid for its round's next batch and waits for its answer. The first bid of an idle round
/// starts the task that drains the round; it runs apart from any request, so a client that goes away
/// takes no other bidder's answer with it.
pub async fn submit(state: Arc<AppState>, bidder_id: Uuid, command: PlaceBid) -> ApiResult<Placed> {
    let round_id = command.auction_id;
    let (reply, answer) = oneshot::channel();
    let waiting = Waiting {
        bidder_id,
        command,
        reply,
    };
    if state.bid_queue.push(waiting) {
        tokio::spawn(drain(state, round_id));
    }
    answer
        .await
        .unwrap_or_else(|_| Err(ApiError::internal("the bid's batch ended without an answer")))
}

/// Decides and commits the round's batches until no bid waits.
async fn drain(state: Arc<AppState>, round_id: Uuid) {
    while let Some(batch) = state.bid_queue.next_batch(round_id) {
        // A panic fails this batch's bids (their senders are dropped: a 500), never the round's queue.
        if std::panic::AssertUnwindSafe(commit_batch(&state, round_id, batch))
            .catch_unwind()
            .await
            .is_err()
        {
            tracing::error!(auction.id = %round_id, "a bid batch panicked; its bids were answered with an error");
        }
    }
}

/// One batch: every bid decided in arrival order under one lock, one commit, then the answers.
async fn commit_batch(state: &AppState, round_id: Uuid, mut batch: Vec<Waiting>) {
    // Arrival order is the order of the times the bids reached the server (stable for equal times).
    batch.sort_by_key(|w| w.command.received_at);
    let size = batch.len();
    let first_arrival = batch[0].command.received_at;
    let (work, replies): (Vec<_>, Vec<_>) = batch.into_iter().map(|w| ((w.bidder_id, w.command), w.reply)).unzip();

    let committed = async {
        let tx = state.db.write().await?;
        let decided = update_round_in(
            state,
            &tx,
            round_id,
            first_arrival,
            Access::Public,
            async |locked, tx| {
                let mut decisions = Vec::with_capacity(work.len());
                for (bidder_id, command) in &work {
                    locked.advance(state, tx, command.received_at).await?;
                    match decide::decide(state, *bidder_id, command, locked, tx).await {
                        Err(error) if error.status.is_server_error() => return Err(error),
                        decision => decisions.push(decision),
                    }
                }
                Ok(decisions)
            },
        )
        .await?;
        if decided.saved.is_some() {
            state.hooks.pass(HoldPoint::BatchBeforeCommit).await;
        }
        commit_and_announce(state, tx, decided.saved.as_ref()).await?;
        Ok::<_, ApiError>((decided.decision?, decided.row))
    }
    .await;

    match committed {
        Ok((decisions, round)) => {
            let accepted: Vec<_> = decisions
                .iter()
                .filter_map(|decision| match decision {
                    Ok(Placed::Accepted(row)) => Some(row.clone()),
                    _ => None,
                })
                .collect();
            for (reply, decision) in replies.into_iter().zip(decisions) {
                // The request may have gone away; its bid stands all the same.
                let _ = reply.send(decision);
            }
            state.bid_queue.committed(size);
            tracing::debug!(auction.id = %round_id, batch = size, accepted = accepted.len(), "bid batch committed");
            state.live.bids_committed(&round, &accepted, state.clock.now()).await;
        }
        Err(error) => {
            // Nothing of the batch was committed: every bid gets the error.
            for reply in replies {
                let _ = reply.send(Err(error.duplicate()));
            }
        }
    }
}
