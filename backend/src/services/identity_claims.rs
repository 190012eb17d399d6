//! The way back for a person whose ID number another account was signed up with (H2): they file a claim
//! with proof (a file only the administrator reads), the administrator decides it, and an upheld claim
//! freezes the account that held the number and frees the number for its owner to sign up with.
//!
//! The frozen account cannot sign in, register or bid. Each of its registrations in a round still open is
//! frozen under that round's lock and recorded in its ledger (by bidder code, naming nobody): before
//! bidding opens it is released (its deposit with it) and its place freed; once bidding has begun its bids
//! stand for the court, which may set the sale aside on an objection (R65), but it bids no more.

use auction_core::identity::IdNumber;
use auction_core::ledger::LedgerKind;
use auction_core::{DepositStatus, RoundStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use super::rounds::{Access, update_round};
use super::{email_address, files, required_text};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, Email};
use crate::persistence::convert::millis;
use crate::persistence::entities::{identity_claim, registration, round, user};
use crate::persistence::vocabulary::ClaimStatus;
use crate::state::AppState;

/// Proof is a scan or photo of the identity card, or a PDF from the police: one file.
pub const MAX_PROOF_BYTES: u64 = 10 << 20;

pub struct NewClaim<'a> {
    pub email: &'a str,
    pub real_name: &'a str,
    pub id_number: &'a str,
    pub phone: Option<&'a str>,
    pub statement: &'a str,
}

/// Files a claim, from anyone (no account: the claimant has none, their number being taken). Counted as
/// a sign-up attempt of the address and of the number, so it cannot be used to probe numbers faster.
pub async fn file(
    state: &AppState,
    address: &str,
    claim: NewClaim<'_>,
    proof_name: Option<&str>,
    proof: &std::path::Path,
) -> ApiResult<identity_claim::Model> {
    let now = std::time::Instant::now();
    state.throttle.before_signup(address, now)?;
    let email = email_address(claim.email)?;
    let real_name = required_text(claim.real_name, "real_name", 100)?;
    let id_number =
        IdNumber::parse(claim.id_number).map_err(|e| ApiError::unprocessable("invalid_id_number", e.to_string()))?;
    state.throttle.before_identity_attempt(id_number.as_str(), now)?;
    let phone = super::accounts::phone_number(claim.phone)?;
    let statement = required_text(claim.statement, "statement", 2000)?;
    let holder = user::Entity::find()
        .filter(user::Column::IdNumber.eq(id_number.as_str()))
        .filter(user::Column::Role.eq(Role::Bidder.as_str()))
        .one(state.db.conn())
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "identity_not_in_use",
                "no account holds this ID number: sign up with it",
            )
        })?;
    let (content_type, content) = files::accept_evidence(proof, MAX_PROOF_BYTES, "proof").await?;
    let proof_id = Uuid::new_v4();
    files::keep(state, proof, proof_id).await?;
    let filed = identity_claim::ActiveModel {
        id: Set(Uuid::new_v4()),
        claimant_email: Set(email),
        real_name: Set(real_name),
        id_number: Set(id_number.as_str().to_owned()),
        phone: Set(phone),
        statement: Set(statement),
        holder_id: Set(holder.id),
        proof_file_id: Set(proof_id),
        proof_file_name: Set(files::clean_name(proof_name)),
        proof_content_type: Set(content_type.to_owned()),
        proof_size: Set(i64::try_from(content.size).unwrap_or(i64::MAX)),
        proof_sha256: Set(content.sha256),
        status: Set(ClaimStatus::Pending),
        filed_at: Set(millis(state.clock.now())),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_note: Set(None),
    }
    .insert(state.db.conn())
    .await?;
    tracing::info!(claim.id = %filed.id, "identity claim filed");
    Ok(filed)
}

fn require_admin(caller: &Caller) -> ApiResult<()> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the platform's administrator decides identity claims",
        ))
    }
}

/// The claims, pending first in the order filed, then the decided ones newest first; with the account
/// each names.
pub async fn list(state: &AppState, caller: &Caller) -> ApiResult<Vec<(identity_claim::Model, Option<user::Model>)>> {
    require_admin(caller)?;
    let mut claims = identity_claim::Entity::find()
        .order_by_asc(identity_claim::Column::FiledAt)
        .all(state.db.conn())
        .await?;
    let pending = ClaimStatus::Pending;
    claims.sort_by_key(|c| {
        let open = c.status == pending;
        (!open, if open { c.filed_at } else { -c.filed_at })
    });
    let holders = user::Entity::find()
        .filter(user::Column::Id.is_in(claims.iter().map(|c| c.holder_id)))
        .all(state.db.conn())
        .await?;
    Ok(claims
        .into_iter()
        .map(|claim| {
            let holder = holders.iter().find(|h| h.id == claim.holder_id).cloned();
            (claim, holder)
        })
        .collect())
}

