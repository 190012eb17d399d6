//! Cases, listings and valuations (judges of the listing's court).

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use auction_core::objection::{ObjectionStatus, ObjectorRole, PriceGround};
use auction_core::setup::ReferenceMethod;
use auction_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use actix_multipart::form::MultipartForm;
use actix_multipart::form::tempfile::TempFile;
use actix_multipart::form::text::Text;
use actix_web::http::header::DispositionType;

use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::persistence::entities::price_objection;
use crate::services::listings::{self, BuyerInformation, Contact, NewCase, NewListing, Quote, Viewing};
use crate::services::{files, price_objections};
use crate::services::{parse_instant, required_text};
use crate::state::AppState;
use crate::views::{CaseView, FileView, ListingView, MoneyInput, Party};

#[derive(Deserialize, ToSchema)]
pub struct CreateCaseRequest {
    /// 案号, e.g. `(2026)浙0102执1234号`.
    #[schema(min_length = 1, max_length = 100)]
    pub case_number: String,
    /// 申请执行人 (creditor).
    pub applicant: Party,
    /// 被执行人 (debtor).
    pub respondent: Party,
    /// The number of the legal document being enforced (执行依据, e.g. `(2025)浙0102民初123号`), published
    /// with the announcement (R29).
    #[schema(max_length = 200)]
    pub enforcement_basis: Option<String>,
}

/// Open an enforcement case in the judge's court.
#[utoipa::path(tag = "listings", request_body = CreateCaseRequest, responses((status = 201, body = CaseView), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateCaseRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let case = listings::create_case(
        &state,
        &caller,
        NewCase {
            case_number: body.case_number,
            applicant: body.applicant.into(),
            respondent: body.respondent.into(),
            enforcement_basis: body.enforcement_basis,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(CaseView::from(&case)))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateListingRequest {
    pub case_id: Uuid,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// `real_estate`, `movable` or `other_right`.
    pub category: String,
    #[schema(min_length = 1, max_length = 20000)]
    pub description: String,
    #[schema(min_length = 1, max_length = 500)]
    pub location: String,
    /// Mortgages, leases and other burdens (R34).
    #[schema(max_length = 10000)]
    pub encumbrances: Option<String>,
    /// Housing triggers the purchase-qualification rules (R32).
    pub is_housing: Option<bool>,
    /// Taxes, arrears and fees, and who bears each (R29, R67).
    #[serde(default)]
    #[schema(max_items = 30)]
    pub costs: Vec<CostInput>,
    /// Whom a bidder calls at the court.
    pub contact: Option<ContactInput>,
    /// How and when the property can be viewed.
    pub viewing: Option<ViewingInput>,
}

