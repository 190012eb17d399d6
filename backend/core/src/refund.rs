//! Paying a released deposit back (R53: within 24 hours of the end): when to try the gateway again after a
//! failure, and when a refund needs the court's eyes.

use chrono::Duration;

use crate::Instant;

/// How long a released deposit may take to reach its payer (R53).
pub const REFUND_WITHIN: Duration = Duration::hours(24);

/// Failed attempts after which a refund is shown to the court, though retries go on.
pub const ATTEMPTS_BEFORE_ATTENTION: u32 = 3;

/// The wait after the `attempts`-th failure: a minute, then five times longer each time, at most six hours
/// (1 min, 5 min, 25 min, 2 h 5 min, 6 h, 6 h …).
pub fn retry_after(attempts: u32) -> Duration {
    let cap = Duration::hours(6);
    let mut wait = Duration::minutes(1);
    for _ in 1..attempts {
        wait = wait * 5;
        if wait >= cap {
            return cap;
        }
    }
    wait
}

/// A gateway refund still unpaid that the court should see: it failed `ATTEMPTS_BEFORE_ATTENTION` times, or
/// its 24 hours are over.
pub fn needs_attention(attempts: u32, due_at: Instant, now: Instant) -> bool {
    attempts >= ATTEMPTS_BEFORE_ATTENTION || now > due_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_waits_grow_fivefold_to_six_hours() {
        let minutes: Vec<i64> = (1..=7).map(|n| retry_after(n).num_minutes()).collect();
        assert_eq!(minutes, [1, 5, 25, 125, 360, 360, 360]);
        assert_eq!(retry_after(0), Duration::minutes(1));
    }

    #[test]
    fn a_refund_needs_the_court_after_three_failures_or_its_day() {
        let due = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert!(!needs_attention(2, due, due));
        assert!(needs_attention(3, due, due));
        assert!(needs_attention(0, due, due + Duration::seconds(1)));
    }

    proptest! {
        /// However many failures, the next try is never sooner than the last and never more than six hours.
        #[test]
        fn waits_never_shrink_nor_exceed_six_hours(attempts in 1u32..1000) {
            prop_assert!(retry_after(attempts + 1) >= retry_after(attempts));
            prop_assert!(retry_after(attempts) <= Duration::hours(6));
        }
    }
}
