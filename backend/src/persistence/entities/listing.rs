use crate::persistence::vocabulary::ListingStatus;
use auction_core::setup::Category;
use auction_core::setup::ReferenceMethod;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "listings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub court_id: Uuid,
    pub title: String,
    pub category: Category,
    pub description: String,
    pub location: String,
    pub encumbrances: Option<String>,
    pub is_housing: bool,
    pub status: ListingStatus,
    pub reference_price: Option<i64>,
    pub reference_method: Option<ReferenceMethod>,
    pub reference_fixed_at: Option<i64>,
    pub reference_valid_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The costs (taxes, arrears, fees) as JSON: see `persistence::convert::costs`.
    pub costs: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub viewing_how: Option<String>,
    pub viewing_from: Option<i64>,
    pub viewing_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
