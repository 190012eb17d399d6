//! Who a party is, by the number the law knows it by: a person's resident ID number (GB 11643) or an
//! organisation's unified social credit code (GB 32100). What an exclusion, an agency's principal or a bar
//! names; and a party to a case as the court names it. A leaf, so that accounts, exclusions, listings and
//! registrations can all use it.

use auction_core::{CreditCode, IdNumber};

use crate::error::{ApiError, ApiResult};
use crate::persistence::vocabulary::PartyKind;

/// A person's ID number or an organisation's credit code: what an exclusion, an agency's principal or a
/// bar names.
pub enum PartyIdentity {
    Person(IdNumber),
    Organisation(CreditCode),
}

impl PartyIdentity {
    /// Exactly one of the two, each checked by its standard's check character.
    pub fn parse(id_number: Option<&str>, credit_code: Option<&str>) -> ApiResult<PartyIdentity> {
        match (id_number, credit_code) {
            (Some(id), None) => IdNumber::parse(id)
                .map(PartyIdentity::Person)
                .map_err(|e| ApiError::unprocessable("invalid_id_number", e.to_string())),
            (None, Some(code)) => CreditCode::parse(code)
                .map(PartyIdentity::Organisation)
                .map_err(|e| ApiError::unprocessable("invalid_credit_code", e.to_string())),
            _ => Err(ApiError::unprocessable(
                "missing_field",
                "name the identity by exactly one of id_number and credit_code",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            PartyIdentity::Person(id) => id.as_str(),
            PartyIdentity::Organisation(code) => code.as_str(),
        }
    }

    pub fn kind(&self) -> PartyKind {
        match self {
            PartyIdentity::Person(_) => PartyKind::Person,
            PartyIdentity::Organisation(_) => PartyKind::Organisation,
        }
    }
}

/// A party to a case as the court names it: who is told of the listing's steps by email.
#[derive(Debug, Clone)]
pub struct PartyContact {
    pub name: String,
    pub email: String,
}
