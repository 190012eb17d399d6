//! What a listing's history allows next: a first auction, the second after a failed first (R25, R27), a
//! re-auction after a buyer's default (R55) — or nothing (a round still running, a sale, a failed second).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::round::RoundStatus;
use crate::time::Instant;

/// The second auction is set up within 30 days of the failed first (R27).
pub const SECOND_ROUND_WITHIN: Duration = Duration::days(30);

/// Which kind of round this is, derived from the listing's earlier rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundKind {
    /// 一拍: the first auction.
    First,
    /// 二拍: the further auction after round 1 failed (R25).
    Second,
    /// 重新拍卖: a new auction after the buyer of `of` defaulted; it keeps that round's floor (R55).
    Reauction { of: ReauctionOf },
}

/// The kind of round that a re-auction repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReauctionOf {
    First,
    Second,
}

impl RoundKind {
    pub const ALL: [RoundKind; 4] = [
        RoundKind::First,
        RoundKind::Second,
        RoundKind::Reauction { of: ReauctionOf::First },
        RoundKind::Reauction {
            of: ReauctionOf::Second,
        },
    ];

    /// The name stored and shown: `first`, `second`, `reauction_of_first`, `reauction_of_second`.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundKind::First => "first",
            RoundKind::Second => "second",
            RoundKind::Reauction { of: ReauctionOf::First } => "reauction_of_first",
            RoundKind::Reauction {
                of: ReauctionOf::Second,
            } => "reauction_of_second",
        }
    }

    pub fn parse(text: &str) -> Option<RoundKind> {
        RoundKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Whether the round counts as a first or a second auction, for what may follow it.
    pub fn stage(self) -> ReauctionOf {
        match self {
            RoundKind::First | RoundKind::Reauction { of: ReauctionOf::First } => ReauctionOf::First,
            RoundKind::Second
            | RoundKind::Reauction {
                of: ReauctionOf::Second,
            } => ReauctionOf::Second,
        }
    }
}

/// One earlier round of the listing, as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRound {
    pub kind: RoundKind,
    pub status: RoundStatus,
    pub starting_price: Money,
    /// When it closed (for a failed round, the failure).
    pub closed_at: Instant,
    /// Its buyer defaulted (悔拍).
    pub defaulted: bool,
}

/// The round a listing may have next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextRound {
    pub kind: RoundKind,
    /// Counting the rounds that took place (withdrawn ones do not count).
    pub number: u32,
    /// Round 1's starting price, for round 2's floor (R25).
    pub first_round_start: Option<Money>,
}

/// Why a listing may have no round now. `code()` is the API's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoNextRound {
    #[error("this listing already has a round that is not finished; withdraw it or wait for its end")]
    RoundInProgress,
    #[error("this listing has been sold")]
    ListingSold,
    #[error("a second auction has failed: the next step is sell-off (变卖), which Fapai does not offer yet")]
    NoFurtherRound,
    #[error("a second auction must be set up within 30 days of the failed first auction (R27)")]
    SecondRoundTooLate,
}

impl NoNextRound {
    pub fn code(&self) -> &'static str {
        match self {
            NoNextRound::RoundInProgress => "round_in_progress",
            NoNextRound::ListingSold => "listing_sold",
            NoNextRound::NoFurtherRound => "no_further_round",
            NoNextRound::SecondRoundTooLate => "second_round_too_late",
        }
    }
}

