//! The built-in sandbox gateway, for the demo and the tests: the payer confirms on the web app's own
//! page, and the sandbox signs `{order_id, amount, status, reference, paid_at}` with HMAC-SHA256 as a
//! gateway signs its notification, so the callback is checked as any other. Refunds settle at once.

use std::sync::atomic::{AtomicU32, Ordering};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::GatewayRefusal;
use crate::error::{ApiError, ApiResult};

pub struct SandboxGateway {
    secret: Vec<u8>,
    /// Refunds to refuse before the next one succeeds, as a real gateway sometimes does: the tests' way to
    /// exercise the retries.
    refunds_to_refuse: AtomicU32,
}

/// What the gateway tells the platform when an order has been paid.
#[derive(Debug, Serialize, Deserialize)]
pub struct GatewayCallback {
    pub order_id: Uuid,
    pub amount: String,
    pub status: String,
    pub reference: String,
    pub paid_at: String,
}

impl GatewayCallback {
    /// The one status a callback reports: the order was paid.
    pub const PAID: &'static str = "paid";
}

impl SandboxGateway {
    pub fn new(secret: Vec<u8>) -> SandboxGateway {
        SandboxGateway {
            secret,
            refunds_to_refuse: AtomicU32::new(0),
        }
    }

    fn mac(&self) -> ApiResult<Hmac<Sha256>> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).map_err(ApiError::internal)
    }

    /// Hex HMAC-SHA256 of the callback body.
    pub fn sign(&self, body: &[u8]) -> ApiResult<String> {
        let mut mac = self.mac()?;
        mac.update(body);
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// Pays `amount` back to the payer of the platform's refund `refund_id` and returns the gateway's
    /// reference for it. The refund's id is the request number, so a retry of the same refund is the same
    /// request. The sandbox settles at once; its reference is signed, so a reference that this gateway did
    /// not issue can be told apart.
    pub fn refund(&self, refund_id: Uuid, amount: &str) -> Result<String, GatewayRefusal> {
        let refused = self
            .refunds_to_refuse
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if refused {
            return Err(GatewayRefusal(
                "the sandbox gateway refused the refund (a simulated outage)".into(),
            ));
        }
        let signature = self
            .sign(format!("refund:{refund_id}:{amount}").as_bytes())
            .map_err(|e| GatewayRefusal(e.message))?;
        Ok(format!("SANDBOX-REFUND-{}", &signature[..24]))
    }

    /// Makes the next `count` refunds fail, as an outage would (the tests of the retries).
    pub fn refuse_next_refunds(&self, count: u32) {
        self.refunds_to_refuse.store(count, Ordering::SeqCst);
    }

    /// Constant-time check of a callback's signature.
    pub fn verify(&self, body: &[u8], signature: &str) -> ApiResult<bool> {
        let Ok(expected) = hex::decode(signature.trim()) else {
            return Ok(false);
        };
        let mut mac = self.mac()?;
        mac.update(body);
        Ok(mac.verify_slice(&expected).is_ok())
    }
}
