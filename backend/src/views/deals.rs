//! Deals, their refunds and payment orders.

use auction_core::Money;
use auction_core::deal::DealStatus;
use auction_core::payment::{PaymentPurpose, PaymentStatus};
use auction_core::refund::{RefundMethod, RefundPurpose, RefundReason, RefundStatus};
use auction_core::time::rfc3339;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::persistence::convert::{instant, money};
use crate::persistence::entities::{deal, refund};

#[derive(Debug, Serialize, ToSchema)]
pub struct DealView {
    pub id: Uuid,
    pub auction_id: Uuid,
    pub listing_id: Uuid,
    pub winner_code: String,
    pub buyer_name: String,
    #[schema(value_type = String)]
    pub final_price: Money,
    #[schema(value_type = String)]
    pub deposit_applied: Money,
    /// The applicant's claim set off against the price (R23 ¶2); `0.00` for anyone else.
    #[schema(value_type = String)]
    pub claim_offset: Money,
    #[schema(value_type = String)]
    pub balance_due: Money,
    pub balance_due_at: String,
    pub status: DealStatus,
    pub paid_at: Option<String>,
    /// When the sale was set aside on an upheld objection (R65).
    pub revoked_at: Option<String>,
    /// Money paid back to the buyer: a revoked sale's deposit and balance, the rest of a defaulted
    /// sell-off prepayment.
    pub refunds: Vec<RefundView>,
    pub confirmation_url: String,
    /// For housing: `qualified` or `not_qualified`, once the court has checked (R32).
    pub qualification: Option<String>,
    /// The sale ruling is due by then (ten days after payment), once paid.
    pub ruling_due_at: Option<String>,
    pub ruling_issued_at: Option<String>,
    /// The public ruling (R52), once issued.
    pub ruling_url: Option<String>,
    pub served_at: Option<String>,
    /// The hand-over is due by then (fifteen days after service), once served.
    pub handover_due_at: Option<String>,
    pub handed_over_at: Option<String>,
    /// The sale declared void because the buyer faked their qualification (R32), and the liabilities the
    /// court imposed (`deposit`: `forfeited` or `refunded`, `fine`, `referred`).
    pub void_reason: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub liabilities: Option<serde_json::Value>,
}

impl DealView {
    pub fn of(d: &deal::Model) -> ApiResult<DealView> {
        Ok(DealView {
            id: d.id,
            auction_id: d.auction_id,
            listing_id: d.listing_id,
            winner_code: d.winner_code.clone(),
            buyer_name: d.buyer_name.clone(),
            final_price: money(d.final_price)?,
            deposit_applied: money(d.deposit_applied)?,
            claim_offset: money(d.claim_offset)?,
            balance_due: money(d.balance_due)?,
            balance_due_at: rfc3339(instant(d.balance_due_at)),
            status: d.status,
            paid_at: d.paid_at.map(|t| rfc3339(instant(t))),
            revoked_at: d.revoked_at.map(|t| rfc3339(instant(t))),
            refunds: Vec::new(),
            void_reason: d.void_reason.clone(),
            liabilities: d
                .liabilities
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok()),
            confirmation_url: crate::links::confirmation_path(d.id),
            qualification: d.qualification.clone(),
            ruling_due_at: d
                .paid_at
                .map(|at| rfc3339(instant(at) + auction_core::deal::RULING_WITHIN)),
            ruling_issued_at: d.ruling_issued_at.map(|at| rfc3339(instant(at))),
            ruling_url: d.ruling_issued_at.map(|_| crate::links::ruling_path(d.id)),
            served_at: d.served_at.map(|at| rfc3339(instant(at))),
            handover_due_at: d
                .served_at
                .map(|at| rfc3339(instant(at) + auction_core::deal::HANDOVER_WITHIN)),
            handed_over_at: d.handed_over_at.map(|at| rfc3339(instant(at))),
        })
    }
}

impl DealView {
    /// Adds the deal's refunds (from a list that may hold other deals' too).
    pub fn with_refunds(mut self, refunds: &[refund::Model]) -> ApiResult<DealView> {
        self.refunds = refunds
            .iter()
            .filter(|r| r.deal_id == Some(self.id))
            .map(RefundView::of)
            .collect::<ApiResult<_>>()?;
        Ok(self)
    }
}

/// Money paid back: through the gateway, or by the court's bank.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundView {
    pub id: Uuid,
    pub purpose: RefundPurpose,
    pub reason: RefundReason,
    #[schema(value_type = String)]
    pub amount: Money,
    pub status: RefundStatus,
    pub method: RefundMethod,
    pub gateway_reference: String,
    pub created_at: String,
    pub completed_at: Option<String>,
}

impl RefundView {
    pub fn of(r: &refund::Model) -> ApiResult<RefundView> {
        Ok(RefundView {
            id: r.id,
            purpose: r.purpose,
            reason: r.reason,
            amount: money(r.amount)?,
            status: r.status,
            method: r.method,
            gateway_reference: r.gateway_reference.clone(),
            created_at: rfc3339(instant(r.created_at)),
            completed_at: r.completed_at.map(|t| rfc3339(instant(t))),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub order_id: Uuid,
    pub status: PaymentStatus,
    pub purpose: PaymentPurpose,
    #[schema(value_type = String)]
    pub amount: Money,
    /// The gateway the order is paid through: `sandbox` (the web app's own page) or `alipay`.
    pub gateway: String,
}
