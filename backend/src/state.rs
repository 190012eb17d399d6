//! What every handler and worker shares: settings, the database, the clock, keys and the live hub.

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::auth::token::TokenKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::live::LiveHub;
use crate::notify::transport::MailSettings;
use crate::persistence::Database;
use crate::services::payments::SandboxGateway;

pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Database,
    pub clock: Clock,
    pub tokens: TokenKeys,
    pub gateway: SandboxGateway,
    pub live: Arc<LiveHub>,
    pub mail: MailSettings,
    pub logins: LoginThrottle,
}
