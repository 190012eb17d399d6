//! One WebSocket subscriber: a snapshot first, then every event of the round; a fresh snapshot if it
//! falls behind. Pings keep idle connections alive through proxies.

use std::sync::Arc;
use std::time::Duration;

use actix_ws::{AggregatedMessage, MessageStream, Session};
use futures_util::StreamExt;
use sea_orm::EntityTrait;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::persistence::entities::auction;
use crate::routes::views::AuctionView;
use crate::state::AppState;

const PING_EVERY: Duration = Duration::from_secs(20);

async fn snapshot(state: &AppState, auction_id: Uuid) -> Option<String> {
    let row = auction::Entity::find_by_id(auction_id)
        .one(state.db.conn())
        .await
        .ok()??;
    let view = AuctionView::of(&row, state.clock.now()).ok()?;
    Some(json!({ "type": "snapshot", "auction": view }).to_string())
}

pub fn spawn(state: Arc<AppState>, auction_id: Uuid, mut session: Session, messages: MessageStream) {
    // Subscribe before reading the snapshot, so no event falls between the two.
    let mut events = state.live.subscribe(auction_id);
    let mut incoming = messages.aggregate_continuations().max_continuation_size(64 * 1024);
    actix_web::rt::spawn(async move {
        let Some(first) = snapshot(&state, auction_id).await else {
            let _ = session.close(None).await;
            return;
        };
        if session.text(first).await.is_err() {
            return;
        }
        let mut ping = tokio::time::interval(PING_EVERY);
        loop {
            tokio::select! {
                event = events.recv() => {
                    let text = match event {
                        Ok(text) => text.to_string(),
                        Err(RecvError::Lagged(_)) => match snapshot(&state, auction_id).await {
                            Some(text) => text,
                            None => break,
                        },
                        Err(RecvError::Closed) => break,
                    };
                    if session.text(text).await.is_err() {
                        break;
                    }
                }
                message = incoming.next() => match message {
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            break;
                        }
                    }
                    Some(Ok(AggregatedMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if session.ping(b"").await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = session.close(None).await;
    });
}
