//! What a buyer must know before paying a deposit (R29, R67): the taxes, arrears and fees besides the
//! price as the court lists them — each borne by the buyer or by the seller (the debtor), a fixed amount or
//! a percent of the price — whom to call at the court, and how to view the property. The item page shows
//! the buyer's share at the current price.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Instant;
use crate::money::Money;

/// A listing holds at most this many costs.
pub const MAX_COSTS: usize = 30;

/// What a buyer is told before the deposit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuyerInformation {
    pub costs: Vec<Cost>,
    pub contact: Option<Contact>,
    pub viewing: Option<Viewing>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewing {
    pub how: String,
    pub from: Option<Instant>,
    pub until: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InformationError {
    #[error("a listing has at most 30 costs")]
    TooManyCosts,
    #[error("the viewing period ends before it starts")]
    ViewingEndsBeforeStart,
}

impl InformationError {
    pub fn code(&self) -> &'static str {
        match self {
            InformationError::TooManyCosts => "invalid_cost",
            InformationError::ViewingEndsBeforeStart => "invalid_viewing",
        }
    }
}

impl BuyerInformation {
    /// What no parser of a single field can see: how many costs, the viewing period's order.
    pub fn check(&self) -> Result<(), InformationError> {
        if self.costs.len() > MAX_COSTS {
            return Err(InformationError::TooManyCosts);
        }
        if let Some(Viewing {
            from: Some(from),
            until: Some(until),
            ..
        }) = &self.viewing
            && until < from
        {
            return Err(InformationError::ViewingEndsBeforeStart);
        }
        Ok(())
    }
}

/// Who bears a cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BorneBy {
    Buyer,
    Seller,
}

impl BorneBy {
    pub fn as_str(self) -> &'static str {
        match self {
            BorneBy::Buyer => "buyer",
            BorneBy::Seller => "seller",
        }
    }

    pub fn parse(text: &str) -> Option<BorneBy> {
        [BorneBy::Buyer, BorneBy::Seller]
            .into_iter()
            .find(|b| b.as_str() == text)
    }
}

/// A percentage with at most two decimals, above 0 and at most 100 (`3`, `0.05`, `5.6`), held in
/// hundredths of a percent so arithmetic on it is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent(u32);

/// Hundredths of a percent in a whole.
const WHOLE: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a percent is a number above 0 and at most 100, with at most two decimals, such as \"3\" or \"5.6\"")]
pub struct PercentError;

impl Percent {
    pub fn parse(text: &str) -> Result<Percent, PercentError> {
        let money = Money::parse_positive(text).map_err(|_| PercentError)?;
        let hundredths = u32::try_from(money.cents()).map_err(|_| PercentError)?;
        if hundredths > WHOLE {
            return Err(PercentError);
        }
        Ok(Percent(hundredths))
    }

    /// Hundredths of a percent (basis points): `3 %` is 300.
    pub fn basis_points(self) -> u32 {
        self.0
    }

    /// `price × self`, rounded to the nearest 分 (half up).
    pub fn of(self, price: Money) -> Money {
        let cents = i128::from(price.cents()) * i128::from(self.0);
        let rounded = (cents + i128::from(WHOLE / 2)) / i128::from(WHOLE);
        // At most the price itself, so always in range.
        Money::from_cents(i64::try_from(rounded).unwrap_or(i64::MAX)).unwrap_or(price)
    }
}

impl fmt::Display for Percent {
    /// `3`, `5.6`, `0.05` — the shortest spelling.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, part) = (self.0 / 100, self.0 % 100);
        match part {
            0 => write!(f, "{whole}"),
            p if p % 10 == 0 => write!(f, "{whole}.{}", p / 10),
            p => write!(f, "{whole}.{p:02}"),
        }
    }
}

/// How much a cost is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostAmount {
    Fixed(Money),
    PercentOfPrice(Percent),
}

/// One cost of a listing as the court lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    pub name: String,
    pub borne_by: BorneBy,
    pub amount: CostAmount,
}

impl Cost {
    /// What this cost comes to at `price`.
    pub fn at(&self, price: Money) -> Money {
        match self.amount {
            CostAmount::Fixed(amount) => amount,
            CostAmount::PercentOfPrice(percent) => percent.of(price),
        }
    }
}

/// The buyer's costs at one price: each item and their sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerEstimate {
    pub items: Vec<(String, Money)>,
    pub total: Money,
}

