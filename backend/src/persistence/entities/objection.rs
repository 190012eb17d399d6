use auction_core::objection::ObjectorRole;
use auction_core::objection::{ObjectionKind, ObjectionStatus};
use sea_orm::entity::prelude::*;

/// An objection to a round (异议, R61–R65), as a judge recorded it, and the court's decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub auction_id: Uuid,
    pub court_id: Uuid,
    pub objector_name: String,
    pub objector_email: String,
    pub objector_role: ObjectorRole,
    /// The R65 ground codes, as a JSON array.
    pub grounds: String,
    pub statement: String,
    pub status: ObjectionStatus,
    pub filed_by: Uuid,
    pub filed_at: i64,
    pub decide_by: i64,
    pub suspended_round: bool,
    pub decided_at: Option<i64>,
    pub decided_by: Option<Uuid>,
    pub reasoning: Option<String>,
    pub reminder_sent_at: Option<i64>,
    pub kind: ObjectionKind,
    /// The objector asked the higher court to reconsider the decision (R64), and what it decided.
    pub reconsideration_requested_at: Option<i64>,
    pub reconsideration_outcome: Option<ObjectionStatus>,
    pub reconsideration_decided_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
