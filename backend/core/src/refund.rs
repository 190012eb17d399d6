//! Paying a released deposit back (R53: within 24 hours of the end): when to try the gateway again after a
//! failure, and when a refund needs the court's eyes.

use chrono::Duration;

use crate::Instant;

crate::words!(
    /// What a refund pays back.
    RefundPurpose("refund purpose") { Deposit = "deposit", Prepayment = "prepayment", Balance = "balance" }
);

crate::words!(
    /// Why money is paid back.
    RefundReason("refund reason") {
        /// The sale was set aside on an upheld objection (R65).
        Revocation = "revocation",
        /// A defaulting sell-off buyer gets back what exceeds the deposit (R58).
        Default = "default",
        /// The money arrived when what it paid for was gone: registration closed, the deal revoked.
        LatePayment = "late_payment",
        /// A deposit released after the close, a withdrawal or a lapsed agency (R53).
        DepositReleased = "deposit_released",
        /// The order was paid a second time through another channel (the gateway after the court recorded a
        /// bank transfer, or the other way round): the second payment goes back the way it came.
        Duplicate = "duplicate",
    }
);

crate::words!(
    /// How a refund is paid: back through the gateway the money came by, or by the court's bank (R74: money
    /// goes back the way it came).
    RefundMethod("refund method") { Gateway = "gateway", BankTransfer = "bank_transfer" }
);

crate::words!(
    /// Where a refund stands.
    RefundStatus("refund status") {
        /// To be paid through the gateway: tried until it succeeds.
        Pending = "pending",
        /// Money the court received by bank transfer: the court pays it back and confirms (已退).
        AwaitingCourt = "awaiting_court",
        Completed = "completed",
    }
);

/// What can happen to a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStep {
    /// The gateway paid it (or says, when asked, that it had).
    GatewayPaid,
    /// The gateway refused it, or gave no answer in time: tried again later with the same request number.
    GatewayRefused,
    /// The court confirms it paid the bank transfer back (已退).
    CourtConfirmed,
}

/// A step the refund's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a refund that is {status} cannot be {step:?}")]
pub struct RefundStepRefused {
    pub status: RefundStatus,
    pub step: RefundStep,
}

impl RefundStatus {
    /// The state after `step`: a gateway refund completes only through the gateway, a bank transfer only by
    /// the court's confirmation, and a completed one never changes again (nothing is paid twice).
    pub fn after(self, step: RefundStep) -> Result<RefundStatus, RefundStepRefused> {
        match (self, step) {
            (RefundStatus::Pending, RefundStep::GatewayPaid) => Ok(RefundStatus::Completed),
            (RefundStatus::Pending, RefundStep::GatewayRefused) => Ok(RefundStatus::Pending),
            (RefundStatus::AwaitingCourt, RefundStep::CourtConfirmed) => Ok(RefundStatus::Completed),
            (status, step) => Err(RefundStepRefused { status, step }),
        }
    }

    /// How a refund of money that came this way starts.
    pub fn owed(method: RefundMethod) -> RefundStatus {
        match method {
            RefundMethod::Gateway => RefundStatus::Pending,
            RefundMethod::BankTransfer => RefundStatus::AwaitingCourt,
        }
    }
}

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

    #[test]
    fn a_refund_completes_once_and_only_the_way_its_money_came() {
        use RefundStatus::*;
        use RefundStep::*;
        assert_eq!(RefundStatus::owed(RefundMethod::Gateway), Pending);
        assert_eq!(RefundStatus::owed(RefundMethod::BankTransfer), AwaitingCourt);
        assert_eq!(Pending.after(GatewayRefused), Ok(Pending));
        assert_eq!(Pending.after(GatewayPaid), Ok(Completed));
        assert_eq!(AwaitingCourt.after(CourtConfirmed), Ok(Completed));
        assert!(
            Pending.after(CourtConfirmed).is_err(),
            "the court does not complete a gateway refund"
        );
        assert!(
            AwaitingCourt.after(GatewayPaid).is_err(),
            "nor the gateway a bank transfer"
        );
        for step in [GatewayPaid, GatewayRefused, CourtConfirmed] {
            assert!(Completed.after(step).is_err(), "{step:?} after completion");
        }
    }

    fn step() -> impl Strategy<Value = RefundStep> {
        prop_oneof![
            Just(RefundStep::GatewayPaid),
            Just(RefundStep::GatewayRefused),
            Just(RefundStep::CourtConfirmed)
        ]
    }

    proptest! {
        /// However the steps come, a refund completes at most once, and the steps it refuses change nothing.
        #[test]
        fn a_refund_is_completed_at_most_once(gateway in any::<bool>(), steps in prop::collection::vec(step(), 0..30)) {
            let method = if gateway { RefundMethod::Gateway } else { RefundMethod::BankTransfer };
            let mut status = RefundStatus::owed(method);
            let mut completions = 0;
            for step in steps {
                if let Ok(next) = status.after(step) {
                    completions += usize::from(next == RefundStatus::Completed && status != RefundStatus::Completed);
                    status = next;
                }
            }
            prop_assert!(completions <= 1);
        }

        /// However many failures, the next try is never sooner than the last and never more than six hours.
        #[test]
        fn waits_never_shrink_nor_exceed_six_hours(attempts in 1u32..1000) {
            prop_assert!(retry_after(attempts + 1) >= retry_after(attempts));
            prop_assert!(retry_after(attempts) <= Duration::hours(6));
        }
    }
}
