//! After a sale: the deal's balance arithmetic and deadline (R53–R55), and what follows payment — the
//! purchase qualification of a housing buyer (R32), the sale ruling, its service and the hand-over (R52).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::time::Instant;

/// The default number of days a buyer has to pay the balance (Part 1).
pub const DEFAULT_BALANCE_DUE_DAYS: u32 = 10;
/// Bounds on what a court may set per round.
pub const BALANCE_DUE_DAYS: std::ops::RangeInclusive<u32> = 1..=90;

crate::words!(
    DealStatus("deal status") {
        AwaitingBalance = "awaiting_balance",
        Paid = "paid",
        Defaulted = "defaulted",
        /// The sale ruling (成交裁定) is issued; it takes effect when served on the buyer.
        RulingIssued = "ruling_issued",
        HandedOver = "handed_over",
        /// Set aside on an upheld objection (R65): the buyer is refunded.
        Revoked = "revoked",
    }
);

crate::words!(
    /// What becomes of the deposit of a buyer whose sale is declared void for a faked qualification (R32).
    DepositFate("deposit fate") {
        /// The court keeps it.
        Forfeited = "forfeited",
        Refunded = "refunded",
    }
);

/// The sale ruling is due within ten days of payment, the hand-over within fifteen of the ruling's service.
pub const RULING_WITHIN: Duration = Duration::days(10);
pub const HANDOVER_WITHIN: Duration = Duration::days(15);

/// A housing buyer's purchase qualification (R32), as the court found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    Qualified,
    NotQualified,
}

impl Qualification {
    pub fn as_str(self) -> &'static str {
        match self {
            Qualification::Qualified => "qualified",
            Qualification::NotQualified => "not_qualified",
        }
    }

    pub fn parse(text: &str) -> Option<Qualification> {
        [Qualification::Qualified, Qualification::NotQualified]
            .into_iter()
            .find(|q| q.as_str() == text)
    }
}

/// A deal after payment, as the next steps need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterSale {
    pub status: DealStatus,
    pub is_housing: bool,
    pub qualification: Option<Qualification>,
    pub ruling_issued_at: Option<Instant>,
    pub served_at: Option<Instant>,
    /// An objection to the round awaits its decision: the property stays where it is until then, since
    /// the hand-over ends the enforcement and with it the objection's remedy (R63).
    pub objection_pending: bool,
    /// A decided objection's reconsideration may still be asked for, or waits (R64): no ruling meanwhile.
    pub ruling_hold: Option<crate::objection::RulingHold>,
}

/// Why a step after payment is refused. `code()` is the API's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AfterSaleError {
    #[error("the balance has not been paid")]
    NotPaid,
    #[error("the buyer's purchase qualification for housing must be checked before the ruling (R32)")]
    QualificationRequired,
    #[error("the buyer is not qualified to buy this housing (R32); the sale may be revoked")]
    NotQualified,
    #[error("the purchase qualification concerns housing only")]
    NotHousing,
    #[error("the sale ruling has not been issued")]
    RulingNotIssued,
    #[error("the ruling has not been served on the buyer")]
    NotServed,
    #[error("this step has been taken already")]
    AlreadyDone,
    #[error("that time is before the step it follows, or in the future")]
    InvalidTime,
    #[error("an objection to this sale awaits its decision: decide it before the hand-over (R63)")]
    ObjectionPending,
    #[error("{0}")]
    Reconsideration(crate::objection::RulingHold),
}

impl AfterSaleError {
    pub fn code(&self) -> &'static str {
        match self {
            AfterSaleError::NotPaid => "deal_not_paid",
            AfterSaleError::QualificationRequired => "qualification_required",
            AfterSaleError::NotQualified => "buyer_not_qualified",
            AfterSaleError::NotHousing => "not_housing",
            AfterSaleError::RulingNotIssued => "ruling_not_issued",
            AfterSaleError::NotServed => "ruling_not_served",
            AfterSaleError::AlreadyDone => "already_done",
            AfterSaleError::InvalidTime => "invalid_time",
            AfterSaleError::ObjectionPending => "objection_pending",
            AfterSaleError::Reconsideration(hold) => hold.code(),
        }
    }
}

