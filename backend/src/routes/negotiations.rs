//! Negotiation between the parties (当事人议价): the judge opens it; each party acts through its link.

use crate::persistence::vocabulary::{ListingStatus, NegotiationStatus};
use actix_web::{HttpResponse, get, post, web};
use auction_core::setup::{Category, ReferenceMethod};
use auction_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::persistence::convert::{instant, money, money_opt};
use crate::persistence::entities::{negotiation, negotiation_offer};
use crate::services::negotiations::{self, PartyView};
use crate::services::parse_instant;
use crate::state::AppState;
use crate::views::MoneyInput;

#[derive(Deserialize, ToSchema)]
pub struct OpenNegotiationRequest {
    /// RFC 3339; offers are taken until then.
    #[schema(format = DateTime)]
    pub deadline: String,
}

#[derive(Serialize, ToSchema)]
pub struct NegotiationView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub status: NegotiationStatus,
    pub deadline: String,
    #[schema(value_type = Option<String>)]
    pub agreed_amount: Option<auction_core::Money>,
    pub offers: Vec<OfferView>,
}

#[derive(Serialize, ToSchema)]
pub struct OfferView {
    /// `applicant` or `respondent`.
    pub party: String,
    #[schema(value_type = String)]
    pub amount: auction_core::Money,
    pub created_at: String,
}

fn offer_view(o: &negotiation_offer::Model) -> ApiResult<OfferView> {
    Ok(OfferView {
        party: o.party.clone(),
        amount: money(o.amount)?,
        created_at: rfc3339(instant(o.created_at)),
    })
}

fn negotiation_view(n: &negotiation::Model, offers: &[negotiation_offer::Model]) -> ApiResult<NegotiationView> {
    Ok(NegotiationView {
        id: n.id,
        listing_id: n.listing_id,
        status: n.status,
        deadline: rfc3339(instant(n.deadline)),
        agreed_amount: money_opt(n.agreed_amount)?,
        offers: offers.iter().map(offer_view).collect::<ApiResult<_>>()?,
    })
}

/// Open a negotiation of the reference price; each party is emailed a personal link.
#[utoipa::path(tag = "listings", request_body = OpenNegotiationRequest, responses(
    (status = 201, body = NegotiationView),
    (status = 409, description = "negotiation_open, reference_price_locked", body = ErrorBody),
    (status = 422, description = "invalid_deadline", body = ErrorBody),
), security(("bearer" = [])))]
#[post("/api/listings/{id}/negotiation")]
pub async fn open_negotiation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<OpenNegotiationRequest>,
) -> ApiResult<HttpResponse> {
    caller.judge_court()?;
    let deadline = parse_instant(&body.deadline, "deadline")?;
    let record = negotiations::open(&state, &caller, id.into_inner(), deadline).await?;
    Ok(HttpResponse::Created().json(negotiation_view(&record, &[])?))
}

/// The latest negotiation of a listing, for its court.
#[utoipa::path(tag = "listings", responses((status = 200, body = NegotiationView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/listings/{id}/negotiation")]
pub async fn get_negotiation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<NegotiationView>> {
    let (record, offers) = negotiations::latest_for_judge(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(negotiation_view(&record, &offers)?))
}

#[derive(Serialize, ToSchema)]
pub struct NegotiatedListing {
    pub id: Uuid,
    pub title: String,
    pub category: Category,
    pub description: String,
    pub location: String,
    pub status: ListingStatus,
    #[schema(value_type = Option<String>)]
    pub reference_price: Option<auction_core::Money>,
    pub reference_method: Option<ReferenceMethod>,
}

#[derive(Serialize, ToSchema)]
pub struct PartyNegotiationView {
    pub listing: NegotiatedListing,
    /// Which party this link belongs to: `applicant` or `respondent`.
    pub party: String,
    pub offers: Vec<OfferView>,
    pub status: NegotiationStatus,
    pub deadline: String,
    #[schema(value_type = Option<String>)]
    pub agreed_amount: Option<auction_core::Money>,
}

fn party_view(view: &PartyView) -> ApiResult<PartyNegotiationView> {
    let l = &view.listing;
    Ok(PartyNegotiationView {
        listing: NegotiatedListing {
            id: l.id,
            title: l.title.clone(),
            category: l.category,
            description: l.description.clone(),
            location: l.location.clone(),
            status: l.status,
            reference_price: money_opt(l.reference_price)?,
            reference_method: l.reference_method,
        },
        party: view.party.clone(),
        offers: view.offers.iter().map(offer_view).collect::<ApiResult<_>>()?,
        status: view.negotiation.status,
        deadline: rfc3339(instant(view.negotiation.deadline)),
        agreed_amount: money_opt(view.negotiation.agreed_amount)?,
    })
}

/// A party's view through its personal link.
#[utoipa::path(tag = "listings", responses((status = 200, body = PartyNegotiationView), (status = 404, body = ErrorBody)))]
#[get("/api/negotiation/{token}")]
pub async fn party_negotiation(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<web::Json<PartyNegotiationView>> {
    let view = negotiations::view(&state, &token).await?;
    Ok(web::Json(party_view(&view)?))
}

#[derive(Deserialize, ToSchema)]
pub struct OfferRequest {
    pub amount: MoneyInput,
}

#[derive(Serialize, ToSchema)]
pub struct OfferCreated {
    pub offer: OfferView,
    pub negotiation: PartyNegotiationView,
}

/// A party's offer; equal latest offers of both parties fix the reference price.
#[utoipa::path(tag = "listings", request_body = OfferRequest, responses(
    (status = 201, body = OfferCreated),
    (status = 409, description = "negotiation_closed", body = ErrorBody),
    (status = 422, description = "invalid_amount", body = ErrorBody),
))]
#[post("/api/negotiation/{token}/offers")]
pub async fn post_offer(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<OfferRequest>,
) -> ApiResult<HttpResponse> {
    let amount = body.amount.parse("amount")?;
    let (offer, view) = negotiations::offer(&state, &token, amount).await?;
    Ok(HttpResponse::Created().json(OfferCreated {
        offer: offer_view(&offer)?,
        negotiation: party_view(&view)?,
    }))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(open_negotiation)
        .service(get_negotiation)
        .service(party_negotiation)
        .service(post_offer);
}
