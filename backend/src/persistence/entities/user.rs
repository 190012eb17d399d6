use crate::persistence::vocabulary::PartyKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub real_name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub court_id: Option<Uuid>,
    pub created_at: i64,
    /// When the real name and ID number were verified (bidders), by `FAPAI_IDENTITY`'s verifier.
    pub identity_verified_at: Option<i64>,
    /// A deactivated judge or administrator is refused at once.
    pub deactivated_at: Option<i64>,
    /// `person` or `organisation` (R37); an organisation's `real_name` is its representative's.
    pub kind: PartyKind,
    pub organisation_name: Option<String>,
    /// The organisation's unified social credit code: one account per code.
    pub credit_code: Option<String>,
    /// The ID number of an organisation's legal representative or authorised contact.
    pub representative_id_number: Option<String>,
}

impl Model {
    /// The name a sale is published and documented under: the organisation's, or the person's.
    pub fn party_name(&self) -> &str {
        self.organisation_name.as_deref().unwrap_or(&self.real_name)
    }

    /// What a registration is held to (one per round, the default bar R55): the ID number of a
    /// person, the credit code of an organisation.
    pub fn bidding_identity(&self) -> Option<&str> {
        self.credit_code.as_deref().or(self.id_number.as_deref())
    }

    /// Every identity an exclusion can name for this account: its own, and a representative's.
    pub fn excludable_identities(&self) -> Vec<&str> {
        [
            self.id_number.as_deref(),
            self.credit_code.as_deref(),
            self.representative_id_number.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
