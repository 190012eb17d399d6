//! Throttles sign-in and sign-up, in bounded memory.
//!
//! - Password guessing: after too many failed sign-ins for one account from one address in 15 minutes,
//!   further attempts are refused until the oldest failure leaves the window. Keyed by account *and*
//!   address, so nobody can lock a person out of their account from elsewhere.
//! - Volume: sign-in attempts per address per minute, and new accounts per address per hour, whatever
//!   the account.
//! - The payment gateway's quota: a payer asks the gateway after one order at most a few times a minute.
//!
//! Every store is a `moka` cache with a capacity and an expiry, so a flood of distinct keys evicts old
//! entries instead of growing memory; keys are short (emails are checked for length first). Counted in
//! real time, not the injected clock: these guard the service, they are not legal durations. Each
//! process counts on its own (with N processes the effective limits are N times the settings).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::config::Settings;
use crate::error::{ApiError, ApiResult};

/// How many keys each store keeps at most; the least recently used go first.
const CAPACITY: u64 = 100_000;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// A count of events in a fixed window that starts with the first event.
struct Window {
    started: Instant,
    count: AtomicU32,
}

/// At most `limit` events per key in each window of `length`.
struct FixedWindow {
    limit: u32,
    length: Duration,
    windows: Cache<String, Arc<Window>>,
}

impl FixedWindow {
    fn new(limit: u32, length: Duration) -> FixedWindow {
        FixedWindow {
            limit,
            length,
            windows: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(length.max(Duration::from_millis(1)))
                .build(),
        }
    }

    /// Counts one event; `Err(wait)` when the key is over its limit.
    fn hit(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let window = self.windows.get_with(key.to_owned(), || {
            Arc::new(Window {
                started: now,
                count: AtomicU32::new(0),
            })
        });
        if window.count.fetch_add(1, Ordering::Relaxed) < self.limit {
            Ok(())
        } else {
            Err(self.length.saturating_sub(now.duration_since(window.started)))
        }
    }
}

pub struct Throttle {
    max_failures: usize,
    failures: Cache<(String, String), Arc<Mutex<VecDeque<Instant>>>>,
    logins: FixedWindow,
    signups: FixedWindow,
    identities: FixedWindow,
    gateway_queries: FixedWindow,
}

/// How often a payer may have the gateway asked after one order.
const GATEWAY_QUERIES_PER_MINUTE: u32 = 6;

/// 429 `rate_limited` with `Retry-After`.
pub fn rate_limited(what: &str, wait: Duration) -> ApiError {
    let seconds = wait.as_secs().max(1);
    ApiError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many {what}; try again in {seconds} seconds"),
    )
    .with_details(serde_json::json!({ "retry_after_seconds": seconds }))
    .with_retry_after(seconds)
}

impl Throttle {
    pub fn new(settings: &Settings) -> Throttle {
        Throttle {
            max_failures: settings.login_failures_allowed,
            failures: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(FAILURE_WINDOW)
                .build(),
            logins: FixedWindow::new(settings.logins_per_address_per_minute, Duration::from_secs(60)),
            signups: FixedWindow::new(settings.signups_per_address_per_hour, Duration::from_secs(3600)),
            identities: FixedWindow::new(settings.signups_per_identity_per_hour, Duration::from_secs(3600)),
            gateway_queries: FixedWindow::new(GATEWAY_QUERIES_PER_MINUTE, Duration::from_secs(60)),
        }
    }

    /// No limits at all (the demo's own seeding).
    pub fn unlimited() -> Throttle {
        Throttle {
            max_failures: 0,
            failures: Cache::new(1),
            logins: FixedWindow::new(0, Duration::from_secs(1)),
            signups: FixedWindow::new(0, Duration::from_secs(1)),
            identities: FixedWindow::new(0, Duration::from_secs(1)),
            gateway_queries: FixedWindow::new(0, Duration::from_secs(1)),
        }
    }

