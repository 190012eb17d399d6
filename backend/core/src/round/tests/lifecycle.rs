//! Opening, closing, suspension and resumption, court actions, deposits after the close, standings.

use super::*;

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
