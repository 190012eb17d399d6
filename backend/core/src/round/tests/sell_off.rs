//! The sell-off (变卖, R58) and revocation.

use super::*;

/// A sell-off bidding now: price ¥100, increment ¥50, the 60-day period from `start()`.
fn sell_off_round() -> Round {
    Round {
        sell_off: true,
        bidding_ends_at: start() + crate::time::SELL_OFF_PERIOD,
        ..bidding_round()
    }
}

#[test]
fn a_sell_off_opens_with_a_bid_at_its_price_and_then_runs_24_hours() {
    let mut round = sell_off_round();
    let t = start() + Duration::days(40);
    assert_eq!(
        round.place_bid(&bidder("A"), m("150"), t),
        Err(BidRejection::NotSellOffPrice { price: m("100") }),
        "the first bid is the price, not above it"
    );
    assert_eq!(
        round.bidding_ends_at,
        start() + Duration::days(60),
        "a refusal changes nothing"
    );
    let first = round.place_bid(&bidder("A"), m("100"), t).unwrap();
    assert!(first.opened_window);
    assert!(!first.extended(), "the window is not an extension");
    assert_eq!((first.ends_at, first.extension_count), (t + Duration::hours(24), 0));
    // Others raise on the grid; the five-minute extension applies as in an auction.
    let raised = round.place_bid(&bidder("B"), m("150"), t + Duration::hours(1)).unwrap();
    assert!(!raised.opened_window);
    assert_eq!(raised.ends_at, t + Duration::hours(24));
    let late = t + Duration::hours(24) - Duration::minutes(2);
    let last = round.place_bid(&bidder("A"), m("200"), late).unwrap();
    assert_eq!((last.ends_at, last.extension_count), (late + Duration::minutes(5), 1));
    let closed = round.advance(last.ends_at);
    assert!(
        matches!(&closed[..], [Transition::Closed { outcome: Outcome::Sold { price, .. }, .. }] if *price == m("200"))
    );
}

#[test]
fn a_first_sell_off_bid_near_the_end_of_the_period_still_gets_its_24_hours() {
    let mut round = sell_off_round();
    let t = start() + crate::time::SELL_OFF_PERIOD - Duration::hours(1);
    let first = round.place_bid(&bidder("A"), m("100"), t).unwrap();
    assert_eq!(first.ends_at, t + Duration::hours(24));
    assert!(round.advance(start() + crate::time::SELL_OFF_PERIOD).is_empty());
}

#[test]
fn a_sell_off_without_a_bid_in_sixty_days_fails() {
    let mut round = sell_off_round();
    let end = start() + crate::time::SELL_OFF_PERIOD;
    assert!(round.advance(end - Duration::milliseconds(1)).is_empty());
    assert_eq!(
        round.advance(end),
        vec![Transition::Closed {
            at: end,
            outcome: Outcome::Failed
        }]
    );
    assert_eq!(
        round.place_bid(&bidder("A"), m("100"), end),
        Err(BidRejection::NotBidding)
    );
}

#[test]
fn only_a_sold_round_can_be_revoked() {
    let mut round = bidding_round();
    round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    assert!(
        round.revoke(start()).is_err(),
        "a round still bidding has no sale to revoke"
    );
    let end = end_of(&round);
    round.advance(end);
    assert_eq!(round.revoke(end), Ok(Transition::Revoked { at: end }));
    assert_eq!(round.status, RoundStatus::Revoked);
    assert!(round.status.is_closed());
    assert!(round.revoke(end).is_err(), "once");
}