    /// Before a sign-in: refused if this address signs in too often, or this account failed too often
    /// from it.
    pub fn before_login(&self, email: &str, address: &str, now: Instant) -> ApiResult<()> {
        self.logins
            .hit(address, now)
            .map_err(|wait| rate_limited("sign-in attempts from this address", wait))?;
        if self.max_failures == 0 {
            return Ok(());
        }
        let Some(recent) = self.failures.get(&(email.to_owned(), address.to_owned())) else {
            return Ok(());
        };
        let mut recent = recent.lock().unwrap_or_else(|p| p.into_inner());
        while recent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= FAILURE_WINDOW)
        {
            recent.pop_front();
        }
        match recent.front() {
            Some(oldest) if recent.len() >= self.max_failures => Err(rate_limited(
                "failed sign-ins",
                FAILURE_WINDOW.saturating_sub(now.duration_since(*oldest)),
            )),
            _ => Ok(()),
        }
    }

    pub fn login_failed(&self, email: &str, address: &str, now: Instant) {
        if self.max_failures == 0 {
            return;
        }
        let recent = self.failures.get_with((email.to_owned(), address.to_owned()), || {
            Arc::new(Mutex::new(VecDeque::new()))
        });
        let mut recent = recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.push_back(now);
        // Only the last `max_failures` matter for the decision.
        while recent.len() > self.max_failures {
            recent.pop_front();
        }
    }

    pub fn login_succeeded(&self, email: &str, address: &str) {
        self.failures.invalidate(&(email.to_owned(), address.to_owned()));
    }

    /// Before the gateway is asked after an order for its payer: a few times a minute per order, so no
    /// payer spends the platform's quota with the gateway.
    pub fn before_gateway_query(&self, order: &str, now: Instant) -> ApiResult<()> {
        self.gateway_queries
            .hit(order, now)
            .map_err(|wait| rate_limited("questions to the payment gateway about this order", wait))
    }

    /// Before a sign-up with an ID number or credit code: refused if that number was tried too often this
    /// hour, from wherever — so nobody learns quickly which numbers have accounts.
    pub fn before_identity_attempt(&self, identity: &str, now: Instant) -> ApiResult<()> {
        self.identities
            .hit(identity, now)
            .map_err(|wait| rate_limited("sign-ups with this ID number or credit code", wait))
    }

    /// Before a sign-up: refused if this address has made too many accounts this hour.
    pub fn before_signup(&self, address: &str, now: Instant) -> ApiResult<()> {
        self.signups
            .hit(address, now)
            .map_err(|wait| rate_limited("new accounts from this address", wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(failures: usize, logins: u32, signups: u32) -> Settings {
        let mut settings = Settings::from_sources(&Default::default()).expect("defaults");
        settings.login_failures_allowed = failures;
        settings.logins_per_address_per_minute = logins;
        settings.signups_per_address_per_hour = signups;
        settings
    }

    #[test]
    fn failures_lock_one_account_from_one_address_until_the_oldest_leaves_the_window() {
        let throttle = Throttle::new(&settings(3, 0, 0));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(throttle.before_login("a@x.cn", "1.1.1.1", t0).is_ok());
            throttle.login_failed("a@x.cn", "1.1.1.1", t0 + Duration::from_secs(i));
        }
        let refused = throttle.before_login("a@x.cn", "1.1.1.1", t0 + Duration::from_secs(10));
        assert_eq!(refused.unwrap_err().retry_after, Some(15 * 60 - 10));
        assert!(
            throttle.before_login("a@x.cn", "2.2.2.2", t0).is_ok(),
            "another address"
        );
        assert!(
            throttle.before_login("b@x.cn", "1.1.1.1", t0).is_ok(),
            "another account"
        );
        assert!(throttle.before_login("a@x.cn", "1.1.1.1", t0 + FAILURE_WINDOW).is_ok());
        throttle.login_succeeded("a@x.cn", "1.1.1.1");
        assert!(
            throttle
                .before_login("a@x.cn", "1.1.1.1", t0 + Duration::from_secs(11))
                .is_ok()
        );
    }

    #[test]
    fn an_address_gets_a_fixed_number_of_attempts_per_window() {
        let throttle = Throttle::new(&settings(0, 2, 1));
        let t0 = Instant::now();
        assert!(throttle.before_login("a@x.cn", "1.1.1.1", t0).is_ok());
        assert!(throttle.before_login("b@x.cn", "1.1.1.1", t0).is_ok());
        let refused = throttle
            .before_login("c@x.cn", "1.1.1.1", t0 + Duration::from_secs(20))
            .unwrap_err();
        assert_eq!((refused.status.as_u16(), refused.retry_after), (429, Some(40)));
        assert!(throttle.before_signup("1.1.1.1", t0).is_ok());
        assert!(throttle.before_signup("1.1.1.1", t0).is_err());
        assert!(throttle.before_signup("2.2.2.2", t0).is_ok());
    }

    #[test]
    fn zero_means_no_limit() {
        let throttle = Throttle::new(&settings(0, 0, 0));
        let t0 = Instant::now();
        for _ in 0..1000 {
            throttle.login_failed("a@x.cn", "1.1.1.1", t0);
            assert!(throttle.before_login("a@x.cn", "1.1.1.1", t0).is_ok());
            assert!(throttle.before_signup("1.1.1.1", t0).is_ok());
        }
    }
}
