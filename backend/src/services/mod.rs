//! The application layer: each operation owns its transaction, asks `auction-core` for the decision,
//! and persists it. Handlers stay thin around these functions.

pub mod accounts;
pub mod announcement;
pub mod auctions;
pub mod bidding;
pub mod court;
pub mod deals;
pub mod demo;
pub mod files;
pub mod listings;
pub mod negotiations;
pub mod payments;
pub mod registrations;
pub mod rounds;
pub mod workers;

use auction_core::Instant;
use chrono::DateTime;

use crate::error::{ApiError, ApiResult};

/// Trimmed, non-empty text of at most `max` characters, else 422 `invalid_<field>`.
pub fn required_text(value: &str, field: &str, max: usize) -> ApiResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            format!("invalid_{field}"),
            format!("{field} must be between 1 and {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// An RFC 3339 instant, else 422 `invalid_datetime`.
pub fn parse_instant(value: &str, field: &str) -> ApiResult<Instant> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.to_utc())
        .map_err(|_| {
            ApiError::unprocessable(
                "invalid_datetime",
                format!("{field} must be an RFC 3339 time such as 2027-01-10T02:00:00Z"),
            )
            .with_details(serde_json::json!({ "field": field }))
        })
}

/// A plausible email address, lower-cased, else 422 `invalid_email`.
pub fn email_address(value: &str) -> ApiResult<String> {
    let email = value.trim().to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && email.len() <= 254
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err(ApiError::unprocessable(
            "invalid_email",
            "that is not a valid email address",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email_address(" Zhang.San@Example.COM ").unwrap(),
            "zhang.san@example.com"
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "a@.com",
            "a b@c.com",
            "@c.com",
            "a@b@c.com",
            "a@c.com.",
        ] {
            assert!(email_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_fields() {
        assert_eq!(required_text("  标题 ", "title", 10).unwrap(), "标题");
        let err = required_text("   ", "title", 10).unwrap_err();
        assert_eq!(err.code, "invalid_title");
        assert!(required_text("一二三四五六七八九十一", "title", 10).is_err());
    }
}
