//! Registering for a round, and agencies: the agent's power of attorney and the court's decision.

use crate::persistence::vocabulary::PartyKind;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use auction_core::agency::AgencyStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Caller, client_address};
use crate::error::{ApiResult, ErrorBody};
use crate::persistence::convert::{self};
use crate::services::parties::PartyIdentity;
use crate::services::{accounts, agencies, registrations, signals};
use crate::state::AppState;
use crate::views::RegistrationView;

#[derive(Deserialize, ToSchema)]
pub struct RegisterForAuctionRequest {
    /// The bidder accepts the bidding instructions and special reminders (R30); must be `true`.
    #[serde(default)]
    #[schema(required = true)]
    pub accept_terms: bool,
    /// For housing, accepting the terms commits the bidder to holding the local purchase qualification (R32),
    /// which the special reminders state; `false` declines it and is refused. Absent: the terms' commitment.
    #[serde(default)]
    pub housing_qualification_commitment: Option<bool>,
    /// Register as the agent of a principal (R41); the court confirms the agency before bidding opens.
    pub on_behalf_of: Option<PrincipalInput>,
}

#[derive(Deserialize, ToSchema)]
pub struct PrincipalInput {
    /// `person` (then `id_number`) or `organisation` (then `credit_code`).
    pub kind: crate::routes::accounts::PartyKindInput,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: Option<String>,
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$")]
    pub credit_code: Option<String>,
}

impl PrincipalInput {
    fn parse(self) -> ApiResult<registrations::Principal> {
        use crate::routes::accounts::PartyKindInput;
        let identity = match self.kind {
            PartyKindInput::Person => PartyIdentity::parse(self.id_number.as_deref(), None),
            PartyKindInput::Organisation => PartyIdentity::parse(None, self.credit_code.as_deref()),
        }?;
        Ok(registrations::Principal {
            name: self.name,
            identity,
        })
    }
}

/// The web app's id of the browser it runs in, kept (hashed) with a registration for the court's signals.
const DEVICE_HEADER: &str = "x-fapai-device";