impl AfterSale {
    /// The court records a housing buyer's qualification, after payment and before the ruling.
    pub fn check_qualification(&self) -> Result<(), AfterSaleError> {
        match self.status {
            _ if !self.is_housing => Err(AfterSaleError::NotHousing),
            DealStatus::Paid => Ok(()),
            DealStatus::RulingIssued | DealStatus::HandedOver => Err(AfterSaleError::AlreadyDone),
            _ => Err(AfterSaleError::NotPaid),
        }
    }

    /// The ruling follows payment, and for housing a finding that the buyer is qualified (R32, R52).
    pub fn check_ruling(&self) -> Result<(), AfterSaleError> {
        match self.status {
            DealStatus::Paid => {}
            DealStatus::RulingIssued | DealStatus::HandedOver => return Err(AfterSaleError::AlreadyDone),
            _ => return Err(AfterSaleError::NotPaid),
        }
        if let Some(hold) = self.ruling_hold {
            return Err(AfterSaleError::Reconsideration(hold));
        }
        match (self.is_housing, self.qualification) {
            (false, _) | (true, Some(Qualification::Qualified)) => Ok(()),
            (true, None) => Err(AfterSaleError::QualificationRequired),
            (true, Some(Qualification::NotQualified)) => Err(AfterSaleError::NotQualified),
        }
    }

    /// The ruling is served on the buyer at `served_at`: after it was issued, not in the future; ownership
    /// passes then (R52).
    pub fn check_service(&self, served_at: Instant, now: Instant) -> Result<(), AfterSaleError> {
        let issued = match (self.status, self.ruling_issued_at) {
            (DealStatus::RulingIssued, Some(issued)) if self.served_at.is_none() => issued,
            (DealStatus::RulingIssued | DealStatus::HandedOver, _) => return Err(AfterSaleError::AlreadyDone),
            _ => return Err(AfterSaleError::RulingNotIssued),
        };
        if served_at < issued || served_at > now {
            return Err(AfterSaleError::InvalidTime);
        }
        Ok(())
    }

    /// The property is handed over at `at`: after service, not in the future.
    pub fn check_handover(&self, at: Instant, now: Instant) -> Result<(), AfterSaleError> {
        let served = match (self.status, self.served_at) {
            (DealStatus::HandedOver, _) => return Err(AfterSaleError::AlreadyDone),
            (DealStatus::RulingIssued, Some(served)) => served,
            (DealStatus::RulingIssued, None) => return Err(AfterSaleError::NotServed),
            _ => return Err(AfterSaleError::RulingNotIssued),
        };
        if at < served || at > now {
            return Err(AfterSaleError::InvalidTime);
        }
        if self.objection_pending {
            return Err(AfterSaleError::ObjectionPending);
        }
        Ok(())
    }
}

/// What the buyer owes and by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealTerms {
    pub final_price: Money,
    pub deposit_applied: Money,
    /// The applicant's claim set off against the price (R23 ¶2); zero for anyone else.
    pub claim_offset: Money,
    pub balance_due: Money,
    pub balance_due_at: Instant,
}

/// The winner's frozen deposit is credited against the price (R53), then an applicant's unpaid `claim`
/// (R23 ¶2: it buys against what it is owed), the balance never below zero; the balance is due
/// `balance_due_days` after the close (R54).
pub fn deal_terms(
    final_price: Money,
    deposit: Money,
    claim: Money,
    closed_at: Instant,
    balance_due_days: u32,
) -> DealTerms {
    let deposit_applied = deposit.min(final_price);
    let after_deposit = final_price.checked_sub(deposit_applied).unwrap_or(Money::ZERO);
    let claim_offset = claim.min(after_deposit);
    DealTerms {
        final_price,
        deposit_applied,
        claim_offset,
        balance_due: after_deposit.checked_sub(claim_offset).unwrap_or(Money::ZERO),
        balance_due_at: closed_at + Duration::days(i64::from(balance_due_days)),
    }
}

