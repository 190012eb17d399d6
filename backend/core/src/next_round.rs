//! What a listing's history allows next: a first auction, the second after a failed first (R25, R27), the
//! sell-off (变卖) after a failed second (R57, R58), a re-auction after a buyer's default (R55) or a revoked sale
//! (R65) — or nothing (a round still running, a sale, a failed sell-off).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::round::RoundStatus;
use crate::time::Instant;

/// The second auction is set up within 30 days of the failed first (R27).
pub const SECOND_ROUND_WITHIN: Duration = Duration::days(30);
/// The sell-off is announced within 15 days of the failed second auction (R58).
pub const SELL_OFF_WITHIN: Duration = Duration::days(15);

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
    /// 变卖: the sale at a fixed price after a failed second auction (R57, R58).
    SellOff,
}

/// The kind of round that a re-auction repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReauctionOf {
    First,
    Second,
}

impl RoundKind {
    pub const ALL: [RoundKind; 5] = [
        RoundKind::First,
        RoundKind::Second,
        RoundKind::Reauction { of: ReauctionOf::First },
        RoundKind::Reauction {
            of: ReauctionOf::Second,
        },
        RoundKind::SellOff,
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
            RoundKind::SellOff => "sell_off",
        }
    }

    pub fn parse(text: &str) -> Option<RoundKind> {
        RoundKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Whether the round counts as a first or a second auction, for what may follow it; a sell-off is
    /// neither.
    pub fn stage(self) -> Option<ReauctionOf> {
        match self {
            RoundKind::First | RoundKind::Reauction { of: ReauctionOf::First } => Some(ReauctionOf::First),
            RoundKind::Second
            | RoundKind::Reauction {
                of: ReauctionOf::Second,
            } => Some(ReauctionOf::Second),
            RoundKind::SellOff => None,
        }
    }

    /// What repeats this round after its buyer defaulted or its sale was revoked: an auction of the same
    /// stage (keeping its floor, R55), or another sell-off at the same price.
    pub fn repeated(self) -> RoundKind {
        match self.stage() {
            Some(of) => RoundKind::Reauction { of },
            None => RoundKind::SellOff,
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

/// The windows within which a round must follow a failure: R27's 30 days for the second auction, and the
/// court's window for the sell-off (R58: 15 days unless the court sets it otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    pub sell_off: Duration,
}

impl Default for Windows {
    fn default() -> Windows {
        Windows {
            sell_off: SELL_OFF_WITHIN,
        }
    }
}

/// The round a listing may have next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextRound {
    pub kind: RoundKind,
    /// Counting the rounds that took place (withdrawn ones do not count).
    pub number: u32,
    /// Round 1's starting price, for round 2's floor (R25).
    pub first_round_start: Option<Money>,
    /// A sell-off's fixed price: the failed second auction's starting price (R58), or the price of the
    /// sell-off it repeats.
    pub sell_off_price: Option<Money>,
    /// After a failure: the end of the window within which this round must be set up and announced (R27,
    /// R58).
    pub deadline: Option<Instant>,
}

impl NextRound {
    /// Whether this round is in time at `at` (its creation, its announcement): within its window, or — once
    /// the window has passed — held late for the court's written reason, which is the court's way out of a
    /// dead end (with release and settlement of the debt).
    pub fn in_time(&self, at: Instant, late_reason_given: bool) -> Result<(), NoNextRound> {
        match self.deadline {
            Some(deadline) if at > deadline && !late_reason_given => Err(match self.kind {
                RoundKind::SellOff => NoNextRound::SellOffTooLate,
                _ => NoNextRound::SecondRoundTooLate,
            }),
            _ => Ok(()),
        }
    }

    /// Whether the window has passed at `at`.
    pub fn is_late(&self, at: Instant) -> bool {
        self.deadline.is_some_and(|deadline| at > deadline)
    }
}

/// Why a listing may have no round now. `code()` is the API's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoNextRound {
    #[error("this listing already has a round that is not finished; withdraw it or wait for its end")]
    RoundInProgress,
    #[error("this listing has been sold")]
    ListingSold,
    #[error("the sell-off has failed: no further sale follows; the court may release the property")]
    NoFurtherRound,
    #[error(
        "a second auction must be set up and announced within 30 days of the failed first auction (R27); past that, \
         give the court's reason for holding it late (late_reason), or release the property or settle the debt with it"
    )]
    SecondRoundTooLate,
    #[error(
        "a sell-off must be set up and announced within the court's window after the failed second auction (R58); \
         past that, give the court's reason for holding it late (late_reason), or release the property or settle \
         the debt with it"
    )]
    SellOffTooLate,
}

