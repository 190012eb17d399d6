//! The valuation report and objections to the reference price (R16, R17): the court records delivering the
//! report of an appraisal or an online inquiry to the parties; within five days they may object, and the
//! objection holds the price — the listing back in `pricing` — until the court decides it. Upheld, the price
//! is set aside and a new one must be fixed; rejected, the price stands.

use auction_core::Instant;
use auction_core::before_publication::{ValuationReport, valuation_objection_in_time};
use auction_core::objection::{Decision, ObjectionStatus, ObjectorRole, PriceGround};
use auction_core::time::rfc3339;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis};
use crate::persistence::entities::{listing, listing_file, price_objection, valuation};
use crate::persistence::vocabulary::ListingStatus;
use crate::services::listings;
use crate::services::rounds::valuation_report;
use crate::state::AppState;

/// The report behind the listing's current price, as the court recorded delivering it.
async fn latest_valuation(tx: &WriteTx, listing: &listing::Model) -> ApiResult<valuation::Model> {
    let method = listing
        .reference_method
        .ok_or_else(|| ApiError::conflict("no_reference_price", "this listing has no reference price yet"))?;
    valuation::Entity::find()
        .filter(valuation::Column::ListingId.eq(listing.id))
        .filter(valuation::Column::Method.eq(method))
        .order_by_desc(valuation::Column::CreatedAt)
        .one(&**tx)
        .await?
        .filter(|_| listing.reference_price.is_some())
        .ok_or_else(|| ApiError::conflict("no_reference_price", "this listing has no reference price yet"))
}

/// Records that the report of the listing's appraisal or online inquiry (a listing file) was delivered to the
/// parties at `delivered_at` (R16): their five days to object run from then (R17).
pub async fn record_delivery(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    file_id: Uuid,
    delivered_at: Instant,
) -> ApiResult<listing::Model> {
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let listing = listings::lock(&tx, listing_id).await?;
    caller.require_judge_of(listing.court_id)?;
    if delivered_at > now {
        return Err(ApiError::unprocessable(
            "invalid_time",
            "the delivery cannot be dated in the future",
        ));
    }
    let latest = latest_valuation(&tx, &listing).await?;
    if !latest.method.open_to_objection() {
        return Err(ApiError::conflict(
            "not_objectionable",
            "a negotiated price or a targeted inquiry has no report for the parties to object to (R17)",
        ));
    }
    let file = listing_file::Entity::find_by_id(file_id).one(&*tx).await?;
    if file.is_none_or(|file| file.listing_id != listing.id) {
        return Err(ApiError::unprocessable(
            "invalid_file",
            "the report is a file uploaded to this listing",
        ));
    }
    let mut active = latest.into_active_model();
    active.report_file_id = Set(Some(file_id));
    active.delivered_at = Set(Some(millis(delivered_at)));
    active.update(&*tx).await?;
    tx.commit().await?;
    tracing::info!(listing.id = %listing_id, "valuation report delivered to the parties");
    Ok(listing)
}

/// An objection to the reference price, as the court records it.
pub struct NewPriceObjection {
    pub objector_name: String,
    pub objector_email: String,
    pub role: ObjectorRole,
    pub grounds: Vec<PriceGround>,
    pub statement: String,
}

/// Records an objection to the listing's reference price, within five days of the report's delivery (R17):
/// the price is held, the listing back in `pricing`, until the court decides.
pub async fn file(
    state: &AppState,
    caller: &Caller,
    listing_id: Uuid,
    input: NewPriceObjection,
) -> ApiResult<price_objection::Model> {
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let listing = listings::lock(&tx, listing_id).await?;
    caller.require_judge_of(listing.court_id)?;
    let name = super::required_text(&input.objector_name, "objector.name", 200)?;
    let email = super::required_text(&input.objector_email, "objector.email", 254)?;
    let statement = super::required_text(&input.statement, "statement", 20_000)?;
    let distinct = input
        .grounds
        .iter()
        .enumerate()
        .all(|(i, g)| !input.grounds[..i].contains(g));
    if input.grounds.is_empty() || !distinct {
        return Err(ApiError::unprocessable(
            "invalid_grounds",
            "an objection to the reference price names at least one ground of R17, each once",
        ));
    }
    listings::ensure_price_may_change(&tx, listing.id).await?;
    let latest = latest_valuation(&tx, &listing).await?;
    let report = ValuationReport {
        method: latest.method,
        delivered_at: latest.delivered_at.map(instant),
        objection_pending: false,
    };
    if !latest.method.open_to_objection() {
        return Err(ApiError::conflict(
            "not_objectionable",
            "a negotiated price or a targeted inquiry is not open to objection (R17)",
        ));
    }
    if !valuation_objection_in_time(&report, now) {
        return Err(ApiError::unprocessable(
            "objection_too_late",
            "an objection to the reference price is made within five days of the report's delivery (R17)",
        ));
    }
    let row = price_objection::ActiveModel {
        id: Set(Uuid::new_v4()),
        listing_id: Set(listing.id),
        valuation_id: Set(latest.id),
        court_id: Set(listing.court_id),
        objector_name: Set(name),
        objector_email: Set(email.to_lowercase()),
        objector_role: Set(input.role),
        grounds: Set(json!(input.grounds).to_string()),
        statement: Set(statement),
        status: Set(ObjectionStatus::Pending),
        filed_by: Set(caller.user_id),
        filed_at: Set(millis(now)),
        decided_at: Set(None),
        decided_by: Set(None),
        reasoning: Set(None),
    }
    .insert(&*tx)
    .await?;
    set_status(&tx, listing, ListingStatus::Pricing, now).await?;
    tx.commit().await?;
    tracing::info!(listing.id = %listing_id, objection.id = %row.id, "objection to the reference price recorded");
    Ok(row)
}

