//! An objection to a listing's reference price (R17): against the valuation report delivered to the
//! parties, filed within its window, holding the price until the court decides it.

use auction_core::objection::{ObjectionStatus, ObjectorRole};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "price_objections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub listing_id: Uuid,
    pub valuation_id: Uuid,
    pub court_id: Uuid,
    pub objector_name: String,
    pub objector_email: String,
    pub objector_role: ObjectorRole,
    /// The R17 ground codes, as a JSON array.
    pub grounds: String,
    pub statement: String,
    pub status: ObjectionStatus,
    pub filed_by: Uuid,
    pub filed_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<Uuid>,
    pub reasoning: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
