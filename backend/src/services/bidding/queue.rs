//! The bids waiting for their round's next batch (group commit; the batches are decided and committed by
//! `services::bid_queue`), kept per round in the process's state, and what a decided bid is.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use auction_core::{Instant, Money};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::persistence::entities::bid;

/// A batch holds at most this many bids, so one transaction stays short.
pub const MAX_BATCH: usize = 256;

/// A bid as it entered the server.
pub struct PlaceBid {
    pub auction_id: Uuid,
    pub amount: Money,
    pub request_id: Uuid,
    /// The server time when the request reached the engine: the bid's legal time (R46, c.2).
    pub received_at: Instant,
}

/// What the decision under the lock produced: a new bid, or the one an earlier try of the request made.
pub enum Placed {
    Accepted(bid::Model),
    Replayed(bid::Model),
}

/// A bid waiting for its round's next batch, with the way back to its request.
pub struct Waiting {
    pub bidder_id: Uuid,
    pub command: PlaceBid,
    pub reply: oneshot::Sender<ApiResult<Placed>>,
}

/// The bids waiting per round. A round has an entry exactly while a task is draining it.
#[derive(Default)]
pub struct BidQueue {
    rounds: Mutex<HashMap<Uuid, Vec<Waiting>>>,
    /// Bids of the one-bid path (`bid_path = "single"`) between their arrival and their commit, per round.
    singles: Mutex<HashMap<Uuid, usize>>,
    batches: AtomicU64,
    bids: AtomicU64,
}

/// A one-bid-path bid in flight; dropping it says the bid was decided.
pub struct SingleBid<'a> {
    queue: &'a BidQueue,
    round_id: Uuid,
}

impl Drop for SingleBid<'_> {
    fn drop(&mut self) {
        let mut singles = self
            .queue
            .singles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = singles.get_mut(&self.round_id) {
            *count -= 1;
            if *count == 0 {
                singles.remove(&self.round_id);
            }
        }
    }
}

/// How many batches were committed and how many bids they decided, since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchStats {
    pub batches: u64,
    pub bids: u64,
}

impl BidQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Vec<Waiting>>> {
        // A panic while holding this lock cannot leave the map half-changed (each change is one call).
        self.rounds.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues the bid; `true` when its round was idle, so the caller starts the task that drains it.
    pub fn push(&self, waiting: Waiting) -> bool {
        let round_id = waiting.command.auction_id;
        let mut rounds = self.lock();
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
    }

    /// The round's next batch, or `None` — and the round's entry removed — when nothing waits.
    pub fn next_batch(&self, round_id: Uuid) -> Option<Vec<Waiting>> {
        let mut rounds = self.lock();
        let queue = rounds.get_mut(&round_id)?;
        if queue.is_empty() {
            rounds.remove(&round_id);
            return None;
        }
        let take = queue.len().min(MAX_BATCH);
        Some(queue.drain(..take).collect())
    }

    /// Whether bids of the round that have entered are still undecided: a task is deciding them, bids wait
    /// for it, or a bid of the one-bid path is on its way to the round's lock.
    pub fn is_draining(&self, round_id: Uuid) -> bool {
        self.lock().contains_key(&round_id)
            || self
                .singles
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains_key(&round_id)
    }

    /// Counts a one-bid-path bid of the round as undecided until the guard is dropped.
    pub fn enter_single(&self, round_id: Uuid) -> SingleBid<'_> {
        *self
            .singles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(round_id)
            .or_insert(0) += 1;
        SingleBid { queue: self, round_id }
    }

    /// How many bids of the round wait for its next batch.
    pub fn waiting(&self, round_id: Uuid) -> usize {
        self.lock().get(&round_id).map_or(0, Vec::len)
    }

    /// Counts a committed batch of `size` bids.
    pub fn committed(&self, size: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.bids
            .fetch_add(u64::try_from(size).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn stats(&self) -> BatchStats {
        BatchStats {
            batches: self.batches.load(Ordering::Relaxed),
            bids: self.bids.load(Ordering::Relaxed),
        }
    }
}
