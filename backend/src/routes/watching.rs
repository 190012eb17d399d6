//! Watching a round (关注/设置提醒): on and off, and the caller's own list.

use actix_web::{delete, get, put, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiResult, ErrorBody};
use crate::services::{rounds, watching};
use crate::state::AppState;
use crate::views::{AuctionView, Page, PageQuery};

/// Watching is for rounds the caller can see: published ones, and a judge's own court's drafts.
async fn watch(state: &AppState, caller: &Caller, id: Uuid, on: bool) -> ApiResult<watching::Watching> {
    let round = rounds::find_visible(state, &MaybeCaller(Some(*caller)), id).await?;
    watching::set(state, caller, &round, on).await
}

#[derive(Serialize, ToSchema)]
pub struct WatchView {
    pub watching: bool,
    pub watch_count: u64,
}

/// Watch a published round: emailed once when bidding opens and once 30 minutes before it ends. Repeating
/// it changes nothing.
#[utoipa::path(tag = "bidding", responses((status = 200, body = WatchView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[put("/api/auctions/{id}/watch")]
pub async fn watch_auction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<WatchView>> {
    let now = watch(&state, &caller, id.into_inner(), true).await?;
    Ok(web::Json(WatchView {
        watching: now.watching,
        watch_count: now.watch_count,
    }))
}

/// Stop watching a round (no more reminders).
#[utoipa::path(tag = "bidding", responses((status = 200, body = WatchView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/auctions/{id}/watch")]
pub async fn unwatch_auction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<WatchView>> {
    let now = watch(&state, &caller, id.into_inner(), false).await?;
    Ok(web::Json(WatchView {
        watching: now.watching,
        watch_count: now.watch_count,
    }))
}

/// The rounds I watch, most recently watched first.
#[utoipa::path(tag = "accounts", params(PageQuery), responses((status = 200, body = Page<AuctionView>)), security(("bearer" = [])))]
#[get("/api/me/watches")]
pub async fn my_watches(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<AuctionView>>> {
    let (page, per_page) = query.resolve()?;
    let (rows, total) = watching::list_mine(&state, &caller, page, per_page).await?;
    let mut items = super::rounds::cards(&state, crate::persistence::ReadFrom::Primary, &rows).await?;
    for item in &mut items {
        item.watching = Some(true);
    }
    Ok(web::Json(Page::of(items, total, page, per_page)))
}

pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(watch_auction).service(unwatch_auction).service(my_watches);
}
