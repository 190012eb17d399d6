//! One WebSocket subscriber: a snapshot first, then the bids it missed (`?after_seq=N`), then every event
//! of the round — with no gap and no duplicate. A subscriber that falls behind is caught up the same way.
//! Pings keep idle connections alive through proxies.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessage, MessageStream, Session};
use bytestring::ByteString;
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::{Admission, LiveMessage};
use crate::persistence::entities::{bid, round};
use crate::state::AppState;
use crate::views::{AuctionView, BidView};

const PING_EVERY: Duration = Duration::from_secs(20);
/// A client silent for longer (no pong, no message) is dropped.
const PONG_DEADLINE: Duration = Duration::from_secs(50);
/// A message a client does not take within this time drops that client; the others never wait for it.
/// Until then what it has not taken is bounded: the session's channel holds 32 messages, and the
/// connection's write buffer stops taking more while the socket does not drain.
const SEND_DEADLINE: Duration = Duration::from_secs(10);
/// The close frame of a client that is gone or stuck is not waited for longer than this.
const CLOSE_DEADLINE: Duration = Duration::from_secs(1);

/// Sends one text message within the deadline; false if the client is gone or too slow.
async fn send(session: &mut Session, text: ByteString) -> bool {
    matches!(
        tokio::time::timeout(SEND_DEADLINE, session.text(text)).await,
        Ok(Ok(()))
    )
}
/// How long a subscriber waits for bids it knows of but has not been sent before reading them from the
/// database. Announcements go out after each commit, so across instances they may arrive out of order;
/// one is lost for good when its process dies between its commit and its `NOTIFY`.
const GAP_GRACE: Duration = Duration::from_secs(2);

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// More missed bids than this and the client is told to reload the record instead (`reset`).
pub const MAX_CATCH_UP: i32 = 500;

/// What a (re)connecting subscriber is sent before live events: the snapshot, then the missed bids
/// (or a `reset`), and the last bid sequence those messages cover.
struct CatchUp {
    snapshot: String,
    reset: bool,
    bids: Vec<(i64, String)>,
    covered_seq: i64,
}

/// The bid sequences a subscriber has been sent: all up to `contiguous`, and some beyond it. Bids are
/// published after their commit, so two of them can reach the hub out of order; a later one is sent at
/// once and the earlier one still when it comes, while a repeat is never sent.
struct SentBids {
    contiguous: i64,
    ahead: BTreeSet<i64>,
}

impl SentBids {
    fn up_to(seq: i64) -> SentBids {
        SentBids {
            contiguous: seq,
            ahead: BTreeSet::new(),
        }
    }

    /// Marks `seq` as sent; false if it already was.
    fn mark(&mut self, seq: i64) -> bool {
        if seq <= self.contiguous || !self.ahead.insert(seq) {
            return false;
        }
        while self.ahead.remove(&(self.contiguous + 1)) {
            self.contiguous += 1;
        }
        true
    }

    fn cover(&mut self, seq: i64) {
        if seq > self.contiguous {
            self.contiguous = seq;
            self.ahead.retain(|s| *s > seq);
        }
    }
}

async fn catch_up(state: &AppState, auction_id: Uuid, after_seq: Option<i32>) -> Option<CatchUp> {
    let row = round::Entity::find_by_id(auction_id)
        .one(state.db.conn())
        .await
        .ok()??;
    let view = AuctionView::of(&row, state.clock.now()).ok()?;
    let last_seq = row.bid_count;
    let mut catch_up = CatchUp {
        snapshot: LiveMessage::Snapshot { auction: &view }.to_text(),
        reset: false,
        bids: Vec::new(),
        covered_seq: i64::from(last_seq),
    };
    match after_seq {
        Some(after) if last_seq - after > MAX_CATCH_UP => catch_up.reset = true,
        Some(after) if after < last_seq => {
            let status = row.status;
            let missed = bid::Entity::find()
                .filter(bid::Column::AuctionId.eq(auction_id))
                .filter(bid::Column::Seq.gt(after))
                .filter(bid::Column::Seq.lte(last_seq))
                .order_by_asc(bid::Column::Seq)
                .all(state.db.conn())
                .await
                .ok()?;
            for b in &missed {
                let bid_view = BidView::of(b, last_seq, status).ok()?;
                let text = LiveMessage::Bid {
                    bid: &bid_view,
                    auction: &view,
                }
                .to_text();
                catch_up.bids.push((i64::from(b.seq), text));
            }
        }
        _ => {}
    }
    Some(catch_up)
}

/// The messages of a catch-up that this subscriber has not been sent yet; marks them sent.
fn unsent(catch_up: CatchUp, sent: &mut SentBids) -> Vec<ByteString> {
    let mut messages = vec![ByteString::from(catch_up.snapshot)];
    if catch_up.reset {
        messages.push(LiveMessage::Reset.to_text().into());
    }
    for (seq, text) in catch_up.bids {
        if sent.mark(seq) {
            messages.push(text.into());
        }
    }
    // Everything up to the snapshot is now in the client's hands: in the snapshot, these bids or the
    // record it reloads after a reset.
    sent.cover(catch_up.covered_seq);
    messages
}

/// The messages that bring this subscriber up to date from its last contiguous bid; `None` if the round
/// cannot be read.
async fn catch_up_from(state: &AppState, auction_id: Uuid, sent: &mut SentBids) -> Option<Vec<ByteString>> {
    let after = i32::try_from(sent.contiguous).unwrap_or(i32::MAX);
    let again = catch_up(state, auction_id, Some(after)).await?;
    Some(unsent(again, sent))
}

