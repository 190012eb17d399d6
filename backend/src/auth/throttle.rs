//! Throttles password guessing: after too many failed sign-ins for one account from one address in a
//! window, further attempts are refused with 429 until the window has passed. Keyed by account *and*
//! address, so nobody can lock a person out of their account from elsewhere.
//!
//! Counted in real time, not the injected clock: it guards accounts, it is not a legal duration. Each
//! process counts on its own (with N processes the effective limit is N times the setting).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<(String, String), Vec<Instant>>>,
}

impl LoginThrottle {
    pub fn new(max_failures: usize, window: Duration) -> LoginThrottle {
        LoginThrottle {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn key(email: &str, address: &str) -> (String, String) {
        (email.trim().to_lowercase(), address.to_owned())
    }

    /// How long this account and address must wait, if they have failed too often.
    pub fn wait(&self, email: &str, address: &str, now: Instant) -> Option<Duration> {
        if self.max_failures == 0 {
            return None;
        }
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let recent = failures.get_mut(&Self::key(email, address))?;
        recent.retain(|at| now.duration_since(*at) < self.window);
        if recent.len() < self.max_failures {
            return None;
        }
        recent
            .first()
            .map(|oldest| self.window.saturating_sub(now.duration_since(*oldest)))
    }

    pub fn failed(&self, email: &str, address: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Forget stale entries now and then, so the map does not grow without bound.
        if failures.len() > 10_000 {
            failures.retain(|_, times| times.iter().any(|at| now.duration_since(*at) < self.window));
        }
        failures.entry(Self::key(email, address)).or_default().push(now);
    }

    pub fn succeeded(&self, email: &str, address: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&Self::key(email, address));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_failures_wait_out_the_window() {
        let throttle = LoginThrottle::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(throttle.wait("a@x.test", "1.2.3.4", start), None, "attempt {i}");
            throttle.failed("A@x.test", "1.2.3.4", start);
        }
        let wait = throttle.wait("a@x.test", "1.2.3.4", start + Duration::from_secs(10));
        assert_eq!(wait, Some(Duration::from_secs(50)));
        assert_eq!(
            throttle.wait("a@x.test", "5.6.7.8", start),
            None,
            "another address is not affected"
        );
        assert_eq!(
            throttle.wait("a@x.test", "1.2.3.4", start + Duration::from_secs(60)),
            None,
            "the window passes"
        );
    }

    #[test]
    fn success_clears_and_zero_disables() {
        let throttle = LoginThrottle::new(1, Duration::from_secs(60));
        let now = Instant::now();
        throttle.failed("a@x.test", "ip", now);
        assert!(throttle.wait("a@x.test", "ip", now).is_some());
        throttle.succeeded("a@x.test", "ip");
        assert!(throttle.wait("a@x.test", "ip", now).is_none());
        let off = LoginThrottle::new(0, Duration::from_secs(60));
        off.failed("a@x.test", "ip", now);
        assert!(off.wait("a@x.test", "ip", now).is_none());
    }
}
