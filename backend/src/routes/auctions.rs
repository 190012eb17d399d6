//! Auction rounds: the court's actions, the public views, registration, bidding, the ledger and the result.

use actix_web::{HttpResponse, get, post, web};
use auction_core::RoundStatus;
use auction_core::deal::DealStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::persistence::convert::{self, money};
use crate::services::auctions::{self, CourtAction, ListFilter, NewRound};
use crate::services::bidding::{self, BidOutcome, PlaceBid};
use crate::services::parties::PartyIdentity;
use crate::services::{accounts, agencies, applicants, deals, listings, parse_instant, registrations, watching};
use crate::state::AppState;
use crate::views::{
    AuctionView, BidView, LedgerEntryView, LedgerView, MoneyInput, Page, PageQuery, PlaceBidResponse, RegistrationView,
    ResultView,
};

fn view(state: &AppState, row: &crate::persistence::entities::auction::Model) -> ApiResult<AuctionView> {
    AuctionView::of(row, state.clock.now())
}

#[derive(Deserialize, ToSchema)]
pub struct CreateAuctionRequest {
    /// Required, except in a sell-off, whose price is the failed second auction's start (R58).
    pub starting_price: Option<MoneyInput>,
    /// In a sell-off, the part of the prepayment a defaulting buyer loses (R58).
    pub deposit: MoneyInput,
    /// Required, except in a sell-off, which keeps the failed round's increment when none is given.
    pub increment: Option<MoneyInput>,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub bidding_starts_at: String,
    /// RFC 3339; at least 24 hours after the start (R45). Required, except in a sell-off, which ends 60
    /// days after its start (R58).
    #[schema(format = DateTime)]
    pub bidding_ends_at: Option<String>,
    /// Days the buyer has to pay the balance after the close (1–90, default 10).
    #[schema(minimum = 1, maximum = 90)]
    #[serde(default, deserialize_with = "crate::views::optional_whole_number")]
    pub balance_due_days: Option<i64>,
    /// The announcement (拍卖公告); generated from the round's facts when absent.
    #[schema(max_length = 20000)]
    pub announcement: Option<String>,
    /// The bidding instructions (竞买须知); the standard ones when absent.
    #[schema(max_length = 20000)]
    pub bidding_instructions: Option<String>,
    /// Reminders added to the seven special reminders of R30.
    #[serde(default)]
    pub special_reminders: Vec<String>,
}