impl NoNextRound {
    pub fn code(&self) -> &'static str {
        match self {
            NoNextRound::RoundInProgress => "round_in_progress",
            NoNextRound::ListingSold => "listing_sold",
            NoNextRound::NoFurtherRound => "no_further_round",
            NoNextRound::SecondRoundTooLate => "second_round_too_late",
            NoNextRound::SellOffTooLate => "sell_off_too_late",
        }
    }
}

/// What `history` (the listing's rounds, oldest first) allows at `now`.
pub fn next_round(history: &[PastRound], windows: Windows) -> Result<NextRound, NoNextRound> {
    if history.iter().any(|r| !r.status.is_closed()) {
        return Err(NoNextRound::RoundInProgress);
    }
    let counted: Vec<&PastRound> = history.iter().filter(|r| r.status != RoundStatus::Withdrawn).collect();
    let first_round_start = counted
        .iter()
        .rev()
        .find(|r| r.kind == RoundKind::First)
        .map(|r| r.starting_price);
    let (kind, sell_off_price, deadline) = match counted.last() {
        None => (RoundKind::First, None, None),
        Some(last) if last.status == RoundStatus::Failed => match last.kind.stage() {
            None => return Err(NoNextRound::NoFurtherRound),
            Some(ReauctionOf::Second) => (
                RoundKind::SellOff,
                Some(last.starting_price),
                Some(last.closed_at + windows.sell_off),
            ),
            Some(ReauctionOf::First) => (RoundKind::Second, None, Some(last.closed_at + SECOND_ROUND_WITHIN)),
        },
        Some(last) if last.defaulted || last.status == RoundStatus::Revoked => {
            let kind = last.kind.repeated();
            (kind, (kind == RoundKind::SellOff).then_some(last.starting_price), None)
        }
        Some(_) => return Err(NoNextRound::ListingSold),
    };
    Ok(NextRound {
        kind,
        number: u32::try_from(counted.len() + 1).unwrap_or(u32::MAX),
        first_round_start,
        sell_off_price,
        deadline,
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
        let next = next_round(&[], Windows::default()).unwrap();
        assert_eq!(
            (next.kind, next.number, next.first_round_start),
            (RoundKind::First, 1, None)
        );
    }

    #[test]
    fn a_failed_first_round_allows_the_second_within_thirty_days() {
        let history = [past(RoundKind::First, RoundStatus::Failed, CLOSED)];
        let next = next_round(&history, Windows::default()).unwrap();
        assert_eq!((next.kind, next.number), (RoundKind::Second, 2));
        assert_eq!(next.first_round_start, Some(Money::parse_positive("700000").unwrap()));
        assert_eq!(next.in_time(at("2027-02-09T02:00:00Z"), false), Ok(()));
        assert_eq!(
            next.in_time(at("2027-02-09T02:00:01Z"), false),
            Err(NoNextRound::SecondRoundTooLate)
        );
        assert_eq!(
            next.in_time(at("2027-03-09T02:00:01Z"), true),
            Ok(()),
            "late, for the court's reason"
        );
    }

    #[test]
    fn a_failed_second_round_allows_a_sell_off_at_its_price_within_fifteen_days() {
        for second in [
            RoundKind::Second,
            RoundKind::Reauction {
                of: ReauctionOf::Second,
            },
        ] {
            let mut failed_second = past(second, RoundStatus::Failed, CLOSED);
            failed_second.starting_price = Money::parse_positive("560000").unwrap();
            let history = [past(RoundKind::First, RoundStatus::Failed, CLOSED), failed_second];
            let next = next_round(&history, Windows::default()).unwrap();
            assert_eq!((next.kind, next.number), (RoundKind::SellOff, 3));
            assert_eq!(next.sell_off_price, Some(Money::parse_positive("560000").unwrap()));
            assert_eq!(next.in_time(at("2027-01-25T02:00:00Z"), false), Ok(()));
            assert_eq!(
                next.in_time(at("2027-01-25T02:00:01Z"), false),
                Err(NoNextRound::SellOffTooLate)
            );
            // A court that gives itself 20 days (its setting) has them.
            let longer = next_round(
                &history,
                Windows {
                    sell_off: Duration::days(20),
                },
            )
            .unwrap();
            assert_eq!(longer.in_time(at("2027-01-30T02:00:00Z"), false), Ok(()));
        }
    }

    #[test]
    fn a_failed_sell_off_ends_the_sales_and_a_defaulted_one_is_repeated_at_its_price() {
        let mut sell_off = past(RoundKind::SellOff, RoundStatus::Failed, CLOSED);
        let history = [
            past(RoundKind::First, RoundStatus::Failed, CLOSED),
            past(RoundKind::Second, RoundStatus::Failed, CLOSED),
            sell_off.clone(),
        ];
        assert_eq!(
            next_round(&history, Windows::default()),
            Err(NoNextRound::NoFurtherRound)
        );
        sell_off.status = RoundStatus::Sold;
        sell_off.defaulted = true;
        sell_off.starting_price = Money::parse_positive("560000").unwrap();
        let history = [
            past(RoundKind::First, RoundStatus::Failed, CLOSED),
            past(RoundKind::Second, RoundStatus::Failed, CLOSED),
            sell_off,
        ];
        let next = next_round(&history, Windows::default()).unwrap();
        assert_eq!((next.kind, next.number), (RoundKind::SellOff, 4));
        assert_eq!(next.sell_off_price, Some(Money::parse_positive("560000").unwrap()));
    }

    #[test]
    fn a_revoked_sale_is_auctioned_again_at_the_same_stage() {
        let history = [past(RoundKind::First, RoundStatus::Revoked, CLOSED)];
        let next = next_round(&history, Windows::default()).unwrap();
        assert_eq!(
            (next.kind, next.number),
            (RoundKind::Reauction { of: ReauctionOf::First }, 2)
        );
    }

    #[test]
    fn a_default_brings_a_reauction_of_the_same_stage_and_a_sale_ends_the_listing() {
        let mut sold = past(RoundKind::Second, RoundStatus::Sold, CLOSED);
        let history = [past(RoundKind::First, RoundStatus::Failed, CLOSED), sold.clone()];
        assert_eq!(next_round(&history, Windows::default()), Err(NoNextRound::ListingSold));
        sold.defaulted = true;
        let history = [past(RoundKind::First, RoundStatus::Failed, CLOSED), sold];
        let next = next_round(&history, Windows::default()).unwrap();
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
        let next = next_round(&history, Windows::default()).unwrap();
        assert_eq!((next.kind, next.number), (RoundKind::First, 1));
        let running = [past(RoundKind::First, RoundStatus::Announced, CLOSED)];
        assert_eq!(
            next_round(&running, Windows::default()),
            Err(NoNextRound::RoundInProgress)
        );
    }

    #[test]
    fn kinds_have_one_name_each() {
        for kind in RoundKind::ALL {
            assert_eq!(RoundKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(RoundKind::parse("third"), None);
    }
}
