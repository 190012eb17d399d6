use crate::persistence::vocabulary::PartyKind;
use auction_core::DepositStatus;
use auction_core::agency::AgencyStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub auction_id: Uuid,
    pub user_id: Uuid,
    pub identity: String,
    pub bidder_code: String,
    pub priority_rank: Option<i32>,
    pub deposit_amount: i64,
    pub deposit_status: DepositStatus,
    pub terms_version: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// In a sell-off, the part of the prepayment a defaulting buyer loses (R58); else the whole deposit.
    pub deposit_forfeitable: Option<i64>,
    /// When a housing bidder committed to holding the purchase qualification (R32).
    pub housing_commitment_at: Option<i64>,
    /// For a registration made for a principal (R41): `pending`, `confirmed` or `refused`.
    pub agent_status: Option<AgencyStatus>,
    /// The principal's kind (`person`, `organisation`) and name; `identity` holds its ID number or code.
    pub principal_kind: Option<PartyKind>,
    pub principal_name: Option<String>,
    /// The court's note on its decision, and when it decided.
    pub agent_note: Option<String>,
    pub agent_decided_at: Option<i64>,
    /// When its account was frozen on an upheld identity claim: it bids no more.
    pub frozen_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
