use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub auction_id: Uuid,
    pub seq: i32,
    pub registration_id: Uuid,
    pub bidder_code: String,
    pub amount: i64,
    pub placed_at: i64,
    pub priority: bool,
    pub priority_match: bool,
    pub ends_at_after: i64,
    pub extension_count_after: i32,
    pub request_id: Uuid,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
