//! The payment gateway that bidders pay through and that pays them back: the built-in sandbox
//! (`sandbox`), or Alipay's open platform (`alipay`). Both sit behind [`Gateway`], so the platform takes
//! money, confirms it, asks after it and pays it back the same way whichever is configured
//! (`FAPAI_PAYMENTS`).
//!
//! The platform's own order id is the gateway's order number (`out_trade_no`) and a refund's id is its
//! request number (`out_request_no`): asking twice is the same request, so a retry never pays twice.

pub mod alipay;
mod sandbox;

use auction_core::{Instant, Money};
use uuid::Uuid;

pub use sandbox::{GatewayCallback, SandboxGateway};

/// The gateway this process uses.
pub enum Gateway {
    Sandbox(SandboxGateway),
    Alipay(Box<alipay::AlipayGateway>),
}

/// The gateway did not do what was asked — refused it, or gave no answer in time (then the outcome is
/// unknown, and the next try asks first). Tried again later.
#[derive(Debug, Clone)]
pub struct GatewayRefusal(pub String);

impl std::fmt::Display for GatewayRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An order to be paid at the gateway.
pub struct OrderToPay<'a> {
    pub order_id: Uuid,
    pub amount: Money,
    /// What the payer sees on the gateway's page.
    pub subject: &'a str,
    /// The phone's pages (H5) rather than the desktop's.
    pub phone: bool,
    /// Where the gateway sends the payer back to.
    pub return_url: &'a str,
    /// Where the gateway posts its signed notification.
    pub notify_url: &'a str,
}

/// A refund to be paid at the gateway.
pub struct RefundToPay<'a> {
    pub refund_id: Uuid,
    /// The order whose money goes back (a part of it, for a partial refund).
    pub order_id: Uuid,
    pub amount: Money,
    pub reason: &'a str,
    /// Earlier tries whose outcome may be unknown: the gateway is asked before it is asked again.
    pub earlier_attempts: u32,
}

/// What the gateway says of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderAtGateway {
    /// It has no such order.
    Unknown,
    /// Created, or closed, without being paid.
    NotPaid { status: String },
    /// Paid: `amount` under the gateway's `reference`, from the `payer`'s account if it says.
    Paid {
        amount: Money,
        reference: String,
        status: String,
        payer: Option<String>,
    },
}

/// What the gateway says of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundAtGateway {
    /// Not made (or not yet).
    NotMade,
    Paid {
        amount: Money,
        reference: String,
    },
}

impl Gateway {
    /// Its name, as `FAPAI_PAYMENTS` spells it and as orders record it.
    pub fn provider(&self) -> &'static str {
        match self {
            Gateway::Sandbox(_) => "sandbox",
            Gateway::Alipay(_) => "alipay",
        }
    }

    /// Where to send the payer to pay `order`. The sandbox's page is the web app's own.
    pub fn checkout(&self, order: &OrderToPay<'_>, now: Instant) -> String {
        match self {
            Gateway::Sandbox(_) => order.return_url.to_owned(),
            Gateway::Alipay(alipay) => alipay.checkout_url(order, now),
        }
    }

    /// Pays a refund back to where its order's money came from; its reference at the gateway.
    pub async fn refund(&self, refund: &RefundToPay<'_>, now: Instant) -> Result<String, GatewayRefusal> {
        match self {
            Gateway::Sandbox(sandbox) => sandbox.refund(refund.refund_id, &refund.amount.to_string()),
            Gateway::Alipay(alipay) => alipay.refund(refund, now).await,
        }
    }

    /// What the gateway says of an order; `None` when it keeps no books to ask (the sandbox).
    pub async fn query_order(&self, order_id: Uuid, now: Instant) -> Option<Result<OrderAtGateway, GatewayRefusal>> {
        match self {
            Gateway::Sandbox(_) => None,
            Gateway::Alipay(alipay) => Some(alipay.query_order(order_id, now).await),
        }
    }

    /// What the gateway says of a refund; `None` when it keeps no books to ask (the sandbox).
    pub async fn query_refund(
        &self,
        order_id: Uuid,
        refund_id: Uuid,
        now: Instant,
    ) -> Option<Result<RefundAtGateway, GatewayRefusal>> {
        match self {
            Gateway::Sandbox(_) => None,
            Gateway::Alipay(alipay) => Some(alipay.query_refund(order_id, refund_id, now).await),
        }
    }

    pub fn sandbox(&self) -> Option<&SandboxGateway> {
        match self {
            Gateway::Sandbox(sandbox) => Some(sandbox),
            Gateway::Alipay(_) => None,
        }
    }

    pub fn alipay(&self) -> Option<&alipay::AlipayGateway> {
        match self {
            Gateway::Sandbox(_) => None,
            Gateway::Alipay(alipay) => Some(alipay),
        }
    }
}
