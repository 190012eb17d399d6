//! The words a round and a registration are in: the round's status, a deposit's, a bid's standing.

use serde::{Deserialize, Serialize};

/// Where a round is in its life. Stored and shown as the snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sea-orm",
    derive(sea_orm::DeriveValueType),
    sea_orm(
        value_type = "String",
        from_str = "crate::word::stored",
        to_str = "crate::word::spelled"
    )
)]
pub enum RoundStatus {
    Draft,
    Announced,
    Bidding,
    Suspended,
    Sold,
    Failed,
    Withdrawn,
    /// A sale set aside on an upheld objection (R65).
    Revoked,
}

impl RoundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Draft => "draft",
            RoundStatus::Announced => "announced",
            RoundStatus::Bidding => "bidding",
            RoundStatus::Suspended => "suspended",
            RoundStatus::Sold => "sold",
            RoundStatus::Failed => "failed",
            RoundStatus::Withdrawn => "withdrawn",
            RoundStatus::Revoked => "revoked",
        }
    }

    pub const ALL: [RoundStatus; 8] = [
        RoundStatus::Draft,
        RoundStatus::Announced,
        RoundStatus::Bidding,
        RoundStatus::Suspended,
        RoundStatus::Sold,
        RoundStatus::Failed,
        RoundStatus::Withdrawn,
        RoundStatus::Revoked,
    ];

    pub fn parse(text: &str) -> Option<RoundStatus> {
        RoundStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

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

/// The deposit states of a registration (R23, R53, R55).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sea-orm",
    derive(sea_orm::DeriveValueType),
    sea_orm(
        value_type = "String",
        from_str = "crate::word::stored",
        to_str = "crate::word::spelled"
    )
)]
pub enum DepositStatus {
    Unpaid,
    Frozen,
    Released,
    Applied,
    Forfeited,
    /// Paid back after the sale was revoked (R65).
    Refunded,
}

impl DepositStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DepositStatus::Unpaid => "unpaid",
            DepositStatus::Frozen => "frozen",
            DepositStatus::Released => "released",
            DepositStatus::Applied => "applied",
            DepositStatus::Forfeited => "forfeited",
            DepositStatus::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<DepositStatus> {
        [
            DepositStatus::Unpaid,
            DepositStatus::Frozen,
            DepositStatus::Released,
            DepositStatus::Applied,
            DepositStatus::Forfeited,
            DepositStatus::Refunded,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

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

crate::word::word!(RoundStatus, "round status");
crate::word::word!(DepositStatus, "deposit status");
