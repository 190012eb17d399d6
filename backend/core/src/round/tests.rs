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

#[test]
fn a_round_opens_at_its_start_and_closes_at_its_end() {
    let mut round = Round {
        status: RoundStatus::Announced,
        ..bidding_round()
    };
    assert!(round.advance(start() - Duration::milliseconds(1)).is_empty());
    assert_eq!(round.advance(start()), vec![Transition::Opened { at: start() }]);
    round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    let end = end_of(&round);
    assert!(round.advance(end - Duration::milliseconds(1)).is_empty());
    let closed = round.advance(end + Duration::hours(3));
    assert_eq!(
        closed,
        vec![Transition::Closed {
            at: end,
            outcome: Outcome::Sold {
                price: m("100"),
                winner_code: "A".into()
            }
        }]
    );
    assert_eq!(round.status, RoundStatus::Sold);
    assert!(
        round.advance(end + Duration::hours(4)).is_empty(),
        "a round closes once"
    );
}

#[test]
fn a_round_without_bids_fails() {
    let mut round = Round {
        status: RoundStatus::Announced,
        ..bidding_round()
    };
    let end = end_of(&round);
    let transitions = round.advance(end);
    assert_eq!(transitions.len(), 2, "opened and closed in one step: {transitions:?}");
    assert_eq!(
        transitions[1],
        Transition::Closed {
            at: end,
            outcome: Outcome::Failed
        }
    );
    assert_eq!(round.status, RoundStatus::Failed);
}

#[test]
fn suspension_refuses_bids_and_resumption_restores_the_remaining_time() {
    let mut round = bidding_round();
    round.place_bid(&bidder("A"), m("100"), start()).unwrap();
    let end = end_of(&round);
    let suspended_at = end - Duration::hours(2);
    round.suspend(Hold::Court, suspended_at).unwrap();
    assert_eq!(
        round.place_bid(&bidder("B"), m("150"), suspended_at),
        Err(BidRejection::NotBidding)
    );
    assert!(
        round.advance(end + Duration::days(1)).is_empty(),
        "a suspended round does not close"
    );
    let resumed_at = end + Duration::days(2);
    round.lift(Hold::Court, resumed_at).unwrap();
    assert_eq!(round.status, RoundStatus::Bidding);
    assert_eq!(end_of(&round), resumed_at + Duration::hours(2));
    assert_eq!(round.current_price, Some(m("100")), "bids are kept");
}

#[test]
fn a_round_held_by_the_court_and_an_objection_resumes_only_when_both_are_lifted() {
    let at = start() + Duration::hours(1);
    // The court first, then a third party's objection; lifted in either order.
    for court_first_lifted in [true, false] {
        let mut round = bidding_round();
        assert!(matches!(
            round.suspend(Hold::Court, at),
            Ok(Some(Transition::Suspended { .. }))
        ));
        assert_eq!(
            round.suspend(Hold::Objection, at),
            Ok(None),
            "a second reason, no second transition"
        );
        let (first, second) = if court_first_lifted {
            (Hold::Court, Hold::Objection)
        } else {
            (Hold::Objection, Hold::Court)
        };
        assert_eq!(round.lift(first, at), Ok(None));
        assert_eq!(round.status, RoundStatus::Suspended, "{second:?} still holds it");
        assert!(matches!(round.lift(second, at), Ok(Some(Transition::Resumed { .. }))));
        assert_eq!(round.status, RoundStatus::Bidding);
    }
    // The objection first, then the court.
    let mut round = bidding_round();
    assert!(round.suspend(Hold::Objection, at).unwrap().is_some());
    assert_eq!(round.suspend(Hold::Court, at), Ok(None));
    assert_eq!(round.lift(Hold::Objection, at), Ok(None));
    assert_eq!(round.status, RoundStatus::Suspended, "the court's own reason stands");
    assert!(round.lift(Hold::Court, at).unwrap().is_some());
}

#[test]
fn the_court_cannot_lift_an_objections_hold_nor_hold_a_round_twice() {
    let at = start() + Duration::hours(1);
    let mut round = bidding_round();
    round.suspend(Hold::Objection, at).unwrap();
    assert_eq!(round.lift(Hold::Court, at), Err(HoldError::ObjectionPending));
    assert_eq!(round.lift(Hold::Court, at).unwrap_err().code(), "objection_pending");
    assert_eq!(round.status, RoundStatus::Suspended);
    round.suspend(Hold::Court, at).unwrap();
    assert!(
        round.suspend(Hold::Court, at).is_err(),
        "suspended by the court already"
    );
    // Two objections hold it twice; an objection that never held it changes nothing.
    let mut round = bidding_round();
    round.suspend(Hold::Objection, at).unwrap();
    round.suspend(Hold::Objection, at).unwrap();
    assert_eq!(round.lift(Hold::Objection, at), Ok(None));
    assert!(round.lift(Hold::Objection, at).unwrap().is_some());
    assert!(round.lift(Hold::Objection, at).is_err(), "not suspended any more");
}

