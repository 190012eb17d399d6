//! One comparison of a Beijing day's orders and refunds with the gateway's books.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider: String,
    /// `YYYY-MM-DD`, Beijing.
    pub day: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub orders_checked: i32,
    pub refunds_checked: i32,
    pub differences: i32,
    /// Why the comparison could not finish (the gateway did not answer), if it could not.
    pub failure: Option<String>,
    /// The administrator who asked for it; `None` for the daily job.
    pub requested_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
