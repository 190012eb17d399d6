//! Accounts: bidder registration, sign-in, the caller's own data, and the administrator's courts and judges.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, client_address};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::persistence::convert::instant;
use crate::persistence::entities::user;
use crate::services::{accounts, bidding, deals, registrations};
use crate::state::AppState;
use crate::views::{BidView, CourtView, DealView, MyBidView, Page, PageQuery, RegistrationView, UserView};

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// At most 254 bytes.
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub email: String,
    /// 8 to 256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    /// 1 to 100 characters, one line, no control or bidi-override characters.
    #[schema(min_length = 1, max_length = 100)]
    pub real_name: String,
    /// 18-character PRC resident ID number with a valid GB 11643 checksum.
    #[schema(pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: String,
    /// Optional; 5 to 20 digits, with `+`, `-`, spaces and brackets.
    #[schema(pattern = r"^(\s*|\s*[+\- ()]*([0-9][+\- ()]*){5,20}\s*)$")]
    pub phone: Option<String>,
    /// `person` (the default) or `organisation`; for an organisation `real_name` and `id_number` are its
    /// legal representative's or authorised contact's.
    #[serde(default)]
    pub kind: Option<PartyKindInput>,
    /// Required when `kind` is `organisation`.
    pub organisation: Option<OrganisationInput>,
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PartyKindInput {
    Person,
    Organisation,
}

#[derive(Deserialize, ToSchema)]
pub struct OrganisationInput {
    /// The registered name, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// 18-character unified social credit code with a valid GB 32100-2015 check character.
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$")]
    pub credit_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserEnvelope {
    pub user: UserView,
}

/// Register as a bidder.
#[utoipa::path(tag = "accounts", request_body = RegisterRequest, responses(
    (status = 201, body = UserEnvelope),
    (status = 422, description = "invalid_email, weak_password, invalid_id_number, invalid_credit_code, underage, missing_field, invalid_text, identity_not_verified", body = ErrorBody),
    (status = 409, description = "email_taken, identity_in_use (the ID number or credit code has an account; none is named)", body = ErrorBody),
    (status = 429, description = "rate_limited (with Retry-After): too many sign-ups from this address", body = ErrorBody),
    (status = 503, description = "busy (with Retry-After)", body = ErrorBody),
))]
#[post("/api/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let organisation = match (body.kind.unwrap_or(PartyKindInput::Person), body.organisation) {
        (PartyKindInput::Person, _) => None,
        (PartyKindInput::Organisation, Some(o)) => Some(accounts::NewOrganisation {
            name: o.name,
            credit_code: o.credit_code,
        }),
        (PartyKindInput::Organisation, None) => {
            return Err(ApiError::unprocessable(
                "missing_field",
                "an organisation signs up with organisation: {name, credit_code}",
            ));
        }
    };
    let address = client_address(&request, &state.trusted_proxies);
    let user = accounts::sign_up(
        &state,
        &address,
        accounts::NewBidder {
            email: body.email,
            password: body.password,
            real_name: body.real_name,
            id_number: body.id_number,
            phone: body.phone,
            organisation,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(UserEnvelope {
        user: UserView::from(&user),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// At most 254 bytes.
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub email: String,
    #[schema(min_length = 1)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: String,
    pub user: UserView,
}

/// Sign in; the token goes in `Authorization: Bearer <token>`.
#[utoipa::path(tag = "accounts", request_body = LoginRequest, responses(
    (status = 200, body = LoginResponse),
    (status = 401, description = "invalid_credentials", body = ErrorBody),
    (status = 422, description = "invalid_email", body = ErrorBody),
    (status = 429, description = "rate_limited (with Retry-After): too many failed sign-ins for this account from this address, or too many sign-ins from this address", body = ErrorBody),
    (status = 503, description = "busy (with Retry-After): too many sign-ins at once", body = ErrorBody),
))]
#[post("/api/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<LoginResponse>> {
    let body = body.into_inner();
    let address = client_address(&request, &state.trusted_proxies);
    let signed_in = accounts::sign_in(&state, &body.email, body.password, &address).await?;
    Ok(web::Json(LoginResponse {
        token: signed_in.token,
        expires_at: auction_core::time::rfc3339(signed_in.expires_at),
        user: UserView::from(&signed_in.user),
    }))
}

