//! The one injected clock. `System` reads real time; `Manual` only moves when a test says so.
//! Instants are truncated to milliseconds, the resolution the database stores.

use std::sync::{Arc, Mutex};

use auction_core::Instant;
use chrono::{DurationRound, TimeDelta, Utc};

#[derive(Clone)]
pub enum Clock {
    System,
    Manual(Arc<Mutex<Instant>>),
}

#[derive(Debug, thiserror::Error)]
#[error("the clock cannot move backwards (it is {now})")]
pub struct ClockBackwards {
    pub now: Instant,
}

fn truncate(instant: Instant) -> Instant {
    instant.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(instant)
}

impl Clock {
    /// A manual clock starting at the real time.
    pub fn manual() -> Clock {
        Clock::manual_at(Utc::now())
    }

    /// A manual clock starting at `start`.
    pub fn manual_at(start: Instant) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(truncate(start))))
    }

    pub fn now(&self) -> Instant {
        match self {
            Clock::System => truncate(Utc::now()),
            Clock::Manual(now) => *now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    pub fn is_manual(&self) -> bool {
        matches!(self, Clock::Manual(_))
    }

    /// Moves a manual clock forward to `to` if it stands before it (another process of the cluster moved
    /// the shared test clock); never back. Returns where it stands.
    pub fn catch_up(&self, to: Instant) -> Instant {
        match self {
            Clock::System => self.now(),
            Clock::Manual(now) => {
                let mut now = now.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                *now = (*now).max(truncate(to));
                *now
            }
        }
    }

    /// Moves a manual clock to `to`. Refused if that is earlier than now. A system clock is not set.
    pub fn set(&self, to: Instant) -> Result<Instant, ClockBackwards> {
        match self {
            Clock::System => Ok(self.now()),
            Clock::Manual(now) => {
                let mut now = now.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let to = truncate(to);
                if to < *now {
                    return Err(ClockBackwards { now: *now });
                }
                *now = to;
                Ok(to)
            }
        }
    }
}