proptest! {
    /// Whatever the order of suspensions and lifts, the round is suspended exactly while a reason holds
    /// it, and a resume restores the remaining time.
    #[test]
    fn a_round_is_suspended_exactly_while_some_reason_holds_it(steps in proptest::collection::vec((any::<bool>(), any::<bool>()), 1..40)) {
        let at = start() + Duration::hours(1);
        let mut round = bidding_round();
        let (mut court, mut objections) = (false, 0u32);
        for (suspending, by_court) in steps {
            let hold = if by_court { Hold::Court } else { Hold::Objection };
            let result = if suspending { round.suspend(hold, at) } else { round.lift(hold, at) };
            match (suspending, hold) {
                (true, Hold::Court) if court => prop_assert!(result.is_err()),
                (true, Hold::Court) => court = true,
                (true, Hold::Objection) => objections += 1,
                (false, Hold::Court) if court => court = false,
                (false, Hold::Court) => prop_assert!(result.is_err()),
                (false, Hold::Objection) if objections > 0 => objections -= 1,
                (false, Hold::Objection) => prop_assert!(result.is_err() || result == Ok(None)),
            }
            let held = court || objections > 0;
            prop_assert_eq!(round.status == RoundStatus::Suspended, held);
            if !held {
                prop_assert_eq!(round.status, RoundStatus::Bidding);
                prop_assert_eq!(end_of(&round), start() + Duration::hours(24));
            }
        }
    }
}

#[test]
fn resumption_gives_at_least_five_minutes() {
    let mut round = bidding_round();
    let end = end_of(&round);
    round.suspend(Hold::Court, end - Duration::seconds(30)).unwrap();
    let resumed_at = end + Duration::hours(1);
    round.lift(Hold::Court, resumed_at).unwrap();
    assert_eq!(end_of(&round), resumed_at + Duration::minutes(5));
}

#[test]
fn resuming_before_the_start_returns_to_announced() {
    let mut round = Round {
        status: RoundStatus::Announced,
        ..bidding_round()
    };
    round.suspend(Hold::Court, start() - Duration::days(3)).unwrap();
    round.lift(Hold::Court, start() - Duration::days(1)).unwrap();
    assert_eq!(round.status, RoundStatus::Announced);
    assert_eq!(end_of(&round), start() + Duration::hours(24));
}

#[test]
fn closed_rounds_refuse_court_actions() {
    let mut round = Round {
        status: RoundStatus::Sold,
        ..bidding_round()
    };
    assert!(round.suspend(Hold::Court, start()).is_err());
    assert!(round.suspend(Hold::Objection, start()).is_err());
    assert!(round.withdraw(start()).is_err());
    assert!(round.lift(Hold::Court, start()).is_err());
    assert!(round.publish(start()).is_err());
}

#[test]
fn deposits_after_the_close() {
    assert_eq!(DepositStatus::Frozen.after_close(true), DepositStatus::Applied);
    assert_eq!(DepositStatus::Frozen.after_close(false), DepositStatus::Released);
    assert_eq!(DepositStatus::Unpaid.after_close(false), DepositStatus::Unpaid);
}

#[test]
fn bid_standing() {
    assert_eq!(BidStanding::of(3, 3, RoundStatus::Bidding), BidStanding::Leading);
    assert_eq!(BidStanding::of(3, 3, RoundStatus::Sold), BidStanding::Winning);
    assert_eq!(BidStanding::of(2, 3, RoundStatus::Sold), BidStanding::Outbid);
}

// ---- properties over random bid sequences ----

#[derive(Debug, Clone)]
struct Attempt {
    bidder: usize,
    /// Steps of the increment above the current price (may be negative or zero).
    steps: i64,
    /// Added to the amount to push it off the grid sometimes.
    off_grid_cents: i64,
    /// Milliseconds after the previous attempt.
    delay_ms: i64,
}

fn attempts() -> impl Strategy<Value = Vec<Attempt>> {
    let attempt = (
        0usize..6,
        -2i64..4,
        prop_oneof![4 => Just(0i64), 1 => 1i64..49],
        prop_oneof![
            3 => 0i64..120_000,
            1 => 0i64..3_600_000,
            1 => 0i64..30_000_000,
        ],
    )
        .prop_map(|(bidder, steps, off_grid_cents, delay_ms)| Attempt {
            bidder,
            steps,
            off_grid_cents,
            delay_ms,
        });
    proptest::collection::vec(attempt, 0..120)
}

