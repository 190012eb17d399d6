//! The bids waiting for the next batch (group commit across rounds; the batches are decided and committed
//! by `batch`), kept in the process's state, and what a decided bid is.

use std::collections::{HashMap, VecDeque};
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

/// A bid waiting for the next batch, with the way back to its request.
pub struct Waiting {
    pub bidder_id: Uuid,
    pub command: PlaceBid,
    pub reply: oneshot::Sender<ApiResult<Placed>>,
}

/// The bids waiting for the next batch, of every round, in the order they entered, split among a few
/// committers by round: all of a round's bids go to the same committer, so they are decided in arrival
/// order, while the committers commit batches of different rounds side by side (on PostgreSQL a batch's
/// statements are round trips, and one committer alone would leave the database idle between them). Each
/// committer is one task at a time taking its bids in batches (`batch::drain`); a batch holds bids of
/// many rounds, so rounds with one bid each still share a commit.
pub struct BidQueue {
    committers: Vec<Mutex<Pending>>,
    /// Bids of the one-bid path (`bid_path = "single"`) between their arrival and their commit, per round.
    singles: Mutex<HashMap<Uuid, usize>>,
    batches: AtomicU64,
    bids: AtomicU64,
    rounds: AtomicU64,
}

#[derive(Default)]
struct Pending {
    waiting: VecDeque<Waiting>,
    /// Bids entered and not yet answered, per round: waiting, or in the batch being decided.
    undecided: HashMap<Uuid, usize>,
    /// A task is taking the batches.
    draining: bool,
}

/// The bids of one batch, counted as undecided until it is dropped (after their answers, or a panic).
pub struct Undecided<'a> {
    queue: &'a BidQueue,
    committer: usize,
    rounds: Vec<(Uuid, usize)>,
}

impl Drop for Undecided<'_> {
    fn drop(&mut self) {
        let mut pending = self.queue.lock(self.committer);
        for (round_id, count) in &self.rounds {
            if let Some(left) = pending.undecided.get_mut(round_id) {
                *left = left.saturating_sub(*count);
                if *left == 0 {
                    pending.undecided.remove(round_id);
                }
            }
        }
    }
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
    /// The rounds of each batch, summed: above `batches` when batches held bids of several rounds.
    pub rounds: u64,
}

impl Default for BidQueue {
    fn default() -> Self {
        BidQueue::new(1)
    }
}

impl BidQueue {
    /// A queue for `committers` batches committing at the same time (at least one).
    pub fn new(committers: usize) -> BidQueue {
        BidQueue {
            committers: (0..committers.max(1)).map(|_| Mutex::default()).collect(),
            singles: Mutex::default(),
            batches: AtomicU64::default(),
            bids: AtomicU64::default(),
            rounds: AtomicU64::default(),
        }
    }

    /// The committer of a round's bids.
    fn committer_of(&self, round_id: Uuid) -> usize {
        // Round ids are random, so the rounds spread evenly.
        (round_id.as_u128() % self.committers.len() as u128) as usize
    }

    fn lock(&self, committer: usize) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while holding this lock cannot leave the queue half-changed (each change is one call).
        self.committers[committer]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues the bid; its committer's number when no task was taking that committer's batches, so the
    /// caller starts one.
    pub fn push(&self, waiting: Waiting) -> Option<usize> {
        let committer = self.committer_of(waiting.command.auction_id);
        let mut pending = self.lock(committer);
        *pending.undecided.entry(waiting.command.auction_id).or_insert(0) += 1;
        pending.waiting.push_back(waiting);
        (!std::mem::replace(&mut pending.draining, true)).then_some(committer)
    }

    /// The committer's next batch — its oldest waiting bids, of any rounds, at most `MAX_BATCH` — with their
    /// count as undecided until it is dropped; or `None`, and the task stops, when nothing waits.
    pub fn next_batch(&self, committer: usize) -> Option<(Vec<Waiting>, Undecided<'_>)> {
        let mut pending = self.lock(committer);
        if pending.waiting.is_empty() {
            pending.draining = false;
            return None;
        }
        let take = pending.waiting.len().min(MAX_BATCH);
        let batch: Vec<Waiting> = pending.waiting.drain(..take).collect();
        let mut rounds: HashMap<Uuid, usize> = HashMap::new();
        for waiting in &batch {
            *rounds.entry(waiting.command.auction_id).or_insert(0) += 1;
        }
        Some((
            batch,
            Undecided {
                queue: self,
                committer,
                rounds: rounds.into_iter().collect(),
            },
        ))
    }

    /// Whether bids of the round that have entered are still undecided: a task is deciding them, bids wait
    /// for it, or a bid of the one-bid path is on its way to the round's lock.
    pub fn is_draining(&self, round_id: Uuid) -> bool {
        self.lock(self.committer_of(round_id)).undecided.contains_key(&round_id)
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

    /// How many bids of the round wait for a batch (not yet taken into one).
    pub fn waiting(&self, round_id: Uuid) -> usize {
        self.lock(self.committer_of(round_id))
            .waiting
            .iter()
            .filter(|w| w.command.auction_id == round_id)
            .count()
    }

    /// Counts a committed batch of `size` bids over `rounds` rounds.
    pub fn committed(&self, size: usize, rounds: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.bids
            .fetch_add(u64::try_from(size).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.rounds
            .fetch_add(u64::try_from(rounds).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn stats(&self) -> BatchStats {
        BatchStats {
            batches: self.batches.load(Ordering::Relaxed),
            bids: self.bids.load(Ordering::Relaxed),
            rounds: self.rounds.load(Ordering::Relaxed),
        }
    }
}
