use auction_core::payment::PaymentPurpose;
use auction_core::payment::PaymentStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub purpose: PaymentPurpose,
    pub registration_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    pub payer_id: Uuid,
    pub amount: i64,
    pub status: PaymentStatus,
    pub gateway_reference: Option<String>,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    /// A bank transfer the court received (R54): who paid, on which day, and the judge who recorded it.
    pub offline_payer: Option<String>,
    /// The account the bank transfer came from, to pay it back to.
    pub offline_payer_account: Option<String>,
    /// Why the court accepted a transfer from someone other than the registrant (never published).
    pub payer_mismatch_reason: Option<String>,
    pub offline_paid_on: Option<String>,
    pub offline_recorded_by: Option<Uuid>,
    /// The gateway the order was made for (`sandbox`, `alipay`): its refunds go back through it.
    pub provider: String,
    /// The account a gateway payment came from, as the gateway names it (Alipay's `buyer_id`).
    pub gateway_payer: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