/// The R50 ordering, written out independently of `outranks`: rank 1 is highest, any holder beats an
/// ordinary bidder, and equal ranks do not take the lead.
fn takes_lead_by_rank(challenger: PriorityRank, leader: PriorityRank) -> bool {
    let order = |rank: PriorityRank| rank.map_or(u64::MAX, u64::from);
    challenger.is_some() && order(challenger) < order(leader)
}

/// Six bidders: two ordinary, holders of ranks 1, 2, 2 and 3.
fn cast(index: usize) -> Bidder {
    match index {
        0 => bidder("A"),
        1 => bidder("B"),
        2 => holder("P1", 1),
        3 => holder("P2a", 2),
        4 => holder("P2b", 2),
        _ => holder("P3", 3),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bid_sequences_keep_every_invariant(sequence in attempts(), increment_cents in 1i64..5_000) {
        let mut round = Round { increment: Money::from_cents(increment_cents).unwrap(), ..bidding_round() };
        let mut t = start();
        let mut accepted: Vec<AcceptedBid> = Vec::new();
        for attempt in sequence {
            t += Duration::milliseconds(attempt.delay_ms);
            round.advance(t);
            let base = round.current_price.unwrap_or(round.starting_price).cents();
            let cents = base + attempt.steps * increment_cents + attempt.off_grid_cents;
            let Some(amount) = Money::from_cents(cents).filter(|a| !a.is_zero()) else { continue };
            let who = cast(attempt.bidder);
            let before = round.clone();
            match round.place_bid(&who, amount, t) {
                Ok(bid) => {
                    // Accepted only inside the half-open window.
                    prop_assert!(t >= before.bidding_starts_at && t < before.bidding_ends_at);
                    prop_assert_eq!(before.status, RoundStatus::Bidding);
                    // Always on the grid, never below the start.
                    prop_assert!(round.is_on_grid(bid.amount) && bid.amount >= round.starting_price);
                    // The end never moves backwards, and moves exactly when the bid was in the last five minutes.
                    prop_assert!(bid.ends_at >= bid.previous_ends_at);
                    prop_assert_eq!(bid.extended(), t + EXTENSION > before.bidding_ends_at);
                    prop_assert_eq!(bid.ends_at, before.bidding_ends_at.max(t + EXTENSION));
                    // The price rises strictly, except for a priority match, which wins only by rank.
                    match (before.current_price, before.leader) {
                        (Some(previous), Some(leader)) => {
                            if bid.priority_match {
                                prop_assert_eq!(bid.amount, previous);
                                prop_assert!(takes_lead_by_rank(who.priority_rank, leader.priority_rank));
                            } else {
                                prop_assert!(bid.amount > previous);
                            }
                            prop_assert_ne!(leader.code, who.code.clone());
                        }
                        _ => prop_assert!(!bid.priority_match),
                    }
                    prop_assert_eq!(bid.seq as usize, accepted.len() + 1);
                    accepted.push(bid);
                }
                Err(_) => prop_assert_eq!(&round, &before, "a refused bid changes nothing"),
            }
        }
        // The record agrees with the state.
        prop_assert_eq!(round.bid_count as usize, accepted.len());
        prop_assert_eq!(round.extension_count as usize, accepted.iter().filter(|b| b.extended()).count());
        prop_assert_eq!(round.current_price, accepted.last().map(|b| b.amount));
        // Closing sells to the last leader at the last price, or fails without bids.
        let end = round.bidding_ends_at;
        round.advance(end);
        match accepted.last() {
            Some(last) => {
                prop_assert_eq!(round.status, RoundStatus::Sold);
                prop_assert_eq!(round.leader.as_ref().map(|l| l.code.clone()), Some(last.bidder_code.clone()));
            }
            None => prop_assert_eq!(round.status, RoundStatus::Failed),
        }
    }

    #[test]
    fn minimum_next_bid_is_always_acceptable_to_a_fresh_bidder(sequence in attempts()) {
        let mut round = bidding_round();
        let mut t = start();
        for attempt in sequence {
            t += Duration::milliseconds(attempt.delay_ms % 60_000);
            let amount = round.minimum_next_bid().checked_add(round.increment.checked_mul(attempt.steps.max(0)).unwrap()).unwrap();
            let _ = round.place_bid(&cast(attempt.bidder), amount, t);
            if round.status == RoundStatus::Bidding && t < round.bidding_ends_at {
                let mut probe = round.clone();
                prop_assert!(probe.place_bid(&bidder("fresh"), round.minimum_next_bid(), t).is_ok());
                let mut probe = round.clone();
                let below = Money::from_cents(round.minimum_next_bid().cents() - 1).unwrap();
                prop_assert!(probe.place_bid(&bidder("fresh"), below, t).is_err());
            }
        }
    }
}

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
