//! Cases, listings and their reference price (R13, R14, R18).

pub use auction_core::costs::{BuyerInformation, Contact, Viewing};
use auction_core::ledger::LedgerKind;
use auction_core::setup::{Category, ReferenceMethod, reference_price_from_quotes, reference_valid_until};
use auction_core::{Instant, Money, RoundStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::{email_address, optional_text, required_text};
use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::{self, millis};
use crate::persistence::entities::{case, listing, round, valuation};
use crate::persistence::vocabulary::ListingStatus;
use crate::services::parties::PartyContact;
use crate::state::AppState;

pub struct NewCase {
    pub case_number: String,
    pub applicant: PartyContact,
    pub respondent: PartyContact,
    /// The number of the legal document being enforced (执行依据), for the announcement (R29).
    pub enforcement_basis: Option<String>,
}

pub async fn create_case(state: &AppState, caller: &Caller, input: NewCase) -> ApiResult<case::Model> {
    let court_id = caller.judge_court()?;
    let row = case::ActiveModel {
        id: Set(Uuid::new_v4()),
        court_id: Set(court_id),
        case_number: Set(required_text(&input.case_number, "case_number", 100)?),
        applicant_name: Set(required_text(&input.applicant.name, "applicant_name", 200)?),
        applicant_email: Set(email_address(&input.applicant.email)?),
        respondent_name: Set(required_text(&input.respondent.name, "respondent_name", 200)?),
        respondent_email: Set(email_address(&input.respondent.email)?),
        created_by: Set(caller.user_id),
        created_at: Set(millis(state.clock.now())),
        enforcement_basis: Set(super::optional_text(
            input.enforcement_basis.as_deref(),
            "enforcement_basis",
            200,
        )?),
    };
    Ok(row.insert(state.db.conn()).await?)
}

pub struct NewListing {
    pub case_id: Uuid,
    pub title: String,
    pub category: String,
    pub description: String,
    pub location: String,
    pub encumbrances: Option<String>,
    pub is_housing: Option<bool>,
    pub buyer_information: BuyerInformation,
}

pub async fn create_listing(state: &AppState, caller: &Caller, input: NewListing) -> ApiResult<listing::Model> {
    let court_id = caller.judge_court()?;
    let case = case::Entity::find_by_id(input.case_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("case"))?;
    caller.require_judge_of(case.court_id)?;
    let category = Category::parse(&input.category).ok_or_else(|| {
        ApiError::unprocessable(
            "invalid_category",
            "category is one of real_estate, movable, other_right",
        )
    })?;
    let encumbrances = optional_text(input.encumbrances.as_deref(), "encumbrances", 10_000)?;
    check_information(&input.buyer_information)?;
    let now = millis(state.clock.now());
    let mut row = listing::ActiveModel {
        id: Set(Uuid::new_v4()),
        case_id: Set(case.id),
        court_id: Set(court_id),
        title: Set(required_text(&input.title, "title", 200)?),
        category: Set(category),
        description: Set(required_text(&input.description, "description", 20_000)?),
        location: Set(required_text(&input.location, "location", 500)?),
        encumbrances: Set(encumbrances),
        is_housing: Set(input.is_housing.unwrap_or(false)),
        status: Set(ListingStatus::Pricing),
        reference_price: Set(None),
        reference_method: Set(None),
        reference_fixed_at: Set(None),
        reference_valid_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    convert::apply_buyer_information(&mut row, &input.buyer_information);
    Ok(row.insert(state.db.conn()).await?)
}

fn check_information(information: &BuyerInformation) -> ApiResult<()> {
    information
        .check()
        .map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))
}

/// The ledger's record of a listing's buyer information when it changes while a round is announced (R70).
fn information_entry(information: &BuyerInformation, listing_id: Uuid, at: Instant) -> serde_json::Value {
    let costs: serde_json::Value = serde_json::from_str(&convert::costs_json(&information.costs)).unwrap_or_default();
    json!({
        "listing_id": listing_id.to_string(),
        "costs": costs,
        "contact": information.contact.as_ref().map(|c| json!({ "name": c.name, "phone": c.phone })),
        "viewing": information.viewing.as_ref().map(|v| json!({
            "how": v.how,
            "from": v.from.map(auction_core::time::rfc3339),
            "until": v.until.map(auction_core::time::rfc3339),
        })),
        "at": auction_core::time::rfc3339(at),
    })
}

/// Replaces a listing's buyer information (its court's judges). Drafts whose announcement was generated
/// say the new facts; while a round is announced or running, the change is entered in its ledger, so
/// what bidders were told and when stays on the record (R70).
pub async fn set_buyer_information(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    information: BuyerInformation,
) -> ApiResult<listing::Model> {
    check_information(&information)?;
    let listing = find_for_judge(state, caller, listing_id).await?;
    let now = state.clock.now();
    let live = round::Entity::find()
        .filter(round::Column::ListingId.eq(listing.id))
        .filter(
            round::Column::Status.is_in(
                RoundStatus::ALL
                    .iter()
                    .copied()
                    .filter(|s| s.is_live())
                    .map(RoundStatus::as_str),
            ),
        )
        .one(state.db.conn())
        .await?;
    let write = async |tx: &WriteTx| -> ApiResult<listing::Model> {
        let locked = lock(tx, listing.id).await?;
        let mut row = locked.into_active_model();
        convert::apply_buyer_information(&mut row, &information);
        row.updated_at = Set(millis(now));
        let updated = row.update(&**tx).await?;
        super::round_texts::regenerate_draft_announcements(tx, &updated).await?;
        Ok(updated)
    };
    let updated = match live {
        Some(round) => {
            super::rounds::update_round(
                state,
                round.id,
                now,
                super::rounds::Access::Court(caller),
                async |locked, tx| {
                    let updated = write(tx).await?;
                    locked.record_event(
                        LedgerKind::BuyerInformation,
                        information_entry(&information, listing.id, now),
                    );
                    Ok(updated)
                },
            )
            .await?
            .value
        }
        None => {
            let tx = state.db.write().await?;
            let updated = write(&tx).await?;
            tx.commit().await?;
            updated
        }
    };
    tracing::info!(listing.id = %listing.id, costs = information.costs.len(), "buyer information set");
    Ok(updated)
}

