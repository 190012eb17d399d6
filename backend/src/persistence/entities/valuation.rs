use auction_core::setup::ReferenceMethod;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "valuations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub listing_id: Uuid,
    pub method: ReferenceMethod,
    pub quotes: String,
    pub result: i64,
    pub created_by: Uuid,
    pub created_at: i64,
    /// The report itself (a listing file), and when the court recorded delivering it to the parties (R16).
    pub report_file_id: Option<Uuid>,
    pub delivered_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