/// What `history` (the listing's rounds, oldest first) allows at `now`.
pub fn next_round(history: &[PastRound], now: Instant) -> Result<NextRound, NoNextRound> {
    if history.iter().any(|r| !r.status.is_closed()) {
        return Err(NoNextRound::RoundInProgress);
    }
    let counted: Vec<&PastRound> = history.iter().filter(|r| r.status != RoundStatus::Withdrawn).collect();
    let first_round_start = counted
        .iter()
        .rev()
        .find(|r| r.kind == RoundKind::First)
        .map(|r| r.starting_price);
    let kind = match counted.last() {
        None => RoundKind::First,
        Some(last) if last.status == RoundStatus::Failed => {
            if last.kind.stage() == ReauctionOf::Second {
                return Err(NoNextRound::NoFurtherRound);
            }
            if now > last.closed_at + SECOND_ROUND_WITHIN {
                return Err(NoNextRound::SecondRoundTooLate);
            }
            RoundKind::Second
        }
        Some(last) if last.defaulted => RoundKind::Reauction { of: last.kind.stage() },
        Some(_) => return Err(NoNextRound::ListingSold),
    };
    Ok(NextRound {
        kind,
        number: u32::try_from(counted.len() + 1).unwrap_or(u32::MAX),
        first_round_start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(text: &str) -> Instant {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn past(kind: RoundKind, status: RoundStatus, closed_at: &str) -> PastRound {
        PastRound {
            kind,
            status,
            starting_price: Money::parse_positive("700000").unwrap(),
            closed_at: at(closed_at),
            defaulted: false,
        }
    }

    const CLOSED: &str = "2027-01-10T02:00:00Z";

    #[test]
    fn a_new_listing_starts_with_round_one() {
        let next = next_round(&[], at(CLOSED)).unwrap();
        assert_eq!(
            (next.kind, next.number, next.first_round_start),
            (RoundKind::First, 1, None)
        );
    }

    #[test]
    fn a_failed_first_round_allows_the_second_within_thirty_days() {
        let history = [past(RoundKind::First, RoundStatus::Failed, CLOSED)];
        let next = next_round(&history, at("2027-02-09T02:00:00Z")).unwrap();
        assert_eq!((next.kind, next.number), (RoundKind::Second, 2));
        assert_eq!(next.first_round_start, Some(Money::parse_positive("700000").unwrap()));
        assert_eq!(
            next_round(&history, at("2027-02-09T02:00:01Z")),
            Err(NoNextRound::SecondRoundTooLate)
        );
    }

    #[test]
    fn after_a_failed_second_round_nothing_follows_yet() {
        for second in [
            RoundKind::Second,
            RoundKind::Reauction {
                of: ReauctionOf::Second,
            },
        ] {
            let history = [
                past(RoundKind::First, RoundStatus::Failed, CLOSED),
                past(second, RoundStatus::Failed, CLOSED),
            ];
            assert_eq!(next_round(&history, at(CLOSED)), Err(NoNextRound::NoFurtherRound));
        }
    }

    #[test]
    fn a_default_brings_a_reauction_of_the_same_stage_and_a_sale_ends_the_listing() {
        let mut sold = past(RoundKind::Second, RoundStatus::Sold, CLOSED);
        let history = [past(RoundKind::First, RoundStatus::Failed, CLOSED), sold.clone()];
        assert_eq!(next_round(&history, at(CLOSED)), Err(NoNextRound::ListingSold));
        sold.defaulted = true;
        let history = [past(RoundKind::First, RoundStatus::Failed, CLOSED), sold];
        let next = next_round(&history, at(CLOSED)).unwrap();
        assert_eq!(
            next.kind,
            RoundKind::Reauction {
                of: ReauctionOf::Second
            }
        );
        assert_eq!(next.number, 3);
    }

    #[test]
    fn withdrawn_rounds_do_not_count_and_a_running_one_blocks() {
        let history = [past(RoundKind::First, RoundStatus::Withdrawn, CLOSED)];
        let next = next_round(&history, at(CLOSED)).unwrap();
        assert_eq!((next.kind, next.number), (RoundKind::First, 1));
        let running = [past(RoundKind::First, RoundStatus::Announced, CLOSED)];
        assert_eq!(next_round(&running, at(CLOSED)), Err(NoNextRound::RoundInProgress));
    }

    #[test]
    fn kinds_have_one_name_each() {
        for kind in RoundKind::ALL {
            assert_eq!(RoundKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(RoundKind::parse("third"), None);
    }
}
