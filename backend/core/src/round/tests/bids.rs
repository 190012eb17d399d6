//! Bids: the grid, the leader rule, the extension, priority holders.

use super::*;

#[test]
fn the_first_bid_may_equal_the_starting_price() {
    let mut round = bidding_round();
    let bid = round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    assert_eq!(bid.seq, 1);
    assert_eq!(round.current_price, Some(m("100")));
    assert_eq!(round.minimum_next_bid(), m("150"));
}

#[test]
fn a_bid_below_the_start_or_off_the_grid_is_refused() {
    let mut round = bidding_round();
    assert_eq!(
        round.place_bid(&bidder("A"), m("99.99"), start()),
        Err(BidRejection::BelowStartingPrice {
            starting_price: m("100")
        })
    );
    assert_eq!(
        round.place_bid(&bidder("A"), m("120"), start()),
        Err(BidRejection::NotOnIncrement { increment: m("50") })
    );
    assert_eq!(round, bidding_round(), "a refused bid changes nothing");
}

#[test]
fn later_bids_must_rise_by_whole_increments() {
    let mut round = bidding_round();
    round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    assert_eq!(
        round.place_bid(&bidder("B"), m("100"), start()),
        Err(BidRejection::BidTooLow { minimum: m("150") })
    );
    assert_eq!(
        round.place_bid(&bidder("B"), m("175"), start()),
        Err(BidRejection::NotOnIncrement { increment: m("50") })
    );
    // Several increments at once are fine: ¥270,550 = 100 + 5,409 × 50 was a real final price.
    assert!(round.place_bid(&bidder("B"), m("270550"), start()).is_ok());
}

#[test]
fn the_leader_cannot_bid_again() {
    let mut round = bidding_round();
    round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    assert_eq!(
        round.place_bid(&bidder("A"), m("200"), start()),
        Err(BidRejection::AlreadyLeading)
    );
}

#[test]
fn an_unfrozen_deposit_cannot_bid() {
    let mut round = bidding_round();
    let unpaid = Bidder {
        deposit: DepositStatus::Unpaid,
        ..bidder("A")
    };
    assert_eq!(
        round.place_bid(&unpaid, m("100"), start()),
        Err(BidRejection::DepositUnpaid)
    );
}

#[test]
fn bids_outside_the_window_are_refused() {
    let mut round = bidding_round();
    assert_eq!(
        round.place_bid(&bidder("A"), m("100"), start() - Duration::milliseconds(1)),
        Err(BidRejection::NotBidding)
    );
    let end = end_of(&round);
    assert_eq!(
        round.place_bid(&bidder("A"), m("100"), end),
        Err(BidRejection::NotBidding),
        "exactly at the end is late"
    );
    assert!(
        round
            .place_bid(&bidder("A"), m("100"), end - Duration::milliseconds(1))
            .is_ok()
    );
}

#[test]
fn a_bid_two_minutes_before_the_end_moves_it_three_minutes() {
    let mut round = bidding_round();
    let end = end_of(&round);
    let bid = round
        .place_bid(&bidder("A"), m("100"), end - Duration::minutes(2))
        .unwrap();
    assert_eq!(bid.ends_at, end + Duration::minutes(3));
    assert!(bid.extended());
    assert_eq!(round.extension_count, 1);
}

#[test]
fn a_bid_six_minutes_before_the_end_does_not_move_it() {
    let mut round = bidding_round();
    let end = end_of(&round);
    let bid = round
        .place_bid(&bidder("A"), m("100"), end - Duration::minutes(6))
        .unwrap();
    assert_eq!(bid.ends_at, end);
    assert!(!bid.extended());
    assert_eq!(round.extension_count, 0);
}

#[test]
fn a_bid_exactly_five_minutes_before_the_end_changes_nothing() {
    let mut round = bidding_round();
    let end = end_of(&round);
    let bid = round
        .place_bid(&bidder("A"), m("100"), end - Duration::minutes(5))
        .unwrap();
    assert_eq!(bid.ends_at, end);
    assert_eq!(round.extension_count, 0);
}

#[test]
fn four_hundred_extensions_are_not_capped() {
    // Nanjing 2017: 377 extensions. Alternate two bidders, each bidding one minute before the current end.
    let mut round = bidding_round();
    let mut price = m("100");
    for i in 0..400 {
        let who = if i % 2 == 0 { "A" } else { "B" };
        let t = end_of(&round) - Duration::minutes(1);
        let bid = round.place_bid(&bidder(who), price, t).unwrap();
        assert!(bid.extended());
        price = price.checked_add(m("50")).unwrap();
    }
    assert_eq!(round.extension_count, 400);
    assert_eq!(
        end_of(&round),
        start() + Duration::hours(24) + Duration::minutes(4 * 400)
    );
}

#[test]
fn a_priority_holder_may_match_and_take_the_lead() {
    // R50 test: ordinary A bids 100; P matches 100 → P leads; B must bid ≥ 150; P may match again.
    let mut round = bidding_round();
    round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    let matched = round.place_bid(&holder("P", 1), m("100"), start()).unwrap();
    assert!(matched.priority_match && matched.priority);
    assert_eq!(round.leader.as_ref().map(|l| l.code.as_str()), Some("P"));
    assert_eq!(
        round.place_bid(&bidder("B"), m("100"), start()),
        Err(BidRejection::BidTooLow { minimum: m("150") })
    );
    round.place_bid(&bidder("B"), m("150"), start()).unwrap();
    assert!(
        round
            .place_bid(&holder("P", 1), m("150"), start())
            .unwrap()
            .priority_match
    );
    assert_eq!(round.current_price, Some(m("150")));
}

#[test]
fn a_lower_ranked_holder_cannot_take_the_lead_by_matching() {
    let mut round = bidding_round();
    round.place_bid(&holder("P1", 1), m("100"), start()).unwrap();
    assert_eq!(
        round.place_bid(&holder("P2", 2), m("100"), start()),
        Err(BidRejection::BidTooLow { minimum: m("150") })
    );
    // The other way round, rank 1 matching rank 2 takes the lead.
    let mut round = bidding_round();
    round.place_bid(&holder("P2", 2), m("100"), start()).unwrap();
    assert!(round.place_bid(&holder("P1", 1), m("100"), start()).is_ok());
}

#[test]
fn between_holders_of_the_same_rank_the_earlier_bid_keeps_the_lead() {
    let mut round = bidding_round();
    round.place_bid(&holder("P3", 2), m("100"), start()).unwrap();
    assert_eq!(
        round.place_bid(&holder("P4", 2), m("100"), start()),
        Err(BidRejection::BidTooLow { minimum: m("150") })
    );
}

#[test]
fn a_leading_holder_cannot_match_itself() {
    let mut round = bidding_round();
    round.place_bid(&holder("P", 1), m("100"), start()).unwrap();
    assert_eq!(
        round.place_bid(&holder("P", 1), m("100"), start()),
        Err(BidRejection::AlreadyLeading)
    );
}

#[test]
fn an_ordinary_bidder_cannot_match() {
    let mut round = bidding_round();
    round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    assert_eq!(round.minimum_bid_for(None), m("150"));
    assert_eq!(round.minimum_bid_for(Some(5)), m("100"));
    assert!(round.place_bid(&bidder("B"), m("100"), start()).is_err());
}

#[test]
fn a_priority_match_in_the_last_five_minutes_extends() {
    let mut round = bidding_round();
    round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    let t = end_of(&round) - Duration::minutes(1);
    let matched = round.place_bid(&holder("P", 1), m("100"), t).unwrap();
    assert_eq!(matched.ends_at, t + Duration::minutes(5));
}
