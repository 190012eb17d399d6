//! Money: yuan with at most two fraction digits (分), exact decimal arithmetic, never a float.
//!
//! A `Money` value is valid by construction: non-negative, at most 2 fraction digits and at most
//! 14 integer digits, so it always fits the `i64` 分 column the database stores.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest amount the platform accepts: 14 integer digits and 2 fraction digits.
const MAX_CENTS: i64 = 9_999_999_999_999_999; // ¥99,999,999,999,999.99

/// A non-negative amount of yuan with at most two fraction digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

/// Why a piece of text is not an acceptable amount (the API answers all of them with `invalid_amount`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("an amount must be a decimal number written as a string, such as \"29400000.00\"")]
    NotADecimal,
    #[error("an amount must be greater than zero")]
    NotPositive,
    #[error("an amount may have at most 2 digits after the decimal point")]
    TooManyDecimals,
    #[error("an amount may have at most 14 digits before the decimal point")]
    TooLarge,
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses an amount a person typed: a plain decimal string, positive, ≤ 2 decimals, ≤ 14 integer digits.
    pub fn parse_positive(text: &str) -> Result<Money, AmountError> {
        match Money::parse_non_negative(text)? {
            zero if zero.is_zero() => Err(AmountError::NotPositive),
            money => Ok(money),
        }
    }

    /// As [`Money::parse_positive`], but zero is allowed (a computed balance, a stored value).
    ///
    /// Only the canonical form is accepted — `^(0|[1-9][0-9]{0,13})(\.[0-9]{1,2})?$` — so one amount has
    /// one spelling: no sign, no spaces, no leading zeros, no bare point, no third decimal even if zero.
    pub fn parse_non_negative(text: &str) -> Result<Money, AmountError> {
        if let Some(unsigned) = text.strip_prefix('-') {
            // A negative amount: say so, rather than that it is not a number.
            Money::parse_non_negative(unsigned)?;
            return Err(AmountError::NotPositive);
        }
        let (int_part, frac_part) = match text.split_once('.') {
            Some((int_part, frac_part)) => (int_part, Some(frac_part)),
            None => (text, None),
        };
        let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int_part) || (int_part.len() > 1 && int_part.starts_with('0')) {
            return Err(AmountError::NotADecimal);
        }
        if let Some(frac_part) = frac_part {
            if !all_digits(frac_part) {
                return Err(AmountError::NotADecimal);
            }
            if frac_part.len() > 2 {
                return Err(AmountError::TooManyDecimals);
            }
        }
        if int_part.len() > 14 {
            return Err(AmountError::TooLarge);
        }
        let value = Decimal::from_str(text).map_err(|_| AmountError::NotADecimal)?;
        Ok(Money(value.normalize()))
    }

    /// An amount from integer 分, as stored in the database. `None` if negative or out of range.
    pub fn from_cents(cents: i64) -> Option<Money> {
        (0..=MAX_CENTS)
            .contains(&cents)
            .then(|| Money(Decimal::new(cents, 2).normalize()))
    }

    /// The amount in integer 分. Exact: a `Money` never has more than two fraction digits.
    pub fn cents(self) -> i64 {
        let scaled = self.0 * Decimal::ONE_HUNDRED;
        // In range by construction (≤ MAX_CENTS, integral), so the conversion cannot fail.
        i64::try_from(scaled.trunc()).unwrap_or(i64::MAX)
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        Money::from_cents(self.cents().checked_add(other.cents())?)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        Money::from_cents(self.cents().checked_sub(other.cents())?)
    }

    /// `self × n`, e.g. k increments.
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        Money::from_cents(self.cents().checked_mul(n)?)
    }

    /// The arithmetic mean of `amounts`, rounded to the nearest 分 (half away from zero). `None` if empty.
    pub fn mean(amounts: &[Money]) -> Option<Money> {
        if amounts.is_empty() {
            return None;
        }
        let total: i128 = amounts.iter().map(|m| i128::from(m.cents())).sum();
        let count = i128::try_from(amounts.len()).ok()?;
        let mean = (2 * total + count) / (2 * count); // round half up; amounts are non-negative
        Money::from_cents(i64::try_from(mean).ok()?)
    }
}

/// Capital numerals (大写) as banks and courts write amounts.
const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];
const GROUPS: [&str; 4] = ["", "万", "亿", "万亿"];

