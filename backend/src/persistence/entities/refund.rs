use auction_core::refund::{RefundMethod, RefundPurpose, RefundReason, RefundStatus};
use sea_orm::entity::prelude::*;

/// Money paid back: a revoked sale's deposit and balance (R65), the rest of a defaulted sell-off prepayment
/// (R58), a late payment, a released deposit (R53) — through the gateway, or by the court's bank.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub auction_id: Uuid,
    pub deal_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    pub purpose: RefundPurpose,
    pub reason: RefundReason,
    pub amount: i64,
    pub status: RefundStatus,
    /// The gateway's reference once paid (empty until then, and for a bank transfer).
    pub gateway_reference: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub method: RefundMethod,
    /// Tries through the gateway so far.
    pub attempts: i32,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    /// R53's 24 hours end here.
    pub due_at: Option<i64>,
    /// A bank transfer's payer and their account, to pay back to.
    pub payee: Option<String>,
    pub payee_account: Option<String>,
    /// The court's own transfer back, and the judge who confirmed it (已退).
    pub bank_reference: Option<String>,
    pub confirmed_by: Option<Uuid>,
    /// The payment whose money goes back (all of it, or a part).
    pub payment_order_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
