use crate::persistence::vocabulary::RefundPurpose;
use crate::persistence::vocabulary::RefundReason;
use sea_orm::entity::prelude::*;

/// Money paid back through the gateway: a revoked sale's deposit and balance (R65), the rest of a
/// defaulted sell-off prepayment (R58).
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
    pub status: String,
    pub gateway_reference: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