impl DealTerms {
    /// A deal whose price the deposit covers — a sell-off sold at its price, its prepayment applied — is
    /// paid at once; any other awaits its balance.
    pub fn initial_status(&self) -> DealStatus {
        if self.balance_due.is_zero() {
            DealStatus::Paid
        } else {
            DealStatus::AwaitingBalance
        }
    }
}

/// What a defaulting buyer loses and gets back: the forfeitable deposit is kept (R55); the rest of a
/// sell-off prepayment is paid back (R58). Returns `(forfeited, refunded)`.
pub fn default_forfeiture(paid_in: Money, forfeitable: Money) -> (Money, Money) {
    let forfeited = forfeitable.min(paid_in);
    (forfeited, paid_in.checked_sub(forfeited).unwrap_or(Money::ZERO))
}

/// Whether a deal may be set aside on an upheld objection: not once it defaulted or was revoked, nor
/// once the property was handed over, which ends the enforcement (R63).
pub fn is_revocable(status: DealStatus) -> bool {
    !matches!(
        status,
        DealStatus::Defaulted | DealStatus::Revoked | DealStatus::HandedOver
    )
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
        let terms = deal_terms(m("6016200"), m("50000"), Money::ZERO, closed, 10);
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

    #[test]
    fn a_sell_off_sold_at_its_price_is_paid_by_the_prepayment_and_a_raised_one_owes_the_rest() {
        let closed = DateTime::parse_from_rfc3339("2027-03-11T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at_price = deal_terms(m("560000"), m("560000"), Money::ZERO, closed, 10);
        assert_eq!(
            (at_price.balance_due, at_price.initial_status()),
            (Money::ZERO, DealStatus::Paid)
        );
        let raised = deal_terms(m("562000"), m("560000"), Money::ZERO, closed, 10);
        assert_eq!(
            (raised.balance_due, raised.initial_status()),
            (m("2000"), DealStatus::AwaitingBalance)
        );
    }

    #[test]
    fn an_applicant_buys_against_its_claim_and_never_owes_less_than_nothing() {
        let closed = DateTime::parse_from_rfc3339("2027-01-11T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // Deposit 70,000, claim 50,000: it paid 20,000 in; at 700,000 it owes 700,000 − 20,000 − 50,000.
        let terms = deal_terms(m("700000"), m("20000"), m("50000"), closed, 10);
        assert_eq!(
            (terms.deposit_applied, terms.claim_offset, terms.balance_due),
            (m("20000"), m("50000"), m("630000"))
        );
        // A claim larger than the price: the price is set off whole and the deal is paid at once.
        let covered = deal_terms(m("700000"), Money::ZERO, m("900000"), closed, 10);
        assert_eq!(
            (covered.claim_offset, covered.balance_due, covered.initial_status()),
            (m("700000"), Money::ZERO, DealStatus::Paid)
        );
    }

    proptest::proptest! {
        /// Whatever the price, deposit and claim: deposit + offset + balance is the price, none negative,
        /// and the offset never exceeds the claim.
        #[test]
        fn the_price_is_always_accounted_for(price in 1i64..1_000_000_000, deposit in 0i64..1_000_000_000, claim in 0i64..1_000_000_000) {
            let cents = |n: i64| Money::from_cents(n).unwrap();
            let closed = DateTime::parse_from_rfc3339("2027-01-11T02:00:00Z").unwrap().with_timezone(&Utc);
            let terms = deal_terms(cents(price), cents(deposit), cents(claim), closed, 10);
            let total = terms.deposit_applied.cents() + terms.claim_offset.cents() + terms.balance_due.cents();
            proptest::prop_assert_eq!(total, price);
            proptest::prop_assert!(terms.claim_offset.cents() <= claim);
            proptest::prop_assert!(terms.balance_due.cents() >= 0 && terms.claim_offset.cents() >= 0);
        }
    }

    #[test]
    fn a_defaulting_sell_off_buyer_loses_the_deposit_and_gets_the_rest_back() {
        assert_eq!(default_forfeiture(m("560000"), m("56000")), (m("56000"), m("504000")));
        assert_eq!(
            default_forfeiture(m("70000"), m("70000")),
            (m("70000"), Money::ZERO),
            "an auction deposit is kept whole"
        );
        assert!(!is_revocable(DealStatus::HandedOver), "R63");
        assert!(!is_revocable(DealStatus::Defaulted) && !is_revocable(DealStatus::Revoked));
    }

    mod after_sale {
        use super::super::*;
        use chrono::{DateTime, Utc};

        fn at(text: &str) -> Instant {
            DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
        }

        fn paid(is_housing: bool, qualification: Option<Qualification>) -> AfterSale {
            AfterSale {
                status: DealStatus::Paid,
                is_housing,
                qualification,
                ruling_issued_at: None,
                served_at: None,
                objection_pending: false,
                ruling_hold: None,
            }
        }

        #[test]
        fn housing_needs_a_qualified_buyer_before_the_ruling() {
            assert_eq!(paid(false, None).check_ruling(), Ok(()));
            assert_eq!(
                paid(true, None).check_ruling(),
                Err(AfterSaleError::QualificationRequired)
            );
            assert_eq!(
                paid(true, Some(Qualification::NotQualified)).check_ruling(),
                Err(AfterSaleError::NotQualified)
            );
            assert_eq!(paid(true, Some(Qualification::Qualified)).check_ruling(), Ok(()));
            assert_eq!(paid(false, None).check_qualification(), Err(AfterSaleError::NotHousing));
            let unpaid = AfterSale {
                status: DealStatus::AwaitingBalance,
                ..paid(true, None)
            };
            assert_eq!(unpaid.check_ruling(), Err(AfterSaleError::NotPaid));
            assert_eq!(unpaid.check_qualification(), Err(AfterSaleError::NotPaid));
        }

        #[test]
        fn service_follows_the_ruling_and_the_handover_follows_service() {
            let issued = at("2027-03-01T02:00:00Z");
            let now = at("2027-03-10T02:00:00Z");
            let ruled = AfterSale {
                status: DealStatus::RulingIssued,
                ruling_issued_at: Some(issued),
                ..paid(false, None)
            };
            assert_eq!(
                paid(false, None).check_service(now, now),
                Err(AfterSaleError::RulingNotIssued)
            );
            assert_eq!(
                ruled.check_service(issued - Duration::seconds(1), now),
                Err(AfterSaleError::InvalidTime)
            );
            assert_eq!(
                ruled.check_service(now + Duration::seconds(1), now),
                Err(AfterSaleError::InvalidTime)
            );
            assert_eq!(ruled.check_service(issued, now), Ok(()));
            assert_eq!(ruled.check_handover(now, now), Err(AfterSaleError::NotServed));
            let served = AfterSale {
                served_at: Some(at("2027-03-02T02:00:00Z")),
                ..ruled
            };
            assert_eq!(served.check_service(now, now), Err(AfterSaleError::AlreadyDone));
            assert_eq!(
                served.check_handover(at("2027-03-01T02:00:00Z"), now),
                Err(AfterSaleError::InvalidTime)
            );
            assert_eq!(served.check_handover(now, now), Ok(()));
            let objected = AfterSale {
                objection_pending: true,
                ..served
            };
            assert_eq!(
                objected.check_handover(now, now),
                Err(AfterSaleError::ObjectionPending),
                "the property stays put while an objection waits (R63)"
            );
            let done = AfterSale {
                status: DealStatus::HandedOver,
                ..served
            };
            assert_eq!(done.check_handover(now, now), Err(AfterSaleError::AlreadyDone));
        }
    }
}
