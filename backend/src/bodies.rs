//! Request bodies a slow or hostile client cannot turn against the server's memory (a slow-body attack:
//! many connections each promising a large body, then sending it a byte at a time).
//!
//! - A small body must arrive whole within `body_deadline_seconds`; an upload (`multipart/form-data`)
//!   may take longer, but each read must come within `upload_read_timeout_seconds`. A body that misses its
//!   deadline is answered `408 request_timeout` and its connection closed.
//! - A large body (declared over 64 KiB, or chunked with no length) is admitted only while its client
//!   address has fewer than `large_bodies_per_address` of them in flight (else `429 rate_limited`), and
//!   while the bytes all large bodies in flight may hold fit in `large_body_budget_mib` (else `503 busy`),
//!   both with `Retry-After`. Small bodies — every bid, every sign-in — are never refused for these.
//!
//! The request head has actix's own deadline (`client_request_timeout`, 5 s).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use futures_util::Stream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::error::ApiError;

/// Bodies up to this size are small: held in memory for the moment it takes, never refused here.
pub const SMALL_BODY_BYTES: u64 = 64 << 10;
/// The most one large body reserves: the largest body any route takes (a document upload).
const MAX_RESERVED_BYTES: u64 = 21 << 20;
/// An upload's parts are spooled to disk past this much memory (the multipart form's limit).
const UPLOAD_MEMORY_BYTES: u64 = 1 << 20;
/// However slowly its reads come, an upload ends within this.
const UPLOAD_DEADLINE: Duration = Duration::from_secs(600);

/// The shared state of the bounds: large bodies in flight per address, and the byte budget (in KiB).
/// One per process, as the app's data.
pub struct BodyBounds {
    trusted_proxies: Vec<std::net::IpAddr>,
    deadline: Duration,
    upload_read_timeout: Duration,
    per_address: usize,
    in_flight: Mutex<HashMap<String, usize>>,
    budget: Arc<Semaphore>,
    budget_kib: u32,
}

impl BodyBounds {
    pub fn new(settings: &crate::config::Settings, trusted_proxies: Vec<std::net::IpAddr>) -> BodyBounds {
        let budget_kib = u32::try_from(settings.large_body_budget_mib.saturating_mul(1024)).unwrap_or(u32::MAX);
        BodyBounds {
            trusted_proxies,
            deadline: Duration::from_secs(settings.body_deadline_seconds),
            upload_read_timeout: Duration::from_secs(settings.upload_read_timeout_seconds),
            per_address: settings.large_bodies_per_address,
            in_flight: Mutex::new(HashMap::new()),
            budget: Arc::new(Semaphore::new(budget_kib as usize)),
            budget_kib,
        }
    }

    /// Admits a large body from `address` reserving `bytes`, or says why not.
    fn admit(self: &Arc<Self>, address: String, bytes: u64) -> Result<Admitted, ApiError> {
        let kib = u32::try_from(bytes.div_ceil(1024))
            .unwrap_or(u32::MAX)
            .min(self.budget_kib);
        {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let count = in_flight.entry(address.clone()).or_insert(0);
            if *count >= self.per_address {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "too many large request bodies from this address at once; send one when another is done",
                )
                .with_retry_after(1));
            }
            *count += 1;
        }
        let slot = AddressSlot {
            bounds: Arc::clone(self),
            address,
        };
        let permit = Arc::clone(&self.budget).try_acquire_many_owned(kib).map_err(|_| {
            ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the server is receiving as many large bodies as it holds; try again shortly",
            )
            .with_retry_after(1)
        })?;
        Ok(Admitted {
            _slot: slot,
            _permit: permit,
        })
    }
}

/// A large body's place, given back when its request is answered.
struct Admitted {
    _slot: AddressSlot,
    _permit: OwnedSemaphorePermit,
}

struct AddressSlot {
    bounds: Arc<BodyBounds>,
    address: String,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut in_flight = self
            .bounds
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = in_flight.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&self.address);
            }
        }
    }
}

/// What a request declares of its body: none, a length, or chunks of no declared length.
fn declared_body(req: &ServiceRequest) -> Option<Option<u64>> {
    let headers = req.headers();
    let chunked = headers
        .get(TRANSFER_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return Some(None);
    }
    let length = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())?;
    (length > 0).then_some(Some(length))
}

pub async fn bound_bodies<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(declared) = declared_body(&req) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(bounds) = req
        .app_data::<web::Data<BodyBounds>>()
        .map(|data| data.clone().into_inner())
    else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let upload = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/"));
    let large = declared.is_none_or(|length| length > SMALL_BODY_BYTES);
    let admitted = if large {
        let held = declared.unwrap_or(MAX_RESERVED_BYTES).min(if upload {
            UPLOAD_MEMORY_BYTES
        } else {
            MAX_RESERVED_BYTES
        });
        let address = crate::auth::client_address(req.request(), &bounds.trusted_proxies);
        match bounds.admit(address, held) {
            Ok(admitted) => Some(admitted),
            Err(refusal) => {
                let response = actix_web::ResponseError::error_response(&refusal);
                let (request, _) = req.into_parts();
                return Ok(ServiceResponse::new(request, response).map_into_right_body());
            }
        }
    } else {
        None
    };
    let (overall, per_read) = if upload {
        (UPLOAD_DEADLINE, Some(bounds.upload_read_timeout))
    } else {
        (bounds.deadline, None)
    };
    let payload = req.take_payload();
    let bounded = Deadlined::new(payload, overall, per_read);
    req.set_payload(actix_web::dev::Payload::from(
        Box::pin(bounded) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
    ));
    let response = next.call(req).await;
    drop(admitted);
    Ok(response?.map_into_left_body())
}

