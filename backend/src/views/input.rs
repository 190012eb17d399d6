//! What clients send that several resources share: money as a decimal string, whole numbers, paging.

use auction_core::Money;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// A money amount as the client sent it. Only a decimal *string* is accepted; anything else, or a
/// string that is not a positive amount with ≤ 2 decimals and ≤ 14 integer digits, is `invalid_amount`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
// The pattern is what `Money::parse_positive` accepts: the one spelling of an amount above zero.
#[schema(
    value_type = String,
    example = "29400000.00",
    pattern = r"^([1-9][0-9]{0,13}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$"
)]
pub struct MoneyInput(pub Value);

/// An integer field that also takes a JSON number with a zero fraction (`62.0`): JSON has one number
/// type, and JSON Schema's `integer` includes such numbers.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }
    match number.as_f64() {
        // 2^63 as f64; every f64 below it in magnitude converts exactly when its fraction is zero.
        Some(x) if x.fract() == 0.0 && x.abs() < 9.223_372_036_854_776e18 => Ok(x as i64),
        _ => Err(serde::de::Error::custom(format!(
            "{number} is not a whole number in range"
        ))),
    }
}

/// As [`whole_number`], for an optional field (absent or `null` is `None`).
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|Whole(n)| n))
}

impl MoneyInput {
    pub fn parse(&self, field: &str) -> ApiResult<Money> {
        let invalid = |why: String| {
            ApiError::unprocessable("invalid_amount", format!("{field}: {why}"))
                .with_details(serde_json::json!({ "field": field }))
        };
        match &self.0 {
            Value::String(text) => Money::parse_positive(text).map_err(|e| invalid(e.to_string())),
            _ => Err(invalid(
                "an amount must be a JSON string such as \"29400000.00\", not a number".into(),
            )),
        }
    }
}

/// How far into any list a page may reach (`page × per_page`).
pub const MAX_PAGED_ITEMS: u64 = 100_000;

/// `?page=1&per_page=20`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number; `page × per_page` is at most 100,000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

impl PageQuery {
    /// (page, per_page), validated.
    pub fn resolve(&self) -> ApiResult<(u64, u64)> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        // Deep pages cost the database a scan of everything before them: no list is read past 100,000 items.
        let within_reach = page.checked_mul(per_page).is_some_and(|end| end <= MAX_PAGED_ITEMS);
        if page == 0 || !(1..=100).contains(&per_page) || !within_reach {
            return Err(ApiError::bad_request(
                "invalid_query",
                "page starts at 1, per_page is between 1 and 100, and page × per_page is at most 100000",
            ));
        }
        Ok((page, per_page))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T: ToSchema> Page<T> {
    pub fn of(items: Vec<T>, total: u64, page: u64, per_page: u64) -> Page<T> {
        Page {
            items,
            total,
            page,
            per_page,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeView {
    pub now: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_money_pattern_agrees_with_the_parser() {
        let schema = serde_json::to_value(<MoneyInput as utoipa::PartialSchema>::schema()).unwrap();
        let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
        let pieces = ["", "0", "00", "1", "05", "10", "9", ".", "-", "+", " ", "e", ",", "１"];
        let mut checked = 0;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for d in pieces {
                        let text = format!("{a}{b}{c}{d}");
                        assert_eq!(
                            pattern.is_match(&text),
                            Money::parse_positive(&text).is_ok(),
                            "{text:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        for text in [
            "99999999999999.99",
            "100000000000000",
            "0.001",
            "12.345",
            "0.01",
            "0.10",
        ] {
            assert_eq!(pattern.is_match(text), Money::parse_positive(text).is_ok(), "{text:?}");
        }
        assert!(checked > 30_000);
    }

    #[test]
    fn integers_may_be_written_with_a_zero_fraction() {
        #[derive(Deserialize)]
        struct Days {
            #[serde(default, deserialize_with = "optional_whole_number")]
            days: Option<i64>,
        }
        let days = |json: &str| serde_json::from_str::<Days>(json).map(|d| d.days);
        assert_eq!(days(r#"{"days": 62}"#).unwrap(), Some(62));
        assert_eq!(days(r#"{"days": 62.0}"#).unwrap(), Some(62));
        assert_eq!(days(r#"{"days": -3e2}"#).unwrap(), Some(-300));
        assert_eq!(days(r#"{"days": null}"#).unwrap(), None);
        assert_eq!(days("{}").unwrap(), None);
        assert!(days(r#"{"days": 62.5}"#).is_err());
        assert!(days(r#"{"days": 1e300}"#).is_err());
        assert!(days(r#"{"days": "62"}"#).is_err());
    }
}