pub async fn find(state: &AppState, id: Uuid) -> ApiResult<listing::Model> {
    listing::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("listing"))
}

/// The listing, for a judge of its court.
pub async fn find_for_judge(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<listing::Model> {
    let listing = find(state, id).await?;
    caller.require_judge_of(listing.court_id)?;
    Ok(listing)
}

/// A listing's reference price may be fixed anew whenever none of its rounds is live (R18): before its
/// first announcement, between rounds, after a sale is undone. While one is announced, bidding or
/// suspended, 409 `reference_price_locked`.
pub async fn ensure_price_may_change(tx: &WriteTx, listing_id: Uuid) -> ApiResult<()> {
    let live = RoundStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_live())
        .map(RoundStatus::as_str);
    let live_rounds = round::Entity::find()
        .filter(round::Column::ListingId.eq(listing_id))
        .filter(round::Column::Status.is_in(live))
        .count(&**tx)
        .await?;
    if live_rounds > 0 {
        return Err(ApiError::conflict(
            "reference_price_locked",
            "the reference price cannot change while an auction of this listing is announced or running",
        ));
    }
    Ok(())
}

async fn has_published_round(state: &AppState, listing_id: Uuid) -> ApiResult<bool> {
    let published = round::Entity::find()
        .filter(round::Column::ListingId.eq(listing_id))
        .filter(round::Column::PublishedAt.is_not_null())
        .count(state.db.conn())
        .await?;
    Ok(published > 0)
}

/// A listing is public once one of its rounds has been announced; before that only its court sees it.
pub async fn find_visible(state: &AppState, caller: &MaybeCaller, id: Uuid) -> ApiResult<listing::Model> {
    let listing = find(state, id).await?;
    let own_court = caller.0.is_some_and(|c| c.is_judge_of(listing.court_id));
    if own_court || has_published_round(state, id).await? {
        Ok(listing)
    } else {
        Err(ApiError::not_found("listing"))
    }
}

pub struct Quote {
    pub source: String,
    pub amount: Money,
}

/// Records a valuation and sets the listing's reference price from it. Locked once a round is published.
pub async fn add_valuation(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    method: &str,
    quotes: Vec<Quote>,
) -> ApiResult<listing::Model> {
    let method = ReferenceMethod::parse(method)
        .filter(|m| *m != ReferenceMethod::Negotiation)
        .ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_method",
                "method is one of targeted_inquiry, online_inquiry, appraisal (negotiation has its own endpoint)",
            )
        })?;
    for quote in &quotes {
        required_text(&quote.source, "quote_source", 200)?;
    }
    let amounts: Vec<Money> = quotes.iter().map(|q| q.amount).collect();
    let reference = reference_price_from_quotes(method, &amounts)
        .map_err(|e| ApiError::unprocessable("invalid_quotes", e.to_string()))?;

    let tx = state.db.write().await?;
    let listing = lock(&tx, listing_id).await?;
    caller.require_judge_of(listing.court_id)?;
    ensure_price_may_change(&tx, listing.id).await?;
    let listing = set_reference_price(
        &tx,
        state.clock.now(),
        caller.user_id,
        listing,
        method,
        reference,
        &quotes,
    )
    .await?;
    tx.commit().await?;
    Ok(listing)
}

/// The listing row, locked for the rest of the transaction (publishing a round locks it too).
pub async fn lock(tx: &WriteTx, id: Uuid) -> ApiResult<listing::Model> {
    listing::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::not_found("listing"))
}

/// Sets a listing's reference price (valid one year) and records how it was found.
pub async fn set_reference_price(
    tx: &WriteTx,
    now: Instant,
    decided_by: Uuid,
    listing: listing::Model,
    method: ReferenceMethod,
    reference: Money,
    quotes: &[Quote],
) -> ApiResult<listing::Model> {
    let quotes_json: Vec<_> = quotes
        .iter()
        .map(|q| json!({"source": q.source, "amount": q.amount}))
        .collect();
    let record = valuation::ActiveModel {
        id: Set(Uuid::new_v4()),
        listing_id: Set(listing.id),
        method: Set(method),
        quotes: Set(json!(quotes_json).to_string()),
        result: Set(reference.cents()),
        created_by: Set(decided_by),
        created_at: Set(millis(now)),
        report_file_id: Set(None),
        delivered_at: Set(None),
    };
    record.insert(&**tx).await?;
    let was_pricing = listing.status == ListingStatus::Pricing;
    let mut row = listing.into_active_model();
    row.reference_price = Set(Some(reference.cents()));
    row.reference_method = Set(Some(method));
    row.reference_fixed_at = Set(Some(millis(now)));
    row.reference_valid_until = Set(Some(millis(reference_valid_until(now))));
    if was_pricing {
        row.status = Set(ListingStatus::Priced);
    }
    row.updated_at = Set(millis(now));
    Ok(row.update(&**tx).await?)
}