/// The signed-in account.
#[utoipa::path(tag = "accounts", responses((status = 200, body = UserView), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<UserView>> {
    let user = accounts::find(&state, caller.user_id).await?;
    Ok(web::Json(UserView::from(&user)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineQuery {
    /// Only this round.
    pub auction_id: Option<Uuid>,
    /// 1-based page number; `page × per_page` is at most 100,000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

impl MineQuery {
    fn resolve(&self) -> ApiResult<(u64, u64)> {
        PageQuery {
            page: self.page,
            per_page: self.per_page,
        }
        .resolve()
    }
}

/// The caller's registrations, with each deposit's status.
#[utoipa::path(tag = "accounts", params(MineQuery), responses((status = 200, body = Page<RegistrationView>)), security(("bearer" = [])))]
#[get("/api/me/registrations")]
pub async fn my_registrations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<MineQuery>,
) -> ApiResult<web::Json<Page<RegistrationView>>> {
    let (page, per_page) = query.resolve()?;
    let (rows, total) = registrations::list_mine(&state, &caller, query.auction_id, page, per_page).await?;
    let items = rows
        .iter()
        .map(|(registration, round, order)| RegistrationView::of(registration, round, *order))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

/// The caller's own bids, newest first, with each bid's standing in its round.
#[utoipa::path(tag = "accounts", params(MineQuery), responses((status = 200, body = Page<MyBidView>)), security(("bearer" = [])))]
#[get("/api/me/bids")]
pub async fn my_bids(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<MineQuery>,
) -> ApiResult<web::Json<Page<MyBidView>>> {
    let (page, per_page) = query.resolve()?;
    let (rows, total) = bidding::list_mine(&state, &caller, query.auction_id, page, per_page).await?;
    let items = rows
        .iter()
        .map(|(bid, round)| {
            let status = round.status;
            Ok(MyBidView {
                auction_id: round.id,
                auction_title: round.title.clone(),
                auction_status: round.status,
                bid: BidView::of(bid, round.bid_count, status)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

/// Every court (public), for filtering the rounds by court.
#[utoipa::path(tag = "accounts", params(PageQuery), responses((status = 200, body = Page<CourtView>)))]
#[get("/api/courts")]
pub async fn list_courts(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<CourtView>>> {
    let (page, per_page) = query.resolve()?;
    let (rows, total) = accounts::list_courts(&state, page, per_page).await?;
    let items = rows.iter().map(CourtView::from).collect();
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

/// The caller's deals (won auctions).
#[utoipa::path(tag = "accounts", params(PageQuery), responses((status = 200, body = Page<DealView>)), security(("bearer" = [])))]
#[get("/api/me/deals")]
pub async fn my_deals(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<DealView>>> {
    let (page, per_page) = query.resolve()?;
    let (rows, total) = deals::list_mine(&state, &caller, page, per_page).await?;
    let refunds = crate::services::refunds::of_deals(&state, rows.iter().map(|d| d.id).collect()).await?;
    let items = rows
        .iter()
        .map(|deal| DealView::of(deal)?.with_refunds(&refunds))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateCourtRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// Create a court (administrator).
#[utoipa::path(tag = "admin", request_body = CreateCourtRequest, responses((status = 201, body = CourtView), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/admin/courts")]
pub async fn create_court(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateCourtRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let court = accounts::create_court(&state, &body.name).await?;
    Ok(HttpResponse::Created().json(CourtView::from(&court)))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateJudgeRequest {
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub email: String,
    /// 8 to 256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    #[schema(min_length = 1, max_length = 100)]
    pub real_name: String,
    pub court_id: Uuid,
    /// Optional: the judge's resident ID number, put on the court's exclusion list so that no bidder
    /// account with it can register in the court's sales (R9).
    #[schema(pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: Option<String>,
}

/// Create a judge account for a court (administrator).
#[utoipa::path(tag = "admin", request_body = CreateJudgeRequest, responses((status = 201, body = UserView), (status = 403, body = ErrorBody), (status = 404, description = "not_found: no court has that id", body = ErrorBody), (status = 409, description = "email_taken, court_deactivated", body = ErrorBody), (status = 422, description = "invalid_id_number", body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/admin/judges")]
pub async fn create_judge(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateJudgeRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let body = body.into_inner();
    let judge = accounts::create_judge(
        &state,
        accounts::NewJudge {
            email: body.email,
            password: body.password,
            real_name: body.real_name,
            court_id: body.court_id,
            id_number: body.id_number,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(&judge)))
}

/// A judge as the administrator sees them.
#[derive(Serialize, ToSchema)]
pub struct JudgeView {
    pub id: Uuid,
    pub email: String,
    pub real_name: String,
    pub court_id: Option<Uuid>,
    /// When the judge was deactivated (RFC 3339); absent while active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<String>,
}

impl From<&user::Model> for JudgeView {
    fn from(u: &user::Model) -> JudgeView {
        JudgeView {
            id: u.id,
            email: u.email.clone(),
            real_name: u.real_name.clone(),
            court_id: u.court_id,
            deactivated_at: u.deactivated_at.map(|at| auction_core::time::rfc3339(instant(at))),
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JudgesQuery {
    pub court_id: Option<Uuid>,
}

/// The judges of every court, or of one (administrator).
#[utoipa::path(tag = "admin", params(JudgesQuery), responses((status = 200, body = Vec<JudgeView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/admin/judges")]
pub async fn list_judges(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<JudgesQuery>,
) -> ApiResult<web::Json<Vec<JudgeView>>> {
    caller.require_admin()?;
    let judges = accounts::judges(&state, query.court_id).await?;
    Ok(web::Json(judges.iter().map(JudgeView::from).collect()))
}

/// Deactivate a judge (administrator): their next request is refused with 401 `account_deactivated`.
#[utoipa::path(tag = "admin", responses((status = 200, body = JudgeView), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/admin/judges/{id}/deactivate")]
pub async fn deactivate_judge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<JudgeView>> {
    caller.require_admin()?;
    let judge = accounts::deactivate_judge(&state, id.into_inner()).await?;
    Ok(web::Json(JudgeView::from(&judge)))
}

/// Deactivate a court (administrator): its judges are refused and none can be added.
#[utoipa::path(tag = "admin", responses((status = 200, body = CourtView), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/admin/courts/{id}/deactivate")]
pub async fn deactivate_court(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<CourtView>> {
    caller.require_admin()?;
    let court = accounts::deactivate_court(&state, id.into_inner()).await?;
    Ok(web::Json(CourtView::from(&court)))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(me)
        .service(my_registrations)
        .service(my_bids)
        .service(my_deals)
        .service(list_courts)
        .service(create_court)
        .service(create_judge)
        .service(list_judges)
        .service(deactivate_judge)
        .service(deactivate_court);
}
