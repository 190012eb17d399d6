//! Why a suspended round is held (R60, R61), and what it returns to when the last reason is lifted.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::{RoundStatus, StatusConflict};
use crate::time::Instant;

/// What was saved when a round was suspended, to restore it on resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub since: Instant,
    /// The status to return to (announced or bidding).
    pub from: RoundStatus,
    /// Bidding time left when the suspension began (the whole window if bidding had not started).
    pub remaining: Duration,
    /// Why it is suspended: the round resumes only when none of these remains.
    pub holds: Holds,
}

/// One reason a round is suspended (R60, R61).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// The court's own suspension (暂缓 or 中止 for a reason it gives).
    Court,
    /// A pending objection that stops the round at once (a third party's claim to the property, R61).
    Objection,
}

/// The reasons a suspended round is held by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Holds {
    pub court: bool,
    /// How many pending objections hold it.
    pub objections: u32,
}

impl Holds {
    pub fn of(hold: Hold) -> Holds {
        let mut holds = Holds::default();
        holds.add(hold);
        holds
    }

    /// Adds `hold`; false if it was there already (the court holds a round once; objections count).
    pub(super) fn add(&mut self, hold: Hold) -> bool {
        match hold {
            Hold::Court if self.court => false,
            Hold::Court => {
                self.court = true;
                true
            }
            Hold::Objection => {
                self.objections = self.objections.saturating_add(1);
                true
            }
        }
    }

    /// Removes `hold`; false if it was not there.
    pub(super) fn remove(&mut self, hold: Hold) -> bool {
        match hold {
            Hold::Court => std::mem::replace(&mut self.court, false),
            Hold::Objection if self.objections == 0 => false,
            Hold::Objection => {
                self.objections -= 1;
                true
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.court && self.objections == 0
    }
}

/// Why a suspension cannot be added or lifted. `code()` is the API's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldError {
    #[error(transparent)]
    Status(#[from] StatusConflict),
    /// The court's resume while only a pending objection holds the round: the objection is decided instead.
    #[error("the round is suspended for a pending objection: it resumes when that objection is decided")]
    ObjectionPending,
}

impl HoldError {
    pub fn code(&self) -> &'static str {
        match self {
            HoldError::Status(conflict) => conflict.code(),
            HoldError::ObjectionPending => "objection_pending",
        }
    }
}
