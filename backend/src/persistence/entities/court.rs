use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "courts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub created_at: i64,
    /// A deactivated court's judges are refused.
    pub deactivated_at: Option<i64>,
    /// The court's collegial panels have at least this many members (never fewer than three, R7).
    pub panel_min_members: i32,
    /// Days after a failed second auction within which the sell-off is set up (R58; the law's 15 by default).
    pub sell_off_window_days: i32,
    /// The court's account for deposits and balances paid by transfer, as the announcement states it (R29).
    pub payment_account: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
