//! Live events of a round (new bids, status changes) for WebSocket subscribers.
//!
//! Every process keeps a broadcast channel per watched round. On PostgreSQL an event is published with
//! `pg_notify`, and each process (the sender included) hears it through `LISTEN` and hands it to its own
//! subscribers, so watchers on any instance see bids accepted by any other. On SQLite there is one
//! process, and events go straight to the local channels.
//!
//! The listener reconnects by itself when its connection is lost (a database failover, a restart); events
//! may have been missed meanwhile, so every subscriber is then caught up from its last bid (`after_seq`),
//! as a subscriber that fell behind is. The same listener hears moves of the cluster's test clock.

mod announce;
mod event;
pub mod socket;

pub use event::LiveMessage;

use bytestring::ByteString;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::sqlx::postgres::{PgListener, PgPool};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::clock::Clock;
use crate::shared_clock;

const CHANNEL: &str = "fapai_live";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
const MAX_NOTIFY_BYTES: usize = 7900;
/// Messages a slow subscriber may fall behind before it is sent a fresh snapshot instead.
const BUFFER: usize = 256;

#[derive(Serialize, Deserialize)]
struct Envelope {
    auction_id: Uuid,
    message: Value,
}

/// One event as every subscriber of a round receives it: the JSON text, and for a `bid` message its
/// sequence, read once here rather than by each subscriber.
pub struct LiveEvent {
    /// Shared, not copied, by the subscribers (a round may have thousands).
    pub text: ByteString,
    pub bid_seq: Option<i64>,
    /// The round's bid count as the message shows it: a subscriber that has not been sent that many bids
    /// knows some are missing.
    pub bid_count: Option<i64>,
    /// No message: the subscriber may have missed events and catches up from its last bid instead.
    pub catch_up: bool,
}

pub struct LiveHub {
    channels: Mutex<HashMap<Uuid, broadcast::Sender<Arc<LiveEvent>>>>,
    postgres: Option<PgPool>,
    /// Caught up with moves of the cluster's test clock (a manual clock only).
    clock: Clock,
    limits: ConnectionLimits,
    /// Open WebSockets, in all and per client address (an address leaves the map with its last one).
    connections: Mutex<(usize, HashMap<String, usize>)>,
}

/// How many WebSockets this process keeps open at most, in all and per client address.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub total: usize,
    pub per_address: usize,
}

/// Why a WebSocket was not admitted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Full,
    AddressFull,
}

/// One admitted WebSocket; dropping it frees its place.
pub struct Admission {
    hub: Arc<LiveHub>,
    address: String,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut connections = self.hub.connections.lock().unwrap_or_else(|p| p.into_inner());
        connections.0 = connections.0.saturating_sub(1);
        if let Some(count) = connections.1.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                connections.1.remove(&self.address);
            }
        }
    }
}

impl LiveHub {
    pub fn new(postgres: Option<PgPool>, clock: Clock, limits: ConnectionLimits) -> LiveHub {
        LiveHub {
            channels: Mutex::new(HashMap::new()),
            postgres,
            clock,
            limits,
            connections: Mutex::new((0, HashMap::new())),
        }
    }

    /// A place for one more WebSocket from `address`, if the limits allow it.
    pub fn admit(self: &Arc<Self>, address: &str) -> Result<Admission, Refusal> {
        let mut connections = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        if connections.0 >= self.limits.total {
            return Err(Refusal::Full);
        }
        let from_address = connections.1.get(address).copied().unwrap_or(0);
        if from_address >= self.limits.per_address {
            return Err(Refusal::AddressFull);
        }
        connections.0 += 1;
        connections.1.insert(address.to_owned(), from_address + 1);
        Ok(Admission {
            hub: Arc::clone(self),
            address: address.to_owned(),
        })
    }

