//! A notice of a draft round's terms to a party or a known priority holder (R31): emailed, served, published
//! for one who cannot be reached, or waived in writing; with its proof.

use auction_core::before_publication::{NoticeMethod, PartyRole};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "round_notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub auction_id: Uuid,
    pub party: PartyRole,
    pub name: String,
    pub method: NoticeMethod,
    /// When it was sent, served, published or waived.
    pub at: i64,
    /// The address an emailed notice went to.
    pub sent_to: Option<String>,
    /// The proof: the served document, the public notice, the written waiver (a listing file).
    pub file_id: Option<Uuid>,
    pub recorded_by: Uuid,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
