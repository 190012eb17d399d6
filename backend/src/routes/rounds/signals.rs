//! A round's signals of shill bidding and collusion, for its court after the end (`docs/signals.md`).

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::services::signals;
use crate::state::AppState;

/// A ledger entry a signal rests on, to re-verify in the round's public ledger.
#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    pub ledger_seq: i64,
    pub hash: String,
}

/// A pattern of shill bidding or collusion (see `docs/signals.md`): a pointer for the judge, not a finding.
#[derive(Serialize, ToSchema)]
pub struct SignalView {
    pub kind: auction_core::signals::SignalKind,
    /// 0–100.
    pub score: u8,
    /// The bidder codes concerned.
    pub codes: Vec<String>,
    pub explanation: String,
    pub evidence: Vec<EvidenceView>,
}

/// A round's signals, as the court reads and exports them for an objection file.
#[derive(Serialize, ToSchema)]
pub struct SignalsView {
    pub auction_id: Uuid,
    pub title: String,
    /// The ledger the evidence is in: its last sequence and head hash when the signals were computed.
    pub ledger_seq: i64,
    pub ledger_head: String,
    pub signals: Vec<SignalView>,
}

/// The signals of shill bidding and collusion in a round, for its court only and only after bidding has
/// ended (R40); to anyone else the round is not there.
#[utoipa::path(tag = "court", responses(
    (status = 200, body = SignalsView),
    (status = 404, description = "not_found: not a judge of the round's court", body = ErrorBody),
    (status = 409, description = "auction_not_closed", body = ErrorBody),
), security(("bearer" = [])))]
#[get("/api/auctions/{id}/signals")]
pub async fn round_signals(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SignalsView>> {
    let (round, found) = signals::of_round(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(SignalsView {
        auction_id: round.id,
        title: round.title,
        ledger_seq: round.ledger_seq,
        ledger_head: round.ledger_head,
        signals: found
            .into_iter()
            .map(|signal| SignalView {
                kind: signal.kind,
                score: signal.score,
                codes: signal.codes,
                explanation: signal.explanation,
                evidence: signal
                    .evidence
                    .into_iter()
                    .map(|e| EvidenceView {
                        ledger_seq: e.ledger_seq,
                        hash: e.hash,
                    })
                    .collect(),
            })
            .collect(),
    }))
}