/// Register for a round: a random bidder code, and a deposit order to pay. The client's network address and
/// the `X-Fapai-Device` header are kept, hashed, for the court's signals of shill bidding after the end.
#[utoipa::path(tag = "bidding", request_body = RegisterForAuctionRequest, responses(
    (status = 201, body = RegistrationView),
    (status = 422, description = "terms_not_accepted, housing_commitment_required", body = ErrorBody),
    (status = 409, description = "already_registered, registration_closed", body = ErrorBody),
    (status = 403, description = "barred; excluded_person (on the court's exclusion list, or a judge's or administrator's account; no reason is given)", body = ErrorBody),
    (status = 409, description = "bidding_started: registering for a principal once bidding has opened", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/registrations")]
pub async fn register_for_auction(
    state: web::Data<AppState>,
    request: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<RegisterForAuctionRequest>>,
) -> ApiResult<HttpResponse> {
    let (accept_terms, commitment, principal) = match body {
        Some(b) => {
            let b = b.into_inner();
            (
                b.accept_terms,
                b.housing_qualification_commitment,
                b.on_behalf_of.map(PrincipalInput::parse).transpose()?,
            )
        }
        None => (false, None, None),
    };
    let registered =
        registrations::register(&state, &caller, id.into_inner(), accept_terms, commitment, principal).await?;
    let address = client_address(&request, &state.trusted_proxies);
    let device = request.headers().get(DEVICE_HEADER).and_then(|v| v.to_str().ok());
    signals::record_traces(&state, &registered.registration, &address, device).await;
    let view = RegistrationView::of(&registered.registration, &registered.round, registered.order_id)?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct AgencyDecisionRequest {
    pub confirmed: bool,
    /// Told to the agent; at most 500 characters.
    pub note: Option<String>,
}

/// A registration made for a principal, as its court sees it before bidding (R41).
#[derive(Serialize, ToSchema)]
pub struct AgencyView {
    pub registration_id: Uuid,
    pub bidder_code: String,
    pub agent_status: AgencyStatus,
    pub agent_name: String,
    pub agent_email: String,
    pub principal_kind: PartyKind,
    pub principal_name: String,
    /// The principal's ID number or credit code.
    pub principal_identity: String,
    pub note: Option<String>,
    pub decided_at: Option<String>,
    /// The power of attorney and what else the agent supplied: for the court and the agent only.
    pub files: Vec<RegistrationFileView>,
}

/// A file of a registration, read with the court's or the registrant's token.
#[derive(Serialize, ToSchema)]
pub struct RegistrationFileView {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_at: String,
    pub url: String,
}

impl From<&crate::persistence::entities::registration_file::Model> for RegistrationFileView {
    fn from(f: &crate::persistence::entities::registration_file::Model) -> Self {
        RegistrationFileView {
            id: f.id,
            file_name: f.file_name.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            sha256: f.sha256.clone(),
            uploaded_at: auction_core::time::rfc3339(convert::instant(f.created_at)),
            url: format!("/api/registration-files/{}", f.id),
        }
    }
}

impl AgencyView {
    fn of(
        r: &crate::persistence::entities::registration::Model,
        agent: &crate::persistence::entities::user::Model,
        files: &[crate::persistence::entities::registration_file::Model],
    ) -> AgencyView {
        AgencyView {
            files: files.iter().map(RegistrationFileView::from).collect(),
            registration_id: r.id,
            bidder_code: r.bidder_code.clone(),
            // An agency is a registration made for a principal: it has both.
            agent_status: r.agent_status.unwrap_or(AgencyStatus::Pending),
            agent_name: agent.party_name().to_owned(),
            agent_email: agent.email.clone(),
            principal_kind: r.principal_kind.unwrap_or(PartyKind::Person),
            principal_name: r.principal_name.clone().unwrap_or_default(),
            principal_identity: r.identity.clone(),
            note: r.agent_note.clone(),
            decided_at: r
                .agent_decided_at
                .map(|t| auction_core::time::rfc3339(crate::persistence::convert::instant(t))),
        }
    }
}

/// The round's registrations made by agents, for its court (judge): decided before bidding opens (R41).
#[utoipa::path(tag = "court", responses((status = 200, body = [AgencyView]), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/auctions/{id}/agencies")]
pub async fn list_agencies(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<AgencyView>>> {
    let rows = agencies::list(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(
        rows.iter()
            .map(|a| AgencyView::of(&a.registration, &a.agent, &a.files))
            .collect(),
    ))
}

#[derive(actix_multipart::form::MultipartForm, ToSchema)]
pub struct PowerOfAttorneyForm {
    /// The power of attorney (授权委托书): a PDF, or a JPEG, PNG or WebP scan, ≤ 10 MiB.
    #[multipart(limit = "10MiB")]
    #[schema(value_type = String, format = Binary)]
    pub file: actix_multipart::form::tempfile::TempFile,
}

/// The agent adds its power of attorney to its registration while the court has not decided the agency;
/// only that court and the agent can read it (multipart/form-data).
#[utoipa::path(tag = "auctions", request_body(content = PowerOfAttorneyForm, content_type = "multipart/form-data"), responses(
    (status = 201, body = RegistrationFileView),
    (status = 404, description = "not_found: no agency of the caller has that id", body = ErrorBody),
    (status = 409, description = "agency_decided, or file_quota_exceeded (5 files)", body = ErrorBody),
    (status = 413, description = "file_too_large", body = ErrorBody),
    (status = 422, description = "unsupported_file_type", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/registrations/{id}/files")]
pub async fn attach_power_of_attorney(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    request: actix_web::HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let registration_id = id.into_inner();
    // The caller's rights first: nobody else's upload is received at all.
    agencies::may_attach(&state, &caller, registration_id).await?;
    let form: PowerOfAttorneyForm = crate::routes::files::read_form(&request, payload).await?;
    let stored = agencies::attach_power_of_attorney(
        &state,
        &caller,
        registration_id,
        form.file.file_name.as_deref(),
        form.file.file.path(),
    )
    .await?;
    Ok(HttpResponse::Created().json(RegistrationFileView::from(&stored)))
}

/// A file of a registration, for the registrant and the judges of the round's court (404 to anyone else).
#[utoipa::path(tag = "auctions", responses((status = 200, description = "the file's bytes"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/registration-files/{id}")]
pub async fn get_registration_file(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (record, file) = agencies::open_file(&state, &caller, id.into_inner()).await?;
    // A bidder's file, which only the court has reason to open: saved, never shown in the app's origin.
    let saved = actix_web::http::header::DispositionType::Attachment;
    crate::routes::files::stored_file(&record.file_name, &record.content_type, file, saved).await
}

/// Confirm or refuse an agency (judge of the round's court, before bidding opens); the agent is emailed.
/// An agency not confirmed when bidding opens cannot bid (403 `agent_not_confirmed`) and its deposit is released.
#[utoipa::path(tag = "court", request_body = AgencyDecisionRequest, responses(
    (status = 200, body = AgencyView),
    (status = 404, description = "not_found: no agency has that id", body = ErrorBody),
    (status = 409, description = "bidding_started", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/registrations/{id}/agent")]
pub async fn decide_agency(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<AgencyDecisionRequest>,
) -> ApiResult<web::Json<AgencyView>> {
    let decided = agencies::decide(&state, &caller, id.into_inner(), body.confirmed, body.note.as_deref()).await?;
    let agent = accounts::find(&state, decided.user_id).await?;
    let files = agencies::files_of(&state, decided.id).await?;
    Ok(web::Json(AgencyView::of(&decided, &agent, &files)))
}
