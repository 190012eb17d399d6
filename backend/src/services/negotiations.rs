//! Negotiation between the parties (当事人议价, R13): the judge opens it with a deadline; each party gets
//! a personal link by email and posts offers; equal latest offers fix the listing's reference price;
//! at the deadline without agreement it fails.
//!
//! A link's token is 256 random bits. Only its SHA-256 is stored; the token itself exists in the
//! party's email alone, and never appears in an API response or a log line.

use auction_core::setup::ReferenceMethod;
use auction_core::{Instant, Money};
use rand::RngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::listings::{self, Quote};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, Email};
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis};
use crate::persistence::entities::{case, court, listing, negotiation, negotiation_offer, negotiation_party};
use crate::persistence::vocabulary::NegotiationStatus;
use crate::state::AppState;

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn closed() -> ApiError {
    ApiError::conflict(
        "negotiation_closed",
        "this negotiation is closed; no more offers are taken",
    )
}

/// Opens a negotiation on a listing and emails both parties their links.
pub async fn open(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    deadline: Instant,
) -> ApiResult<negotiation::Model> {
    let now = state.clock.now();
    if deadline <= now {
        return Err(ApiError::unprocessable(
            "invalid_deadline",
            "the deadline must be in the future",
        ));
    }
    let tx = state.db.write().await?;
    let listing = listings::lock(&tx, listing_id).await?;
    caller.require_judge_of(listing.court_id)?;
    listings::ensure_price_may_change(&tx, listing.id).await?;
    let already_open = negotiation::Entity::find()
        .filter(negotiation::Column::ListingId.eq(listing.id))
        .filter(negotiation::Column::Status.eq(NegotiationStatus::Open))
        .count(&*tx)
        .await?;
    if already_open > 0 {
        return Err(ApiError::conflict(
            "negotiation_open",
            "a negotiation of this listing is already open",
        ));
    }
    let case = case::Entity::find_by_id(listing.case_id)
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::internal("listing without its case"))?;
    let court = court::Entity::find_by_id(listing.court_id)
        .one(&*tx)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let record = negotiation::ActiveModel {
        id: Set(Uuid::new_v4()),
        listing_id: Set(listing.id),
        status: Set(NegotiationStatus::Open),
        deadline: Set(millis(deadline)),
        agreed_amount: Set(None),
        opened_by: Set(caller.user_id),
        created_at: Set(millis(now)),
        closed_at: Set(None),
    }
    .insert(&*tx)
    .await?;
    for (party, role, name, email) in [
        ("applicant", "申请执行人", &case.applicant_name, &case.applicant_email),
        ("respondent", "被执行人", &case.respondent_name, &case.respondent_email),
    ] {
        let token = new_token();
        negotiation_party::ActiveModel {
            id: Set(Uuid::new_v4()),
            negotiation_id: Set(record.id),
            party: Set(party.into()),
            name: Set(name.clone()),
            email: Set(email.clone()),
            token_hash: Set(token_hash(&token)),
            created_at: Set(millis(now)),
        }
        .insert(&*tx)
        .await?;
        let link = crate::links::negotiation_page(&state.settings.public_url, &token);
        let message = Email::negotiation_link(
            email,
            name,
            role,
            &court,
            &case.case_number,
            &listing.title,
            deadline,
            &link,
        );
        notify::queue(&tx, message, now).await?;
    }
    tx.commit().await?;
    tracing::info!(negotiation.id = %record.id, listing.id = %listing_id, "negotiation opened");
    notify::flush(state).await;
    Ok(record)
}

/// What one party sees through its link.
pub struct PartyView {
    pub negotiation: negotiation::Model,
    pub party: String,
    pub listing: listing::Model,
    pub offers: Vec<negotiation_offer::Model>,
}

async fn party_of(state: &AppState, token: &str) -> ApiResult<negotiation_party::Model> {
    negotiation_party::Entity::find()
        .filter(negotiation_party::Column::TokenHash.eq(token_hash(token)))
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("negotiation"))
}

/// Marks a negotiation failed if its deadline has passed; `true` if it did.
async fn fail_if_due(tx: &WriteTx, record: &negotiation::Model, now: Instant) -> ApiResult<bool> {
    if record.status != NegotiationStatus::Open || now < instant(record.deadline) {
        return Ok(false);
    }
    let mut active = record.clone().into_active_model();
    active.status = Set(NegotiationStatus::Failed);
    active.closed_at = Set(Some(record.deadline));
    active.update(&**tx).await?;
    tracing::info!(negotiation.id = %record.id, "negotiation failed at its deadline");
    Ok(true)
}

async fn lock(tx: &WriteTx, id: Uuid) -> ApiResult<negotiation::Model> {
    negotiation::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::internal("negotiation party without its negotiation"))
}

