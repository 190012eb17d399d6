//! Typed settings: the commented defaults file compiled into the binary, an optional file named by
//! `FAPAI_CONFIG`, then `FAPAI_*` environment variables, validated once at start.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Deserialize;

const DEFAULTS: &str = include_str!("../fapai.defaults.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockMode {
    System,
    Manual,
}

/// How bids are committed: `group` (a round's waiting bids share one transaction) or `single` (one each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BidPath {
    Group,
    Single,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting of a `fapai` process. Passed explicitly; tests build one and change what they need.
#[derive(Clone, Deserialize)]
pub struct Settings {
    pub database_url: String,
    pub database_max_connections: u32,
    pub database_acquire_timeout_ms: u64,
    pub database_read_url: String,
    pub database_read_max_lag_ms: u64,
    pub data_dir: PathBuf,
    pub listen: String,
    pub http_workers: usize,
    pub public_url: String,
    pub clock: ClockMode,
    pub admin_email: String,
    pub admin_password: String,
    pub payments: String,
    pub payments_secret: String,
    pub payments_sandbox: String,
    pub alipay_gateway_url: String,
    pub alipay_app_id: String,
    pub alipay_app_private_key_file: String,
    pub alipay_public_key_file: String,
    pub alipay_seller_id: String,
    pub alipay_timeout_seconds: u64,
    pub mail: String,
    pub mail_from: String,
    pub smtp_tls: String,
    pub smtp_username: String,
    pub smtp_password: String,
    pub jwt_secret: String,
    pub token_hours: u32,
    pub login_failures_allowed: usize,
    pub logins_per_address_per_minute: u32,
    pub signups_per_address_per_hour: u32,
    pub signups_per_identity_per_hour: u32,
    pub trusted_proxies: String,
    pub password_hashing_slots: usize,
    pub identity: String,
    pub metrics_token: String,
    pub websocket_max_connections: usize,
    pub websocket_max_per_address: usize,
    pub body_deadline_seconds: u64,
    pub upload_read_timeout_seconds: u64,
    pub large_bodies_per_address: usize,
    pub large_body_budget_mib: u64,
    #[serde(deserialize_with = "flag")]
    pub demo: bool,
    pub worker_interval_ms: u64,
    /// On SIGTERM: how long requests in flight may take to finish before the server stops anyway.
    pub stop_timeout_seconds: u64,
    pub log_format: LogFormat,
    pub bid_path: BidPath,
    pub bid_committers: usize,
}

impl std::fmt::Debug for Settings {
    /// Secrets stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database", &redact_url(&self.database_url))
            .field("database_read", &redact_url(&self.database_read_url))
            .field("listen", &self.listen)
            .field("clock", &self.clock)
            .field("payments", &self.payments)
            .field("mail", &redact_url(&self.mail))
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
        Number(i64),
    }
    Ok(match Flag::deserialize(deserializer)? {
        Flag::Bool(value) => value,
        Flag::Number(value) => value != 0,
        Flag::Text(text) => matches!(text.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"),
    })
}

/// The shortest signing key accepted in production.
pub const MIN_SECRET_BYTES: usize = 32;

/// What makes a signing key guessable, if anything: too short, spaces or control characters (a pasted
/// line), too few different characters (`aaaa…`), or a pattern repeated (`0123456789012…`). A random key
/// in hex or base64 passes.
fn weakness(secret: &str) -> Option<String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Some(format!("must be at least {MIN_SECRET_BYTES} bytes"));
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("must not contain spaces or control characters".into());
    }
    let mut counts = HashMap::new();
    for c in secret.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let most = counts.values().copied().max().unwrap_or(0);
    let chars: Vec<char> = secret.chars().collect();
    let periodic = (1..=chars.len() / 2).any(|period| chars.iter().skip(period).zip(&chars).all(|(a, b)| a == b));
    if counts.len() < 10 || most * 4 > chars.len() || periodic {
        return Some("repeats itself too much to be random".into());
    }
    None
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the configuration file {path} is not valid TOML: {source}")]
    Parse { path: String, source: toml::de::Error },
    #[error("invalid setting: {0}")]
    Invalid(String),
}

