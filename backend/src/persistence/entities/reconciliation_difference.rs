//! One difference a reconciliation found between the platform's books and the gateway's.

use auction_core::reconciliation::DifferenceKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliation_differences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub reconciliation_id: Uuid,
    pub kind: DifferenceKind,
    pub order_id: Option<Uuid>,
    pub refund_id: Option<Uuid>,
    pub auction_id: Option<Uuid>,
    /// The gateway's order number, for a notification about an order the platform does not have.
    pub out_trade_no: Option<String>,
    pub platform_amount: Option<i64>,
    pub gateway_amount: Option<i64>,
    pub platform_state: Option<String>,
    pub gateway_state: Option<String>,
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