/// One group of four digits (0 < value < 10,000) in capitals, a `零` for each run of inner zeros.
fn group_capital(value: u64) -> String {
    let mut text = String::new();
    let mut zero_pending = false;
    for place in (0..4).rev() {
        let digit = (value / 10u64.pow(place)) % 10;
        if digit == 0 {
            zero_pending = !text.is_empty();
        } else {
            if zero_pending {
                text.push('零');
            }
            text.push(DIGITS[digit as usize]);
            text.push_str(PLACES[place as usize]);
            zero_pending = false;
        }
    }
    text
}

impl Money {
    /// The amount in capital numerals (大写金额), as documents state it beside the figures: `叁佰零陆万元整`,
    /// `壹佰元零伍分` — the same spelling as the web app's bid confirmation.
    pub fn capital(self) -> String {
        let cents = u64::try_from(self.cents()).unwrap_or(0);
        if cents == 0 {
            return "零元整".to_owned();
        }
        let (yuan, jiao, fen) = (cents / 100, (cents / 10) % 10, cents % 10);
        let mut text = String::new();
        if yuan > 0 {
            let mut groups = Vec::new();
            let mut rest = yuan;
            while rest > 0 {
                groups.push(rest % 10_000);
                rest /= 10_000;
            }
            let mut zero_between = false;
            for (i, value) in groups.iter().enumerate().rev() {
                if *value == 0 {
                    zero_between = !text.is_empty();
                    continue;
                }
                if !text.is_empty() && (zero_between || *value < 1000) {
                    text.push('零');
                }
                text.push_str(&group_capital(*value));
                text.push_str(GROUPS[i]);
                zero_between = false;
            }
            text.push('元');
        }
        if jiao == 0 && fen == 0 {
            text.push('整');
            return text;
        }
        if jiao > 0 {
            text.push(DIGITS[jiao as usize]);
            text.push('角');
        } else if yuan > 0 {
            text.push('零');
        }
        if fen > 0 {
            text.push(DIGITS[fen as usize]);
            text.push('分');
        }
        text
    }