    /// The PostgreSQL pool the cluster's processes talk through (none on SQLite).
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        self.postgres.as_ref()
    }

    /// Open WebSockets of this process.
    pub fn connection_count(&self) -> usize {
        self.connections.lock().unwrap_or_else(|p| p.into_inner()).0
    }

    pub fn subscribe(&self, auction_id: Uuid) -> broadcast::Receiver<Arc<LiveEvent>> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels
            .entry(auction_id)
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }

    /// Publishes `message` to every subscriber of the round, on every instance.
    pub async fn publish(&self, auction_id: Uuid, message: LiveMessage<'_>) {
        self.publish_all(vec![(auction_id, message)]).await;
    }

    /// Publishes messages in order, on PostgreSQL in one statement (a bid batch's messages are one round
    /// trip, not one per bid). A message too large for NOTIFY, or any when PostgreSQL cannot be reached,
    /// reaches this process's subscribers only.
    pub async fn publish_all(&self, messages: Vec<(Uuid, LiveMessage<'_>)>) {
        let envelopes: Vec<Envelope> = messages
            .into_iter()
            .map(|(auction_id, message)| Envelope {
                auction_id,
                message: message.to_json(),
            })
            .collect();
        let Some(pool) = &self.postgres else {
            envelopes.into_iter().for_each(|envelope| self.deliver(envelope));
            return;
        };
        let mut texts = Vec::with_capacity(envelopes.len());
        let mut notified = Vec::with_capacity(envelopes.len());
        for envelope in envelopes {
            match serde_json::to_string(&envelope) {
                Ok(text) if text.len() <= MAX_NOTIFY_BYTES => {
                    texts.push(text);
                    notified.push(envelope);
                }
                Ok(text) => {
                    tracing::warn!(bytes = text.len(), auction.id = %envelope.auction_id, "live event too large for NOTIFY; delivering locally");
                    self.deliver(envelope);
                }
                Err(_) => {}
            }
        }
        if texts.is_empty() {
            return;
        }
        // unnest yields the texts in order, and each NOTIFY is queued as it is evaluated.
        let sent = sea_orm::sqlx::query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload")
            .bind(CHANNEL)
            .bind(&texts)
            .execute(pool)
            .await;
        if let Err(err) = sent {
            tracing::warn!(error = %err, events = texts.len(), "live events not sent through PostgreSQL; delivering locally");
            notified.into_iter().for_each(|envelope| self.deliver(envelope));
        }
    }

    fn deliver(&self, envelope: Envelope) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = channels.get(&envelope.auction_id) {
            if sender.receiver_count() == 0 {
                channels.remove(&envelope.auction_id);
                return;
            }
            let bid_seq = (envelope.message["type"] == "bid")
                .then(|| envelope.message["bid"]["seq"].as_i64())
                .flatten();
            let event = LiveEvent {
                text: envelope.message.to_string().into(),
                bid_seq,
                bid_count: envelope.message["auction"]["bid_count"].as_i64(),
                catch_up: false,
            };
            let _ = sender.send(Arc::new(event));
        }
    }

    /// Tells every subscriber of this process to catch up from its last bid: events may have been lost.
    fn catch_up_everyone(&self) {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        let event = Arc::new(LiveEvent {
            text: ByteString::new(),
            bid_seq: None,
            bid_count: None,
            catch_up: true,
        });
        for sender in channels.values() {
            let _ = sender.send(Arc::clone(&event));
        }
    }

    /// On PostgreSQL: listens for events from every instance until cancelled, reconnecting on failure.
    pub fn start_listener(self: &Arc<Self>, cancel: CancellationToken) -> Option<tokio::task::JoinHandle<()>> {
        let pool = self.postgres.clone()?;
        let hub = Arc::clone(self);
        Some(tokio::spawn(async move {
            while !cancel.is_cancelled() {
                if let Err(err) = hub.listen(&pool, &cancel).await {
                    tracing::warn!(error = %err, "live listener lost its connection; reconnecting");
                    tokio::select! {
                        _ = cancel.cancelled() => {}
                        _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                    }
                }
            }
        }))
    }

    async fn listen(&self, pool: &PgPool, cancel: &CancellationToken) -> Result<(), sea_orm::sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        // Without its own reconnection: a lost connection ends this call, and what was missed is caught
        // up below when the next one is made.
        listener.eager_reconnect(false);
        listener.listen_all([CHANNEL, shared_clock::CHANNEL]).await?;
        // Listening again (after a failover, a restart): what was announced meanwhile was not heard.
        if self.clock.is_manual() {
            shared_clock::join(pool, &self.clock).await?;
        }
        self.catch_up_everyone();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return Ok(()),
                notification = listener.try_recv() => {
                    let Some(notification) = notification? else {
                        return Err(sea_orm::sqlx::Error::Protocol("the listener's connection was lost".into()));
                    };
                    if notification.channel() == shared_clock::CHANNEL {
                        shared_clock::heard(&self.clock, notification.payload());
                        continue;
                    }
                    match serde_json::from_str::<Envelope>(notification.payload()) {
                        Ok(envelope) => self.deliver(envelope),
                        Err(err) => tracing::warn!(error = %err, "malformed live event ignored"),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admissions_are_capped_in_all_and_per_address_and_freed_on_drop() {
        let hub = Arc::new(LiveHub::new(
            None,
            Clock::System,
            ConnectionLimits {
                total: 3,
                per_address: 2,
            },
        ));
        let a1 = hub.admit("1.1.1.1").expect("first");
        let _a2 = hub.admit("1.1.1.1").expect("second");
        assert_eq!(hub.admit("1.1.1.1").err(), Some(Refusal::AddressFull));
        let _b1 = hub.admit("2.2.2.2").expect("another address");
        assert_eq!(hub.admit("3.3.3.3").err(), Some(Refusal::Full));
        drop(a1);
        assert_eq!(hub.connection_count(), 2);
        assert!(hub.admit("1.1.1.1").is_ok(), "a freed place can be taken again");
    }
}