impl Settings {
    /// Settings from the defaults, `FAPAI_CONFIG` and the process environment.
    pub fn load() -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Settings::from_sources(&env)
    }

    /// Settings from the defaults plus the given environment (a map, so tests need no global state).
    pub fn from_sources(env: &HashMap<String, String>) -> Result<Settings, ConfigError> {
        let parse = |path: &str, text: &str| {
            text.parse::<toml::Table>().map_err(|source| ConfigError::Parse {
                path: path.to_owned(),
                source,
            })
        };
        let mut table = parse("(built-in defaults)", DEFAULTS)?;
        if let Some(path) = env.get("FAPAI_CONFIG").filter(|p| !p.is_empty()) {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            for (key, value) in parse(path, &text)? {
                table.insert(key, value);
            }
        }
        let keys: Vec<String> = table.keys().cloned().collect();
        for key in keys {
            if let Some(raw) = env.get(&format!("FAPAI_{}", key.to_ascii_uppercase())) {
                let value = match table.get(&key) {
                    Some(toml::Value::Integer(_)) => {
                        raw.trim().parse::<i64>().map(toml::Value::Integer).map_err(|_| {
                            ConfigError::Invalid(format!("FAPAI_{} must be a whole number", key.to_ascii_uppercase()))
                        })?
                    }
                    _ => toml::Value::String(raw.clone()),
                };
                table.insert(key, value);
            }
        }
        let mut settings: Settings = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string()))?;
        if settings.database_url.trim().is_empty() {
            let file = settings.data_dir.join("fapai.db");
            settings.database_url = format!("sqlite://{}?mode=rwc", file.display());
        }
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database_url.as_str();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid(
                "FAPAI_DATABASE_URL must start with sqlite: or postgres://".into(),
            ));
        }
        let read = self.database_read_url.as_str();
        if !(read.is_empty() || read.starts_with("postgres://") || read.starts_with("postgresql://"))
            || (!read.is_empty() && url.starts_with("sqlite:"))
        {
            return Err(ConfigError::Invalid(
                "FAPAI_DATABASE_READ_URL names a PostgreSQL replica (postgres://…), with a PostgreSQL primary".into(),
            ));
        }
        if !matches!(self.payments.as_str(), "sandbox" | "alipay") {
            return Err(ConfigError::Invalid(format!(
                "FAPAI_PAYMENTS={} is not supported: `sandbox` (built in, no real money) or `alipay`",
                self.payments
            )));
        }
        self.trusted_proxy_addresses()?;
        if self.identity != "sandbox" {
            return Err(ConfigError::Invalid(format!(
                "FAPAI_IDENTITY={} is not supported; only the built-in `sandbox` verifier is available",
                self.identity
            )));
        }
        if self.token_hours == 0 {
            return Err(ConfigError::Invalid("FAPAI_TOKEN_HOURS must be at least 1".into()));
        }
        if self.admin_email.is_empty() != self.admin_password.is_empty() {
            return Err(ConfigError::Invalid(
                "set both FAPAI_ADMIN_EMAIL and FAPAI_ADMIN_PASSWORD, or neither".into(),
            ));
        }
        if !self.admin_password.is_empty() && self.admin_password.chars().count() < 8 {
            return Err(ConfigError::Invalid(
                "FAPAI_ADMIN_PASSWORD must have at least 8 characters".into(),
            ));
        }
        Ok(())
    }

    /// In production — the real clock and no demo — the signing keys must be real ones: at least 32 bytes
    /// each (a random per-process key would sign out everyone at each restart and differ between
    /// processes; a short one can be guessed).
    pub fn check_secrets(&self) -> Result<(), ConfigError> {
        if self.clock == ClockMode::Manual || self.demo {
            return Ok(());
        }
        for (name, secret) in [
            ("FAPAI_JWT_SECRET", &self.jwt_secret),
            ("FAPAI_PAYMENTS_SECRET", &self.payments_secret),
        ] {
            if let Some(weakness) = weakness(secret) {
                return Err(ConfigError::Invalid(format!(
                    "{name} {weakness} (make one with `openssl rand -hex 32`); only FAPAI_DEMO=1 or \
                     FAPAI_CLOCK=manual run without one"
                )));
            }
        }
        if self.payments == "sandbox" && self.payments_sandbox.trim() != "allow" {
            return Err(ConfigError::Invalid(
                "FAPAI_PAYMENTS=sandbox lets any bidder mark a deposit or balance paid without paying; with the \
                 real clock it starts only with FAPAI_PAYMENTS_SANDBOX=allow (and every page then says so)"
                    .into(),
            ));
        }
        if self.jwt_secret == self.payments_secret {
            return Err(ConfigError::Invalid(
                "FAPAI_JWT_SECRET and FAPAI_PAYMENTS_SECRET must differ: one key must not sign both tokens and \
                 payment callbacks"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The sandbox gateway in a server that takes real bidders: allowed, and to be shown on every page.
    pub fn sandbox_in_production(&self) -> bool {
        self.payments == "sandbox" && self.clock == ClockMode::System && !self.demo
    }

    /// `FAPAI_TRUSTED_PROXIES` as addresses.
    pub fn trusted_proxy_addresses(&self) -> Result<Vec<std::net::IpAddr>, ConfigError> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse()
                    .map_err(|_| ConfigError::Invalid(format!("FAPAI_TRUSTED_PROXIES: `{part}` is not an IP address")))
            })
            .collect()
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_give_an_embedded_sqlite_database() {
        let settings = Settings::from_sources(&env(&[])).unwrap();
        assert_eq!(settings.database_url, "sqlite://data/fapai.db?mode=rwc");
        assert_eq!(settings.listen, "127.0.0.1:8080");
        assert_eq!(settings.clock, ClockMode::System);
        assert_eq!(settings.mail, "file:data/outbox");
        assert!(!settings.demo);
    }

    #[test]
    fn environment_variables_override_defaults() {
        let settings = Settings::from_sources(&env(&[
            ("FAPAI_LISTEN", "127.0.0.1:0"),
            ("FAPAI_CLOCK", "manual"),
            ("FAPAI_DEMO", "1"),
            ("FAPAI_WORKER_INTERVAL_MS", "50"),
        ]))
        .unwrap();
        assert_eq!(settings.listen, "127.0.0.1:0");
        assert_eq!(settings.clock, ClockMode::Manual);
        assert!(settings.demo);
        assert_eq!(settings.worker_interval_ms, 50);
    }

    #[test]
    fn bad_values_are_refused_with_a_clear_message() {
        let err = Settings::from_sources(&env(&[("FAPAI_CLOCK", "sundial")]))
            .err()
            .unwrap();
        assert!(err.to_string().contains("sundial"), "{err}");
        let err = Settings::from_sources(&env(&[("FAPAI_WORKER_INTERVAL_MS", "soon")]))
            .err()
            .unwrap();
        assert!(err.to_string().contains("FAPAI_WORKER_INTERVAL_MS"), "{err}");
        assert!(Settings::from_sources(&env(&[("FAPAI_DATABASE_URL", "mysql://x")])).is_err());
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://fapai:s3cret@db/fapai"),
            "postgres://fapai:***@db/fapai"
        );
        assert_eq!(redact_url("postgres://root@127.0.0.1/x"), "postgres://root@127.0.0.1/x");
    }

    #[test]
    fn production_refuses_short_weak_shared_or_missing_signing_keys() {
        // As `openssl rand -hex 32` and `openssl rand -base64 32` make them.
        let jwt = "3f9c0a7be2d14865c0ff1e9a7d2b4c6e8a1f3b5d7c9e0a2b4d6f8e1c3a5b7d9f";
        let payments = "q8Z3vT0mW6rB1xK9pL4nJ7cF2sH5dG0aY8uE3iO6wR1=";
        let short = "change-me";
        let check = |pairs: &[(&str, &str)]| Settings::from_sources(&env(pairs)).unwrap().check_secrets();
        assert!(check(&[]).is_err(), "no keys at all");
        assert!(check(&[("FAPAI_JWT_SECRET", short), ("FAPAI_PAYMENTS_SECRET", payments)]).is_err());
        assert!(check(&[("FAPAI_JWT_SECRET", jwt), ("FAPAI_PAYMENTS_SECRET", short)]).is_err());
        let allow = ("FAPAI_PAYMENTS_SANDBOX", "allow");
        assert!(check(&[("FAPAI_JWT_SECRET", jwt), ("FAPAI_PAYMENTS_SECRET", payments), allow]).is_ok());
        let refused = check(&[("FAPAI_JWT_SECRET", jwt), ("FAPAI_PAYMENTS_SECRET", payments)]);
        assert!(
            refused.is_err_and(|e| e.to_string().contains("FAPAI_PAYMENTS_SANDBOX=allow")),
            "the sandbox in production only when allowed"
        );
        assert!(
            check(&[("FAPAI_JWT_SECRET", jwt), ("FAPAI_PAYMENTS_SECRET", jwt)]).is_err(),
            "one key for both"
        );
        for weak in [
            "k".repeat(40),
            "ab".repeat(20),
            "0123456789".repeat(4),
            format!("{} {}", &jwt[..20], &jwt[20..]),
            format!("{jwt}\n"),
        ] {
            let refused = check(&[("FAPAI_JWT_SECRET", &weak), ("FAPAI_PAYMENTS_SECRET", payments), allow]);
            assert!(refused.is_err(), "{weak:?} was accepted");
        }
        assert!(check(&[("FAPAI_DEMO", "1")]).is_ok(), "the demo may use random keys");
        assert!(check(&[("FAPAI_CLOCK", "manual")]).is_ok(), "so may tests");
    }
}
