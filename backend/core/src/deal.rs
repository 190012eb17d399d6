//! After a sale: the deal's balance arithmetic and deadline (R53–R55).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::time::Instant;

/// The default number of days a buyer has to pay the balance (Part 1).
pub const DEFAULT_BALANCE_DUE_DAYS: u32 = 10;
/// Bounds on what a court may set per round.
pub const BALANCE_DUE_DAYS: std::ops::RangeInclusive<u32> = 1..=90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    AwaitingBalance,
    Paid,
    Defaulted,
}

impl DealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DealStatus::AwaitingBalance => "awaiting_balance",
            DealStatus::Paid => "paid",
            DealStatus::Defaulted => "defaulted",
        }
    }

    pub fn parse(text: &str) -> Option<DealStatus> {
        [DealStatus::AwaitingBalance, DealStatus::Paid, DealStatus::Defaulted]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// What the buyer owes and by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealTerms {
    pub final_price: Money,
    pub deposit_applied: Money,
    pub balance_due: Money,
    pub balance_due_at: Instant,
}

/// The winner's frozen deposit is credited against the price (R53); the balance is due
/// `balance_due_days` after the close (R54).
pub fn deal_terms(final_price: Money, deposit: Money, closed_at: Instant, balance_due_days: u32) -> DealTerms {
    let deposit_applied = deposit.min(final_price);
    DealTerms {
        final_price,
        deposit_applied,
        balance_due: final_price.checked_sub(deposit_applied).unwrap_or(Money::ZERO),
        balance_due_at: closed_at + Duration::days(i64::from(balance_due_days)),
    }
}

/// A deal still awaiting its balance defaults at the first instant `now ≥ balance_due_at` (R55).
pub fn is_in_default(status: DealStatus, balance_due_at: Instant, now: Instant) -> bool {
    status == DealStatus::AwaitingBalance && now >= balance_due_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn m(text: &str) -> Money {
        Money::parse_positive(text).unwrap()
    }

    #[test]
    fn the_deposit_is_credited_and_the_balance_is_due_in_days() {
        let closed = DateTime::parse_from_rfc3339("2027-01-11T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let terms = deal_terms(m("6016200"), m("50000"), closed, 10);
        assert_eq!(terms.balance_due, m("5966200"));
        assert_eq!(terms.deposit_applied, m("50000"));
        assert_eq!(terms.balance_due_at, closed + Duration::days(10));
        assert!(!is_in_default(
            DealStatus::AwaitingBalance,
            terms.balance_due_at,
            terms.balance_due_at - Duration::milliseconds(1)
        ));
        assert!(is_in_default(
            DealStatus::AwaitingBalance,
            terms.balance_due_at,
            terms.balance_due_at
        ));
        assert!(!is_in_default(
            DealStatus::Paid,
            terms.balance_due_at,
            terms.balance_due_at
        ));
    }
}
