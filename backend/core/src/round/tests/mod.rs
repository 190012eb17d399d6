use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::*;

fn m(text: &str) -> Money {
    Money::parse_positive(text).unwrap()
}

fn start() -> Instant {
    DateTime::parse_from_rfc3339("2027-01-10T02:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A round bidding now: start ¥100, increment ¥50, 24 hours from `start()`.
fn bidding_round() -> Round {
    Round {
        status: RoundStatus::Bidding,
        starting_price: m("100"),
        increment: m("50"),
        bidding_starts_at: start(),
        bidding_ends_at: start() + Duration::hours(24),
        current_price: None,
        leader: None,
        bid_count: 0,
        extension_count: 0,
        suspension: None,
        sell_off: false,
    }
}

fn bidder(code: &str) -> Bidder {
    Bidder {
        code: code.into(),
        priority_rank: None,
        deposit: DepositStatus::Frozen,
    }
}

fn holder(code: &str, rank: u32) -> Bidder {
    Bidder {
        code: code.into(),
        priority_rank: Some(rank),
        deposit: DepositStatus::Frozen,
    }
}

fn end_of(round: &Round) -> Instant {
    round.bidding_ends_at
}

mod bids;
mod lifecycle;
mod properties;
mod sell_off;
