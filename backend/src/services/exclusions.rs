//! Who may not bid in a court's sales (R9, R71): the court's list of excluded ID numbers and credit codes,
//! kept by its judges, with each judge's own ID number on it from the day the account is made.

use auction_core::IdNumber;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::accounts::PartyIdentity;
use super::required_text;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::millis;
use crate::persistence::entities::{deal, exclusion, registration, user};
use crate::state::AppState;

/// The reason a judge's own account puts on the list.
const JUDGE_REASON: &str = "本院法官（账户登记的身份证号）";

/// Adds an identity to a court's list. `created_by` is none for a judge's own entry.
pub async fn add(
    db: &impl ConnectionTrait,
    court_id: Uuid,
    excluded: PartyIdentity,
    reason: &str,
    created_by: Option<Uuid>,
    at: i64,
) -> ApiResult<exclusion::Model> {
    let (id_number, credit_code) = match excluded {
        PartyIdentity::Person(id) => (Some(id.as_str().to_owned()), None),
        PartyIdentity::Organisation(code) => (None, Some(code.as_str().to_owned())),
    };
    let row = exclusion::ActiveModel {
        id: Set(Uuid::new_v4()),
        court_id: Set(court_id),
        id_number: Set(id_number),
        credit_code: Set(credit_code),
        reason: Set(reason.to_owned()),
        created_by: Set(created_by),
        created_at: Set(at),
    };
    Ok(row.insert(db).await?)
}

/// A judge adds to their court's list.
pub async fn add_by_judge(
    state: &AppState,
    caller: &Caller,
    excluded: PartyIdentity,
    reason: &str,
) -> ApiResult<exclusion::Model> {
    let court_id = caller.judge_court()?;
    let reason = required_text(reason, "reason", 500)?;
    add(
        state.db.conn(),
        court_id,
        excluded,
        &reason,
        Some(caller.user_id),
        millis(state.clock.now()),
    )
    .await
}

/// A judge's own ID number, put on their court's list when the account is made.
pub async fn add_judge(db: &impl ConnectionTrait, court_id: Uuid, id_number: IdNumber, at: i64) -> ApiResult<()> {
    add(db, court_id, PartyIdentity::Person(id_number), JUDGE_REASON, None, at).await?;
    Ok(())
}

/// The court's list, newest first.
pub async fn list(state: &AppState, caller: &Caller) -> ApiResult<Vec<exclusion::Model>> {
    let court_id = caller.judge_court()?;
    Ok(exclusion::Entity::find()
        .filter(exclusion::Column::CourtId.eq(court_id))
        .order_by_desc(exclusion::Column::CreatedAt)
        .order_by_asc(exclusion::Column::Id)
        .all(state.db.conn())
        .await?)
}

/// Whether any of `identities` (ID numbers and credit codes) is on the court's list.
pub async fn any_excluded(db: &impl ConnectionTrait, court_id: Uuid, identities: &[&str]) -> ApiResult<bool> {
    if identities.is_empty() {
        return Ok(false);
    }
    let named = Condition::any()
        .add(exclusion::Column::IdNumber.is_in(identities.iter().copied()))
        .add(exclusion::Column::CreditCode.is_in(identities.iter().copied()));
    let found = exclusion::Entity::find()
        .filter(exclusion::Column::CourtId.eq(court_id))
        .filter(named)
        .count(db)
        .await?;
    Ok(found > 0)
}

/// Whether a deal's buyer — the account, its representative, and the principal it bought for — is now on
/// the court's list: checked again before the ruling (R9), for a person listed after the sale.
pub async fn buyer_is_excluded(db: &impl ConnectionTrait, court_id: Uuid, deal: &deal::Model) -> ApiResult<bool> {
    let buyer = user::Entity::find_by_id(deal.buyer_id).one(db).await?;
    let registration = registration::Entity::find_by_id(deal.registration_id).one(db).await?;
    let mut identities: Vec<&str> = buyer.as_ref().map(|b| b.excludable_identities()).unwrap_or_default();
    identities.extend(registration.as_ref().map(|r| r.identity.as_str()));
    any_excluded(db, court_id, &identities).await
}

/// The refusal, the same whatever the reason: the answer says nothing of who is on the list or why.
pub fn excluded_person() -> ApiError {
    ApiError::forbidden_because("excluded_person", "this account may not bid in this court's sales")
}
