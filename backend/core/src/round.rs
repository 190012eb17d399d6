//! One auction round as a state machine: opening, bids (grid, leader rule, priority matching, the
//! five-minute extension), suspension, withdrawal and the close (R43–R50, R60, §c).
//!
//! Every method takes the time it decides at; the round is a plain value that the caller loads under
//! its lock, changes here, and saves in the same transaction.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::time::{EXTENSION, Instant, SELL_OFF_BIDDING_WINDOW};

mod holds;
mod statuses;

pub use holds::{Hold, HoldError, Holds, Suspension};
pub use statuses::{BidStanding, DepositStatus, RoundStatus};

/// A priority holder's rank (1 = highest, R42/R50). Ordinary bidders have none and rank below every holder.
pub type PriorityRank = Option<u32>;

/// Whether `challenger` strictly outranks `leader`: a lower rank number wins; any holder beats an ordinary bidder.
pub fn outranks(challenger: PriorityRank, leader: PriorityRank) -> bool {
    match (challenger, leader) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The bidder currently in the lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leader {
    pub code: String,
    pub priority_rank: PriorityRank,
}

/// The state of a round that the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub status: RoundStatus,
    pub starting_price: Money,
    pub increment: Money,
    pub bidding_starts_at: Instant,
    /// The current end: moved later by extensions and by resumption, never earlier.
    pub bidding_ends_at: Instant,
    pub current_price: Option<Money>,
    pub leader: Option<Leader>,
    pub bid_count: u32,
    pub extension_count: u32,
    pub suspension: Option<Suspension>,
    /// A sell-off (R58): the first bid must be the price and sets the end 24 hours after it.
    pub sell_off: bool,
}

/// The registered bidder making an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bidder {
    pub code: String,
    pub priority_rank: PriorityRank,
    pub deposit: DepositStatus,
}

/// An accepted bid, as the ledger and the bid record keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedBid {
    pub seq: u32,
    pub bidder_code: String,
    pub amount: Money,
    pub placed_at: Instant,
    /// Placed by a priority holder (under a priority code).
    pub priority: bool,
    /// A priority holder matching the current price rather than raising it (R50).
    pub priority_match: bool,
    pub previous_ends_at: Instant,
    pub ends_at: Instant,
    pub extension_count: u32,
    /// The first bid of a sell-off, which opened its 24-hour bidding window (R58).
    pub opened_window: bool,
}

impl AcceptedBid {
    /// This bid moved the end (R46).
    pub fn extended(&self) -> bool {
        self.ends_at > self.previous_ends_at
    }
}

/// Why a bid is refused. `code()` is the API's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BidRejection {
    #[error("your deposit has not been paid and frozen yet")]
    DepositUnpaid,
    #[error("the auction is not open for bidding")]
    NotBidding,
    #[error("you are already the leading bidder")]
    AlreadyLeading,
    #[error("a bid may not be below the starting price of {starting_price}")]
    BelowStartingPrice { starting_price: Money },
    #[error("a bid must be the starting price plus a whole number of increments of {increment}")]
    NotOnIncrement { increment: Money },
    #[error("the bid is too low: the minimum you may bid now is {minimum}")]
    BidTooLow { minimum: Money },
    #[error("the first bid in a sell-off must be exactly the sell-off price of {price}")]
    NotSellOffPrice { price: Money },
}

impl BidRejection {
    pub fn code(&self) -> &'static str {
        match self {
            BidRejection::DepositUnpaid => "deposit_unpaid",
            BidRejection::NotBidding => "auction_not_bidding",
            BidRejection::AlreadyLeading => "already_leading",
            BidRejection::BelowStartingPrice { .. } => "below_starting_price",
            BidRejection::NotOnIncrement { .. } => "not_on_increment",
            BidRejection::BidTooLow { .. } => "bid_too_low",
            BidRejection::NotSellOffPrice { .. } => "not_sell_off_price",
        }
    }
}

/// How a round ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// At least one valid bid: the last leader buys at the current price (R48).
    Sold { price: Money, winner_code: String },
    /// No valid bid: 流拍 (R49).
    Failed,
}

/// A change of status the round went through, with the instant it legally happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "snake_case")]
pub enum Transition {
    Published {
        at: Instant,
    },
    Opened {
        at: Instant,
    },
    Closed {
        at: Instant,
        outcome: Outcome,
    },
    Suspended {
        at: Instant,
        remaining_seconds: i64,
    },
    Resumed {
        at: Instant,
        status: RoundStatus,
        bidding_ends_at: Instant,
    },
    Withdrawn {
        at: Instant,
    },
    /// The sale set aside on an upheld objection (R65).
    Revoked {
        at: Instant,
    },
}

