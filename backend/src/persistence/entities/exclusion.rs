//! A court's list of those who may not bid in its sales (R9, R71): staff, the platform's and auxiliary
//! agencies' staff, declared relatives, anyone a ruling bars.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exclusions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub court_id: Uuid,
    pub id_number: Option<String>,
    pub credit_code: Option<String>,
    pub reason: String,
    /// The judge who added it; none for the one added with a judge's own account.
    pub created_by: Option<Uuid>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