pub fn spawn(
    state: Arc<AppState>,
    auction_id: Uuid,
    after_seq: Option<i32>,
    mut session: Session,
    messages: MessageStream,
    admission: Admission,
) {
    // Subscribe before reading the snapshot, so no event falls between the two.
    let mut events = state.live.subscribe(auction_id);
    let mut incoming = messages.aggregate_continuations().max_continuation_size(64 * 1024);
    actix_web::rt::spawn(async move {
        // Holds this connection's place until the task ends.
        let _admission = admission;
        let Some(first) = catch_up(&state, auction_id, after_seq).await else {
            let _ = tokio::time::timeout(CLOSE_DEADLINE, session.close(None)).await;
            return;
        };
        // Bids up to here were in the catch-up; events queued meanwhile may repeat them and are skipped.
        let mut sent = SentBids::up_to(i64::from(after_seq.unwrap_or(0)));
        for text in unsent(first, &mut sent) {
            if !send(&mut session, text).await {
                return;
            }
        }
        let mut last_heard = Instant::now();
        let mut too_slow = false;
        // The highest bid sequence any message has shown this subscriber, and when the bids up to it, if
        // not all sent, are read from the database instead of waited for.
        let mut known_seq = sent.contiguous;
        let mut gap_deadline: Option<tokio::time::Instant> = None;
        // Each socket's pings start at a random point of the period: thousands of watchers that connected
        // together would otherwise all be pinged in one burst that holds up the next bid's messages.
        let first_ping = PING_EVERY.mul_f64(rand::random::<f64>());
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + first_ping, PING_EVERY);
        loop {
            let texts = tokio::select! {
                // The process is stopping: the client reconnects (elsewhere) and catches up by `after_seq`.
                () = state.shutdown.begun() => {
                    let away = actix_ws::CloseReason { code: actix_ws::CloseCode::Away, description: None };
                    let _ = tokio::time::timeout(CLOSE_DEADLINE, session.close(Some(away))).await;
                    return;
                }
                event = events.recv() => match event {
                    Ok(event) if !event.catch_up => {
                        known_seq = known_seq.max(event.bid_count.unwrap_or(0));
                        if event.bid_seq.is_some_and(|seq| !sent.mark(seq)) {
                            Vec::new()
                        } else {
                            vec![event.text.clone()]
                        }
                    }
                    // Fell behind the channel, or events may have been lost (the hub's listener
                    // reconnected): a fresh snapshot and the bids since the last contiguous one.
                    Ok(_) | Err(RecvError::Lagged(_)) => match catch_up_from(&state, auction_id, &mut sent).await {
                        Some(texts) => texts,
                        None => break,
                    },
                    Err(RecvError::Closed) => break,
                },
                // Bids this subscriber was told of never came: their announcement was lost for good.
                () = sleep_until(gap_deadline), if gap_deadline.is_some() => {
                    match catch_up_from(&state, auction_id, &mut sent).await {
                        Some(texts) => texts,
                        None => break,
                    }
                }
                message = incoming.next() => {
                    match message {
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            last_heard = Instant::now();
                            if session.pong(&bytes).await.is_err() {
                                break;
                            }
                        }
                        Some(Ok(AggregatedMessage::Close(_))) | None | Some(Err(_)) => break,
                        Some(Ok(_)) => last_heard = Instant::now(),
                    }
                    continue;
                }
                _ = ping.tick() => {
                    // A client that has not answered two pings is gone, or too slow to keep.
                    if last_heard.elapsed() > PONG_DEADLINE {
                        break;
                    }
                    let pinged = tokio::time::timeout(SEND_DEADLINE, session.ping(b"")).await;
                    if !matches!(pinged, Ok(Ok(()))) {
                        break;
                    }
                    continue;
                }
            };
            let mut failed = false;
            for text in texts {
                if !send(&mut session, text).await {
                    failed = true;
                    break;
                }
            }
            if failed {
                too_slow = true;
                break;
            }
            // A later bid arrived before an earlier one (each instance announces after its own commit), or
            // the round's count is ahead: the missing ones get a moment to arrive, then they are read.
            if known_seq > sent.contiguous {
                gap_deadline.get_or_insert_with(|| tokio::time::Instant::now() + GAP_GRACE);
            } else {
                gap_deadline = None;
            }
        }
        // A client too slow to keep is told where to catch up from when it comes back (if it still reads).
        let reason = too_slow.then(|| actix_ws::CloseReason {
            code: actix_ws::CloseCode::Again,
            description: Some(format!("too slow; reconnect with after_seq={}", sent.contiguous)),
        });
        let _ = tokio::time::timeout(CLOSE_DEADLINE, session.close(reason)).await;
    });
}

#[cfg(test)]
mod tests {
    use super::SentBids;

    #[test]
    fn a_bid_is_sent_once_even_when_bids_arrive_out_of_order() {
        let mut sent = SentBids::up_to(3);
        assert!(!sent.mark(3), "covered by the snapshot");
        assert!(sent.mark(5), "a later bid goes out at once");
        assert!(sent.mark(4), "the earlier one still goes out when it comes");
        assert_eq!(sent.contiguous, 5);
        assert!(!sent.mark(4) && !sent.mark(5), "never twice");
        assert!(sent.ahead.is_empty());
    }

    #[test]
    fn a_catch_up_covers_everything_up_to_its_snapshot() {
        let mut sent = SentBids::up_to(0);
        assert!(sent.mark(2));
        sent.cover(7);
        assert_eq!(sent.contiguous, 7);
        assert!(sent.ahead.is_empty());
        assert!(!sent.mark(6));
        assert!(sent.mark(8));
    }
}