/// The costs the buyer bears at `price`, item by item, and their total (saturating at the largest amount
/// the platform holds, which no real listing reaches).
pub fn buyer_estimate(costs: &[Cost], price: Money) -> BuyerEstimate {
    let items: Vec<(String, Money)> = costs
        .iter()
        .filter(|cost| cost.borne_by == BorneBy::Buyer)
        .map(|cost| (cost.name.clone(), cost.at(price)))
        .collect();
    let total = items.iter().fold(Money::ZERO, |sum, (_, amount)| {
        sum.checked_add(*amount).unwrap_or(sum.max(*amount))
    });
    BuyerEstimate { items, total }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn m(text: &str) -> Money {
        Money::parse_non_negative(text).unwrap()
    }

    fn cost(name: &str, borne_by: BorneBy, amount: CostAmount) -> Cost {
        Cost {
            name: name.into(),
            borne_by,
            amount,
        }
    }

    #[test]
    fn information_is_refused_with_too_many_costs_or_a_viewing_that_ends_first() {
        let at = |h: i64| chrono::DateTime::from_timestamp(h * 3600, 0).unwrap();
        let one = cost("契税", BorneBy::Buyer, CostAmount::Fixed(m("1")));
        let many = BuyerInformation {
            costs: vec![one.clone(); MAX_COSTS + 1],
            ..Default::default()
        };
        assert_eq!(many.check(), Err(InformationError::TooManyCosts));
        let enough = BuyerInformation {
            costs: vec![one; MAX_COSTS],
            ..Default::default()
        };
        assert_eq!(enough.check(), Ok(()));
        let viewing = |from: i64, until: i64| BuyerInformation {
            viewing: Some(Viewing {
                how: "预约".into(),
                from: Some(at(from)),
                until: Some(at(until)),
            }),
            ..Default::default()
        };
        assert_eq!(viewing(2, 1).check(), Err(InformationError::ViewingEndsBeforeStart));
        assert_eq!(viewing(1, 1).check(), Ok(()));
    }

    #[test]
    fn a_percent_has_one_reading_and_a_range() {
        assert_eq!(Percent::parse("3").unwrap().basis_points(), 300);
        assert_eq!(Percent::parse("5.6").unwrap().basis_points(), 560);
        assert_eq!(Percent::parse("0.05").unwrap().basis_points(), 5);
        assert_eq!(Percent::parse("100").unwrap().basis_points(), 10_000);
        for bad in ["0", "100.01", "-1", "3.125", "", "abc", "03"] {
            assert!(Percent::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Percent::parse("5.60").unwrap().to_string(), "5.6");
        assert_eq!(Percent::parse("0.05").unwrap().to_string(), "0.05");
    }

    #[test]
    fn a_percent_of_the_price_is_rounded_to_the_fen_half_up() {
        // 契税 3 % of ¥3,060,000.00; 1.5 % of ¥0.33 is 0.495 分 → 0.00, of ¥1.00 is 1.5 分 → 0.02.
        assert_eq!(Percent::parse("3").unwrap().of(m("3060000")), m("91800"));
        assert_eq!(Percent::parse("1.5").unwrap().of(m("0.33")), m("0"));
        assert_eq!(Percent::parse("1.5").unwrap().of(m("1")), m("0.02"));
        assert_eq!(
            Percent::parse("100").unwrap().of(m("99999999999999.99")),
            m("99999999999999.99")
        );
    }

    #[test]
    fn the_estimate_counts_only_what_the_buyer_bears() {
        let costs = [
            cost(
                "契税",
                BorneBy::Buyer,
                CostAmount::PercentOfPrice(Percent::parse("3").unwrap()),
            ),
            cost(
                "增值税",
                BorneBy::Seller,
                CostAmount::PercentOfPrice(Percent::parse("5.6").unwrap()),
            ),
            cost("物业欠费", BorneBy::Buyer, CostAmount::Fixed(m("12800"))),
        ];
        let estimate = buyer_estimate(&costs, m("3060000"));
        assert_eq!(
            estimate.items,
            vec![("契税".to_owned(), m("91800")), ("物业欠费".to_owned(), m("12800"))]
        );
        assert_eq!(estimate.total, m("104600"));
        assert_eq!(buyer_estimate(&[], m("1")).total, Money::ZERO);
    }

    fn any_cost() -> impl Strategy<Value = Cost> {
        let amount = prop_oneof![
            (0i64..10_000_000_000).prop_map(|c| CostAmount::Fixed(Money::from_cents(c).unwrap())),
            (1u32..=10_000).prop_map(|bp| CostAmount::PercentOfPrice(Percent(bp))),
        ];
        (any::<bool>(), amount).prop_map(|(buyer, amount)| Cost {
            name: "费用".into(),
            borne_by: if buyer { BorneBy::Buyer } else { BorneBy::Seller },
            amount,
        })
    }

    proptest! {
        #[test]
        fn the_total_is_the_sum_of_the_items_and_rises_with_the_price(
            costs in proptest::collection::vec(any_cost(), 0..8),
            low in 1i64..100_000_000_000,
            more in 0i64..100_000_000_000,
        ) {
            let low_price = Money::from_cents(low).unwrap();
            let high_price = Money::from_cents(low + more).unwrap();
            let at_low = buyer_estimate(&costs, low_price);
            let at_high = buyer_estimate(&costs, high_price);
            let sum: i64 = at_low.items.iter().map(|(_, a)| a.cents()).sum();
            prop_assert_eq!(at_low.total.cents(), sum);
            prop_assert!(at_high.total >= at_low.total);
            prop_assert_eq!(at_low.items.len(), costs.iter().filter(|c| c.borne_by == BorneBy::Buyer).count());
            for cost in &costs {
                if let CostAmount::PercentOfPrice(p) = cost.amount {
                    // Never more than half a 分 from the exact product.
                    let exact = i128::from(low) * i128::from(p.basis_points());
                    let got = i128::from(p.of(low_price).cents()) * i128::from(WHOLE);
                    prop_assert!((got - exact).abs() * 2 <= i128::from(WHOLE));
                }
            }
        }
    }
}
