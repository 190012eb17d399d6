//! Property tests over random bid sequences: the rules hold whatever the order of attempts.

use super::*;

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
