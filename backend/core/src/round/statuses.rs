//! The words a round and a registration are in: the round's status, a deposit's, a bid's standing.

use serde::{Deserialize, Serialize};

crate::words!(
    /// Where a round is in its life. Stored and shown as the snake_case name.
    RoundStatus("round status") {
        Draft = "draft",
        Announced = "announced",
        Bidding = "bidding",
        Suspended = "suspended",
        Sold = "sold",
        Failed = "failed",
        Withdrawn = "withdrawn",
        /// A sale set aside on an upheld objection (R65).
        Revoked = "revoked",
    }
);

impl RoundStatus {
    /// The bidding is over for good: bidder identities may now be revealed (R40).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            RoundStatus::Sold | RoundStatus::Failed | RoundStatus::Withdrawn | RoundStatus::Revoked
        )
    }

    /// Published and not yet over: registration is open (R38), identities stay secret (R40).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            RoundStatus::Announced | RoundStatus::Bidding | RoundStatus::Suspended
        )
    }
}

crate::words!(
    /// The deposit states of a registration (R23, R53, R55).
    DepositStatus("deposit status") {
        Unpaid = "unpaid",
        Frozen = "frozen",
        Released = "released",
        Applied = "applied",
        Forfeited = "forfeited",
        /// Paid back after the sale was revoked (R65).
        Refunded = "refunded",
    }
);

impl DepositStatus {
    /// A deposit's status once the round has closed: the winner's is applied to the price, every other
    /// frozen deposit is released (R53). Unpaid deposits stay unpaid.
    pub fn after_close(self, is_winner: bool) -> DepositStatus {
        match (self, is_winner) {
            (DepositStatus::Frozen, true) => DepositStatus::Applied,
            (DepositStatus::Frozen, false) => DepositStatus::Released,
            (other, _) => other,
        }
    }
}

/// How a bid appears in the public record (R47).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BidStanding {
    Leading,
    Outbid,
    Winning,
}

impl BidStanding {
    pub fn of(seq: u32, last_seq: u32, status: RoundStatus) -> BidStanding {
        match (seq == last_seq, status) {
            (true, RoundStatus::Sold) => BidStanding::Winning,
            (true, _) => BidStanding::Leading,
            (false, _) => BidStanding::Outbid,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BidStanding::Leading => "leading",
            BidStanding::Outbid => "outbid",
            BidStanding::Winning => "winning",
        }
    }
}
