//! A person's claim that another account holds their ID number, with its proof (a file only the
//! administrator reads) and the decision.

use crate::persistence::vocabulary::ClaimStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub claimant_email: String,
    pub real_name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub statement: String,
    pub holder_id: Uuid,
    pub proof_file_id: Uuid,
    pub proof_file_name: String,
    pub proof_content_type: String,
    pub proof_size: i64,
    pub proof_sha256: String,
    /// `pending`, `upheld` or `rejected`.
    pub status: ClaimStatus,
    pub filed_at: i64,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