/// Create a round of a listing (draft). Its kind — first, second, sell-off, re-auction — follows from the listing's history.
#[utoipa::path(tag = "auctions", request_body = CreateAuctionRequest, responses(
    (status = 201, body = AuctionView),
    (status = 422, description = "no_reference_price, starting_price_below_floor, deposit_out_of_range, invalid_increment, bidding_too_short, invalid_amount, missing_field, sell_off_price_fixed, invalid_sell_off_period, second_round_too_late, sell_off_too_late", body = ErrorBody),
    (status = 409, description = "round_in_progress, listing_sold, no_further_round, listing_released", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings/{id}/auctions")]
pub async fn create_auction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<CreateAuctionRequest>,
) -> ApiResult<HttpResponse> {
    caller.judge_court()?;
    let input = NewRound {
        starting_price: body
            .starting_price
            .as_ref()
            .map(|m| m.parse("starting_price"))
            .transpose()?,
        deposit: body.deposit.parse("deposit")?,
        increment: body.increment.as_ref().map(|m| m.parse("increment")).transpose()?,
        bidding_starts_at: parse_instant(&body.bidding_starts_at, "bidding_starts_at")?,
        bidding_ends_at: body
            .bidding_ends_at
            .as_deref()
            .map(|t| parse_instant(t, "bidding_ends_at"))
            .transpose()?,
        balance_due_days: body.balance_due_days,
        announcement: body.announcement.clone(),
        bidding_instructions: body.bidding_instructions.clone(),
        extra_reminders: body.special_reminders.clone(),
    };
    let row = auctions::create(&state, &caller, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(view(&state, &row)?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundLimitsQuery {
    /// The starting price being considered: the answer then includes its deposit range.
    #[param(value_type = Option<String>, pattern = r"^([1-9][0-9]{0,13}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$")]
    pub starting_price: Option<String>,
}

/// The legal limits of a listing's next round, as creating it would apply them.
#[derive(Serialize, ToSchema)]
pub struct RoundLimitsView {
    /// `first`, `second`, `reauction_of_first`, `reauction_of_second` or `sell_off`.
    pub round_kind: String,
    pub round_number: i32,
    #[schema(value_type = Option<String>)]
    pub reference_price: Option<auction_core::Money>,
    /// The lowest starting price (R24, R25); absent until the listing has a reference price.
    #[schema(value_type = Option<String>)]
    pub starting_price_floor: Option<auction_core::Money>,
    /// 5 % and 20 % of the `starting_price` asked about (R23), rounded inwards.
    #[schema(value_type = Option<String>)]
    pub deposit_min: Option<auction_core::Money>,
    #[schema(value_type = Option<String>)]
    pub deposit_max: Option<auction_core::Money>,
    /// The publicity period in Beijing calendar days (R26).
    pub notice_days: i64,
    /// The earliest bidding start if the announcement were published now (RFC 3339).
    pub earliest_bidding_start: String,
    /// The shortest bidding window (R45).
    pub min_bidding_hours: i64,
    pub balance_due_days_default: i64,
    pub balance_due_days_max: i64,
    /// A sell-off's fixed price (R58): also its prepayment; the deposit range is then this price's.
    #[schema(value_type = Option<String>)]
    pub sell_off_price: Option<auction_core::Money>,
    /// A sell-off's period in days (R58).
    pub sell_off_days: Option<i64>,
}

/// The limits the law puts on the listing's next round, for the console's form (its judge only).
#[utoipa::path(tag = "auctions", params(RoundLimitsQuery), responses(
    (status = 200, body = RoundLimitsView),
    (status = 409, description = "round_in_progress, listing_sold, no_further_round", body = ErrorBody),
    (status = 422, description = "second_round_too_late, invalid_amount", body = ErrorBody),
), security(("bearer" = [])))]
#[get("/api/listings/{id}/round-limits")]
pub async fn round_limits(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<RoundLimitsQuery>,
) -> ApiResult<web::Json<RoundLimitsView>> {
    let starting_price = query
        .starting_price
        .as_ref()
        .map(|text| MoneyInput(serde_json::Value::String(text.clone())).parse("starting_price"))
        .transpose()?;
    let limits = auctions::limits(&state, &caller, id.into_inner(), starting_price).await?;
    let balance_days = auction_core::deal::BALANCE_DUE_DAYS;
    Ok(web::Json(RoundLimitsView {
        round_kind: limits.kind.as_str().to_owned(),
        round_number: limits.number,
        reference_price: limits.reference_price,
        starting_price_floor: limits.starting_price_floor,
        deposit_min: limits.deposit_range.map(|(min, _)| min),
        deposit_max: limits.deposit_range.map(|(_, max)| max),
        notice_days: limits.notice_days,
        earliest_bidding_start: auction_core::time::rfc3339(limits.earliest_bidding_start),
        min_bidding_hours: auction_core::time::MIN_BIDDING_WINDOW.num_hours(),
        balance_due_days_default: i64::from(auction_core::deal::DEFAULT_BALANCE_DUE_DAYS),
        balance_due_days_max: i64::from(*balance_days.end()),
        sell_off_price: limits.sell_off_price,
        sell_off_days: limits
            .sell_off_price
            .map(|_| auction_core::time::SELL_OFF_PERIOD.num_days()),
    }))
}

