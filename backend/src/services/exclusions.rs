//! Who may not bid in a court's sales (R9, R71): the court's list of excluded ID numbers and credit codes,
//! kept by its judges, with each judge's own ID number on it from the day the account is made.

use auction_core::IdNumber;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::parties::PartyIdentity;
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
    Ok(!excluded_buyers(db, court_id, std::slice::from_ref(deal))
        .await?
        .is_empty())
}

/// The deals among `deals` whose buyer is now on the court's list, by deal id: three queries for a page
/// of deals, whatever its length.
pub async fn excluded_buyers(
    db: &impl ConnectionTrait,
    court_id: Uuid,
    deals: &[deal::Model],
) -> ApiResult<std::collections::HashSet<Uuid>> {
    use std::collections::{HashMap, HashSet};
    if deals.is_empty() {
        return Ok(HashSet::new());
    }
    let buyers: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(deals.iter().map(|d| d.buyer_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let principals: HashMap<Uuid, String> = registration::Entity::find()
        .filter(registration::Column::Id.is_in(deals.iter().map(|d| d.registration_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.identity))
        .collect();
    let identities_of = |deal: &deal::Model| -> Vec<String> {
        let mut identities: Vec<String> = buyers
            .get(&deal.buyer_id)
            .map(|b| b.excludable_identities().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        identities.extend(principals.get(&deal.registration_id).cloned());
        identities
    };
    let all: HashSet<String> = deals.iter().flat_map(identities_of).collect();
    let named = Condition::any()
        .add(exclusion::Column::IdNumber.is_in(all.iter().cloned()))
        .add(exclusion::Column::CreditCode.is_in(all.iter().cloned()));
    let listed: HashSet<String> = exclusion::Entity::find()
        .filter(exclusion::Column::CourtId.eq(court_id))
        .filter(named)
        .all(db)
        .await?
        .into_iter()
        .flat_map(|e| [e.id_number, e.credit_code])
        .flatten()
        .collect();
    Ok(deals
        .iter()
        .filter(|deal| identities_of(deal).iter().any(|i| listed.contains(i)))
        .map(|deal| deal.id)
        .collect())
}

/// The refusal, the same whatever the reason: the answer says nothing of who is on the list or why.
pub fn excluded_person() -> ApiError {
    ApiError::forbidden_because("excluded_person", "this account may not bid in this court's sales")
}