async fn offers(tx: &WriteTx, id: Uuid) -> ApiResult<Vec<negotiation_offer::Model>> {
    Ok(negotiation_offer::Entity::find()
        .filter(negotiation_offer::Column::NegotiationId.eq(id))
        .order_by_asc(negotiation_offer::Column::Seq)
        .all(&**tx)
        .await?)
}

pub async fn view(state: &AppState, token: &str) -> ApiResult<PartyView> {
    let party = party_of(state, token).await?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let mut record = lock(&tx, party.negotiation_id).await?;
    if fail_if_due(&tx, &record, now).await? {
        record = lock(&tx, party.negotiation_id).await?;
    }
    let listing = listing::Entity::find_by_id(record.listing_id)
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::internal("negotiation without its listing"))?;
    let offers = offers(&tx, record.id).await?;
    tx.commit().await?;
    Ok(PartyView {
        negotiation: record,
        party: party.party,
        listing,
        offers,
    })
}

/// A party's offer. When both parties' latest offers are equal, the negotiation is agreed and the
/// listing's reference price becomes that amount (valid one year).
pub async fn offer(state: &AppState, token: &str, amount: Money) -> ApiResult<(negotiation_offer::Model, PartyView)> {
    let party = party_of(state, token).await?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let mut record = lock(&tx, party.negotiation_id).await?;
    if fail_if_due(&tx, &record, now).await? {
        tx.commit().await?;
        return Err(closed());
    }
    if record.status != NegotiationStatus::Open {
        return Err(closed());
    }
    let earlier = offers(&tx, record.id).await?;
    let offer = negotiation_offer::ActiveModel {
        id: Set(Uuid::new_v4()),
        negotiation_id: Set(record.id),
        // Under the negotiation's lock, so the sequence has no gaps or duplicates.
        seq: Set(i32::try_from(earlier.len() + 1).unwrap_or(i32::MAX)),
        party: Set(party.party.clone()),
        amount: Set(amount.cents()),
        created_at: Set(millis(now)),
    }
    .insert(&*tx)
    .await?;
    let all = offers(&tx, record.id).await?;
    let latest = |who: &str| all.iter().rev().find(|o| o.party == who).map(|o| o.amount);
    let mut listing = listings::lock(&tx, record.listing_id).await?;
    if let (Some(a), Some(b)) = (latest("applicant"), latest("respondent"))
        && a == b
    {
        listings::ensure_price_may_change(&tx, listing.id).await?;
        let quotes = [
            Quote {
                source: "申请执行人 applicant".into(),
                amount,
            },
            Quote {
                source: "被执行人 respondent".into(),
                amount,
            },
        ];
        listing = listings::set_reference_price(
            &tx,
            now,
            record.opened_by,
            listing,
            ReferenceMethod::Negotiation,
            amount,
            &quotes,
        )
        .await?;
        let mut active = record.clone().into_active_model();
        active.status = Set(NegotiationStatus::Agreed);
        active.agreed_amount = Set(Some(amount.cents()));
        active.closed_at = Set(Some(millis(now)));
        record = active.update(&*tx).await?;
        tracing::info!(negotiation.id = %record.id, "negotiation agreed");
    }
    tx.commit().await?;
    Ok((
        offer,
        PartyView {
            negotiation: record,
            party: party.party,
            listing,
            offers: all,
        },
    ))
}

/// The judge's view of a listing's latest negotiation.
pub async fn latest_for_judge(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
) -> ApiResult<(negotiation::Model, Vec<negotiation_offer::Model>)> {
    listings::find_for_judge(state, caller, listing_id).await?;
    let record = negotiation::Entity::find()
        .filter(negotiation::Column::ListingId.eq(listing_id))
        .order_by_desc(negotiation::Column::CreatedAt)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("negotiation"))?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let mut record = lock(&tx, record.id).await?;
    if fail_if_due(&tx, &record, now).await? {
        record = lock(&tx, record.id).await?;
    }
    let all = offers(&tx, record.id).await?;
    tx.commit().await?;
    Ok((record, all))
}

/// Fails every open negotiation whose deadline has passed (the worker and the test clock).
pub async fn expire_due(state: &AppState, now: Instant) -> ApiResult<usize> {
    let due = negotiation::Entity::find()
        .filter(negotiation::Column::Status.eq(NegotiationStatus::Open))
        .filter(negotiation::Column::Deadline.lte(millis(now)))
        .all(state.db.conn())
        .await?;
    let mut failed = 0;
    for record in due {
        let tx = state.db.write().await?;
        let record = lock(&tx, record.id).await?;
        if fail_if_due(&tx, &record, now).await? {
            failed += 1;
        }
        tx.commit().await?;
    }
    Ok(failed)
}
