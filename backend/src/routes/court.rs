//! The judge's own court: its listings and rounds, and a closed round's registrants.

use crate::persistence::vocabulary::PartyKind;
use actix_web::{HttpResponse, get, post, put, web};
use auction_core::{DepositStatus, RoundStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::persistence::convert::{instant, money};
use crate::persistence::entities::{exclusion, refund};
use crate::services::parties::PartyIdentity;
use crate::services::{court, exclusions, refund_tasks, refunds};
use crate::state::AppState;
use crate::views::{AuctionView, DealView, ListingView, Page, PageQuery, RefundView};

#[derive(Serialize, ToSchema)]
pub struct CourtListingView {
    #[serde(flatten)]
    pub listing: ListingView,
    /// How many rounds the listing has had.
    pub rounds: u64,
    /// Its latest round's id and status.
    pub latest_round_id: Option<Uuid>,
    pub latest_round_status: Option<RoundStatus>,
    /// The deadline of a negotiation still taking offers (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_negotiation_deadline: Option<String>,
}

/// The listings of the judge's court, newest first, with their rounds.
#[utoipa::path(tag = "court", params(PageQuery), responses((status = 200, body = Page<CourtListingView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/court/listings")]
pub async fn court_listings(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<CourtListingView>>> {
    let (page, per_page) = query.resolve()?;
    let (rows, total) = court::listings(&state, &caller, page, per_page).await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(CourtListingView {
                listing: ListingView::of(&row.listing)?,
                rounds: row.rounds,
                latest_round_id: row.latest_round.as_ref().map(|r| r.id),
                latest_round_status: row.latest_round.as_ref().map(|r| r.status),
                open_negotiation_deadline: row
                    .open_negotiation
                    .as_ref()
                    .map(|n| auction_core::time::rfc3339(instant(n.deadline))),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourtRoundsQuery {
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// The rounds of the judge's court, drafts included, with their counts.
#[utoipa::path(tag = "court", params(CourtRoundsQuery), responses((status = 200, body = Page<AuctionView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/court/auctions")]
pub async fn court_auctions(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CourtRoundsQuery>,
) -> ApiResult<web::Json<Page<AuctionView>>> {
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let (rows, total) = court::rounds(&state, &caller, query.status.clone(), page, per_page).await?;
    let now = state.clock.now();
    let items = rows
        .iter()
        .map(|row| AuctionView::of(row, now))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

#[derive(Serialize, ToSchema)]
pub struct RegistrantView {
    pub bidder_code: String,
    /// The person's name; an organisation's representative's.
    pub real_name: String,
    /// The person's ID number; an organisation's representative's.
    pub id_number: String,
    pub kind: PartyKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<crate::views::OrganisationView>,
    pub email: String,
    pub phone: Option<String>,
    pub priority_rank: Option<i32>,
    pub deposit_status: DepositStatus,
    #[schema(value_type = String)]
    pub deposit: auction_core::Money,
    /// The version of the instructions and reminders the bidder accepted.
    pub terms_version: String,
    pub registered_at: String,
}

/// Who registered for a round — for its court, and only after bidding has ended (R40).
#[utoipa::path(tag = "court", responses(
    (status = 200, body = [RegistrantView]),
    (status = 409, description = "auction_not_closed", body = ErrorBody),
), security(("bearer" = [])))]
#[get("/api/auctions/{id}/registrants")]
pub async fn registrants(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<RegistrantView>>> {
    let (_, rows) = court::registrants(&state, &caller, id.into_inner()).await?;
    let items = rows
        .iter()
        .map(|(registration, person)| {
            Ok(RegistrantView {
                bidder_code: registration.bidder_code.clone(),
                real_name: person.real_name.clone(),
                id_number: person
                    .id_number
                    .clone()
                    .or_else(|| person.representative_id_number.clone())
                    .unwrap_or_default(),
                kind: person.kind,
                organisation: crate::views::OrganisationView::of(person),
                email: person.email.clone(),
                phone: person.phone.clone(),
                priority_rank: registration.priority_rank,
                deposit_status: registration.deposit_status,
                deposit: money(registration.deposit_amount)?,
                terms_version: registration.terms_version.clone(),
                registered_at: auction_core::time::rfc3339(instant(registration.created_at)),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(items))
}

#[derive(Serialize, ToSchema)]
pub struct CourtDealView {
    #[serde(flatten)]
    pub deal: DealView,
    /// The sold round's title.
    pub title: String,
    /// The buyer is on the court's exclusion list now (R9): no ruling can be issued, and the sale can be
    /// set aside on an objection (R65).
    pub buyer_excluded: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourtDealsQuery {
    /// `awaiting_balance`, `paid`, `defaulted`, `ruling_issued`, `handed_over` or `revoked`.
    #[param(pattern = "^(awaiting_balance|paid|defaulted|ruling_issued|handed_over|revoked)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// The deals of the judge's court, soonest balance deadline first.
#[utoipa::path(tag = "court", params(CourtDealsQuery), responses((status = 200, body = Page<CourtDealView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/court/deals")]
pub async fn court_deals(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<CourtDealsQuery>,
) -> ApiResult<web::Json<Page<CourtDealView>>> {
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let status = query.status.as_deref();
    if let Some(status) = status
        && auction_core::deal::DealStatus::parse(status).is_none()
    {
        return Err(crate::error::ApiError::bad_request(
            "invalid_query",
            "status is awaiting_balance, paid, defaulted, ruling_issued, handed_over or revoked",
        ));
    }
    let (rows, total) = court::deals(&state, &caller, status, page, per_page).await?;
    let items = rows
        .iter()
        .map(|(deal, title, excluded)| {
            Ok(CourtDealView {
                deal: DealView::of(deal)?,
                title: title.clone(),
                buyer_excluded: *excluded,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

#[derive(Deserialize, ToSchema)]
pub struct ExclusionRequest {
    /// A person's resident ID number; or give `credit_code`.
    #[schema(pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: Option<String>,
    /// An organisation's unified social credit code; or give `id_number`.
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$")]
    pub credit_code: Option<String>,
    /// Why (court staff, a relative, a ruling): seen only by the court. 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// One entry of a court's list of those who may not bid in its sales (R9, R71).
#[derive(Serialize, ToSchema)]
pub struct ExclusionView {
    pub id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    pub reason: String,
    pub created_at: String,
    /// The judge who added it; absent for a judge's own ID number, added with the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Uuid>,
}

impl From<&exclusion::Model> for ExclusionView {
    fn from(row: &exclusion::Model) -> ExclusionView {
        ExclusionView {
            id: row.id,
            id_number: row.id_number.clone(),
            credit_code: row.credit_code.clone(),
            reason: row.reason.clone(),
            created_at: auction_core::time::rfc3339(instant(row.created_at)),
            created_by: row.created_by,
        }
    }
}

/// Add an ID number or credit code to the court's exclusion list (judge): registering for any of the
/// court's rounds as, or on behalf of, that identity is then refused with 403 `excluded_person`.
#[utoipa::path(tag = "court", request_body = ExclusionRequest, responses(
    (status = 201, body = ExclusionView),
    (status = 403, body = ErrorBody),
    (status = 422, description = "invalid_id_number, invalid_credit_code, missing_field, invalid_reason", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/court/exclusions")]
pub async fn add_exclusion(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ExclusionRequest>,
) -> ApiResult<HttpResponse> {
    caller.judge_court()?;
    let body = body.into_inner();
    let excluded = PartyIdentity::parse(body.id_number.as_deref(), body.credit_code.as_deref())?;
    let row = exclusions::add_by_judge(&state, &caller, excluded, &body.reason).await?;
    Ok(HttpResponse::Created().json(ExclusionView::from(&row)))
}

/// The court's exclusion list, newest first (judge).
#[utoipa::path(tag = "court", responses(
    (status = 200, body = [ExclusionView]),
    (status = 403, body = ErrorBody),
), security(("bearer" = [])))]
#[get("/api/court/exclusions")]
pub async fn list_exclusions(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<Vec<ExclusionView>>> {
    let rows = exclusions::list(&state, &caller).await?;
    Ok(web::Json(rows.iter().map(ExclusionView::from).collect()))
}

/// A refund of one of the court's rounds, as the court follows it.
#[derive(Serialize, ToSchema)]
pub struct CourtRefundView {
    #[serde(flatten)]
    pub refund: RefundView,
    pub auction_id: Uuid,
    /// The court should act or look: money it must pay back itself (by bank transfer), or a gateway refund
    /// that failed three times or outlived R53's 24 hours.
    pub needs_court: bool,
    /// Tries through the gateway so far, and the last refusal.
    pub attempts: i32,
    pub last_error: Option<String>,
    /// R53's 24 hours end then (RFC 3339).
    pub due_at: Option<String>,
    /// For a bank transfer: whom to pay back, to which account, and the court's own transfer once done.
    pub payee: Option<String>,
    pub payee_account: Option<String>,
    pub bank_reference: Option<String>,
}

impl CourtRefundView {
    fn of(row: &refund::Model, needs_court: bool) -> ApiResult<CourtRefundView> {
        Ok(CourtRefundView {
            refund: RefundView::of(row)?,
            auction_id: row.auction_id,
            needs_court,
            attempts: row.attempts,
            last_error: row.last_error.clone(),
            due_at: row.due_at.map(|t| auction_core::time::rfc3339(instant(t))),
            payee: row.payee.clone(),
            payee_account: row.payee_account.clone(),
            bank_reference: row.bank_reference.clone(),
        })
    }
}

/// The refunds of the judge's court: what needs the court first — bank transfers to pay back, gateway
/// refunds that keep failing — then the rest, newest first (at most 500).
#[utoipa::path(tag = "court", responses((status = 200, body = Vec<CourtRefundView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/court/refunds")]
pub async fn court_refunds(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<Vec<CourtRefundView>>> {
    let court = caller.judge_court()?;
    let rows = refunds::of_court(&state, court, state.clock.now()).await?;
    Ok(web::Json(
        rows.iter()
            .map(|(row, needs_court)| CourtRefundView::of(row, *needs_court))
            .collect::<ApiResult<_>>()?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PaidBackRequest {
    /// The court's own transfer back (银行流水号).
    #[schema(min_length = 1, max_length = 100)]
    pub bank_reference: String,
}

/// The court paid back money it had received by bank transfer (已退): the refund is completed and entered
/// in the round's ledger.
#[utoipa::path(tag = "court", request_body = PaidBackRequest, responses(
    (status = 200, body = CourtRefundView),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, description = "refund_not_awaiting_court", body = ErrorBody),
    (status = 422, description = "invalid_bank_reference", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/court/refunds/{id}/paid-back")]
pub async fn refund_paid_back(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<PaidBackRequest>,
) -> ApiResult<web::Json<CourtRefundView>> {
    caller.judge_court()?;
    let row = refund_tasks::confirm_paid_back(&state, &caller, id.into_inner(), &body.bank_reference).await?;
    Ok(web::Json(CourtRefundView::of(&row, false)?))
}

/// A court's own settings.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct CourtSettingsView {
    /// Its collegial panels have at least this many members (3–15; R7).
    #[schema(minimum = 3, maximum = 15)]
    #[serde(deserialize_with = "crate::views::whole_number")]
    pub panel_min_members: i64,
    /// Days after a failed second auction within which the sell-off is set up and announced (1–60; the
    /// law's 15 by default, R58).
    #[schema(minimum = 1, maximum = 60)]
    #[serde(deserialize_with = "crate::views::whole_number")]
    pub sell_off_window_days: i64,
    /// The account deposits and balances are transferred to, as the announcement states it (R29).
    #[schema(max_length = 500)]
    pub payment_account: Option<String>,
}

impl CourtSettingsView {
    fn of(court: &crate::persistence::entities::court::Model) -> CourtSettingsView {
        CourtSettingsView {
            panel_min_members: i64::from(court.panel_min_members),
            sell_off_window_days: i64::from(court.sell_off_window_days),
            payment_account: court.payment_account.clone(),
        }
    }
}

/// The judge's court's settings.
#[utoipa::path(tag = "court", responses((status = 200, body = CourtSettingsView), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/court/settings")]
pub async fn court_settings(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<CourtSettingsView>> {
    Ok(web::Json(CourtSettingsView::of(
        &court::settings(&state, &caller).await?,
    )))
}

/// Change the judge's court's settings: its panels' size, its sell-off window, its account.
#[utoipa::path(tag = "court", request_body = CourtSettingsView, responses(
    (status = 200, body = CourtSettingsView),
    (status = 403, body = ErrorBody),
    (status = 422, description = "invalid_panel_size, invalid_sell_off_window", body = ErrorBody),
), security(("bearer" = [])))]
#[put("/api/court/settings")]
pub async fn set_court_settings(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CourtSettingsView>,
) -> ApiResult<web::Json<CourtSettingsView>> {
    let body = body.into_inner();
    let input = court::CourtSettings {
        panel_min_members: body.panel_min_members,
        sell_off_window_days: body.sell_off_window_days,
        payment_account: body.payment_account,
    };
    Ok(web::Json(CourtSettingsView::of(
        &court::set_settings(&state, &caller, input).await?,
    )))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(court_settings)
        .service(set_court_settings)
        .service(court_listings)
        .service(court_refunds)
        .service(refund_paid_back)
        .service(court_auctions)
        .service(court_deals)
        .service(registrants)
        .service(add_exclusion)
        .service(list_exclusions);
}
