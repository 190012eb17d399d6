use sea_orm::entity::prelude::*;

/// What a registration left for the court's signals of shill bidding: the client's network address and the
/// web app's device id, each as a keyed hash (`services::signals::record_traces`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registration_traces")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub registration_id: Uuid,
    pub auction_id: Uuid,
    pub network: Option<String>,
    pub device: Option<String>,
    pub recorded_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
