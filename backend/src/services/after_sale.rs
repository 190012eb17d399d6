//! What follows payment (R32, R52): a housing buyer's purchase qualification, the sale ruling (成交裁定),
//! its service on the buyer — when ownership passes — and the hand-over. Each step is decided by
//! `auction_core::deal::AfterSale` under the round's lock and kept in the round's ledger.

use auction_core::Instant;
use auction_core::deal::{AfterSale, DealStatus, Qualification};
use auction_core::ledger::LedgerKind;
use auction_core::objection::ObjectionStatus;
use auction_core::objection::{Decided, ruling_hold};
use auction_core::time::rfc3339;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect};
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

/// The round a deal was made in: its lock guards every step after the sale.
async fn round_of(state: &AppState, deal_id: Uuid) -> ApiResult<Uuid> {
    Ok(deal::Entity::find_by_id(deal_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("deal"))?
        .auction_id)
}

pub async fn take(state: &AppState, caller: &Caller, deal_id: Uuid, step: Step) -> ApiResult<deal::Model> {
    let now = state.clock.now();
    let round_id = round_of(state, deal_id).await?;
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
        let objections = objection::Entity::find()
            .filter(objection::Column::AuctionId.eq(locked.id()))
            .all(&**tx)
            .await?;
        let objection_pending = objections.iter().any(|o| o.status == ObjectionStatus::Pending);
        // A rejected objection may still be taken to the higher court (R64).
        let decided: Vec<Decided> = objections
            .iter()
            .filter(|o| o.status == ObjectionStatus::Rejected)
            .filter_map(|o| {
                Some(Decided {
                    decided_at: instant(o.decided_at?),
                    reconsideration_waiting: o.reconsideration_requested_at.is_some()
                        && o.reconsideration_outcome.is_none(),
                })
            })
            .collect();
        let facts = AfterSale {
            objection_pending,
            ruling_hold: ruling_hold(&decided, now),
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

/// What the court imposes on a buyer who faked their purchase qualification (R32; [HQ] Art. 6).
pub struct Liabilities {
    /// Whether the deposit is kept or paid back.
    pub deposit: auction_core::deal::DepositFate,
    /// A fine the court imposed, for the record.
    pub fine: Option<auction_core::Money>,
    /// The case was referred for detention or prosecution.
    pub referred: bool,
}

/// The sale declared void because the buyer faked their qualification (R32): only once the court found the
/// buyer not qualified, before the hand-over. The sale is set aside as a revocation is — any paid balance
/// back the way it came — but the deposit is kept if the court so decides; the liabilities are kept with
/// the deal and in the round's ledger. The listing may be auctioned again.
pub async fn void_for_fraud(
    state: &AppState,
    caller: &Caller,
    deal_id: Uuid,
    reason: &str,
    liabilities: Liabilities,
) -> ApiResult<deal::Model> {
    let reason = super::required_text(reason, "reason", 2000)?;
    let now = state.clock.now();
    let round_id = round_of(state, deal_id).await?;
    let updated = update_round(state, round_id, now, Access::Court(caller), async |locked, tx| {
        let deal = deal::Entity::find_by_id(deal_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::not_found("deal"))?;
        let found_unqualified = deal.qualification.as_deref().and_then(Qualification::parse)
            == Some(Qualification::NotQualified);
        if !found_unqualified || !auction_core::deal::is_revocable(deal.status) {
            return Err(ApiError::conflict(
                "void_not_allowed",
                "a sale is declared void for a faked qualification only after the court found the buyer not \
                 qualified, and before the hand-over (R32)",
            ));
        }
        let liabilities_json = json!({
            "deposit": liabilities.deposit,
            "fine": liabilities.fine.map(|fine| fine.to_string()),
            "referred": liabilities.referred,
        });
        locked.record_event(
            LedgerKind::SaleVoided,
            json!({ "deal_id": deal.id.to_string(), "reason": reason, "liabilities": liabilities_json, "at": rfc3339(now) }),
        );
        locked.keep_deposit_on_revocation = liabilities.deposit == auction_core::deal::DepositFate::Forfeited;
        let transition = locked.round.revoke(now)?;
        locked.record(state, tx, transition, Some(reason.as_str())).await?;
        let deal = deal::Entity::find_by_id(deal_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::not_found("deal"))?;
        let mut active = deal.into_active_model();
        active.void_reason = Set(Some(reason.clone()));
        active.liabilities = Set(Some(liabilities_json.to_string()));
        Ok(active.update(&**tx).await?)
    })
    .await?;
    crate::notify::flush(state).await;
    if let Err(error) = super::refund_tasks::pay_owed_in_round(state, round_id, now).await {
        tracing::warn!(%error, "refunds owed on the void sale wait for the worker");
    }
    tracing::info!(deal.id = %deal_id, "sale declared void: the buyer faked their qualification");
    Ok(updated.value)
}