impl Transition {
    pub fn status_after(&self) -> RoundStatus {
        match self {
            Transition::Published { .. } => RoundStatus::Announced,
            Transition::Opened { .. } => RoundStatus::Bidding,
            Transition::Closed {
                outcome: Outcome::Sold { .. },
                ..
            } => RoundStatus::Sold,
            Transition::Closed {
                outcome: Outcome::Failed,
                ..
            } => RoundStatus::Failed,
            Transition::Suspended { .. } => RoundStatus::Suspended,
            Transition::Resumed { status, .. } => *status,
            Transition::Withdrawn { .. } => RoundStatus::Withdrawn,
            Transition::Revoked { .. } => RoundStatus::Revoked,
        }
    }
}

/// A court action that the round's status does not allow. The API answers 409 with `code()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a round that is {} cannot be {}", .status.as_str(), .action)]
pub struct StatusConflict {
    pub status: RoundStatus,
    pub action: &'static str,
}

impl StatusConflict {
    pub fn code(&self) -> &'static str {
        "invalid_status"
    }
}

impl Round {
    /// What an ordinary bidder may bid now: the starting price before the first bid, then one increment
    /// above the current price.
    pub fn minimum_next_bid(&self) -> Money {
        match self.current_price {
            None => self.starting_price,
            Some(current) => current.checked_add(self.increment).unwrap_or(current),
        }
    }

    /// What `rank` may bid now: a holder that outranks the leader may match the current price (R50).
    pub fn minimum_bid_for(&self, rank: PriorityRank) -> Money {
        match (&self.current_price, &self.leader) {
            (Some(current), Some(leader)) if outranks(rank, leader.priority_rank) => *current,
            _ => self.minimum_next_bid(),
        }
    }

    /// Whether `amount` is `starting_price + k × increment` for a whole k ≥ 0 (R44, c.13).
    pub fn is_on_grid(&self, amount: Money) -> bool {
        let above = amount.cents() - self.starting_price.cents();
        above >= 0 && above % self.increment.cents().max(1) == 0
    }

    /// Applies every transition that is due at `now`: opening at the start, closing at the end (c.3).
    /// The instants recorded are the legal ones (the scheduled start, the current end), not `now`.
    pub fn advance(&mut self, now: Instant) -> Vec<Transition> {
        let mut transitions = Vec::new();
        if self.status == RoundStatus::Announced && now >= self.bidding_starts_at {
            self.status = RoundStatus::Bidding;
            transitions.push(Transition::Opened {
                at: self.bidding_starts_at,
            });
        }
        if self.status == RoundStatus::Bidding && now >= self.bidding_ends_at {
            let outcome = match (&self.current_price, &self.leader) {
                (Some(price), Some(leader)) => Outcome::Sold {
                    price: *price,
                    winner_code: leader.code.clone(),
                },
                _ => Outcome::Failed,
            };
            let closed = Transition::Closed {
                at: self.bidding_ends_at,
                outcome,
            };
            self.status = closed.status_after();
            transitions.push(closed);
        }
        transitions
    }

    /// The instant the next automatic transition is due, if any.
    pub fn next_due_at(&self) -> Option<Instant> {
        match self.status {
            RoundStatus::Announced => Some(self.bidding_starts_at),
            RoundStatus::Bidding => Some(self.bidding_ends_at),
            _ => None,
        }
    }

    /// Decides a bid that entered the server at `t`, after [`Round::advance`] to `t`. On acceptance the
    /// round is updated (price, leader, end, counts); on rejection it is unchanged.
    pub fn place_bid(&mut self, bidder: &Bidder, amount: Money, t: Instant) -> Result<AcceptedBid, BidRejection> {
        // Half-open window: a bid at exactly the end is late (c.3).
        if self.status != RoundStatus::Bidding || t < self.bidding_starts_at || t >= self.bidding_ends_at {
            return Err(BidRejection::NotBidding);
        }
        if bidder.deposit != DepositStatus::Frozen {
            return Err(BidRejection::DepositUnpaid);
        }
        if self.leader.as_ref().is_some_and(|leader| leader.code == bidder.code) {
            return Err(BidRejection::AlreadyLeading);
        }
        if amount < self.starting_price {
            return Err(BidRejection::BelowStartingPrice {
                starting_price: self.starting_price,
            });
        }
        if !self.is_on_grid(amount) {
            return Err(BidRejection::NotOnIncrement {
                increment: self.increment,
            });
        }
        let priority_match = match (&self.current_price, &self.leader) {
            (Some(current), Some(leader)) if amount == *current => {
                if !outranks(bidder.priority_rank, leader.priority_rank) {
                    return Err(BidRejection::BidTooLow {
                        minimum: self.minimum_bid_for(bidder.priority_rank),
                    });
                }
                true
            }
            (Some(current), _) if amount < *current => {
                return Err(BidRejection::BidTooLow {
                    minimum: self.minimum_bid_for(bidder.priority_rank),
                });
            }
            _ => false,
        };

        let opens_window = self.sell_off && self.current_price.is_none();
        if opens_window && amount != self.starting_price {
            return Err(BidRejection::NotSellOffPrice {
                price: self.starting_price,
            });
        }
        let previous_ends_at = self.bidding_ends_at;
        if opens_window {
            // The sell-off period gives way to a 24-hour bidding window from this bid (R58).
            self.bidding_ends_at = t + SELL_OFF_BIDDING_WINDOW;
        } else {
            self.bidding_ends_at = previous_ends_at.max(t + EXTENSION);
            if self.bidding_ends_at > previous_ends_at {
                self.extension_count += 1;
            }
        }
        self.bid_count += 1;
        self.current_price = Some(amount);
        self.leader = Some(Leader {
            code: bidder.code.clone(),
            priority_rank: bidder.priority_rank,
        });
        Ok(AcceptedBid {
            seq: self.bid_count,
            bidder_code: bidder.code.clone(),
            amount,
            placed_at: t,
            priority: bidder.priority_rank.is_some(),
            priority_match,
            previous_ends_at,
            ends_at: self.bidding_ends_at,
            extension_count: self.extension_count,
            opened_window: opens_window,
        })
    }

