//! The application layer: each operation owns its transaction, asks `auction-core` for the decision,
//! and persists it. Handlers stay thin around these functions.

pub mod accounts;
pub mod after_sale;
pub mod agencies;
pub mod announcement;
pub mod applicants;
pub mod bidding;
pub mod court;
pub mod deadlines;
pub mod deals;
pub mod demo;
pub mod exclusions;
pub mod files;
pub mod identity_claims;
pub mod listings;
pub mod negotiations;
pub mod objections;
pub mod parties;
pub mod payments;
pub mod pdf_check;
pub mod price_objections;
pub mod reconciliation;
pub mod refund_tasks;
pub mod refunds;
pub mod registrations;
pub mod round_texts;
pub mod rounds;
pub mod signals;
pub mod watching;
pub mod workers;

use auction_core::Instant;
use chrono::DateTime;

use crate::error::{ApiError, ApiResult};

/// Texts longer than this are documents (descriptions, announcements) and may hold line breaks and tabs;
/// shorter ones (names, titles, numbers) are one line.
pub const ONE_LINE_MAX: usize = 500;

/// Characters no text may hold: control characters (line breaks and tabs only in long texts) and the
/// bidirectional embeddings, overrides and isolates that make text read differently from what it holds.
fn forbidden_character(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// 422 `invalid_text` when `text` holds a forbidden character.
fn check_characters(text: &str, field: &str, multiline: bool) -> ApiResult<()> {
    match text.chars().find(|c| forbidden_character(*c, multiline)) {
        None => Ok(()),
        Some(c) => Err(ApiError::unprocessable(
            "invalid_text",
            format!("{field} holds a character that is not allowed (U+{:04X})", u32::from(c)),
        )
        .with_details(serde_json::json!({ "field": field }))),
    }
}

/// Text of at most `max` characters as sent, not blank, trimmed; else 422 `invalid_<field>`. With a control
/// or bidi-override character, 422 `invalid_text`. [`text_pattern`] says the same to the API's clients.
pub fn required_text(value: &str, field: &str, max: usize) -> ApiResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || value.chars().count() > max {
        return Err(ApiError::unprocessable(
            format!("invalid_{field}"),
            format!("{field} must be between 1 and {max} characters"),
        ));
    }
    check_characters(value, field, max > ONE_LINE_MAX)?;
    Ok(trimmed.to_owned())
}

/// As [`required_text`], but absent or blank text is `None`.
pub fn optional_text(value: Option<&str>, field: &str, max: usize) -> ApiResult<Option<String>> {
    match value {
        Some(text) if text.trim().is_empty() && text.chars().count() <= max => {
            check_characters(text, field, max > ONE_LINE_MAX)?;
            Ok(None)
        }
        Some(text) => required_text(text, field, max).map(Some),
        None => Ok(None),
    }
}

/// The JSON Schema pattern (ECMA-262, as Python's `re` reads it too) of what [`required_text`] accepts
/// (`required`) or [`optional_text`] accepts (otherwise) for a text of at most `max` characters.
pub fn text_pattern(max: usize, required: bool) -> String {
    const CONTROLS_AND_BIDI: &str = r"\u007F-\u009F\u202A-\u202E\u2066-\u2069";
    const SPACES: &str = r" \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
    let (forbidden, spaces) = if max > ONE_LINE_MAX {
        (
            format!(r"\u0000-\u0008\u000B\u000C\u000E-\u001F{CONTROLS_AND_BIDI}"),
            format!(r"\t\n\r{SPACES}"),
        )
    } else {
        (format!(r"\u0000-\u001F{CONTROLS_AND_BIDI}"), SPACES.to_owned())
    };
    if required {
        format!("^[{spaces}]*[^{spaces}{forbidden}][^{forbidden}]*$")
    } else {
        format!("^[^{forbidden}]*$")
    }
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

    #[test]
    fn text_holds_no_control_or_bidi_override_characters() {
        for bad in ["张\u{0}三", "a\u{202E}gnp.exe", "x\u{2066}y", "bell\u{7}"] {
            let err = required_text(bad, "real_name", 100).unwrap_err();
            assert_eq!(err.code, "invalid_text", "{bad:?}");
        }
        assert_eq!(
            required_text("two\nlines", "real_name", 100).unwrap_err().code,
            "invalid_text"
        );
        assert!(
            required_text("第一段\n第二段\t缩进", "description", 20_000).is_ok(),
            "documents keep their lines"
        );
        assert_eq!(optional_text(Some("  "), "encumbrances", 10_000).unwrap(), None);
        assert_eq!(optional_text(None, "encumbrances", 10_000).unwrap(), None);
        assert_eq!(
            optional_text(Some("\u{202D}"), "encumbrances", 10_000)
                .unwrap_err()
                .code,
            "invalid_text"
        );
    }

    /// The pattern published in the OpenAPI description accepts exactly what the server accepts, for every
    /// character of the Basic Multilingual Plane's first blocks and beyond, in every position.
    #[test]
    fn the_published_text_pattern_agrees_with_the_server() {
        let characters = (0u32..0x3100)
            .chain([0xFEFF, 0xFF01, 0x1F600])
            .filter_map(char::from_u32);
        for (max, multiline) in [(100, false), (20_000, true)] {
            let required = regex::Regex::new(&text_pattern(max, true)).unwrap();
            let optional = regex::Regex::new(&text_pattern(max, false)).unwrap();
            for c in characters.clone() {
                for text in [
                    format!("{c}"),
                    format!("a{c}"),
                    format!("{c}a"),
                    format!("a{c}b"),
                    format!(" {c} "),
                ] {
                    assert_eq!(
                        required.is_match(&text),
                        required_text(&text, "t", max).is_ok(),
                        "required, multiline {multiline}: {text:?}"
                    );
                    assert_eq!(
                        optional.is_match(&text),
                        optional_text(Some(&text), "t", max).is_ok(),
                        "optional, multiline {multiline}: {text:?}"
                    );
                }
            }
        }
    }
}