/// A claim's proof, for the administrator only (404 to anyone else).
pub async fn open_proof(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<(identity_claim::Model, tokio::fs::File)> {
    let claim = identity_claim::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .filter(|_| caller.role == Role::Admin)
        .ok_or_else(|| ApiError::not_found("identity claim"))?;
    let file = files::open_stored(state, &claim.proof_file_id.to_string()).await?;
    Ok((claim, file))
}

/// The administrator upholds or rejects a pending claim; the claimant and, when upheld, the holder are
/// emailed. Deciding again after an interruption finishes what an upheld decision began.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    upheld: bool,
    note: Option<&str>,
) -> ApiResult<identity_claim::Model> {
    require_admin(caller)?;
    let note = super::optional_text(note, "note", 2000)?;
    let claim = identity_claim::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("identity claim"))?;
    if claim.status != ClaimStatus::Pending {
        return Err(ApiError::conflict(
            "claim_decided",
            "this claim has been decided already",
        ));
    }
    let now = state.clock.now();
    if upheld {
        freeze_holder(state, &claim, now).await?;
    }
    let write = state.db.write().await?;
    let mut decided = claim.into_active_model();
    let status = if upheld {
        ClaimStatus::Upheld
    } else {
        ClaimStatus::Rejected
    };
    decided.status = Set(status);
    decided.decided_by = Set(Some(caller.user_id));
    decided.decided_at = Set(Some(millis(now)));
    decided.decision_note = Set(note.clone());
    let decided = decided.update(&*write).await?;
    let sign_up = format!("{}/signup", state.settings.public_url.trim_end_matches('/'));
    let email = Email::identity_claim_decided(
        &decided.claimant_email,
        &decided.real_name,
        upheld,
        note.as_deref(),
        &sign_up,
    );
    notify::queue(&write, email, now).await?;
    write.commit().await?;
    notify::flush(state).await;
    tracing::info!(claim.id = %id, upheld, "identity claim decided");
    Ok(decided)
}

/// Freezes the account that held the number, frees the number, and freezes its registrations in every
/// round still open, each under its round's lock. Safe to run twice.
async fn freeze_holder(state: &AppState, claim: &identity_claim::Model, now: auction_core::Instant) -> ApiResult<()> {
    let holder = user::Entity::find_by_id(claim.holder_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::internal("an identity claim's holder is missing"))?;
    if holder.deactivated_at.is_none() {
        let write = state.db.write().await?;
        let mut frozen = holder.clone().into_active_model();
        frozen.deactivated_at = Set(Some(millis(now)));
        frozen.id_number = Set(None);
        frozen.identity_verified_at = Set(None);
        frozen.update(&*write).await?;
        notify::queue(&write, Email::account_frozen(&holder.email, &holder.real_name), now).await?;
        write.commit().await?;
    }
    let registrations = registration::Entity::find()
        .filter(registration::Column::UserId.eq(holder.id))
        .filter(registration::Column::FrozenAt.is_null())
        .all(state.db.conn())
        .await?;
    for held in registrations {
        let round = round::Entity::find_by_id(held.auction_id).one(state.db.conn()).await?;
        let open = round.is_some_and(|r| !r.status.is_closed());
        if !open {
            continue;
        }
        update_round(state, held.auction_id, now, Access::System, async |locked, tx| {
            let Some(current) = registration::Entity::find_by_id(held.id).one(&**tx).await? else {
                return Ok(());
            };
            if current.frozen_at.is_some() || locked.round.status.is_closed() {
                return Ok(());
            }
            let before_bidding = matches!(locked.round.status, RoundStatus::Draft | RoundStatus::Announced);
            let deposit_released = before_bidding && current.deposit_status == DepositStatus::Frozen;
            let code = current.bidder_code.clone();
            if before_bidding && deposit_released {
                crate::services::refunds::release_deposit(tx, &current, now).await?;
            }
            let mut row = current.into_active_model();
            row.frozen_at = Set(Some(millis(now)));
            if before_bidding {
                // Its place is freed for the number's owner: the registration no longer holds the number.
                row.identity = Set(format!("frozen:{}", held.id));
                if deposit_released {
                    row.deposit_status = Set(DepositStatus::Released);
                }
            }
            row.updated_at = Set(millis(now));
            row.update(&**tx).await?;
            locked.record_event(
                LedgerKind::RegistrationFrozen,
                json!({
                    "bidder_code": code,
                    "freed": before_bidding,
                    "deposit_released": deposit_released,
                    "at": auction_core::time::rfc3339(now),
                }),
            );
            Ok(())
        })
        .await?;
    }
    Ok(())
}