    /// Announces a draft round.
    pub fn publish(&mut self, at: Instant) -> Result<Transition, StatusConflict> {
        if self.status != RoundStatus::Draft {
            return Err(StatusConflict {
                status: self.status,
                action: "published",
            });
        }
        self.status = RoundStatus::Announced;
        Ok(Transition::Published { at })
    }

    /// Suspends an announced or bidding round for `hold` (暂缓/中止, R60, R61): bids and deposits are kept.
    /// A round already suspended gains the reason, with no transition (`None`); the court holds it once.
    pub fn suspend(&mut self, hold: Hold, at: Instant) -> Result<Option<Transition>, HoldError> {
        let conflict = StatusConflict {
            status: self.status,
            action: "suspended",
        };
        if self.status == RoundStatus::Suspended {
            let suspension = self.suspension.as_mut().ok_or(conflict)?;
            return if suspension.holds.add(hold) {
                Ok(None)
            } else {
                Err(conflict.into())
            };
        }
        if !matches!(self.status, RoundStatus::Announced | RoundStatus::Bidding) {
            return Err(conflict.into());
        }
        let remaining = self.bidding_ends_at - at.max(self.bidding_starts_at);
        let remaining = remaining.max(Duration::zero());
        self.suspension = Some(Suspension {
            since: at,
            from: self.status,
            remaining,
            holds: Holds::of(hold),
        });
        self.status = RoundStatus::Suspended;
        Ok(Some(Transition::Suspended {
            at,
            remaining_seconds: remaining.num_seconds(),
        }))
    }

    /// Lifts `hold` from a suspended round. It resumes (`Some`) only when no other reason remains: before
    /// the start it goes back to announced; once bidding time has been reached, the remaining time is
    /// restored from `at`, at least five minutes (Part 1). The court cannot lift an objection's hold.
    pub fn lift(&mut self, hold: Hold, at: Instant) -> Result<Option<Transition>, HoldError> {
        let conflict = StatusConflict {
            status: self.status,
            action: "resumed",
        };
        let Some(suspension) = self
            .suspension
            .as_mut()
            .filter(|_| self.status == RoundStatus::Suspended)
        else {
            return Err(conflict.into());
        };
        if !suspension.holds.remove(hold) {
            return match hold {
                Hold::Court if suspension.holds.objections > 0 => Err(HoldError::ObjectionPending),
                Hold::Court => Err(conflict.into()),
                // An objection that did not hold the round leaves it as it is.
                Hold::Objection => Ok(None),
            };
        }
        if !suspension.holds.is_empty() {
            return Ok(None);
        }
        let remaining = suspension.remaining;
        self.suspension = None;
        if at < self.bidding_starts_at {
            self.status = RoundStatus::Announced;
        } else {
            self.status = RoundStatus::Bidding;
            self.bidding_ends_at = self.bidding_ends_at.max(at + remaining.max(EXTENSION));
        }
        Ok(Some(Transition::Resumed {
            at,
            status: self.status,
            bidding_ends_at: self.bidding_ends_at,
        }))
    }

    /// Sets a sale aside on an upheld objection (R65): the deal is revoked and the buyer refunded.
    pub fn revoke(&mut self, at: Instant) -> Result<Transition, StatusConflict> {
        if self.status != RoundStatus::Sold {
            return Err(StatusConflict {
                status: self.status,
                action: "revoked",
            });
        }
        self.status = RoundStatus::Revoked;
        Ok(Transition::Revoked { at })
    }

    /// Withdraws the round (撤回): no sale; every deposit is released.
    pub fn withdraw(&mut self, at: Instant) -> Result<Transition, StatusConflict> {
        if !matches!(
            self.status,
            RoundStatus::Draft | RoundStatus::Announced | RoundStatus::Bidding | RoundStatus::Suspended
        ) {
            return Err(StatusConflict {
                status: self.status,
                action: "withdrawn",
            });
        }
        self.status = RoundStatus::Withdrawn;
        self.suspension = None;
        Ok(Transition::Withdrawn { at })
    }
}

#[cfg(test)]
mod tests;
