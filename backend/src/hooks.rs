//! Places where an in-process test can hold the server at a racy point (a bid batch about to commit, a
//! worker's transition about to commit), so a race is reproduced by construction instead of by luck.
//!
//! Nothing outside a test arms a hold: `pass` is then one relaxed atomic load.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};

/// The points a test can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldPoint {
    /// A bid batch (group commit) has decided its bids and is about to commit.
    BatchBeforeCommit,
    /// The background worker has applied a due opening or close and is about to commit it.
    TransitionBeforeCommit,
    /// A bid on the one-bid path has entered (its time is stamped, a close waits for it) and is about to
    /// be decided.
    SingleBidEntered,
    /// Bids are committed and answered, and their announcement to the watchers is about to go out (a
    /// process that dies here never announces them).
    BidsCommittedBeforeAnnounce,
}

const POINTS: usize = 4;

impl HoldPoint {
    fn index(self) -> usize {
        match self {
            HoldPoint::BatchBeforeCommit => 0,
            HoldPoint::TransitionBeforeCommit => 1,
            HoldPoint::SingleBidEntered => 2,
            HoldPoint::BidsCommittedBeforeAnnounce => 3,
        }
    }
}

/// One armed hold: every task that passes its point waits until the test releases it.
pub struct Hold {
    arrivals: AtomicUsize,
    arrived: Notify,
    released: watch::Sender<bool>,
}

impl Hold {
    /// Waits until at least `count` tasks are held here.
    pub async fn reached(&self, count: usize) {
        loop {
            let notified = self.arrived.notified();
            if self.arrivals.load(Ordering::SeqCst) >= count {
                return;
            }
            notified.await;
        }
    }

    /// Lets every held task (and every later one) go on.
    pub fn release(&self) {
        self.released.send_replace(true);
    }
}

#[derive(Default)]
pub struct Hooks {
    any_armed: AtomicBool,
    holds: [Mutex<Option<Arc<Hold>>>; POINTS],
}

impl Hooks {
    /// Arms `point`: tasks that reach it from now on wait for [`Hold::release`].
    pub fn hold(&self, point: HoldPoint) -> Arc<Hold> {
        let hold = Arc::new(Hold {
            arrivals: AtomicUsize::new(0),
            arrived: Notify::new(),
            released: watch::channel(false).0,
        });
        *self.slot(point) = Some(hold.clone());
        self.any_armed.store(true, Ordering::SeqCst);
        hold
    }

    fn slot(&self, point: HoldPoint) -> std::sync::MutexGuard<'_, Option<Arc<Hold>>> {
        self.holds[point.index()]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Called by the server at `point`: waits there while a test holds it.
    pub async fn pass(&self, point: HoldPoint) {
        if !self.any_armed.load(Ordering::Relaxed) {
            return;
        }
        let Some(hold) = self.slot(point).clone() else {
            return;
        };
        let mut released = hold.released.subscribe();
        hold.arrivals.fetch_add(1, Ordering::SeqCst);
        hold.arrived.notify_waiters();
        let _ = released.wait_for(|released| *released).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_held_point_waits_for_its_release_and_an_unarmed_one_does_not() {
        let hooks = Arc::new(Hooks::default());
        hooks.pass(HoldPoint::BatchBeforeCommit).await;
        let hold = hooks.hold(HoldPoint::BatchBeforeCommit);
        let passing = tokio::spawn({
            let hooks = hooks.clone();
            async move { hooks.pass(HoldPoint::BatchBeforeCommit).await }
        });
        hold.reached(1).await;
        hooks.pass(HoldPoint::TransitionBeforeCommit).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!passing.is_finished(), "held until released");
        hold.release();
        tokio::time::timeout(Duration::from_secs(5), passing)
            .await
            .expect("released")
            .expect("no panic");
    }
}
