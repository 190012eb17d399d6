//! A bidder's registration for a round, its deposit and payment.

use auction_core::Money;
use auction_core::agency::AgencyStatus;
use auction_core::time::rfc3339;
use auction_core::{DepositStatus, RoundStatus};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::persistence::convert::{instant, money};
use crate::persistence::entities::{registration, round};

#[derive(Debug, Serialize, ToSchema)]
pub struct DepositView {
    /// What is paid in: the deposit, or in a sell-off the prepayment (the whole price, R58).
    #[schema(value_type = String)]
    pub amount: Money,
    /// What a defaulting buyer loses of it: all of a deposit, the deposit's part of a prepayment.
    #[schema(value_type = String)]
    pub forfeitable: Money,
    pub status: DepositStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentRef {
    pub order_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationView {
    pub id: Uuid,
    pub auction_id: Uuid,
    pub bidder_code: String,
    pub priority_rank: Option<i32>,
    pub deposit: DepositView,
    /// The deposit's payment order, while it is still to be paid.
    pub payment: Option<PaymentRef>,
    pub auction_title: String,
    pub auction_status: RoundStatus,
    /// The version of the bidding instructions and special reminders accepted.
    pub terms_version: String,
    /// For housing: when the bidder committed to holding the purchase qualification (R32).
    pub housing_commitment_at: Option<String>,
    pub created_at: String,
    /// For a registration made for a principal (R41).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_status: Option<AgencyStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_name: Option<String>,
}

impl RegistrationView {
    pub fn of(r: &registration::Model, round: &round::Model, order: Option<Uuid>) -> ApiResult<RegistrationView> {
        Ok(RegistrationView {
            id: r.id,
            auction_id: r.auction_id,
            bidder_code: r.bidder_code.clone(),
            priority_rank: r.priority_rank,
            deposit: DepositView {
                amount: money(r.deposit_amount)?,
                forfeitable: money(r.deposit_forfeitable.unwrap_or(r.deposit_amount))?,
                status: r.deposit_status,
            },
            payment: order.map(|order_id| PaymentRef { order_id }),
            auction_title: round.title.clone(),
            auction_status: round.status,
            terms_version: r.terms_version.clone(),
            housing_commitment_at: r.housing_commitment_at.map(|t| rfc3339(instant(t))),
            created_at: rfc3339(instant(r.created_at)),
            agent_status: r.agent_status,
            principal_name: r.principal_name.clone(),
        })
    }
}
