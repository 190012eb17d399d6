//! What follows payment (R32, R52): a housing buyer's purchase qualification, the sale ruling (成交裁定),
//! its service on the buyer — when ownership passes — and the hand-over. Each step is decided by
//! `auction_core::deal::AfterSale` under the round's lock and kept in the round's ledger.

use auction_core::Instant;
use auction_core::deal::{AfterSale, DealStatus, Qualification};
use auction_core::ledger::LedgerKind;
use auction_core::objection::ObjectionStatus;
use auction_core::time::rfc3339;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::rounds::{Access, update_round};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::{instant, millis};
use crate::persistence::entities::{deal, listing, objection};
use crate::state::AppState;

/// A step after payment, as the court records it.
pub enum Step {
    Qualification { result: Qualification, evidence: String },
    Ruling,
    Service { at: Instant },
    Handover { at: Instant },
}

pub async fn take(state: &AppState, caller: &Caller, deal_id: Uuid, step: Step) -> ApiResult<deal::Model> {
    let now = state.clock.now();
    let round_id = deal::Entity::find_by_id(deal_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("deal"))?
        .auction_id;
    let evidence = match &step {
        Step::Qualification { evidence, .. } => Some(super::required_text(evidence, "evidence", 2000)?),
        _ => None,
    };
    let updated = update_round(state, round_id, now, Access::Court(caller), async |locked, tx| {
        let deal = deal::Entity::find_by_id(deal_id)
            .lock_exclusive()
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::not_found("deal"))?;
        let listing = listing::Entity::find_by_id(deal.listing_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("deal without its listing"))?;
        let objection_pending = objection::Entity::find()
            .filter(objection::Column::AuctionId.eq(locked.id()))
            .filter(objection::Column::Status.eq(ObjectionStatus::Pending))
            .count(&**tx)
            .await?
            > 0;
        let facts = AfterSale {
            objection_pending,
            status: deal.status,
            is_housing: listing.is_housing,
            qualification: deal.qualification.as_deref().and_then(Qualification::parse),
            ruling_issued_at: deal.ruling_issued_at.map(instant),
            served_at: deal.served_at.map(instant),
        };
        let mut row = deal.clone().into_active_model();
        let (kind, mut payload) = match &step {
            Step::Qualification { result, .. } => {
                facts.check_qualification()?;
                row.qualification = Set(Some(result.as_str().to_owned()));
                row.qualification_evidence = Set(evidence.clone());
                (LedgerKind::Qualification, json!({ "result": result.as_str() }))
            }
            Step::Ruling => {
                facts.check_ruling()?;
                if super::exclusions::buyer_is_excluded(&**tx, locked.row.court_id, &deal).await? {
                    return Err(ApiError::conflict(
                        "buyer_excluded",
                        "the buyer is on this court's exclusion list (R9): no ruling can be issued; the sale \
                         can be set aside on an objection (R65)",
                    ));
                }
                row.status = Set(DealStatus::RulingIssued);
                row.ruling_issued_at = Set(Some(millis(now)));
                (LedgerKind::Ruling, json!({}))
            }
            Step::Service { at } => {
                facts.check_service(*at, now)?;
                row.served_at = Set(Some(millis(*at)));
                (LedgerKind::Served, json!({ "served_at": rfc3339(*at) }))
            }
            Step::Handover { at } => {
                facts.check_handover(*at, now)?;
                row.status = Set(DealStatus::HandedOver);
                row.handed_over_at = Set(Some(millis(*at)));
                (LedgerKind::HandedOver, json!({ "handed_over_at": rfc3339(*at) }))
            }
        };
        row.updated_at = Set(millis(now));
        let deal = row.update(&**tx).await?;
        payload["deal_id"] = json!(deal.id.to_string());
        payload["at"] = json!(rfc3339(now));
        locked.record_event(kind, payload);
        Ok(deal)
    })
    .await?;
    tracing::info!(deal.id = %deal_id, status = %updated.value.status, "after-sale step recorded");
    Ok(updated.value)
}
