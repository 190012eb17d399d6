use auction_core::RoundStatus;
use auction_core::setup::Category;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auctions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub listing_id: Uuid,
    pub court_id: Uuid,
    pub title: String,
    pub category: Category,
    pub round: i32,
    pub round_kind: String,
    pub status: RoundStatus,
    pub reference_price: i64,
    pub starting_price: i64,
    pub deposit: i64,
    pub increment: i64,
    pub bidding_starts_at: i64,
    pub scheduled_ends_at: i64,
    pub bidding_ends_at: i64,
    pub balance_due_days: i32,
    pub current_price: Option<i64>,
    pub leader_registration_id: Option<Uuid>,
    pub leader_code: Option<String>,
    pub leader_priority_rank: Option<i32>,
    pub bid_count: i32,
    pub extension_count: i32,
    pub registrations_count: i32,
    pub suspended_at: Option<i64>,
    pub suspended_from: Option<RoundStatus>,
    pub suspended_remaining_ms: Option<i64>,
    /// Why a suspended round is suspended (R60, R61): the court's own reason, and the pending
    /// objections that hold it. It resumes when neither remains.
    pub suspended_by_court: Option<bool>,
    pub suspended_objections: Option<i32>,
    pub published_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub ledger_seq: i64,
    pub ledger_head: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub announcement: Option<String>,
    pub bidding_instructions: Option<String>,
    pub special_reminders: Option<String>,
    pub terms_version: Option<String>,
    pub status_reason: Option<String>,
    /// Whether the announcement is the generated one (absent on rounds made before this was kept).
    pub announcement_generated: Option<bool>,
    /// The collegial panel that decided the terms (R7): its members as a JSON array, and when it decided.
    pub panel_members: Option<String>,
    pub panel_decided_at: Option<i64>,
    /// Why the court holds this round after its legal window passed (R27, R58), if it did.
    pub late_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
