//! Agencies (委托代理, R41): the court sees the registrations made for a principal, confirms or refuses
//! each before bidding opens, and the agent is emailed. At the opening an agency not confirmed lapses and its
//! deposit is released: that is part of the round's opening, in `rounds`.

use auction_core::agency::{AgencyStatus, check_before_bidding};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::rounds::{Access, update_round};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, Email};
use crate::persistence::convert::millis;
use crate::persistence::entities::{auction, registration, user};
use crate::state::AppState;

/// The round's registrations made for a principal, with their agents, for the round's court. The court
/// must see them before bidding to decide them (R41); nothing else of the registrants shows before the end.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    auction_id: Uuid,
) -> ApiResult<Vec<(registration::Model, user::Model)>> {
    let round = auction::Entity::find_by_id(auction_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("auction"))?;
    caller.require_judge_of(round.court_id)?;
    let agencies = registration::Entity::find()
        .filter(registration::Column::AuctionId.eq(auction_id))
        .filter(registration::Column::AgentStatus.is_not_null())
        .order_by_asc(registration::Column::CreatedAt)
        .all(state.db.conn())
        .await?;
    let mut rows = Vec::new();
    for agency in agencies {
        let agent = user::Entity::find_by_id(agency.user_id)
            .one(state.db.conn())
            .await?
            .ok_or_else(|| ApiError::internal("registration without its account"))?;
        rows.push((agency, agent));
    }
    Ok(rows)
}

/// The court confirms or refuses an agency before bidding opens; the agent is told either way.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    registration_id: Uuid,
    confirmed: bool,
    note: Option<&str>,
) -> ApiResult<registration::Model> {
    let found = registration::Entity::find_by_id(registration_id)
        .one(state.db.conn())
        .await?
        .filter(|r| r.agent_status.is_some())
        .ok_or_else(|| ApiError::not_found("agency"))?;
    let note = match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(text) => Some(super::required_text(text, "note", 500)?),
        None => None,
    };
    let now = state.clock.now();
    let updated = update_round(
        state,
        found.auction_id,
        now,
        Access::Court(caller),
        async |locked, tx| {
            check_before_bidding(locked.round.status)?;
            let current = registration::Entity::find_by_id(registration_id)
                .one(&**tx)
                .await?
                .ok_or_else(|| ApiError::not_found("agency"))?;
            let agent = user::Entity::find_by_id(current.user_id)
                .one(&**tx)
                .await?
                .ok_or_else(|| ApiError::internal("registration without its account"))?;
            let status = AgencyStatus::decided(confirmed);
            let principal = current.principal_name.clone().unwrap_or_default();
            let mut active = current.into_active_model();
            active.agent_status = Set(Some(status.as_str().to_owned()));
            active.agent_note = Set(note.clone());
            active.agent_decided_at = Set(Some(millis(now)));
            active.updated_at = Set(millis(now));
            let saved = active.update(&**tx).await?;
            let email = Email::agency(
                &agent.email,
                agent.party_name(),
                &locked.row.title,
                &principal,
                status.as_str(),
                note.as_deref(),
                &crate::links::round_page(&state.settings.public_url, locked.row.id),
            );
            notify::queue(tx, email, now).await?;
            // The public ledger records that an agency was decided, not whose (R40).
            locked.record_event(
                "agency_decided",
                serde_json::json!({ "confirmed": confirmed, "at": auction_core::time::rfc3339(now) }),
            );
            Ok(saved)
        },
    )
    .await?;
    tracing::info!(registration.id = %registration_id, confirmed, "agency decided");
    Ok(updated.value)
}
