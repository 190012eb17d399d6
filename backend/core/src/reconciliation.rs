//! Reconciliation (对账): the platform's books against the gateway's, one payment and one refund at a
//! time, and each payment's own story (`payment::story`) against the refunds under way — the differences a
//! court's deposit account must never have, named.

use crate::Money;
use crate::payment::{Fate, story};

crate::words!(
    /// What differs.
    DifferenceKind("difference kind") {
        /// The gateway was paid; the platform did not record it (a lost notification).
        PaidAtGatewayOnly = "paid_at_gateway_only",
        /// The platform recorded money the gateway never received.
        PaidOnPlatformOnly = "paid_on_platform_only",
        /// Both recorded the payment, with different amounts.
        AmountDiffers = "amount_differs",
        /// The gateway paid a refund the platform has not completed (or never asked for).
        RefundAtGatewayOnly = "refund_at_gateway_only",
        /// The platform completed a refund the gateway never paid.
        RefundOnPlatformOnly = "refund_on_platform_only",
        /// Both have the refund, with different amounts.
        RefundAmountDiffers = "refund_amount_differs",
        /// The gateway notified a payment the platform could not match to an order of its own.
        UnmatchedNotification = "unmatched_notification",
        /// Money is owed back with no refund on its way: stranded.
        Stranded = "stranded",
        /// More was paid back than the payment owed.
        OverRefunded = "over_refunded",
    }
);

/// A payment as the platform and the gateway each record it: the amount each says was paid, if any.
pub fn compare_payment(platform: Option<Money>, gateway: Option<Money>) -> Option<DifferenceKind> {
    match (platform, gateway) {
        (Some(ours), Some(theirs)) if ours != theirs => Some(DifferenceKind::AmountDiffers),
        (Some(_), None) => Some(DifferenceKind::PaidOnPlatformOnly),
        (None, Some(_)) => Some(DifferenceKind::PaidAtGatewayOnly),
        _ => None,
    }
}

/// A refund as each records it: the amount each says was paid back, if any.
pub fn compare_refund(platform: Option<Money>, gateway: Option<Money>) -> Option<DifferenceKind> {
    match (platform, gateway) {
        (Some(ours), Some(theirs)) if ours != theirs => Some(DifferenceKind::RefundAmountDiffers),
        (Some(_), None) => Some(DifferenceKind::RefundOnPlatformOnly),
        (None, Some(_)) => Some(DifferenceKind::RefundAtGatewayOnly),
        _ => None,
    }
}

/// A payment's own books: `received` with its `fate`, the refunds completed and those under way. Money
/// owed back beyond what the refunds under way will pay is stranded; refunds beyond what was owed are too
/// many.
pub fn check_story(received: Money, fate: Fate, completed: &[Money], under_way: &[Money]) -> Option<DifferenceKind> {
    let Ok(money) = story(received, fate, completed) else {
        return Some(DifferenceKind::OverRefunded);
    };
    let coming = under_way
        .iter()
        .try_fold(Money::ZERO, |sum, amount| sum.checked_add(*amount));
    match coming {
        Some(coming) if coming > money.owed => Some(DifferenceKind::OverRefunded),
        Some(coming) if coming < money.owed => Some(DifferenceKind::Stranded),
        Some(_) => None,
        None => Some(DifferenceKind::OverRefunded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn yuan(n: i64) -> Money {
        Money::from_cents(n * 100).unwrap_or(Money::ZERO)
    }

    #[test]
    fn each_kind_of_payment_difference_is_named() {
        assert_eq!(compare_payment(Some(yuan(5)), Some(yuan(5))), None);
        assert_eq!(compare_payment(None, None), None);
        assert_eq!(
            compare_payment(Some(yuan(5)), Some(yuan(4))),
            Some(DifferenceKind::AmountDiffers)
        );
        assert_eq!(
            compare_payment(Some(yuan(5)), None),
            Some(DifferenceKind::PaidOnPlatformOnly)
        );
        assert_eq!(
            compare_payment(None, Some(yuan(5))),
            Some(DifferenceKind::PaidAtGatewayOnly)
        );
        assert_eq!(
            compare_refund(None, Some(yuan(5))),
            Some(DifferenceKind::RefundAtGatewayOnly)
        );
        assert_eq!(
            compare_refund(Some(yuan(5)), None),
            Some(DifferenceKind::RefundOnPlatformOnly)
        );
        assert_eq!(
            compare_refund(Some(yuan(5)), Some(yuan(6))),
            Some(DifferenceKind::RefundAmountDiffers)
        );
    }

    #[test]
    fn owed_money_must_have_its_refund_on_the_way() {
        let deposit = yuan(70_000);
        assert_eq!(check_story(deposit, Fate::Released, &[], &[deposit]), None);
        assert_eq!(check_story(deposit, Fate::Released, &[deposit], &[]), None);
        assert_eq!(
            check_story(deposit, Fate::Released, &[], &[]),
            Some(DifferenceKind::Stranded),
            "released with no refund"
        );
        assert_eq!(
            check_story(deposit, Fate::Released, &[deposit], &[deposit]),
            Some(DifferenceKind::OverRefunded)
        );
        assert_eq!(check_story(deposit, Fate::Applied, &[], &[]), None);
        assert_eq!(
            check_story(deposit, Fate::Applied, &[deposit], &[]),
            Some(DifferenceKind::OverRefunded),
            "a refund of money that went to the price"
        );
        let kept = Fate::Forfeited { kept: yuan(56_000) };
        assert_eq!(check_story(yuan(560_000), kept, &[], &[yuan(504_000)]), None);
        assert_eq!(
            check_story(yuan(560_000), kept, &[], &[]),
            Some(DifferenceKind::Stranded)
        );
    }

    proptest! {
        /// Whatever a payment's fate and refunds, either nothing differs and its money is balanced and
        /// settled once the refunds under way are paid, or a difference is named.
        #[test]
        fn a_payment_with_no_difference_is_settled_once_its_refunds_are_paid(
            cents in 1i64..10_000_000,
            kind in 0u8..5,
            kept in 0i64..10_000_000,
            completed in prop::collection::vec(1i64..10_000_000, 0..3),
            under_way in prop::collection::vec(1i64..10_000_000, 0..3),
        ) {
            let money = |c: &i64| Money::from_cents(*c).unwrap_or(Money::ZERO);
            let received = money(&cents);
            let fate = match kind {
                0 => Fate::Held,
                1 => Fate::Applied,
                2 => Fate::Forfeited { kept: money(&kept.min(cents)) },
                3 => Fate::Released,
                _ => Fate::SetAside,
            };
            let completed: Vec<Money> = completed.iter().map(money).collect();
            let under_way: Vec<Money> = under_way.iter().map(money).collect();
            if check_story(received, fate, &completed, &under_way).is_none() {
                let all: Vec<Money> = completed.iter().chain(&under_way).copied().collect();
                let settled = story(received, fate, &all);
                prop_assert!(settled.is_ok());
                let settled = settled.unwrap_or_default();
                prop_assert!(settled.is_balanced());
                prop_assert!(settled.owed.is_zero());
            }
        }
    }
}
