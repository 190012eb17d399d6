//! Agencies (委托代理, R41): the court sees the registrations made for a principal, confirms or refuses
//! each before bidding opens, and the agent is emailed. At the opening an agency not confirmed lapses and its
//! deposit is released: that is part of the round's opening, in `rounds`.

use auction_core::agency::{AgencyStatus, check_before_bidding};
use auction_core::ledger::LedgerKind;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::files;
use super::rounds::{Access, update_round};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, Email};
use crate::persistence::convert::millis;
use crate::persistence::entities::{registration, registration_file, round, user};
use crate::state::AppState;

/// A power of attorney is a scan or a PDF of a few pages; an agency needs no more than a handful.
pub const MAX_POWER_OF_ATTORNEY_BYTES: u64 = 10 << 20;
pub const MAX_FILES_PER_AGENCY: usize = 5;

/// One agency as the court sees it: the registration, its agent's account and the files it supplied.
pub struct Agency {
    pub registration: registration::Model,
    pub agent: user::Model,
    pub files: Vec<registration_file::Model>,
}

/// The round's registrations made for a principal, with their agents, for the round's court. The court
/// must see them before bidding to decide them (R41); nothing else of the registrants shows before the end.
pub async fn list(state: &AppState, caller: &Caller, auction_id: Uuid) -> ApiResult<Vec<Agency>> {
    let round = round::Entity::find_by_id(auction_id)
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
    let mut agents: std::collections::HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(agencies.iter().map(|r| r.user_id)))
        .all(state.db.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut files = registration_file::Entity::find()
        .filter(registration_file::Column::RegistrationId.is_in(agencies.iter().map(|r| r.id)))
        .order_by_asc(registration_file::Column::CreatedAt)
        .all(state.db.conn())
        .await?;
    agencies
        .into_iter()
        .map(|registration| {
            // One registration per account and round: each agent is taken once.
            let agent = agents
                .remove(&registration.user_id)
                .ok_or_else(|| ApiError::internal("registration without its account"))?;
            let (own, rest) = files.drain(..).partition(|f| f.registration_id == registration.id);
            files = rest;
            Ok(Agency {
                registration,
                agent,
                files: own,
            })
        })
        .collect()
}

/// Whether the caller may add files to this registration: its own agency, still pending. Checked before
/// the upload's body is read.
pub async fn may_attach(state: &AppState, caller: &Caller, registration_id: Uuid) -> ApiResult<()> {
    let agency = registration::Entity::find_by_id(registration_id)
        .one(state.db.conn())
        .await?
        .filter(|r| r.user_id == caller.user_id && r.agent_status.is_some())
        .ok_or_else(|| ApiError::not_found("agency"))?;
    if agency.agent_status != Some(AgencyStatus::Pending) {
        return Err(ApiError::conflict(
            "agency_decided",
            "the court has decided this agency; its files can no longer change",
        ));
    }
    Ok(())
}

/// The agent adds its power of attorney (授权委托书) to its registration, for the court to read before it
/// decides; only while the agency waits for that decision. A PDF or a scan (JPEG, PNG, WebP).
pub async fn attach_power_of_attorney(
    state: &AppState,
    caller: &Caller,
    registration_id: Uuid,
    file_name: Option<&str>,
    received: &std::path::Path,
) -> ApiResult<registration_file::Model> {
    may_attach(state, caller, registration_id).await?;
    let (content_type, content) =
        files::accept_evidence(received, MAX_POWER_OF_ATTORNEY_BYTES, "power of attorney").await?;
    let held = registration_file::Entity::find()
        .filter(registration_file::Column::RegistrationId.eq(registration_id))
        .count(state.db.conn())
        .await?;
    if held >= MAX_FILES_PER_AGENCY as u64 {
        return Err(ApiError::conflict(
            "file_quota_exceeded",
            format!("an agency holds at most {MAX_FILES_PER_AGENCY} files"),
        ));
    }
    let id = Uuid::new_v4();
    files::keep(state, received, id).await?;
    let record = registration_file::ActiveModel {
        id: Set(id),
        registration_id: Set(registration_id),
        file_name: Set(files::clean_name(file_name)),
        content_type: Set(content_type.to_owned()),
        size: Set(i64::try_from(content.size).unwrap_or(i64::MAX)),
        sha256: Set(content.sha256),
        uploaded_by: Set(caller.user_id),
        created_at: Set(millis(state.clock.now())),
    }
    .insert(state.db.conn())
    .await?;
    tracing::info!(registration.id = %registration_id, file.id = %id, "power of attorney stored");
    Ok(record)
}

pub async fn files_of(state: &AppState, registration_id: Uuid) -> ApiResult<Vec<registration_file::Model>> {
    Ok(registration_file::Entity::find()
        .filter(registration_file::Column::RegistrationId.eq(registration_id))
        .order_by_asc(registration_file::Column::CreatedAt)
        .all(state.db.conn())
        .await?)
}

/// A file of an agency, for the agent who supplied it and the judges of the round's court; to anyone
/// else it does not exist.
pub async fn open_file(
    state: &AppState,
    caller: &Caller,
    file_id: Uuid,
) -> ApiResult<(registration_file::Model, tokio::fs::File)> {
    let not_found = || ApiError::not_found("file");
    let record = registration_file::Entity::find_by_id(file_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(not_found)?;
    let registration = registration::Entity::find_by_id(record.registration_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(not_found)?;
    let round = round::Entity::find_by_id(registration.auction_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(not_found)?;
    if registration.user_id != caller.user_id && !caller.is_judge_of(round.court_id) {
        return Err(not_found());
    }
    let file = files::open_stored(state, &record.id.to_string()).await?;
    Ok((record, file))
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
            active.agent_status = Set(Some(status));
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
                LedgerKind::AgencyDecided,
                serde_json::json!({ "confirmed": confirmed, "at": auction_core::time::rfc3339(now) }),
            );
            Ok(saved)
        },
    )
    .await?;
    tracing::info!(registration.id = %registration_id, confirmed, "agency decided");
    Ok(updated.value)
}
