//! A graceful stop that answers everything it took in, and nothing with a server error.
//!
//! When the stop begins (SIGTERM, Ctrl-C, or a test), every new request is answered `503 unavailable`
//! with `Retry-After` and `Connection: close`, so a balancer or client sends it elsewhere or again; the
//! requests already taken in — bids waiting in their round's queue among them — are finished; only then
//! are the workers stopped and the HTTP server shut. The order matters: actix runs each HTTP worker on
//! its own runtime and stops a worker as soon as its own connections are done, which cancels the tasks
//! spawned there (a round's bid batch) and breaks the database connections opened there, although
//! requests on other workers still wait on them. The middleware that admits requests and the signal
//! handler are in `startup`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Seconds a refused client should wait before it tries again (elsewhere, through a balancer).
pub const RETRY_AFTER_SECONDS: u64 = 1;

#[derive(Default)]
pub struct Shutdown {
    begun: CancellationToken,
    in_flight: AtomicUsize,
    idle: Notify,
}

/// A request being served; counted until it is dropped.
pub struct InFlight<'a>(&'a Shutdown);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Shutdown {
    /// Begins the stop: from now on new requests are refused. Idempotent.
    pub fn begin(&self) {
        self.begun.cancel();
    }

    pub fn is_stopping(&self) -> bool {
        self.begun.is_cancelled()
    }

    /// Resolves when the stop has begun (live connections close then).
    pub async fn begun(&self) {
        self.begun.cancelled().await;
    }

    /// Admits a request, or `None` once the stop has begun. The count is raised before the flag is read,
    /// so a request admitted concurrently with `begin` is always seen by `drained`.
    pub fn admit(&self) -> Option<InFlight<'_>> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight(self);
        (!self.is_stopping()).then_some(guard)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until no admitted request is in flight, at most `within`; false if some still were.
    pub async fn drained(&self, within: Duration) -> bool {
        let wait = async {
            loop {
                let idle = self.idle.notified();
                if self.in_flight() == 0 {
                    return;
                }
                idle.await;
            }
        };
        tokio::time::timeout(within, wait).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_refuses_new_requests_and_waits_for_those_in_flight() {
        let shutdown = std::sync::Arc::new(Shutdown::default());
        let first = shutdown.admit().expect("admitted before the stop");
        shutdown.begin();
        assert!(shutdown.admit().is_none(), "refused once stopping");
        assert_eq!(shutdown.in_flight(), 1, "a refusal is not left counted");
        assert!(!shutdown.drained(Duration::from_millis(20)).await);
        let finishing = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { shutdown.drained(Duration::from_secs(5)).await }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(first);
        assert!(
            finishing.await.expect("no panic"),
            "drained once the last request ended"
        );
    }
}
