use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "priority_holders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub auction_id: Uuid,
    pub user_id: Uuid,
    pub rank: i32,
    pub confirmed_by: Uuid,
    pub created_at: i64,
    /// The nature of the right (共有人、承租人…), published with the announcement; never the holder (R29).
    pub right_nature: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
