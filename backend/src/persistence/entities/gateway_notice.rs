//! A notification from the gateway that the platform did not act on — for an order it does not know,
//! another merchant, another amount — kept for reconciliation and the administrator.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "gateway_notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider: String,
    pub received_at: i64,
    pub notify_id: String,
    pub out_trade_no: String,
    pub trade_no: Option<String>,
    pub trade_status: Option<String>,
    pub amount: Option<i64>,
    /// Why it was not acted on (`unknown_order`, `amount_differs`, `other_merchant`).
    pub problem: String,
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
