//! Group commit per round. A bid that arrives while its round's previous batch is committing waits here;
//! the next batch takes every waiting bid of the round, decides them in arrival order under one lock of the
//! round (each with `bidding::decide`, at the time it reached the server), writes them in one transaction
//! and acknowledges each accepted bid only once that transaction has committed. A refused bid is answered as
//! soon as it is decided. On one hot round this turns one commit (one WAL flush) per bid into one per batch;
//! every guarantee of the one-bid path holds, because the decision, the lock and the durability before the
//! answer are the same — only more bids share a commit. Across processes the round's row lock (PostgreSQL)
//! or the database's write lock (SQLite) still orders the batches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::bidding::{self, BidOutcome, PlaceBid, Placed};
use super::rounds::{Access, update_round_in};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A batch holds at most this many bids, so one transaction stays short.
pub const MAX_BATCH: usize = 256;

/// A bid waiting for its round's next batch, with the way back to its request.
struct Waiting {
    bidder_id: Uuid,
    command: PlaceBid,
    reply: oneshot::Sender<ApiResult<BidOutcome>>,
}

/// The bids waiting per round. A round has an entry exactly while a task is draining it.
#[derive(Default)]
pub struct BidQueue {
    rounds: Mutex<HashMap<Uuid, Vec<Waiting>>>,
    batches: AtomicU64,
    bids: AtomicU64,
}

/// How many batches were committed and how many bids they decided, since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchStats {
    pub batches: u64,
    pub bids: u64,
}

/// Queues the bid for its round's next batch and waits for its answer. The first bid of an idle round
/// starts the task that drains the round; it runs apart from any request, so a client that goes away
/// takes no other bidder's answer with it.
pub async fn submit(state: Arc<AppState>, bidder_id: Uuid, command: PlaceBid) -> ApiResult<BidOutcome> {
    let round_id = command.auction_id;
    let (reply, answer) = oneshot::channel();
    let waiting = Waiting {
        bidder_id,
        command,
        reply,
    };
    let start_drain = {
        let mut rounds = state.bid_queue.lock();
        match rounds.get_mut(&round_id) {
            Some(queue) => {
                queue.push(waiting);
                false
            }
            None => {
                rounds.insert(round_id, vec![waiting]);
                true
            }
        }
    };
    if start_drain {
        tokio::spawn(drain(state, round_id));
    }
    answer
        .await
        .unwrap_or_else(|_| Err(ApiError::internal("the bid's batch ended without an answer")))
}

impl BidQueue {
    pub fn stats(&self) -> BatchStats {
        BatchStats {
            batches: self.batches.load(Ordering::Relaxed),
            bids: self.bids.load(Ordering::Relaxed),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Vec<Waiting>>> {
        // A panic while holding this lock cannot leave the map half-changed (each change is one call).
        self.rounds.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The round's next batch, or `None` — and the round's entry removed — when nothing waits.
    fn next_batch(&self, round_id: Uuid) -> Option<Vec<Waiting>> {
        let mut rounds = self.lock();
        let queue = rounds.get_mut(&round_id)?;
        if queue.is_empty() {
            rounds.remove(&round_id);
            return None;
        }
        let take = queue.len().min(MAX_BATCH);
        Some(queue.drain(..take).collect())
    }
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
    let (work, replies): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .map(|w| ((w.bidder_id, w.command), Mutex::new(Some(w.reply))))
        .unzip();
    let reply = |index: usize, answer: ApiResult<BidOutcome>| {
        let sender = replies[index]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(sender) = sender {
            // The request may have gone away; its bid stands all the same.
            let _ = sender.send(answer);
        }
    };

    let committed = async {
        let tx = state.db.write().await?;
        let decided = update_round_in(
            state,
            &tx,
            round_id,
            first_arrival,
            Access::Public,
            async |locked, tx| {
                let mut placed = Vec::new();
                for (index, (bidder_id, command)) in work.iter().enumerate() {
                    locked.advance(state, tx, command.received_at).await?;
                    match bidding::decide(state, *bidder_id, command, locked, tx).await {
                        Ok(bid) => placed.push((index, bid)),
                        Err(error) if error.status.is_server_error() => return Err(error),
                        Err(refusal) => reply(index, Err(refusal)),
                    }
                }
                Ok(placed)
            },
        )
        .await?;
        if decided.changed {
            tx.commit().await?;
            decided.saved.announce(state).await;
        }
        Ok::<_, ApiError>((decided.decision?, decided.saved.row))
    }
    .await;

    match committed {
        Ok((placed, round)) => {
            let accepted: Vec<_> = placed
                .iter()
                .filter_map(|(_, bid)| match bid {
                    Placed::Accepted(row) => Some(row.clone()),
                    Placed::Replayed(_) => None,
                })
                .collect();
            for (index, bid) in &placed {
                reply(*index, bid.answer());
            }
            state.bid_queue.batches.fetch_add(1, Ordering::Relaxed);
            state
                .bid_queue
                .bids
                .fetch_add(u64::try_from(size).unwrap_or(u64::MAX), Ordering::Relaxed);
            tracing::debug!(auction.id = %round_id, batch = size, accepted = accepted.len(), "bid batch committed");
            bidding::announce(state, &round, &accepted).await;
        }
        Err(error) => {
            // Nothing of the batch was committed: every bid not yet refused gets the error.
            for index in 0..size {
                reply(index, Err(error.duplicate()));
            }
        }
    }
}