/// A body stream that fails with a timeout when the whole body, or its next read, is late.
struct Deadlined {
    inner: actix_web::dev::Payload,
    overall: Pin<Box<Sleep>>,
    per_read: Option<(Duration, Pin<Box<Sleep>>)>,
    done: bool,
}

impl Deadlined {
    fn new(inner: actix_web::dev::Payload, overall: Duration, per_read: Option<Duration>) -> Deadlined {
        let now = Instant::now();
        Deadlined {
            inner,
            overall: Box::pin(tokio::time::sleep_until(now + overall)),
            per_read: per_read.map(|d| (d, Box::pin(tokio::time::sleep_until(now + d)))),
            done: false,
        }
    }
}

impl Stream for Deadlined {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            if let Some((timeout, sleep)) = this.per_read.as_mut() {
                sleep.as_mut().reset(Instant::now() + *timeout);
            }
            this.done = item.is_none();
            return Poll::Ready(item);
        }
        let late = this.overall.as_mut().poll(cx).is_ready()
            || this
                .per_read
                .as_mut()
                .is_some_and(|(_, sleep)| sleep.as_mut().poll(cx).is_ready());
        if late {
            // Read by the extractors' error handlers (`error::is_late_body`) as `408 request_timeout`.
            this.done = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn is_timeout(err: &PayloadError) -> bool {
        matches!(err, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
    }

    /// A body whose chunks the test sends; dropping the sender ends it.
    fn trickle() -> (actix_web::dev::Payload, tokio::sync::mpsc::UnboundedSender<Bytes>) {
        let (sender, chunks) = tokio::sync::mpsc::unbounded_channel();
        let stream = futures_util::stream::unfold(chunks, |mut chunks| async move {
            chunks.recv().await.map(|chunk| (Ok(chunk), chunks))
        });
        let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(stream);
        (actix_web::dev::Payload::from(stream), sender)
    }

    fn bounds(per_address: usize, budget_kib: u32) -> Arc<BodyBounds> {
        Arc::new(BodyBounds {
            trusted_proxies: Vec::new(),
            deadline: Duration::from_secs(20),
            upload_read_timeout: Duration::from_secs(15),
            per_address,
            in_flight: Mutex::new(HashMap::new()),
            budget: Arc::new(Semaphore::new(budget_kib as usize)),
            budget_kib,
        })
    }

    #[test]
    fn large_bodies_are_admitted_a_few_per_address_and_within_the_budget() {
        let bounds = bounds(2, 4096);
        let first = bounds.admit("10.0.0.1".into(), 1 << 20).unwrap();
        let _second = bounds.admit("10.0.0.1".into(), 1 << 20).unwrap();
        let refused = bounds.admit("10.0.0.1".into(), 1 << 20).err().unwrap();
        assert_eq!(
            (refused.status.as_u16(), refused.code.as_ref(), refused.retry_after),
            (429, "rate_limited", Some(1))
        );
        // Other addresses draw on the same budget: 2 MiB of the 4 MiB are taken.
        let _third = bounds.admit("10.0.0.2".into(), 2 << 20).unwrap();
        let refused = bounds.admit("10.0.0.3".into(), 1).err().unwrap();
        assert_eq!((refused.status.as_u16(), refused.code.as_ref()), (503, "busy"));
        assert!(
            !bounds.in_flight.lock().unwrap().contains_key("10.0.0.3"),
            "a refusal holds no place"
        );
        drop(first);
        assert!(
            bounds.admit("10.0.0.1".into(), 1 << 20).is_ok(),
            "an answered body gives back its place and bytes"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_misses_its_deadline_fails_with_a_timeout_and_then_ends() {
        let (payload, sender) = trickle();
        let mut body = Deadlined::new(payload, Duration::from_secs(20), None);
        sender.send(Bytes::from_static(b"{")).unwrap();
        assert_eq!(body.next().await.unwrap().unwrap(), Bytes::from_static(b"{"));
        let late = body.next().await.unwrap().unwrap_err();
        assert!(is_timeout(&late), "{late}");
        assert!(body.next().await.is_none());
        drop(sender);
    }

    #[tokio::test(start_paused = true)]
    async fn an_upload_may_take_long_while_each_read_comes_in_time() {
        let (payload, sender) = trickle();
        let mut body = Deadlined::new(payload, Duration::from_secs(600), Some(Duration::from_secs(15)));
        for _ in 0..10 {
            tokio::time::advance(Duration::from_secs(14)).await;
            sender.send(Bytes::from_static(b"part")).unwrap();
            assert_eq!(body.next().await.unwrap().unwrap(), Bytes::from_static(b"part"));
        }
        drop(sender);
        assert!(body.next().await.is_none(), "140 s in all, no read over 15 s apart");
        let (payload, _sender) = trickle();
        let mut stalled = Deadlined::new(payload, Duration::from_secs(600), Some(Duration::from_secs(15)));
        assert!(is_timeout(&stalled.next().await.unwrap().unwrap_err()));
    }
}