/// One cost besides the price: a tax, an arrear or a fee.
#[derive(Deserialize, ToSchema)]
pub struct CostInput {
    /// e.g. 契税, 物业欠费.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// `buyer` or `seller` (the person subject to enforcement).
    pub borne_by: String,
    /// `fixed` (then `amount`) or `percent_of_price` (then `percent`).
    pub kind: String,
    pub amount: Option<MoneyInput>,
    /// Percent of the price, above 0 and at most 100, at most two decimals (`"3"`, `"5.6"`).
    #[schema(pattern = r"^(100(\.0{1,2})?|[1-9]?[0-9](\.[0-9]{1,2})?)$")]
    pub percent: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ContactInput {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Digits, spaces, `+`, `-` and brackets: `0571-87065432`.
    #[schema(pattern = r"^[0-9+() -]{5,30}$")]
    pub phone: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ViewingInput {
    /// How to view it: by appointment, on set days, documents to bring.
    #[schema(min_length = 1, max_length = 2000)]
    pub how: String,
    #[schema(format = DateTime)]
    pub from: Option<String>,
    #[schema(format = DateTime)]
    pub until: Option<String>,
}

/// A listing's buyer information, replaced as a whole.
#[derive(Deserialize, ToSchema)]
pub struct BuyerInformationRequest {
    #[serde(default)]
    #[schema(max_items = 30)]
    pub costs: Vec<CostInput>,
    pub contact: Option<ContactInput>,
    pub viewing: Option<ViewingInput>,
}

/// Reads the buyer information at the edge: each cost's kind with its figure, a phone's characters, the
/// viewing period's times; 422 `invalid_cost` (with the cost's index), `invalid_phone`, `invalid_viewing`.
fn buyer_information(
    costs: Vec<CostInput>,
    contact: Option<ContactInput>,
    viewing: Option<ViewingInput>,
) -> ApiResult<BuyerInformation> {
    use auction_core::costs::{BorneBy, Cost, CostAmount, Percent};
    let invalid = |index: usize, why: &str| {
        ApiError::unprocessable("invalid_cost", format!("cost {index}: {why}"))
            .with_details(serde_json::json!({ "index": index }))
    };
    let costs = costs
        .into_iter()
        .enumerate()
        .map(|(index, cost)| {
            let name = required_text(&cost.name, "cost_name", 100)
                .map_err(|_| invalid(index, "name it in 1–100 characters"))?;
            let borne_by =
                BorneBy::parse(&cost.borne_by).ok_or_else(|| invalid(index, "borne_by is buyer or seller"))?;
            let amount = match (cost.kind.as_str(), &cost.amount, &cost.percent) {
                ("fixed", Some(amount), None) => CostAmount::Fixed(amount.parse(&format!("costs[{index}].amount"))?),
                ("percent_of_price", None, Some(percent)) => {
                    CostAmount::PercentOfPrice(Percent::parse(percent).map_err(|e| invalid(index, &e.to_string()))?)
                }
                _ => {
                    return Err(invalid(
                        index,
                        "kind is fixed (with an amount) or percent_of_price (with a percent)",
                    ));
                }
            };
            Ok(Cost { name, borne_by, amount })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let contact = contact
        .map(|c| {
            let phone_ok = (5..=30).contains(&c.phone.chars().count())
                && c.phone.chars().all(|ch| ch.is_ascii_digit() || "+-() ".contains(ch))
                && c.phone.chars().filter(char::is_ascii_digit).count() >= 5;
            if !phone_ok {
                return Err(ApiError::unprocessable(
                    "invalid_phone",
                    "a phone number has 5–30 digits, spaces, +, - and brackets",
                ));
            }
            Ok(Contact {
                name: required_text(&c.name, "contact_name", 100)?,
                phone: c.phone.trim().to_owned(),
            })
        })
        .transpose()?;
    let viewing = viewing
        .map(|v| {
            Ok::<_, ApiError>(Viewing {
                how: required_text(&v.how, "viewing_how", 2000)?,
                from: v
                    .from
                    .as_deref()
                    .map(|t| parse_instant(t, "viewing.from"))
                    .transpose()?,
                until: v
                    .until
                    .as_deref()
                    .map(|t| parse_instant(t, "viewing.until"))
                    .transpose()?,
            })
        })
        .transpose()?;
    Ok(BuyerInformation {
        costs,
        contact,
        viewing,
    })
}

/// List a seized asset of a case; it starts in `pricing`.
#[utoipa::path(tag = "listings", request_body = CreateListingRequest, responses(
    (status = 201, body = ListingView),
    (status = 404, description = "not_found: no case has that id", body = ErrorBody),
    (status = 422, description = "invalid_category, invalid_title, …", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings")]
pub async fn create_listing(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateListingRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let listing = listings::create_listing(
        &state,
        &caller,
        NewListing {
            case_id: body.case_id,
            title: body.title,
            category: body.category,
            description: body.description,
            location: body.location,
            encumbrances: body.encumbrances,
            is_housing: body.is_housing,
            buyer_information: buyer_information(body.costs, body.contact, body.viewing)?,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(ListingView::of(&listing)?))
}

/// Replace what a buyer is told before the deposit: the costs and who bears them, the court's contact,
/// how to view the property (R29, R67). While a round is announced the change is entered in its ledger.
#[utoipa::path(tag = "listings", request_body = BuyerInformationRequest, responses(
    (status = 200, body = ListingView),
    (status = 422, description = "invalid_cost, invalid_phone, invalid_viewing, invalid_amount, invalid_datetime", body = ErrorBody),
), security(("bearer" = [])))]
#[put("/api/listings/{id}/buyer-information")]
pub async fn set_buyer_information(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<BuyerInformationRequest>,
) -> ApiResult<web::Json<ListingView>> {
    let body = body.into_inner();
    let information = buyer_information(body.costs, body.contact, body.viewing)?;
    let listing = listings::set_buyer_information(&state, &caller, id.into_inner(), information).await?;
    let files = files::list(&state, listing.id).await?;
    Ok(web::Json(ListingView::of(&listing)?.with_files(&files)))
}

/// A listing: public once a round of it is announced; before that, its court only.
#[utoipa::path(tag = "listings", responses((status = 200, body = ListingView), (status = 404, body = ErrorBody)))]
#[get("/api/listings/{id}")]
pub async fn get_listing(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ListingView>> {
    let listing = listings::find_visible(&state, &caller, id.into_inner()).await?;
    let files = files::list(&state, listing.id).await?;
    Ok(web::Json(ListingView::of(&listing)?.with_files(&files)))
}

#[derive(MultipartForm, ToSchema)]
pub struct UploadForm {
    /// A JPEG, PNG or WebP photo (≤ 10 MiB) or a PDF document (≤ 20 MiB).
    #[multipart(limit = "20MiB")]
    #[schema(value_type = String, format = Binary)]
    pub file: TempFile,
    /// `photo` or `document` (inferred from the content when absent).
    #[schema(value_type = Option<String>)]
    pub kind: Option<Text<String>>,
}

/// Upload a photo or document of a listing (multipart/form-data).
#[utoipa::path(tag = "listings", request_body(content = UploadForm, content_type = "multipart/form-data"), responses(
    (status = 201, body = FileView),
    (status = 409, description = "file_quota_exceeded: the listing holds 60 files or 300 MiB", body = ErrorBody),
    (status = 413, description = "file_too_large", body = ErrorBody),
    (status = 422, description = "unsupported_file_type", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings/{id}/files")]
pub async fn upload_file(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    request: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let listing_id = id.into_inner();
    // The caller's rights first: nobody else's upload is received at all.
    files::may_upload(&state, &caller, listing_id).await?;
    let form: UploadForm = super::files::read_form(&request, payload).await?;
    let upload = files::Upload {
        listing_id,
        kind: form.kind.as_ref().map(|k| k.as_str()),
        file_name: form.file.file_name.as_deref(),
        path: form.file.file.path(),
    };
    let stored = files::upload(&state, &caller, upload).await?;
    Ok(HttpResponse::Created().json(FileView::from(&stored)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// A photo's smaller copy of this width (see the file's `variants`); the photo itself otherwise.
    #[param(minimum = 1, maximum = 10000)]
    pub w: Option<u32>,
}

/// A listing's photo or document, with the content type of its content.
#[utoipa::path(tag = "listings", params(FileQuery), responses((status = 200, description = "the file's bytes"), (status = 404, body = ErrorBody)))]
#[get("/api/files/{id}")]
pub async fn get_file(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    query: web::Query<FileQuery>,
) -> ApiResult<HttpResponse> {
    let (record, file) = files::open(&state, &caller, id.into_inner(), query.w).await?;
    super::files::stored_file(&record.file_name, &record.content_type, file, DispositionType::Inline).await
}

#[derive(Deserialize, ToSchema)]
pub struct QuoteInput {
    /// Who gave the figure (platform, authority or appraiser).
    #[schema(min_length = 1, max_length = 200)]
    pub source: String,
    pub amount: MoneyInput,
}

#[derive(Deserialize, ToSchema)]
pub struct ValuationRequest {
    /// `targeted_inquiry`, `online_inquiry` or `appraisal`.
    pub method: String,
    /// One quote, or for `online_inquiry` several (their mean is the price).
    #[schema(min_items = 1, max_items = 100)]
    pub quotes: Vec<QuoteInput>,
}

/// Fix the reference price by inquiry or appraisal (online inquiry: the mean of the quotes, R14).
#[utoipa::path(tag = "listings", request_body = ValuationRequest, responses(
    (status = 201, body = ListingView),
    (status = 409, description = "reference_price_locked", body = ErrorBody),
    (status = 422, description = "invalid_method, invalid_quotes, invalid_amount", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings/{id}/valuations")]
pub async fn add_valuation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ValuationRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let quotes = body
        .quotes
        .iter()
        .enumerate()
        .map(|(i, q)| {
            Ok(Quote {
                source: q.source.clone(),
                amount: q.amount.parse(&format!("quotes[{i}].amount"))?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let listing = listings::add_valuation(&state, &caller, id.into_inner(), &body.method, quotes).await?;
    Ok(HttpResponse::Created().json(ListingView::of(&listing)?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ReleaseRequest {
    /// Why, for the record (e.g. the applicant declined to take the property in settlement).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Release a listing from sale (R57): after its sell-off failed, or once the window for its next round after
/// a failure has passed (R27, R58). No further sale on the platform; the release is kept in the last round's
/// ledger.
#[utoipa::path(tag = "listings", request_body = ReleaseRequest, responses(
    (status = 200, body = ListingView),
    (status = 409, description = "release_not_allowed, listing_released, listing_settled", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings/{id}/release")]
pub async fn release_listing(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<ReleaseRequest>>,
) -> ApiResult<web::Json<ListingView>> {
    let reason = body.and_then(|b| b.into_inner().reason);
    let listing = crate::services::rounds::release(&state, &caller, id.into_inner(), reason.as_deref()).await?;
    Ok(web::Json(ListingView::of(&listing)?))
}

#[derive(Deserialize, ToSchema)]
pub struct SettlementRequest {
    /// The creditor who takes the property (the applicant, or another creditor by legal priority).
    #[schema(min_length = 1, max_length = 200)]
    pub creditor: String,
    /// The creditor's claim still unpaid: what the failed round's reserve exceeds it by is owed on top.
    pub claim_amount: MoneyInput,
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// For housing: the evidence that the creditor may buy it (R32).
    #[schema(max_length = 2000)]
    pub qualification: Option<String>,
}

/// Settle the debt with the property (以物抵债, R59): after a failed round, a creditor takes it at that round's
/// reserve. The listing is settled for good; the taking, its price and what the creditor owes on top of its
/// claim are in the failed round's ledger.
#[utoipa::path(tag = "listings", request_body = SettlementRequest, responses(
    (status = 200, body = ListingView),
    (status = 409, description = "settlement_not_allowed, listing_released, listing_settled", body = ErrorBody),
    (status = 422, description = "qualification_required, invalid_amount", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings/{id}/settlement")]
pub async fn settle_debt(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<SettlementRequest>,
) -> ApiResult<web::Json<ListingView>> {
    let body = body.into_inner();
    let settlement = crate::services::rounds::Settlement {
        creditor: body.creditor,
        claim: body.claim_amount.parse("claim_amount")?,
        reason: body.reason,
        qualification: body.qualification,
    };
    let listing = crate::services::rounds::settle_debt(&state, &caller, id.into_inner(), settlement).await?;
    Ok(web::Json(ListingView::of(&listing)?))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportDeliveryRequest {
    /// The report (评估报告 or 询价报告), uploaded to the listing as a file.
    pub file_id: Uuid,
    /// When it reached the parties (RFC 3339, not in the future): their five days to object run from then.
    #[schema(format = DateTime)]
    pub delivered_at: String,
}

/// Record that the report of the listing's appraisal or online inquiry was delivered to the parties (R16);
/// the price cannot be used while their five days to object run, nor while an objection waits (R17).
#[utoipa::path(tag = "listings", request_body = ReportDeliveryRequest, responses(
    (status = 200, body = ListingView),
    (status = 409, description = "no_reference_price, not_objectionable (a negotiated price, a targeted inquiry)", body = ErrorBody),
    (status = 422, description = "invalid_file, invalid_time", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings/{id}/valuation-report")]
pub async fn record_report_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ReportDeliveryRequest>,
) -> ApiResult<web::Json<ListingView>> {
    let delivered_at = parse_instant(&body.delivered_at, "delivered_at")?;
    let listing =
        price_objections::record_delivery(&state, &caller, id.into_inner(), body.file_id, delivered_at).await?;
    Ok(web::Json(ListingView::of(&listing)?))
}

/// The report behind the listing's reference price, as the court recorded delivering it (R16, R17).
#[derive(Serialize, ToSchema)]
pub struct ValuationReportView {
    pub method: ReferenceMethod,
    /// The report, a file of the listing; null until its delivery is recorded.
    pub file_id: Option<Uuid>,
    pub delivered_at: Option<String>,
    /// The parties may object until then; the price cannot be used before (null for a negotiated price or a
    /// targeted inquiry, or before delivery).
    pub objections_until: Option<String>,
    /// An objection to the price waits for the court's decision.
    pub objection_pending: bool,
    /// The server's time: what the court's forms default to.
    pub server_time: String,
}

/// The report behind the listing's reference price (its court): 404 while the listing has no price.
#[utoipa::path(tag = "listings", responses((status = 200, body = ValuationReportView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/listings/{id}/valuation-report")]
pub async fn get_valuation_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ValuationReportView>> {
    let listing = listings::find(&state, id.into_inner()).await?;
    caller.require_judge_of(listing.court_id)?;
    let (report, file_id) = price_objections::report_of(&state, &listing)
        .await?
        .ok_or_else(|| ApiError::not_found("valuation report"))?;
    Ok(web::Json(ValuationReportView {
        method: report.method,
        file_id,
        delivered_at: report.delivered_at.map(rfc3339),
        objections_until: report
            .delivered_at
            .filter(|_| report.method.open_to_objection())
            .map(|at| rfc3339(auction_core::before_publication::objection_window_ends(at))),
        objection_pending: report.objection_pending,
        server_time: rfc3339(state.clock.now()),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PriceObjectionRequest {
    pub objector: crate::routes::objections::ObjectorInput,
    /// The grounds of R17: `wrong_facts`, `wrong_scope`, `unqualified_agency`, `unlawful_procedure`,
    /// `method_or_result`; at least one, each once.
    pub grounds: Vec<PriceGround>,
    #[schema(max_length = 20000)]
    pub statement: String,
}

#[derive(Serialize, ToSchema)]
pub struct PriceObjectionView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub objector: crate::routes::objections::ObjectorView,
    pub grounds: Vec<PriceGround>,
    pub statement: String,
    pub status: ObjectionStatus,
    pub filed_at: String,
    pub decided_at: Option<String>,
    pub reasoning: Option<String>,
}

impl PriceObjectionView {
    fn of(row: &price_objection::Model) -> ApiResult<Self> {
        Ok(PriceObjectionView {
            id: row.id,
            listing_id: row.listing_id,
            objector: crate::routes::objections::ObjectorView {
                name: row.objector_name.clone(),
                email: row.objector_email.clone(),
                role: row.objector_role,
            },
            grounds: serde_json::from_str(&row.grounds).map_err(ApiError::internal)?,
            statement: row.statement.clone(),
            status: row.status,
            filed_at: price_objections::at(row.filed_at),
            decided_at: row.decided_at.map(price_objections::at),
            reasoning: row.reasoning.clone(),
        })
    }
}

/// Record an objection to the listing's reference price (R17): within five days of the report's delivery,
/// against an appraisal or an online inquiry. The price is held, the listing back in `pricing`, until decided.
#[utoipa::path(tag = "listings", request_body = PriceObjectionRequest, responses(
    (status = 201, body = PriceObjectionView),
    (status = 409, description = "not_objectionable, reference_price_locked, no_reference_price", body = ErrorBody),
    (status = 422, description = "objection_too_late, invalid_grounds, invalid_role", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings/{id}/price-objections")]
pub async fn file_price_objection(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<PriceObjectionRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let role = ObjectorRole::parse(&body.objector.role).ok_or_else(|| {
        ApiError::unprocessable("invalid_role", "role is party, bidder, priority_holder or third_party")
    })?;
    let input = price_objections::NewPriceObjection {
        objector_name: body.objector.name,
        objector_email: body.objector.email,
        role,
        grounds: body.grounds,
        statement: body.statement,
    };
    let row = price_objections::file(&state, &caller, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(PriceObjectionView::of(&row)?))
}

/// The objections to the listing's reference price (its court).
#[utoipa::path(tag = "listings", responses((status = 200, body = Vec<PriceObjectionView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/listings/{id}/price-objections")]
pub async fn list_price_objections(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<PriceObjectionView>>> {
    let rows = price_objections::of_listing(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(
        rows.iter().map(PriceObjectionView::of).collect::<ApiResult<_>>()?,
    ))
}

/// Decide an objection to the reference price: upheld, the price is set aside and a new one must be fixed;
/// rejected, it may be used.
#[utoipa::path(tag = "listings", request_body = crate::routes::objections::DecisionRequest, responses(
    (status = 200, body = PriceObjectionView),
    (status = 409, description = "objection_decided", body = ErrorBody),
    (status = 422, description = "invalid_outcome", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/price-objections/{id}/decision")]
pub async fn decide_price_objection(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<crate::routes::objections::DecisionRequest>,
) -> ApiResult<web::Json<PriceObjectionView>> {
    let row = price_objections::decide(&state, &caller, id.into_inner(), &body.outcome, &body.reasoning).await?;
    Ok(web::Json(PriceObjectionView::of(&row)?))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(create_case)
        .service(release_listing)
        .service(settle_debt)
        .service(record_report_delivery)
        .service(get_valuation_report)
        .service(file_price_objection)
        .service(list_price_objections)
        .service(decide_price_objection)
        .service(create_listing)
        .service(get_listing)
        .service(set_buyer_information)
        .service(add_valuation)
        .service(upload_file)
        .service(get_file);
}
