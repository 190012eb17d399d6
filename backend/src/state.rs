//! What every handler and worker shares: settings, the database, the clock, keys and the live hub.

use std::sync::Arc;

use crate::auth::identity::IdentityVerifier;
use crate::auth::password::Hashing;
use crate::auth::throttle::Throttle;
use crate::auth::token::TokenKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::gateway::Gateway;
use crate::live::LiveHub;
use crate::notify::transport::Mailer;
use crate::persistence::Database;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Database,
    pub clock: Clock,
    pub tokens: TokenKeys,
    pub gateway: Gateway,
    pub live: Arc<LiveHub>,
    pub mail: Mailer,
    pub throttle: Throttle,
    pub hashing: Hashing,
    pub identity: IdentityVerifier,
    /// Proxies whose `X-Forwarded-For` names the client (`FAPAI_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The bids waiting for their round's next batch (`bid_path = "group"`).
    pub bid_queue: crate::services::bidding::queue::BidQueue,
    /// Points where an in-process test can hold the server (never armed outside tests).
    pub hooks: crate::hooks::Hooks,
    /// The graceful stop: requests in flight, and whether new ones are refused.
    pub shutdown: crate::shutdown::Shutdown,
    /// Held by the background worker for one pass over what is due, and by a move of the test clock, so
    /// the clock answers only after a pass the worker began has committed (its claims are skipped by
    /// everyone else).
    pub due_pass: tokio::sync::Mutex<()>,
    /// Likewise for one pass of the outbox worker's delivery.
    pub delivery_pass: tokio::sync::Mutex<()>,
}
