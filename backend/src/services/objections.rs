//! Objections to a round (异议, R61–R65) as the court records and decides them: a third party's objection
//! to the property stops a running round at once; the decision is due in 15 days; an upheld objection
//! withdraws a running round or sets a sale aside with refunds (`services/rounds/effects.rs`); a rejected
//! one lets the round it stopped go on. Every step is in the round's ledger.

use auction_core::ledger::LedgerKind;
use auction_core::objection::{
    Consequence, Decision, Ground, ObjectedRound, ObjectionKind, ObjectionStatus, ObjectorRole,
};
use auction_core::round::Hold;
use auction_core::time::rfc3339;
use auction_core::{Instant, RoundStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::rounds::{Access, LockedRound, update_round};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::millis;
use crate::persistence::entities::{deal, objection};
use crate::persistence::vocabulary::ListingStatus;
use crate::state::AppState;

/// The public reason a round stopped by a third party's objection shows (R60, R61).
const THIRD_PARTY_REASON: &str =
    "案外人对拍卖标的提出异议，依法中止拍卖 · suspended on a third party's objection to the property (R61)";

/// An objection as a judge records it.
pub struct NewObjection {
    pub auction_id: Uuid,
    pub objector_name: String,
    pub objector_email: String,
    pub role: String,
    pub kind: ObjectionKind,
    pub grounds: Vec<String>,
    pub statement: String,
}

/// The round an objection concerns, with its deal, as `auction_core::objection` needs it.
async fn objected(locked: &LockedRound, tx: &WriteTx) -> ApiResult<ObjectedRound> {
    let deal = deal::Entity::find()
        .filter(deal::Column::AuctionId.eq(locked.id()))
        .one(&**tx)
        .await?
        .map(|d| d.status);
    Ok(ObjectedRound {
        status: locked.round.status,
        deal,
    })
}

pub async fn file(state: &AppState, caller: &Caller, input: NewObjection) -> ApiResult<objection::Model> {
    let role = ObjectorRole::parse(&input.role).ok_or_else(|| {
        ApiError::unprocessable("invalid_role", "role is party, bidder, priority_holder or third_party")
    })?;
    let grounds = input
        .grounds
        .iter()
        .map(|g| {
            Ground::parse(g).ok_or_else(|| {
                ApiError::unprocessable(
                    "invalid_grounds",
                    format!("unknown ground `{g}`: the grounds are those of R65 (see docs/rules.md)"),
                )
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let name = super::required_text(&input.objector_name, "objector.name", 200)?;
    let email = super::required_text(&input.objector_email, "objector.email", 254)?;
    if !email.contains('@') {
        return Err(ApiError::unprocessable(
            "invalid_email",
            "the objector's email is not an email address",
        ));
    }
    let statement = super::required_text(&input.statement, "statement", 20_000)?;
    let now = state.clock.now();
    let updated = update_round(
        state,
        input.auction_id,
        now,
        Access::Court(caller),
        async |locked, tx| {
            let filing = auction_core::objection::file(objected(locked, tx).await?, input.kind, role, &grounds, now)?;
            let row = objection::ActiveModel {
                id: Set(Uuid::new_v4()),
                auction_id: Set(locked.id()),
                court_id: Set(locked.row.court_id),
                objector_name: Set(name.clone()),
                objector_email: Set(email.to_lowercase()),
                objector_role: Set(role),
                grounds: Set(json!(grounds.iter().map(|g| g.as_str()).collect::<Vec<_>>()).to_string()),
                statement: Set(statement.clone()),
                status: Set(ObjectionStatus::Pending),
                filed_by: Set(caller.user_id),
                filed_at: Set(millis(now)),
                decide_by: Set(millis(filing.decide_by)),
                suspended_round: Set(filing.suspend),
                decided_at: Set(None),
                decided_by: Set(None),
                reasoning: Set(None),
                reminder_sent_at: Set(None),
                kind: Set(input.kind),
                reconsideration_requested_at: Set(None),
                reconsideration_outcome: Set(None),
                reconsideration_decided_at: Set(None),
            }
            .insert(&**tx)
            .await?;
            // The public ledger names the objector's role and grounds, not the person.
            locked.record_event(
                LedgerKind::Objection,
                json!({
                    "objection_id": row.id.to_string(),
                    "objector_role": role.as_str(),
                    "grounds": grounds.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
                    "decide_by": rfc3339(filing.decide_by),
                    "suspends": filing.suspend,
                    "at": rfc3339(now),
                }),
            );
            if filing.suspend {
                locked
                    .suspend_for(state, tx, Hold::Objection, Some(THIRD_PARTY_REASON), now)
                    .await?;
            }
            Ok(row)
        },
    )
    .await?;
    crate::notify::flush(state).await;
    tracing::info!(objection.id = %updated.value.id, auction.id = %input.auction_id, role = role.as_str(), "objection filed");
    Ok(updated.value)
}

/// A decision as the court words it — `upheld` or `rejected` — with its reasoning, which is published.
pub fn court_decision(outcome: &str, reasoning: &str) -> ApiResult<(Decision, String)> {
    let decision = Decision::parse(outcome)
        .ok_or_else(|| ApiError::unprocessable("invalid_outcome", "outcome is rejected or upheld"))?;
    Ok((decision, super::required_text(reasoning, "reasoning", 20_000)?))
}

/// The objection, locked for this transaction.
async fn locked_objection(tx: &WriteTx, id: Uuid) -> ApiResult<objection::Model> {
    objection::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::not_found("objection"))
}

pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    decision: &str,
    reasoning: &str,
) -> ApiResult<objection::Model> {
    let (decision, reasoning) = court_decision(decision, reasoning)?;
    let auction_id = find_for(state, caller, id).await?.auction_id;
    let now = state.clock.now();
    let updated = update_round(state, auction_id, now, Access::Court(caller), async |locked, tx| {
        let row = locked_objection(tx, id).await?;
        let status = row.status;
        let round = objected(locked, tx).await?;
        let stopped_by_it = row.suspended_round && round.status == RoundStatus::Suspended;
        let consequence = auction_core::objection::decide(status, decision, round, stopped_by_it)?;
        let mut active = row.into_active_model();
        active.status = Set(decision.status());
        active.decided_at = Set(Some(millis(now)));
        active.decided_by = Set(Some(caller.user_id));
        active.reasoning = Set(Some(reasoning.clone()));
        let row = active.update(&**tx).await?;
        locked.record_event(
            LedgerKind::ObjectionDecision,
            json!({
                "objection_id": row.id.to_string(),
                "outcome": decision.status().as_str(),
                "reasoning": reasoning,
                "at": rfc3339(now),
            }),
        );
        let transition = match consequence {
            Consequence::Nothing => None,
            Consequence::Release => {
                locked.lift(state, tx, Hold::Objection, None, now).await?;
                None
            }
            Consequence::Withdraw => Some((locked.round.withdraw(now)?, Some(reasoning.as_str()))),
            Consequence::Revoke => Some((locked.round.revoke(now)?, Some(reasoning.as_str()))),
        };
        if let Some((transition, reason)) = transition {
            locked.record(state, tx, transition, reason).await?;
            locked.advance(state, tx, now).await?;
        }
        if row.kind == ObjectionKind::OwnershipClaim && decision == Decision::Upheld {
            release_for_the_owner(state, locked, tx, &reasoning, now).await?;
        }
        Ok(row)
    })
    .await?;
    crate::notify::flush(state).await;
    // A sale set aside owes the buyer's money back: paid now, or by the worker should the gateway refuse.
    if let Err(error) = super::refund_tasks::pay_owed_in_round(state, auction_id, now).await {
        tracing::warn!(%error, "refunds owed on the revocation wait for the worker");
    }
    tracing::info!(objection.id = %id, outcome = decision.status().as_str(), "objection decided");
    Ok(updated.value)
}

/// Someone outside the case owns the property: it leaves the sale for good, and the release is in the
/// round's ledger.
async fn release_for_the_owner(
    state: &AppState,
    locked: &mut LockedRound,
    tx: &WriteTx,
    reasoning: &str,
    now: Instant,
) -> ApiResult<()> {
    let _ = state;
    locked.record_event(
        LedgerKind::Release,
        json!({
            "listing_id": locked.row.listing_id.to_string(),
            "reason": format!("案外人异议成立：{reasoning}"),
            "at": rfc3339(now),
        }),
    );
    super::rounds::set_listing_status(tx, locked.row.listing_id, ListingStatus::Released, now).await
}

/// The objector asks the higher court to reconsider the rejection of its objection, within 10 days of the
/// decision (R64), as the court records it: no sale ruling issues until the higher court decides.
pub async fn request_reconsideration(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    requested_at: Instant,
) -> ApiResult<objection::Model> {
    let auction_id = find_for(state, caller, id).await?.auction_id;
    let now = state.clock.now();
    if requested_at > now {
        return Err(ApiError::unprocessable(
            "invalid_time",
            "the request cannot be dated in the future",
        ));
    }
    let updated = update_round(state, auction_id, now, Access::Court(caller), async |locked, tx| {
        let row = locked_objection(tx, id).await?;
        let decided_at = match (row.status, row.decided_at) {
            (ObjectionStatus::Rejected, Some(at)) => crate::persistence::convert::instant(at),
            (ObjectionStatus::Pending, _) => {
                return Err(ApiError::conflict("objection_pending", "the objection has not been decided yet"));
            }
            _ => {
                return Err(ApiError::conflict(
                    "not_reconsiderable",
                    "an upheld objection has taken effect; reconsideration is the objector's remedy against a rejection",
                ));
            }
        };
        if row.reconsideration_requested_at.is_some() {
            return Err(ApiError::conflict("already_requested", "reconsideration of this decision was asked for already"));
        }
        if !auction_core::objection::reconsideration_in_time(decided_at, requested_at) {
            return Err(ApiError::unprocessable(
                "reconsideration_too_late",
                "reconsideration is asked for within 10 days of the decision (R64)",
            ));
        }
        let mut active = row.into_active_model();
        active.reconsideration_requested_at = Set(Some(millis(requested_at)));
        let row = active.update(&**tx).await?;
        locked.record_event(
            LedgerKind::Reconsideration,
            json!({ "objection_id": row.id.to_string(), "requested_at": rfc3339(requested_at) }),
        );
        Ok(row)
    })
    .await?;
    Ok(updated.value)
}

/// Records the higher court's decision on a reconsideration (R64): upheld, the objection is upheld after all
/// — the running round withdrawn or the sale set aside, as an upheld objection does; rejected, the
/// rejection stands and the ruling may issue.
pub async fn decide_reconsideration(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    decision: &str,
    reasoning: &str,
) -> ApiResult<objection::Model> {
    let (decision, reasoning) = court_decision(decision, reasoning)?;
    let auction_id = find_for(state, caller, id).await?.auction_id;
    let now = state.clock.now();
    let updated = update_round(state, auction_id, now, Access::Court(caller), async |locked, tx| {
        let row = locked_objection(tx, id).await?;
        if row.reconsideration_requested_at.is_none() || row.reconsideration_outcome.is_some() {
            return Err(ApiError::conflict(
                "no_reconsideration_waiting",
                "no reconsideration of this objection waits for a decision",
            ));
        }
        let consequence = match decision {
            Decision::Upheld => {
                let round = objected(locked, tx).await?;
                // The objection is decided anew, as upheld.
                auction_core::objection::decide(ObjectionStatus::Pending, Decision::Upheld, round, false)?
            }
            Decision::Rejected => Consequence::Nothing,
        };
        let kind = row.kind;
        let mut active = row.into_active_model();
        active.reconsideration_outcome = Set(Some(decision.status()));
        active.reconsideration_decided_at = Set(Some(millis(now)));
        if decision == Decision::Upheld {
            active.status = Set(ObjectionStatus::Upheld);
        }
        let row = active.update(&**tx).await?;
        locked.record_event(
            LedgerKind::Reconsideration,
            json!({
                "objection_id": row.id.to_string(),
                "outcome": decision.status().as_str(),
                "reasoning": reasoning,
                "at": rfc3339(now),
            }),
        );
        let transition = match consequence {
            Consequence::Withdraw => Some(locked.round.withdraw(now)?),
            Consequence::Revoke => Some(locked.round.revoke(now)?),
            Consequence::Nothing | Consequence::Release => None,
        };
        if let Some(transition) = transition {
            locked.record(state, tx, transition, Some(reasoning.as_str())).await?;
            locked.advance(state, tx, now).await?;
        }
        if kind == ObjectionKind::OwnershipClaim && decision == Decision::Upheld {
            release_for_the_owner(state, locked, tx, &reasoning, now).await?;
        }
        Ok(row)
    })
    .await?;
    crate::notify::flush(state).await;
    if let Err(error) = super::refund_tasks::pay_owed_in_round(state, auction_id, now).await {
        tracing::warn!(%error, "refunds owed on the revocation wait for the worker");
    }
    Ok(updated.value)
}

/// An objection, for a judge of its court (or an administrator); to anyone else it does not exist.
pub async fn find_for(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<objection::Model> {
    objection::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .filter(|row| caller.require_judge_of(row.court_id).is_ok())
        .ok_or_else(|| ApiError::not_found("objection"))
}

/// The caller's court's objections, pending first by their decision deadline, then the decided ones newest
/// first; optionally of one round or one status.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    auction_id: Option<Uuid>,
    status: Option<&str>,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<objection::Model>, u64)> {
    let court = caller.judge_court()?;
    let mut condition = Condition::all().add(objection::Column::CourtId.eq(court));
    if let Some(auction_id) = auction_id {
        condition = condition.add(objection::Column::AuctionId.eq(auction_id));
    }
    if let Some(status) = status {
        let status = ObjectionStatus::parse(status)
            .ok_or_else(|| ApiError::bad_request("invalid_query", "status is pending, rejected or upheld"))?;
        condition = condition.add(objection::Column::Status.eq(status.as_str()));
    }
    let paginator = objection::Entity::find()
        .filter(condition)
        // `pending` sorts before `rejected` and `upheld`.
        .order_by_asc(objection::Column::Status)
        .order_by_asc(objection::Column::DecideBy)
        .order_by_desc(objection::Column::FiledAt)
        .order_by_asc(objection::Column::Id)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    Ok((paginator.fetch_page(page - 1).await?, total))
}

/// Pending objections whose decision is due within `within` of `now` and not yet reminded of.
pub async fn due_for_reminder(
    state: &AppState,
    now: Instant,
    within: chrono::Duration,
) -> ApiResult<Vec<objection::Model>> {
    Ok(objection::Entity::find()
        .filter(objection::Column::Status.eq(ObjectionStatus::Pending))
        .filter(objection::Column::ReminderSentAt.is_null())
        .filter(objection::Column::DecideBy.lte(millis(now + within)))
        .all(state.db.conn())
        .await?)
}