    /// The amount with thousands separators and two decimals, as documents print it: `3,060,000.00`.
    pub fn grouped(self) -> String {
        let plain = self.to_string();
        let (int_part, frac_part) = plain.split_once('.').unwrap_or((&plain, "00"));
        let mut grouped = String::with_capacity(plain.len() + int_part.len() / 3);
        for (i, digit) in int_part.chars().enumerate() {
            if i > 0 && (int_part.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{grouped}.{frac_part}")
    }

    /// `¥3,060,000.00（叁佰零陆万元整）`: how the documents state an amount.
    pub fn in_words(self) -> String {
        format!("¥{}（{}）", self.grouped(), self.capital())
    }
}

impl fmt::Display for Money {
    /// Always exactly two fraction digits: `29400000.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = self.0;
        value.rescale(2);
        write!(f, "{value}")
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{self}")
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Money::parse_non_negative(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Money {
        Money::parse_positive(text).expect(text)
    }

    /// The same cases as the web app's `toCapital` test (`frontend/src/lib/money.test.ts`): documents and
    /// the bid confirmation spell an amount alike.
    #[test]
    fn writes_capital_numerals_as_banks_do() {
        let cases = [
            ("3070000.00", "叁佰零柒万元整"),
            ("3060000.00", "叁佰零陆万元整"),
            ("10050.00", "壹万零伍拾元整"),
            ("100000001.00", "壹亿零壹元整"),
            ("100010000.00", "壹亿零壹万元整"),
            ("1001.00", "壹仟零壹元整"),
            ("10.00", "壹拾元整"),
            ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
            ("100.05", "壹佰元零伍分"),
            ("0.30", "叁角"),
            ("41999999.99", "肆仟壹佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ];
        for (amount, capital) in cases {
            assert_eq!(m(amount).capital(), capital, "{amount}");
        }
        assert_eq!(Money::ZERO.capital(), "零元整");
    }

    #[test]
    fn groups_thousands_in_documents() {
        assert_eq!(m("3060000").grouped(), "3,060,000.00");
        assert_eq!(m("999").grouped(), "999.00");
        assert_eq!(m("1000").grouped(), "1,000.00");
        assert_eq!(m("0.5").grouped(), "0.50");
        assert_eq!(m("99999999999999.99").grouped(), "99,999,999,999,999.99");
        assert_eq!(m("3060000").in_words(), "¥3,060,000.00（叁佰零陆万元整）");
    }

    proptest::proptest! {
        #[test]
        fn a_capital_spelling_is_well_formed(cents in 1i64..=9_999_999_999_999_999) {
            let amount = Money::from_cents(cents).unwrap();
            let text = amount.capital();
            proptest::prop_assert!(text.ends_with('整') || text.ends_with('分') || text.ends_with('角'));
            proptest::prop_assert!(!text.contains("零零"), "{}", text);
            proptest::prop_assert!(!text.starts_with('零'), "{}", text);
            proptest::prop_assert_eq!(amount.grouped().replace(',', ""), amount.to_string());
        }
    }

    #[test]
    fn prints_exactly_two_fraction_digits() {
        assert_eq!(m("29400000").to_string(), "29400000.00");
        assert_eq!(m("41999999.99").to_string(), "41999999.99");
        assert_eq!(m("0.5").to_string(), "0.50");
        assert_eq!(m("12.3").to_string(), "12.30");
    }

    #[test]
    fn rejects_what_the_contract_calls_invalid() {
        assert_eq!(Money::parse_positive("0"), Err(AmountError::NotPositive));
        assert_eq!(Money::parse_positive("-5"), Err(AmountError::NotPositive));
        assert_eq!(Money::parse_positive("1.001"), Err(AmountError::TooManyDecimals));
        assert_eq!(Money::parse_positive("100000000000000"), Err(AmountError::TooLarge));
        assert_eq!(Money::parse_positive("1e5"), Err(AmountError::NotADecimal));
        assert_eq!(Money::parse_positive("12,5"), Err(AmountError::NotADecimal));
        assert_eq!(Money::parse_positive(""), Err(AmountError::NotADecimal));
        assert_eq!(Money::parse_positive("1.2.3"), Err(AmountError::NotADecimal));
    }

    #[test]
    fn accepts_only_the_canonical_spelling() {
        for text in [
            "+131500", ".5", "131500.", " 1", "1 ", "0070000", "00", "-", "0x10", "１２",
        ] {
            assert_eq!(Money::parse_positive(text), Err(AmountError::NotADecimal), "{text:?}");
        }
        assert_eq!(Money::parse_positive("131500.000"), Err(AmountError::TooManyDecimals));
        assert_eq!(Money::parse_positive("-0.5"), Err(AmountError::NotPositive));
        assert_eq!(Money::parse_positive("0.00"), Err(AmountError::NotPositive));
        assert_eq!(m("131500.5").to_string(), "131500.50");
    }

    #[test]
    fn accepts_the_extremes() {
        assert_eq!(m("0.01").cents(), 1);
        assert_eq!(m("99999999999999.99").cents(), 9_999_999_999_999_999);
        assert_eq!(m("12.5").cents(), 1250);
        assert_eq!(Money::parse_non_negative("0").map(Money::cents), Ok(0));
    }

    #[test]
    fn cents_round_trip() {
        for cents in [1, 99, 100, 4_199_999_999, 9_999_999_999_999_999] {
            let money = Money::from_cents(cents).unwrap();
            assert_eq!(money.cents(), cents);
        }
        assert_eq!(Money::from_cents(-1), None);
        assert_eq!(Money::from_cents(MAX_CENTS + 1), None);
    }

    #[test]
    fn mean_rounds_to_the_nearest_fen() {
        assert_eq!(Money::mean(&[m("100"), m("200")]), Some(m("150")));
        assert_eq!(Money::mean(&[m("0.01"), m("0.02")]), Some(m("0.02")));
        assert_eq!(Money::mean(&[m("1"), m("1"), m("2")]), Some(m("1.33")));
        assert_eq!(Money::mean(&[]), None);
    }

    #[test]
    fn serializes_as_a_string() {
        let json = serde_json::to_string(&m("7.1")).unwrap();
        assert_eq!(json, "\"7.10\"");
        let back: Money = serde_json::from_str("\"7.10\"").unwrap();
        assert_eq!(back, m("7.1"));
        assert!(serde_json::from_str::<Money>("7.1").is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_cents_value_round_trips_through_text(cents in 1..=MAX_CENTS) {
                let money = Money::from_cents(cents).unwrap();
                let again = Money::parse_positive(&money.to_string());
                prop_assert_eq!(again, Ok(money));
                prop_assert_eq!(money.cents(), cents);
            }
        }
    }
}
