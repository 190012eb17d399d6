//! The court's actions on a round: create it, the form's limits, publish, suspend / resume / withdraw,
//! priority holders and the applicant for enforcement.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::view;
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::services::rounds::{self, CourtAction, NewRound};
use crate::services::{applicants, parse_instant};
use crate::state::AppState;
use crate::views::{AuctionView, MoneyInput, NoticeView, PanelView};
use auction_core::before_publication::{NoticeMethod, PartyRole};

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
    /// Past the window after a failure (R27, R58), why the court holds this round late: kept with the round,
    /// in its ledger at the announcement, and the only way to hold it then.
    #[schema(max_length = 2000)]
    pub late_reason: Option<String>,
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
        late_reason: body.late_reason.clone(),
    };
    let row = rounds::create(&state, &caller, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(view(&state, &row)?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundLimitsQuery {
    /// The starting price being considered: the answer then includes its deposit range.
    #[param(value_type = Option<String>, pattern = r"^([1-9][0-9]{0,13}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$")]
    pub starting_price: Option<String>,
    /// Past the window after a failure (R27, R58): the limits for a round the court will hold late, with its
    /// reason (otherwise that is `second_round_too_late` / `sell_off_too_late`).
    pub late: Option<bool>,
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
    /// The earliest start if it is announced once the parties have had their three days' notice (R31): the
    /// form's default.
    pub earliest_bidding_start_after_notice: String,
    /// The shortest bidding window (R45).
    pub min_bidding_hours: i64,
    pub balance_due_days_default: i64,
    pub balance_due_days_max: i64,
    /// A sell-off's fixed price (R58): also its prepayment; the deposit range is then this price's.
    #[schema(value_type = Option<String>)]
    pub sell_off_price: Option<auction_core::Money>,
    /// A sell-off's period in days (R58).
    pub sell_off_days: Option<i64>,
    /// After a failure, the end of the window within which the next round is set up and announced (R27, R58).
    pub deadline: Option<String>,
    /// That window has passed: a round is held only with the court's reason (`late_reason`).
    pub late: bool,
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
    let limits = rounds::limits(
        &state,
        &caller,
        id.into_inner(),
        starting_price,
        query.late.unwrap_or(false),
    )
    .await?;
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
        earliest_bidding_start_after_notice: auction_core::time::rfc3339(limits.earliest_bidding_start_after_notice),
        min_bidding_hours: auction_core::time::MIN_BIDDING_WINDOW.num_hours(),
        balance_due_days_default: i64::from(auction_core::deal::DEFAULT_BALANCE_DUE_DAYS),
        balance_due_days_max: i64::from(*balance_days.end()),
        sell_off_price: limits.sell_off_price,
        sell_off_days: limits
            .sell_off_price
            .map(|_| auction_core::time::SELL_OFF_PERIOD.num_days()),
        deadline: limits.deadline.map(auction_core::time::rfc3339),
        late: limits.late,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct NoticesSent {
    /// One per party and known priority holder, emailed now.
    pub notices: Vec<NoticeView>,
}

/// Email the draft's terms to the case's parties and the round's known priority holders (R31); each notice is
/// recorded, and tells its party in time for an announcement 3 Beijing days later.
#[utoipa::path(tag = "auctions", responses(
    (status = 201, body = NoticesSent),
    (status = 409, description = "round_not_draft", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/notices")]
pub async fn send_notices(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let rows = rounds::send_notices(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::Created().json(NoticesSent {
        notices: rows.iter().map(NoticeView::of).collect(),
    }))
}

/// How a notice was given otherwise than by the platform's email.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum OfflineMethod {
    Served,
    PublicNotice,
    Waiver,
}

impl From<OfflineMethod> for NoticeMethod {
    fn from(method: OfflineMethod) -> NoticeMethod {
        match method {
            OfflineMethod::Served => NoticeMethod::Served,
            OfflineMethod::PublicNotice => NoticeMethod::PublicNotice,
            OfflineMethod::Waiver => NoticeMethod::Waiver,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct OfflineNoticeRequest {
    /// `applicant`, `respondent` or `priority_holder`.
    pub party: PartyRole,
    /// As the case (or the holder's account) names the party.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `served` (a document served, with its receipt), `public_notice` (published for one who cannot be
    /// reached; counts after 5 days) or `waiver` (the party waived the notice in writing).
    pub method: OfflineMethod,
    /// When it was served, published or waived (RFC 3339, not in the future).
    #[schema(format = DateTime)]
    pub at: String,
    /// The proof, a file uploaded to the listing: required for `served` and `waiver`.
    pub file_id: Option<Uuid>,
}

/// Record a notice given otherwise than by the platform's email (R31): served, published, or waived.
#[utoipa::path(tag = "auctions", request_body = OfflineNoticeRequest, responses(
    (status = 201, body = NoticeView),
    (status = 409, description = "round_not_draft", body = ErrorBody),
    (status = 422, description = "invalid_method, invalid_time, proof_required, invalid_file, unknown_party", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/notices/offline")]
pub async fn record_offline_notice(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<OfflineNoticeRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let input = rounds::OfflineNotice {
        party: body.party,
        name: body.name,
        method: body.method.into(),
        at: parse_instant(&body.at, "at")?,
        file_id: body.file_id,
    };
    let row = rounds::record_offline(&state, &caller, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(NoticeView::of(&row)))
}

#[derive(Deserialize, ToSchema)]
pub struct PanelRequest {
    /// The judges of the collegial panel (合议庭), at least three or the court's number.
    pub members: Vec<String>,
    /// When the panel decided the terms (RFC 3339, not in the future).
    #[schema(format = DateTime)]
    pub decided_at: String,
}

/// Record the collegial panel's decision on the draft's terms (R7): the starting price, the increment, the
/// deposit and the priority holders. A later record replaces it.
#[utoipa::path(tag = "auctions", request_body = PanelRequest, responses(
    (status = 201, body = PanelView),
    (status = 409, description = "round_not_draft", body = ErrorBody),
    (status = 422, description = "panel_too_small, invalid_panel, invalid_decided_at", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/panel")]
pub async fn record_panel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<PanelRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let panel = auction_core::before_publication::Panel {
        members: body.members,
        decided_at: parse_instant(&body.decided_at, "decided_at")?,
    };
    let row = rounds::record_panel(&state, &caller, id.into_inner(), panel).await?;
    let recorded = rounds::panel_of(&row).ok_or_else(|| crate::error::ApiError::internal("the panel was not kept"))?;
    Ok(HttpResponse::Created().json(PanelView {
        members: recorded.members,
        decided_at: auction_core::time::rfc3339(recorded.decided_at),
    }))
}

/// Publish the announcement; bidding then opens by itself at its start.
#[utoipa::path(tag = "auctions", responses(
    (status = 200, body = AuctionView),
    (status = 422, description = "parties_not_notified (details.missing: the parties not told in time), panel_required, valuation_objection_pending, valuation_objection_window, notice_period_too_short, reference_price_expired", body = ErrorBody),
    (status = 409, description = "invalid_status", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/auctions/{id}/publish")]
pub async fn publish_auction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AuctionView>> {
    let row = rounds::publish(&state, &caller, id.into_inner()).await?;
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
    let row = rounds::court_action(state, caller, id, action, reason.as_deref()).await?;
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
    /// The nature of the right (共有人优先购买权、承租人优先购买权…), published with the announcement in place of
    /// the holder, whose identity is not (R29).
    #[schema(max_length = 200)]
    pub right: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PriorityHolderView {
    pub auction_id: Uuid,
    pub email: String,
    pub rank: i32,
    pub right: Option<String>,
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
    let added = rounds::add_priority_holder(&state, &caller, id, &body.email, body.rank, body.right.as_deref()).await?;
    let (holder, created) = (added.holder, added.created);
    let view = PriorityHolderView {
        auction_id: id,
        email: body.email.trim().to_lowercase(),
        rank: holder.rank,
        right: holder.right_nature,
    };
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
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