/// Publish the announcement; bidding then opens by itself at its start.
#[utoipa::path(tag = "auctions", responses(
    (status = 200, body = AuctionView),
    (status = 422, description = "notice_period_too_short, reference_price_expired", body = ErrorBody),
    (status = 409, description = "invalid_status", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/publish")]
pub async fn publish_auction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AuctionView>> {
    let row = auctions::publish(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(view(&state, &row)?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ReasonRequest {
    /// Published with the round and kept in its ledger (R60).
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// The body of a suspension or a withdrawal: the reason is required (R60). (The handlers read it as a
/// [`ReasonRequest`] so that a missing reason gets its own `reason_required`.)
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RequiredReasonRequest {
    /// Published with the round and kept in its ledger (R60).
    #[schema(min_length = 1, max_length = 2000)]
    reason: String,
}

async fn court_action(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    action: CourtAction,
    body: Option<web::Json<ReasonRequest>>,
) -> ApiResult<web::Json<AuctionView>> {
    let reason = body.and_then(|b| b.into_inner().reason);
    let row = auctions::court_action(state, caller, id, action, reason.as_deref()).await?;
    Ok(web::Json(view(state, &row)?))
}

/// Suspend a round (暂缓/中止) for the court's own reason: bids are refused until it resumes. A round an
/// objection already holds keeps both reasons, each recorded.
#[utoipa::path(tag = "auctions", request_body = RequiredReasonRequest, responses((status = 200, body = AuctionView), (status = 409, description = "invalid_status: the round cannot be suspended, or the court suspended it already", body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/auctions/{id}/suspend")]
pub async fn suspend_auction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<ReasonRequest>>,
) -> ApiResult<web::Json<AuctionView>> {
    court_action(&state, &caller, id.into_inner(), CourtAction::Suspend, body).await
}

/// Lift the court's own suspension. The round resumes, its remaining bidding time restored (at least five
/// minutes), unless a pending objection still holds it.
#[utoipa::path(tag = "auctions", request_body = ReasonRequest, responses((status = 200, body = AuctionView), (status = 409, description = "invalid_status, or objection_pending: only a pending objection holds the round; deciding it resumes the round", body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/auctions/{id}/resume")]
pub async fn resume_auction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<ReasonRequest>>,
) -> ApiResult<web::Json<AuctionView>> {
    court_action(&state, &caller, id.into_inner(), CourtAction::Resume, body).await
}

/// Withdraw a round (撤回): no sale, every deposit released.
#[utoipa::path(tag = "auctions", request_body = RequiredReasonRequest, responses((status = 200, body = AuctionView), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/auctions/{id}/withdraw")]
pub async fn withdraw_auction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Option<web::Json<ReasonRequest>>,
) -> ApiResult<web::Json<AuctionView>> {
    court_action(&state, &caller, id.into_inner(), CourtAction::Withdraw, body).await
}

#[derive(Deserialize, ToSchema)]
pub struct PriorityHolderRequest {
    /// The email of the holder's bidder account.
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub email: String,
    /// 1 is the highest rank.
    #[schema(minimum = 1, maximum = 2147483647)]
    #[serde(deserialize_with = "crate::views::whole_number")]
    pub rank: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PriorityHolderView {
    pub auction_id: Uuid,
    pub email: String,
    pub rank: i32,
    // Not whether the holder has registered: no answer tells that before the round ends (R40).
}

/// Confirm a priority holder (优先购买权人) and its rank, before bidding opens (R42, R50).
#[utoipa::path(tag = "auctions", request_body = PriorityHolderRequest, responses(
    (status = 201, body = PriorityHolderView),
    (status = 200, description = "the holder's rank was changed", body = PriorityHolderView),
    (status = 409, description = "bidding_started", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/priority-holders")]
pub async fn add_priority_holder(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<PriorityHolderRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let added = auctions::add_priority_holder(&state, &caller, id, &body.email, body.rank).await?;
    let (holder, created) = (added.holder, added.created);
    let view = PriorityHolderView {
        auction_id: id,
        email: body.email.trim().to_lowercase(),
        rank: holder.rank,
    };
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// One round, as the public sees it (a draft only by its court): with its announcement, bidding
/// instructions, special reminders and timeline.
#[utoipa::path(tag = "auctions", responses((status = 200, body = AuctionView), (status = 404, body = ErrorBody)))]
#[get("/api/auctions/{id}")]
pub async fn get_auction(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AuctionView>> {
    let row = auctions::find_visible(&state, &caller, id.into_inner()).await?;
    let timeline = bidding::timeline_entries(&state, &row).await?;
    let listing = listings::find_visible(&state, &caller, row.listing_id).await?;
    let information = crate::persistence::convert::buyer_information(&listing)?;
    let after = auctions::aftermath(&state, std::slice::from_ref(&row))
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    let mut answer = view(&state, &row)?
        .with_details(&row, &timeline)?
        .with_buyer_information(&information)
        .with_aftermath(after.watch_count, after.deal_status, after.next_round_id);
    if let Some(caller) = caller.0 {
        answer.watching = Some(watching::is_watching(&state, caller.user_id, row.id).await?);
    }
    Ok(web::Json(answer))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuctionListQuery {
    /// `announced`, `bidding`, `suspended`, `sold`, `failed`, `withdrawn` or `revoked` (empty: any).
    #[param(pattern = "^(announced|bidding|suspended|sold|failed|withdrawn|revoked)?$")]
    pub status: Option<String>,
    /// `real_estate`, `movable` or `other_right` (empty: any).
    #[param(pattern = "^(real_estate|movable|other_right)?$")]
    pub category: Option<String>,
    pub court_id: Option<Uuid>,
    /// The rounds of one listing.
    pub listing_id: Option<Uuid>,
    /// Words in the title.
    pub q: Option<String>,
    /// `newest` (the default), `ending_soon`, `price_asc` or `price_desc` (by the current, else the starting price).
    #[param(pattern = "^(newest|ending_soon|price_asc|price_desc)?$")]
    pub sort: Option<String>,
    /// 1-based page number; `page × per_page` is at most 100,000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// Published rounds, newest first, each with its listing's first photo (`photo_url`).
#[utoipa::path(tag = "auctions", params(AuctionListQuery), responses((status = 200, body = Page<AuctionView>)))]
#[get("/api/auctions")]
pub async fn list_auctions(
    state: web::Data<AppState>,
    query: web::Query<AuctionListQuery>,
) -> ApiResult<web::Json<Page<AuctionView>>> {
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let filter = ListFilter {
        status: query.status,
        category: query.category,
        court_id: query.court_id,
        listing_id: query.listing_id,
        q: query.q,
        include_drafts: false,
        sort: auctions::ListOrder::parse(query.sort.as_deref().unwrap_or("")).ok_or_else(|| {
            ApiError::bad_request("invalid_query", "sort is newest, ending_soon, price_asc or price_desc")
        })?,
    };
    let (rows, total) = auctions::list(&state, filter, page, per_page).await?;
    Ok(web::Json(Page::of(cards(&state, &rows).await?, total, page, per_page)))
}

/// Rounds as cards: each with its listing's first photo, its watchers and its aftermath.
pub async fn cards(
    state: &AppState,
    rows: &[crate::persistence::entities::auction::Model],
) -> ApiResult<Vec<AuctionView>> {
    let covers = auctions::cover_photos(state, rows).await?;
    let mut after = auctions::aftermath(state, rows).await?;
    rows.iter()
        .map(|row| {
            let facts = after.remove(&row.id).unwrap_or_default();
            Ok(view(state, row)?
                .with_photo(covers.get(&row.listing_id))
                .with_aftermath(facts.watch_count, facts.deal_status, facts.next_round_id))
        })
        .collect()
}

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

/// Register for a round: a random bidder code, and a deposit order to pay.
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
    /// `pending`, `confirmed` or `refused`.
    pub agent_status: String,
    pub agent_name: String,
    pub agent_email: String,
    /// `person` or `organisation`.
    pub principal_kind: String,
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
            agent_status: r.agent_status.clone().unwrap_or_default(),
            agent_name: agent.party_name().to_owned(),
            agent_email: agent.email.clone(),
            principal_kind: r.principal_kind.clone().unwrap_or_default(),
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
    let form: PowerOfAttorneyForm = super::listings::read_form(&request, payload).await?;
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
    super::listings::stored_file(&record.file_name, &record.content_type, file, saved).await
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

#[derive(Deserialize, ToSchema)]
pub struct MarkApplicantRequest {
    /// The bidder account of the applicant for enforcement.
    #[schema(format = "email")]
    pub email: String,
    /// Its claim still unpaid, which stands in for the deposit and is set off against the price.
    pub claim_amount: MoneyInput,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicantView {
    pub auction_id: Uuid,
    pub email: String,
    #[schema(value_type = String)]
    pub claim_amount: auction_core::Money,
    /// What the applicant owes as its deposit: `max(0, deposit − claim_amount)`.
    #[schema(value_type = String)]
    pub deposit_due: auction_core::Money,
    pub marked_at: String,
}

/// Mark a bidder as the applicant for enforcement with its unpaid claim (judge, before bidding opens; R23 ¶2).
/// Marking again replaces the claim. An unpaid registration then owes the reduced deposit (none when the claim
/// covers it); if the applicant buys, the claim is set off against the price.
#[utoipa::path(tag = "court", request_body = MarkApplicantRequest, responses(
    (status = 200, body = ApplicantView),
    (status = 404, description = "not_found: no bidder account has that email", body = ErrorBody),
    (status = 409, description = "bidding_started", body = ErrorBody),
    (status = 422, description = "invalid_amount", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/applicant")]
pub async fn mark_applicant(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<MarkApplicantRequest>,
) -> ApiResult<web::Json<ApplicantView>> {
    let claim = body.claim_amount.parse("claim_amount")?;
    let marked = applicants::mark(&state, &caller, id.into_inner(), &body.email, claim).await?;
    Ok(web::Json(ApplicantView {
        auction_id: marked.mark.auction_id,
        email: marked.email,
        claim_amount: claim,
        deposit_due: marked.deposit_due,
        marked_at: auction_core::time::rfc3339(crate::persistence::convert::instant(marked.mark.marked_at)),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PlaceBidRequest {
    pub amount: MoneyInput,
    /// A UUID chosen by the client; a retry with the same one creates nothing and gets the same answer.
    pub request_id: Uuid,
}

/// Place a bid.
#[utoipa::path(tag = "bidding", request_body = PlaceBidRequest, responses(
    (status = 201, body = PlaceBidResponse),
    (status = 200, description = "a retry of an accepted request", body = PlaceBidResponse),
    (status = 403, description = "not_registered, deposit_unpaid", body = ErrorBody),
    (status = 409, description = "auction_not_bidding", body = ErrorBody),
    (status = 422, description = "invalid_amount, below_starting_price, not_on_increment, bid_too_low, already_leading", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/bids")]
pub async fn place_bid(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<PlaceBidRequest>,
) -> ApiResult<HttpResponse> {
    // The bid's legal time: when it reached the server, before any waiting for the round's lock.
    let received_at = state.clock.now();
    let started = std::time::Instant::now();
    let decided = async {
        let amount = body.amount.parse("amount")?;
        let command = PlaceBid {
            auction_id: id.into_inner(),
            amount,
            request_id: body.request_id,
            received_at,
        };
        bidding::place_bid(&state, &caller, command).await
    }
    .await;
    let outcome = match &decided {
        Ok(BidOutcome::Accepted(_)) => "accepted",
        Ok(BidOutcome::Replayed(_)) => "replayed",
        Err(err) => err.code.as_ref(),
    };
    crate::prometheus::bid_decided(outcome, started.elapsed());
    Ok(match decided? {
        BidOutcome::Accepted(response) => HttpResponse::Created().json(response),
        BidOutcome::Replayed(response) => HttpResponse::Ok().json(response),
    })
}

/// The public bid record, newest first: codes, never names (R40, R47).
#[utoipa::path(tag = "bidding", params(PageQuery), responses((status = 200, body = Page<BidView>), (status = 404, body = ErrorBody)))]
#[get("/api/auctions/{id}/bids")]
pub async fn list_bids(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<BidView>>> {
    let (page, per_page) = query.resolve()?;
    let round = auctions::find_visible(&state, &caller, id.into_inner()).await?;
    let (items, total) = bidding::list(&state, &round, page, per_page).await?;
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Only entries with a larger sequence number (default 0: from the start).
    #[param(minimum = 0)]
    pub after_seq: Option<i64>,
    /// At most this many entries, 1–1000. Without `after_seq` and `limit` the whole chain is streamed.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// Entries read from the database per step while the whole chain is streamed.
const LEDGER_STREAM_STEP: u64 = 500;
const MAX_LEDGER_PAGE: u64 = 1000;

fn entry_view(e: crate::persistence::entities::ledger_entry::Model) -> ApiResult<LedgerEntryView> {
    let payload = serde_json::from_str(&e.payload).map_err(ApiError::internal)?;
    Ok(LedgerEntryView {
        seq: e.seq,
        kind: e.kind,
        payload,
        prev_hash: e.prev_hash,
        hash: e.hash,
    })
}

/// The round's hash-chained ledger; see the README for how to verify it. With `after_seq` or `limit`,
/// one page (`head` is then the last hash of that page, or the chain's head for a page past the end);
/// without, the whole chain, streamed.
#[utoipa::path(tag = "bidding", params(LedgerQuery), responses((status = 200, body = LedgerView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/auctions/{id}/ledger")]
pub async fn get_ledger(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    query: web::Query<LedgerQuery>,
) -> ApiResult<HttpResponse> {
    let round = auctions::find_visible(&state, &caller, id.into_inner()).await?;
    let paged = query.after_seq.is_some() || query.limit.is_some();
    if paged {
        let after_seq = query.after_seq.unwrap_or(0);
        let limit = query.limit.unwrap_or(MAX_LEDGER_PAGE);
        if after_seq < 0 || !(1..=MAX_LEDGER_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(
                "invalid_query",
                "after_seq is 0 or more and limit is between 1 and 1000",
            ));
        }
        let entries = bidding::ledger_page(&state, round.id, after_seq, limit)
            .await?
            .into_iter()
            .map(entry_view)
            .collect::<ApiResult<Vec<_>>>()?;
        // A page past the end holds nothing: its head is then the chain's own, as a client that polls
        // for new entries needs it.
        let head = entries
            .last()
            .map_or_else(|| round.ledger_head.clone(), |e| e.hash.clone());
        return Ok(HttpResponse::Ok().json(LedgerView { entries, head }));
    }
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .streaming(ledger_stream(state.into_inner(), round.id)))
}

/// `{"entries":[…],"head":"…"}`, written a step of entries at a time: memory stays flat however long
/// the chain, and `head` is the hash of the last entry written.
fn ledger_stream(
    state: std::sync::Arc<AppState>,
    round_id: Uuid,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    struct Cursor {
        after_seq: i64,
        head: String,
        opened: bool,
        any_entry: bool,
        finished: bool,
    }
    let start = Cursor {
        after_seq: 0,
        head: auction_core::ledger::GENESIS_HASH.to_owned(),
        opened: false,
        any_entry: false,
        finished: false,
    };
    futures_util::stream::unfold(start, move |mut cursor| {
        let state = state.clone();
        async move {
            if cursor.finished {
                return None;
            }
            let page = match bidding::ledger_page(&state, round_id, cursor.after_seq, LEDGER_STREAM_STEP).await {
                Ok(page) => page,
                Err(err) => {
                    cursor.finished = true;
                    return Some((Err(err.into()), cursor));
                }
            };
            let mut chunk = String::new();
            if !cursor.opened {
                chunk.push_str("{\"entries\":[");
                cursor.opened = true;
            }
            let last_page = (page.len() as u64) < LEDGER_STREAM_STEP;
            for entry in page {
                if cursor.any_entry {
                    chunk.push(',');
                }
                cursor.any_entry = true;
                cursor.after_seq = entry.seq;
                cursor.head = entry.hash.clone();
                match entry_view(entry).and_then(|view| serde_json::to_string(&view).map_err(ApiError::internal)) {
                    Ok(text) => chunk.push_str(&text),
                    Err(err) => {
                        cursor.finished = true;
                        return Some((Err(err.into()), cursor));
                    }
                }
            }
            if last_page {
                chunk.push_str(&format!("],\"head\":\"{}\"}}", cursor.head));
                cursor.finished = true;
            }
            Some((Ok(web::Bytes::from(chunk)), cursor))
        }
    })
}

/// The outcome after the close: the buyer's real name is published (R51).
#[utoipa::path(tag = "bidding", responses(
    (status = 200, body = ResultView),
    (status = 409, description = "auction_not_closed", body = ErrorBody),
))]
#[get("/api/auctions/{id}/result")]
pub async fn get_result(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ResultView>> {
    let round = auctions::find_visible(&state, &caller, id.into_inner()).await?;
    let status = convert::status(&round.status)?;
    if !status.is_closed() {
        return Err(ApiError::conflict(
            "auction_not_closed",
            "the result is published when bidding has ended",
        ));
    }
    let deal = if matches!(status, RoundStatus::Sold | RoundStatus::Revoked) {
        deals::for_round(&state, round.id).await?
    } else {
        None
    };
    Ok(web::Json(match deal {
        Some(deal) => ResultView {
            status: round.status.clone(),
            final_price: Some(money(deal.final_price)?),
            winner_code: Some(deal.winner_code.clone()),
            buyer_name: (deal.status != DealStatus::Defaulted.as_str() && deal.status != DealStatus::Revoked.as_str())
                .then(|| deal.buyer_name.clone()),
            deal_id: Some(deal.id),
            confirmation_url: Some(crate::links::confirmation_path(deal.id)),
            deal_status: Some(deal.status.clone()),
        },
        None => ResultView {
            status: round.status.clone(),
            final_price: None,
            winner_code: None,
            buyer_name: None,
            deal_id: None,
            confirmation_url: None,
            deal_status: None,
        },
    }))
}

pub fn config(cfg: &mut ServiceConfig) {
    // The hottest first: bids, the round, its record (see `routes::configure`).
    cfg.service(place_bid)
        .service(get_auction)
        .service(list_bids)
        .service(create_auction)
        .service(round_limits)
        .service(publish_auction)
        .service(suspend_auction)
        .service(resume_auction)
        .service(withdraw_auction)
        .service(add_priority_holder)
        .service(mark_applicant)
        .service(list_agencies)
        .service(decide_agency)
        .service(attach_power_of_attorney)
        .service(get_registration_file)
        .service(list_auctions)
        .service(register_for_auction)
        .service(get_ledger)
        .service(get_result);
}
