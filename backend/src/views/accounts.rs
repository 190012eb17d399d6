//! Accounts and courts as the API shows them.

use crate::persistence::vocabulary::PartyKind;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::persistence::entities::{court, user};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    #[schema(example = "bidder")]
    pub role: String,
    /// The person's name; an organisation's representative's.
    pub real_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub court_id: Option<Uuid>,
    /// A person or an organisation (R37).
    pub kind: PartyKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<OrganisationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub name: String,
    pub credit_code: String,
}

impl OrganisationView {
    /// An organisation account's name and code; none for a person.
    pub fn of(u: &user::Model) -> Option<OrganisationView> {
        u.organisation_name
            .clone()
            .zip(u.credit_code.clone())
            .map(|(name, credit_code)| OrganisationView { name, credit_code })
    }
}

impl From<&user::Model> for UserView {
    fn from(u: &user::Model) -> UserView {
        UserView {
            id: u.id,
            email: u.email.clone(),
            role: u.role.clone(),
            real_name: u.real_name.clone(),
            court_id: u.court_id,
            kind: u.kind,
            organisation: OrganisationView::of(u),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourtView {
    pub id: Uuid,
    pub name: String,
    /// False once the administrator has deactivated the court.
    pub active: bool,
}

impl From<&court::Model> for CourtView {
    fn from(c: &court::Model) -> CourtView {
        CourtView {
            id: c.id,
            name: c.name.clone(),
            active: c.deactivated_at.is_none(),
        }
    }
}
