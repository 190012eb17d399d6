//! A round's ledger: a page of its chain, or the whole chain streamed.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::MaybeCaller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::services::bidding::{self};
use crate::services::rounds::{self};
use crate::state::AppState;
use crate::views::{LedgerEntryView, LedgerView};

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
    let round = rounds::find_visible(&state, &caller, id.into_inner()).await?;
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
        let entries = bidding::ledger_page(&state, caller.read_from(), round.id, after_seq, limit)
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
        .streaming(ledger_stream(state.into_inner(), caller.read_from(), round.id)))
}

/// `{"entries":[…],"head":"…"}`, written a step of entries at a time: memory stays flat however long
/// the chain, and `head` is the hash of the last entry written.
fn ledger_stream(
    state: std::sync::Arc<AppState>,
    from: crate::persistence::ReadFrom,
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
            let page = match bidding::ledger_page(&state, from, round_id, cursor.after_seq, LEDGER_STREAM_STEP).await {
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
