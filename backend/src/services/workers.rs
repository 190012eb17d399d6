//! Background work driven by the clock: rounds open and close, negotiations expire at their deadline,
//! buyers are reminded of and default on their balance, judges are reminded of their legal deadlines.
//!
//! The same `run_due` runs from the worker loop and from the test clock's POST, so a test that moves
//! the manual clock exercises exactly the production code path.

use std::time::Duration;

use auction_core::{Instant, RoundStatus};
use tokio_util::sync::CancellationToken;

use super::rounds::{commit_and_announce, lock_next_due};
use super::{deadlines, deals, negotiations, reconciliation, refund_tasks, watching};
use crate::error::ApiResult;
use crate::hooks::HoldPoint;
use crate::state::AppState;

/// Who is applying what became due, which decides how it treats a round another transaction holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueBy {
    /// The background loop: it skips a round another worker or process holds, so they share the work.
    Worker,
    /// A move of the test clock (or the demo's seeding): it waits for every round another transaction
    /// holds and then reads it afresh, so when it returns every transition due at `now` is committed,
    /// whoever applied it.
    ClockMove,
}

/// Applies everything due at `now`.
pub async fn run_due(state: &AppState, now: Instant, by: DueBy) -> ApiResult<()> {
    apply_due_transitions(state, now, by).await?;
    negotiations::expire_due(state, now).await?;
    deals::send_reminders(state, now).await?;
    deals::apply_defaults(state, now).await?;
    deadlines::remind(state, now).await?;
    watching::remind_ending(state, now).await?;
    // Last, so the refunds the closes and defaults above owed are paid in the same pass.
    refund_tasks::pay_due(state, now).await?;
    reconciliation::run_daily(state, now).await?;
    Ok(())
}

/// Opens and closes every round due at `now`, each in its own transaction, each exactly once: the
/// status is re-read under the round's lock, so a round another worker closed is no longer due.
pub async fn apply_due_transitions(state: &AppState, now: Instant, by: DueBy) -> ApiResult<usize> {
    let mut applied = 0;
    let mut waited_for = std::collections::HashSet::new();
    loop {
        let tx = state.db.write().await?;
        let Some(mut locked) = lock_next_due(&tx, now, by == DueBy::Worker).await? else {
            break;
        };
        // A bid that entered before the end may still wait in this process's queue for the round's batch.
        // It is judged at the time it entered (R46), so the close waits for it: the lock is let go, the
        // batch decides it (and may extend the round), and the round is looked at again.
        let id = locked.id();
        if locked.round.status == RoundStatus::Bidding && state.bid_queue.is_draining(id) && waited_for.insert(id) {
            drop(tx);
            wait_until_decided(state, id).await;
            continue;
        }
        locked.advance(state, &tx, now).await?;
        if !locked.has_changes() {
            break;
        }
        let saved = locked.save(&tx, now).await?;
        if by == DueBy::Worker {
            state.hooks.pass(HoldPoint::TransitionBeforeCommit).await;
        }
        commit_and_announce(state, tx, Some(&saved)).await?;
        tracing::info!(auction.id = %saved.row.id, status = %saved.row.status, "round transition applied");
        applied += 1;
    }
    Ok(applied)
}

/// The longest a close waits for a round's queued bids; a batch takes milliseconds.
const QUEUED_BIDS_WAIT: Duration = Duration::from_secs(10);

async fn wait_until_decided(state: &AppState, round_id: uuid::Uuid) {
    let deadline = tokio::time::Instant::now() + QUEUED_BIDS_WAIT;
    while state.bid_queue.is_draining(round_id) {
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(auction.id = %round_id, "the round's queued bids took too long; closing it anyway");
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Runs `run_due` every `interval` until cancelled.
pub fn spawn(
    state: std::sync::Arc<AppState>,
    interval: Duration,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(interval) => {}
            }
            let _pass = state.due_pass.lock().await;
            let now = state.clock.now();
            if let Err(err) = run_due(&state, now, DueBy::Worker).await {
                tracing::warn!(error = %err, "background work failed; retrying on the next tick");
            }
        }
    })
}
