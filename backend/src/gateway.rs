//! The built-in sandbox payment gateway: it signs `{order_id, amount, status, reference, paid_at}` with
//! HMAC-SHA256 as a real gateway signs its callback, so the platform's callback handler is the same for both.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub struct SandboxGateway {
    secret: Vec<u8>,
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
        SandboxGateway { secret }
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
    /// reference for it. The sandbox settles at once; its reference is signed, so a reference that this
    /// gateway did not issue can be told apart.
    pub fn refund(&self, refund_id: Uuid, amount: &str) -> ApiResult<String> {
        let signature = self.sign(format!("refund:{refund_id}:{amount}").as_bytes())?;
        Ok(format!("SANDBOX-REFUND-{}", &signature[..24]))
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
