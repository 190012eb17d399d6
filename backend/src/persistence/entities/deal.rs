use auction_core::deal::DealStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub auction_id: Uuid,
    pub listing_id: Uuid,
    pub buyer_id: Uuid,
    pub registration_id: Uuid,
    pub winner_code: String,
    pub buyer_name: String,
    pub final_price: i64,
    pub deposit_applied: i64,
    pub balance_due: i64,
    pub balance_due_at: i64,
    pub status: DealStatus,
    pub paid_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub reminder_sent_at: Option<i64>,
    pub defaulted_at: Option<i64>,
    /// A housing buyer's purchase qualification (R32) and what the court relied on.
    pub qualification: Option<String>,
    pub qualification_evidence: Option<String>,
    pub ruling_issued_at: Option<i64>,
    pub served_at: Option<i64>,
    pub handed_over_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// When the court's judges were reminded of the ruling's and the hand-over's deadlines (R52).
    pub ruling_reminder_sent_at: Option<i64>,
    pub handover_reminder_sent_at: Option<i64>,
    /// The applicant's claim set off against the price (R23 ¶2); 0 for anyone else.
    pub claim_offset: i64,
    /// The sale declared void because the buyer faked their qualification (R32), and the liabilities the
    /// court imposed (a JSON object).
    pub void_reason: Option<String>,
    pub liabilities: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
