use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub court_id: Uuid,
    pub case_number: String,
    pub applicant_name: String,
    pub applicant_email: String,
    pub respondent_name: String,
    pub respondent_email: String,
    pub created_by: Uuid,
    pub created_at: i64,
    /// The number of the legal document being enforced (执行依据), published with the announcement (R29).
    pub enforcement_basis: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
