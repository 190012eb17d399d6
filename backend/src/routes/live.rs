//! The live WebSocket of a round.

use actix_web::{HttpRequest, HttpResponse, get, web};
use std::time::Duration;
use utoipa_actix_web::service_config::ServiceConfig;

use actix_web::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::MaybeCaller;
use crate::auth::client_address;
use crate::auth::throttle::rate_limited;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::live::{Refusal, socket};
use crate::services::rounds;
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveQuery {
    /// The last bid sequence the client has: the bids after it follow the snapshot (or a `reset` when
    /// more than 500 were missed).
    #[param(minimum = 0)]
    pub after_seq: Option<i32>,
}

/// WebSocket: `{"type":"snapshot","auction":…}` first, then with `after_seq` the missed `bid` messages
/// (or `{"type":"reset"}`), then `bid` and `status` messages as they happen, with no gap and no repeat.
#[utoipa::path(tag = "bidding", params(LiveQuery), responses((status = 101, description = "switching to WebSocket"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, description = "rate_limited: too many live connections from this address", body = ErrorBody), (status = 503, description = "busy: the server's live connections are full", body = ErrorBody)))]
#[get("/api/auctions/{id}/live")]
pub async fn live(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    query: web::Query<LiveQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let after_seq = query.after_seq;
    if after_seq.is_some_and(|seq| seq < 0) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "after_seq is a bid sequence, 0 or more",
        ));
    }
    let row = rounds::find_visible(&state, &caller, id.into_inner()).await?;
    let address = client_address(&req, &state.trusted_proxies);
    let admission = state.live.admit(&address).map_err(|refusal| match refusal {
        Refusal::AddressFull => rate_limited("live connections from this address", Duration::from_secs(10)),
        Refusal::Full => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many people are watching right now; try again shortly",
        )
        .with_retry_after(10),
    })?;
    let (response, session, messages) = actix_ws::handle(&req, body)
        .map_err(|_| ApiError::bad_request("websocket_required", "this endpoint speaks WebSocket only"))?;
    socket::spawn(state.into_inner(), row.id, after_seq, session, messages, admission);
    Ok(response)
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(live);
}
