//! Identity claims: a person whose ID number another account holds files one with proof; the
//! administrator reads the proof and decides (see `services::identity_claims`).

use crate::persistence::vocabulary::ClaimStatus;
use actix_multipart::form::MultipartForm;
use actix_multipart::form::tempfile::TempFile;
use actix_multipart::form::text::Text;
use actix_web::http::header::DispositionType;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, client_address};
use crate::error::{ApiResult, ErrorBody};
use crate::persistence::convert::instant;
use crate::persistence::entities::{identity_claim, user};
use crate::services::identity_claims::{self, NewClaim};
use crate::state::AppState;

#[derive(MultipartForm, ToSchema)]
pub struct IdentityClaimForm {
    /// Where the decision is sent.
    #[schema(value_type = String, format = "email", min_length = 3, max_length = 254)]
    pub email: Text<String>,
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub real_name: Text<String>,
    /// The ID number another account holds (GB 11643, with its check character).
    #[schema(value_type = String, pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: Text<String>,
    #[schema(value_type = Option<String>)]
    pub phone: Option<Text<String>>,
    /// How the claimant found out, and anything the administrator should know (at most 2000 characters).
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub statement: Text<String>,
    /// The proof: a photo or scan of the identity card, or a PDF, ≤ 10 MiB.
    #[multipart(limit = "10MiB")]
    #[schema(value_type = String, format = Binary)]
    pub proof: TempFile,
}

/// A claim as its claimant is told of it.
#[derive(Serialize, ToSchema)]
pub struct IdentityClaimReceipt {
    pub id: Uuid,
    /// `pending` until the administrator decides; the decision is emailed.
    pub status: ClaimStatus,
    pub filed_at: String,
}

/// File a claim that another account holds your ID number (multipart/form-data, no account needed).
/// Counted as a sign-up attempt, of the address and of the number.
#[utoipa::path(tag = "accounts", request_body(content = IdentityClaimForm, content_type = "multipart/form-data"), responses(
    (status = 201, body = IdentityClaimReceipt),
    (status = 409, description = "identity_not_in_use: no account holds the number; sign up with it", body = ErrorBody),
    (status = 413, description = "file_too_large", body = ErrorBody),
    (status = 422, description = "invalid_id_number, invalid_email, unsupported_file_type", body = ErrorBody),
    (status = 429, description = "rate_limited", body = ErrorBody),
))]
#[post("/api/identity-claims")]
pub async fn file_claim(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let form: IdentityClaimForm = super::files::read_form(&request, payload).await?;
    let address = client_address(&request, &state.trusted_proxies);
    let claim = NewClaim {
        email: &form.email,
        real_name: &form.real_name,
        id_number: &form.id_number,
        phone: form.phone.as_ref().map(|p| p.as_str()),
        statement: &form.statement,
    };
    let filed = identity_claims::file(
        &state,
        &address,
        claim,
        form.proof.file_name.as_deref(),
        form.proof.file.path(),
    )
    .await?;
    Ok(HttpResponse::Created().json(IdentityClaimReceipt {
        id: filed.id,
        status: filed.status,
        filed_at: auction_core::time::rfc3339(instant(filed.filed_at)),
    }))
}

/// The account a claim names, as the administrator sees it.
#[derive(Serialize, ToSchema)]
pub struct ClaimHolderView {
    pub id: Uuid,
    pub email: String,
    pub real_name: String,
    pub frozen: bool,
}

#[derive(Serialize, ToSchema)]
pub struct IdentityClaimView {
    pub id: Uuid,
    pub claimant_email: String,
    pub real_name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub statement: String,
    pub status: ClaimStatus,
    pub filed_at: String,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub holder: Option<ClaimHolderView>,
    pub proof_file_name: String,
    pub proof_content_type: String,
    pub proof_size: i64,
    /// SHA-256 of the proof, hex.
    pub proof_sha256: String,
    /// The proof, for the administrator's token.
    pub proof_url: String,
}

impl IdentityClaimView {
    fn of(claim: &identity_claim::Model, holder: Option<&user::Model>) -> IdentityClaimView {
        IdentityClaimView {
            id: claim.id,
            claimant_email: claim.claimant_email.clone(),
            real_name: claim.real_name.clone(),
            id_number: claim.id_number.clone(),
            phone: claim.phone.clone(),
            statement: claim.statement.clone(),
            status: claim.status,
            filed_at: auction_core::time::rfc3339(instant(claim.filed_at)),
            decided_at: claim.decided_at.map(|t| auction_core::time::rfc3339(instant(t))),
            decision_note: claim.decision_note.clone(),
            holder: holder.map(|h| ClaimHolderView {
                id: h.id,
                email: h.email.clone(),
                real_name: h.real_name.clone(),
                frozen: h.deactivated_at.is_some(),
            }),
            proof_file_name: claim.proof_file_name.clone(),
            proof_content_type: claim.proof_content_type.clone(),
            proof_size: claim.proof_size,
            proof_sha256: claim.proof_sha256.clone(),
            proof_url: format!("/api/admin/identity-claims/{}/proof", claim.id),
        }
    }
}

/// The identity claims, pending first (administrator).
#[utoipa::path(tag = "admin", responses((status = 200, body = Vec<IdentityClaimView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/admin/identity-claims")]
pub async fn list_claims(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<Vec<IdentityClaimView>>> {
    let claims = identity_claims::list(&state, &caller).await?;
    Ok(web::Json(
        claims
            .iter()
            .map(|(claim, holder)| IdentityClaimView::of(claim, holder.as_ref()))
            .collect(),
    ))
}

/// A claim's proof (administrator), saved as an attachment.
#[utoipa::path(tag = "admin", responses((status = 200, description = "the proof's bytes"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/admin/identity-claims/{id}/proof")]
pub async fn claim_proof(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let (claim, file) = identity_claims::open_proof(&state, &caller, id.into_inner()).await?;
    super::files::stored_file(
        &claim.proof_file_name,
        &claim.proof_content_type,
        file,
        DispositionType::Attachment,
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct ClaimDecisionRequest {
    /// `upheld` freezes the account that holds the number and frees the number; `rejected` changes nothing.
    pub outcome: ClaimOutcome,
    /// Told to the claimant; at most 2000 characters.
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcome {
    Upheld,
    Rejected,
}

/// Decide a pending claim (administrator); the claimant is emailed, and the holder too when upheld.
#[utoipa::path(tag = "admin", request_body = ClaimDecisionRequest, responses(
    (status = 200, body = IdentityClaimView),
    (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody),
    (status = 409, description = "claim_decided", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/admin/identity-claims/{id}/decision")]
pub async fn decide_claim(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ClaimDecisionRequest>,
) -> ApiResult<web::Json<IdentityClaimView>> {
    let upheld = matches!(body.outcome, ClaimOutcome::Upheld);
    let decided = identity_claims::decide(&state, &caller, id.into_inner(), upheld, body.note.as_deref()).await?;
    let holder = crate::services::accounts::find(&state, decided.holder_id).await.ok();
    Ok(web::Json(IdentityClaimView::of(&decided, holder.as_ref())))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(file_claim)
        .service(list_claims)
        .service(claim_proof)
        .service(decide_claim);
}
