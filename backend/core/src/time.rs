//! Legal time: instants are UTC, legal day counts use calendar dates in Beijing time (UTC+8).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

/// Every instant in the domain. The core never reads a clock: callers pass `now` in.
pub type Instant = DateTime<Utc>;

/// The shortest bidding window the law allows (R45).
pub const MIN_BIDDING_WINDOW: Duration = Duration::hours(24);

/// A bid in the last five minutes moves the end to five minutes after that bid (R46).
pub const EXTENSION: Duration = Duration::minutes(5);

/// A sell-off runs for 60 days (R58) …
pub const SELL_OFF_PERIOD: Duration = Duration::days(60);
/// … and its first bid opens a 24-hour bidding window (R58).
pub const SELL_OFF_BIDDING_WINDOW: Duration = Duration::hours(24);

/// Beijing time, UTC+8 (China has no daylight saving time).
const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// `instant` in Beijing time, for documents people read.
pub fn in_beijing(instant: Instant) -> DateTime<FixedOffset> {
    instant.with_timezone(&BEIJING)
}

/// The calendar date in Beijing at `instant`.
pub fn beijing_date(instant: Instant) -> NaiveDate {
    instant.with_timezone(&BEIJING).date_naive()
}

/// Whole Beijing calendar days from the date of `from` to the date of `to` (negative if `to` is earlier).
pub fn beijing_days_between(from: Instant, to: Instant) -> i64 {
    (beijing_date(to) - beijing_date(from)).num_days()
}

/// The first instant of the Beijing calendar day `days` after the day of `instant`.
pub fn beijing_midnight_after(instant: Instant, days: i64) -> Instant {
    let date = beijing_date(instant) + chrono::Duration::days(days);
    date.and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(BEIJING).single())
        .map_or(instant, |start| start.to_utc())
}

/// RFC 3339 in UTC with milliseconds, as the API prints every instant: `2026-12-01T02:00:00.000Z`.
pub fn rfc3339(instant: Instant) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Instant {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn beijing_dates_change_at_16_00_utc() {
        assert_eq!(beijing_date(at("2026-11-30T15:59:59Z")).to_string(), "2026-11-30");
        assert_eq!(beijing_date(at("2026-11-30T16:00:00Z")).to_string(), "2026-12-01");
    }

    #[test]
    fn days_count_calendar_dates_not_hours() {
        // 23:00 Beijing on Nov 30 to 10:00 Beijing on Dec 30: 30 calendar days, though under 30 × 24 h.
        assert_eq!(
            beijing_days_between(at("2026-11-30T15:00:00Z"), at("2026-12-30T02:00:00Z")),
            30
        );
        assert_eq!(
            beijing_days_between(at("2026-12-30T02:00:00Z"), at("2026-11-30T15:00:00Z")),
            -30
        );
    }
}
