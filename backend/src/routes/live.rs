//! The live WebSocket of a round.

use actix_web::{HttpRequest, HttpResponse, get, web};
use uuid::Uuid;

use crate::auth::MaybeCaller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::live::socket;
use crate::services::auctions;
use crate::state::AppState;

/// WebSocket: `{"type":"snapshot","auction":…}` first, then `bid` and `status` messages as they happen.
#[utoipa::path(tag = "bidding", responses((status = 101, description = "switching to WebSocket"), (status = 404, body = ErrorBody)))]
#[get("/api/auctions/{id}/live")]
pub async fn live(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<Uuid>,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let row = auctions::find_visible(&state, &caller, id.into_inner()).await?;
    let (response, session, messages) = actix_ws::handle(&req, body)
        .map_err(|_| ApiError::bad_request("websocket_required", "this endpoint speaks WebSocket only"))?;
    socket::spawn(state.into_inner(), row.id, session, messages);
    Ok(response)
}
