use sea_orm::entity::prelude::*;

/// A signed-in person watching a round (关注), reminded once when bidding opens and once 30 minutes
/// before its end.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "watches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub auction_id: Uuid,
    pub user_id: Uuid,
    pub created_at: i64,
    pub opening_reminded_at: Option<i64>,
    pub ending_reminded_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