async fn set_status(tx: &WriteTx, listing: listing::Model, status: ListingStatus, now: Instant) -> ApiResult<()> {
    let mut active = listing.into_active_model();
    active.status = Set(status);
    active.updated_at = Set(millis(now));
    active.update(&**tx).await?;
    Ok(())
}

/// Decides an objection to the reference price: upheld, the price is set aside and a new one must be fixed;
/// rejected, the price may be used.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    outcome: &str,
    reasoning: &str,
) -> ApiResult<price_objection::Model> {
    let (decision, reasoning) = super::objections::court_decision(outcome, reasoning)?;
    let now = state.clock.now();
    let found = price_objection::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("objection"))?;
    caller
        .require_judge_of(found.court_id)
        .map_err(|_| ApiError::not_found("objection"))?;
    let tx = state.db.write().await?;
    let listing = listings::lock(&tx, found.listing_id).await?;
    let row = price_objection::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or_else(|| ApiError::not_found("objection"))?;
    if row.status != ObjectionStatus::Pending {
        return Err(ApiError::conflict(
            "objection_decided",
            "this objection has been decided",
        ));
    }
    let mut active = row.into_active_model();
    active.status = Set(decision.status());
    active.decided_at = Set(Some(millis(now)));
    active.decided_by = Set(Some(caller.user_id));
    active.reasoning = Set(Some(reasoning));
    let row = active.update(&*tx).await?;
    let others_pending = price_objection::Entity::find()
        .filter(price_objection::Column::ListingId.eq(listing.id))
        .filter(price_objection::Column::Status.eq(ObjectionStatus::Pending))
        .one(&*tx)
        .await?
        .is_some();
    match decision {
        Decision::Upheld => {
            let mut active = listing.into_active_model();
            active.reference_price = Set(None);
            active.reference_method = Set(None);
            active.reference_valid_until = Set(None);
            active.status = Set(ListingStatus::Pricing);
            active.updated_at = Set(millis(now));
            active.update(&*tx).await?;
        }
        Decision::Rejected if !others_pending && listing.status == ListingStatus::Pricing => {
            set_status(&tx, listing, ListingStatus::Priced, now).await?;
        }
        Decision::Rejected => {}
    }
    tx.commit().await?;
    tracing::info!(objection.id = %id, outcome = decision.status().as_str(), "objection to the reference price decided");
    Ok(row)
}

/// The objections to a listing's reference price, newest first (its court).
pub async fn of_listing(state: &AppState, caller: &Caller, listing_id: Uuid) -> ApiResult<Vec<price_objection::Model>> {
    let listing = listings::find(state, listing_id).await?;
    caller.require_judge_of(listing.court_id)?;
    Ok(price_objection::Entity::find()
        .filter(price_objection::Column::ListingId.eq(listing_id))
        .order_by_desc(price_objection::Column::FiledAt)
        .all(state.db.conn())
        .await?)
}

/// The listing's valuation report as its court sees it: delivered when, objectionable until when, held or
/// not.
pub async fn report_of(
    state: &AppState,
    listing: &listing::Model,
) -> ApiResult<Option<(ValuationReport, Option<Uuid>)>> {
    let Some(report) = valuation_report(state.db.conn(), listing).await? else {
        return Ok(None);
    };
    let file = valuation::Entity::find()
        .filter(valuation::Column::ListingId.eq(listing.id))
        .filter(valuation::Column::Method.eq(report.method))
        .order_by_desc(valuation::Column::CreatedAt)
        .one(state.db.conn())
        .await?
        .and_then(|v| v.report_file_id);
    Ok(Some((report, file)))
}

/// How a price objection's time reads.
pub fn at(millis: i64) -> String {
    rfc3339(instant(millis))
}
