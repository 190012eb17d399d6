//! The black-box harness: `TestApp::spawn(db)` starts the real application on a free port with its own
//! database (an SQLite file, or a PostgreSQL database copied from a migrated template) and a manual
//! clock, and offers typed request helpers so tests read as sentences.
//!
//! Every database test runs on SQLite, and on PostgreSQL too when `FAPAI_TEST_POSTGRES_URL` is set
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); see `db_test!`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use auction_core::identity::check_character;
use awc::http::StatusCode;
use backend::config::Settings;
use backend::startup::Application;
use chrono::{DateTime, Utc};
use sea_orm::sqlx::{Connection, Executor, PgConnection};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use uuid::Uuid;

pub mod alipay;
mod app;
mod process;
pub mod proxy;

pub use process::*;

pub const JWT_SECRET: &str = "test-secret-for-the-harness-only-0123456789";
pub const ADMIN_EMAIL: &str = "admin@fapai.test";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "correct horse battery";
/// A party's written waiver of the notice before the announcement (R31), as a one-page PDF.
pub const WAIVER_PDF: &[u8] =
    b"%PDF-1.4\n% waiver of notice\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs the test body once per database: `db_test!(fn name(app) { … })` makes `name::sqlite` and
/// `name::postgres` (the latter only does work when `FAPAI_TEST_POSTGRES_URL` is set).
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($db: $crate::helpers::Db) $body

            #[actix_web::test]
            async fn sqlite() {
                run($crate::helpers::Db::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if $crate::helpers::postgres_url().is_none() {
                    eprintln!("FAPAI_TEST_POSTGRES_URL is not set: PostgreSQL variant not run");
                    return;
                }
                run($crate::helpers::Db::Postgres).await;
            }
        }
    };
}

pub fn postgres_url() -> Option<String> {
    std::env::var("FAPAI_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{database}?{q}"),
        None => format!("{prefix}/{database}"),
    }
}

/// A fingerprint of the migrations' source, so a changed schema gets a fresh template.
static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Runs a DDL statement built at run time (database names cannot be bind parameters).
async fn ddl(conn: &mut PgConnection, sql: String) -> Result<(), sea_orm::sqlx::Error> {
    sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The migrated template database, created once (under an advisory lock, for parallel test processes).
async fn postgres_template(url: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            // Named by the migrations this binary was compiled with (backend/build.rs), not the files on disk now.
            let name = format!("fapai_tpl_{}", env!("FAPAI_MIGRATIONS_FINGERPRINT"));
            let mut admin = PgConnection::connect(url).await.expect("connect to PostgreSQL");
            admin
                .execute("SELECT pg_advisory_lock(727274)")
                .await
                .expect("advisory lock");
            let exists: Option<(i32,)> = sea_orm::sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&mut admin)
                .await
                .expect("query pg_database");
            if exists.is_none() {
                let building = format!("{name}_building");
                ddl(&mut admin, format!("DROP DATABASE IF EXISTS {building}"))
                    .await
                    .expect("drop");
                ddl(&mut admin, format!("CREATE DATABASE {building}"))
                    .await
                    .expect("create template");
                let db = backend::persistence::Database::connect(&with_database(url, &building), 2)
                    .await
                    .expect("connect template");
                db.migrate().await.expect("migrate template");
                db.close().await;
                ddl(&mut admin, format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .await
                    .expect("rename template");
            }
            // Leftovers of earlier runs that stopped before cleaning up (a test database lives < 1 hour).
            let cutoff = Utc::now().timestamp() - 3600;
            let stale: Vec<(String,)> =
                sea_orm::sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'fapai_t\\_%'")
                    .fetch_all(&mut admin)
                    .await
                    .unwrap_or_default();
            for (db,) in stale {
                let created = db
                    .split('_')
                    .nth(2)
                    .and_then(|s| s.parse::<i64>().ok())
                    .unwrap_or(i64::MAX);
                if created < cutoff {
                    let _ = ddl(&mut admin, format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
                }
            }
            admin
                .execute("SELECT pg_advisory_unlock(727274)")
                .await
                .expect("advisory unlock");
            name
        })
        .await
        .clone()
}

/// A fresh, empty, migrated database for one test.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub async fn create(db: Db) -> TestDatabase {
        match db {
            Db::Sqlite => {
                let dir = std::env::temp_dir().join(format!("fapai-test-{}", Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                TestDatabase {
                    url: format!("sqlite://{}?mode=rwc", dir.join("fapai.db").display()),
                    cleanup: Cleanup::Directory(dir),
                }
            }
            Db::Postgres => {
                let admin_url = postgres_url().expect("FAPAI_TEST_POSTGRES_URL");
                let template = postgres_template(&admin_url).await;
                let name = format!(
                    "fapai_t_{}_{}",
                    Utc::now().timestamp(),
                    &Uuid::new_v4().simple().to_string()[..12]
                );
                let mut admin = PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
                ddl(
                    &mut admin,
                    format!("CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"),
                )
                .await
                .expect("create test database");
                TestDatabase {
                    url: with_database(&admin_url, &name),
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        match &self.cleanup {
            Cleanup::Directory(dir) => dir.clone(),
            Cleanup::Postgres { name, .. } => std::env::temp_dir().join(format!("fapai-test-{name}")),
        }
    }

    pub async fn drop_database(self) {
        match self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let _ = ddl(&mut admin, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                }
            }
        }
    }
}

/// The environment a test server runs with: manual clock, port 0, its own database and data directory.
pub fn test_env(database_url: &str, data_dir: &std::path::Path) -> HashMap<String, String> {
    [
        ("FAPAI_DATABASE_URL", database_url.to_owned()),
        ("FAPAI_DATA_DIR", data_dir.display().to_string()),
        ("FAPAI_MAIL", format!("file:{}", data_dir.join("outbox").display())),
        ("FAPAI_LISTEN", "127.0.0.1:0".to_owned()),
        ("FAPAI_HTTP_WORKERS", "4".to_owned()),
        ("FAPAI_CLOCK", "manual".to_owned()),
        ("FAPAI_JWT_SECRET", JWT_SECRET.to_owned()),
        (
            "FAPAI_PAYMENTS_SECRET",
            "sandbox-test-secret-of-at-least-32-bytes".to_owned(),
        ),
        ("FAPAI_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
        ("FAPAI_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
        ("FAPAI_WORKER_INTERVAL_MS", "50".to_owned()),
        ("FAPAI_DATABASE_MAX_CONNECTIONS", "12".to_owned()),
        // Tests make many accounts from 127.0.0.1; the address limits have tests of their own.
        ("FAPAI_LOGINS_PER_ADDRESS_PER_MINUTE", "0".to_owned()),
        ("FAPAI_SIGNUPS_PER_ADDRESS_PER_HOUR", "0".to_owned()),
        // `FAPAI_TEST_BID_PATH=single` runs the same tests on the one-bid reference path.
        (
            "FAPAI_BID_PATH",
            std::env::var("FAPAI_TEST_BID_PATH").unwrap_or_else(|_| "group".to_owned()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

pub fn test_settings(database_url: &str, data_dir: &std::path::Path) -> Settings {
    Settings::from_sources(&test_env(database_url, data_dir)).expect("test settings")
}

/// Money arithmetic for tests: `base + steps × increment`, as the API writes it.
pub fn plus(base: &str, steps: i64, increment: &str) -> String {
    let cents = |t: &str| auction_core::Money::parse_positive(t).expect("amount").cents();
    auction_core::Money::from_cents(cents(base) + steps * cents(increment))
        .expect("amount")
        .to_string()
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: awc::Client,
    /// The in-process server's state; `None` when driving an external `fapai` process.
    pub state: Option<actix_web::web::Data<backend::state::AppState>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    database: Option<TestDatabase>,
    admin: OnceCell<String>,
    /// The Alipay simulator this server pays through, when it was started with one (`spawn_with_alipay`).
    pub alipay: Option<alipay::Simulator>,
}

/// A signed-in bidder.
#[derive(Debug, Clone)]
pub struct Bidder {
    pub id: Uuid,
    pub email: String,
    pub real_name: String,
    pub id_number: String,
    pub token: String,
}

/// What [`TestApp::round_open_to_two`] sets up.
pub struct OpenRound {
    pub round: Value,
    pub id: String,
    pub alice: Bidder,
    pub bob: Bidder,
}

/// A signed-in judge and its court.
#[derive(Debug, Clone)]
pub struct Judge {
    pub court_id: Uuid,
    pub token: String,
}

/// The tests' HTTP client. It drops an idle pooled connection after 2 s, before the server does (actix-web
/// closes idle keep-alive connections after 5 s): a request sent on a connection the server is closing meets a
/// broken pipe, which on a loaded machine happened between the waves of the sign-in flood.
pub fn test_client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .connector(awc::Connector::new().conn_keep_alive(Duration::from_secs(2)))
        .finish()
}

/// The error code of an answer (`""` when it is not an error).
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// A synthetic but valid resident ID number (GB 11643 checksum).
pub fn synthetic_id_number() -> String {
    let n = Uuid::new_v4().as_u128();
    let first17 = format!(
        "110105{}{:02}{:02}{:03}",
        1960 + (n % 40),
        1 + (n / 40 % 12),
        1 + (n / 480 % 28),
        n / 13440 % 1000
    );
    let digits: Vec<u32> = first17.chars().map(|c| c.to_digit(10).expect("digit")).collect();
    format!("{first17}{}", check_character(&digits.try_into().expect("17 digits")))
}

pub fn rfc(t: DateTime<Utc>) -> String {
    auction_core::time::rfc3339(t)
}

pub fn parse_time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time string"))
        .expect("RFC 3339")
        .to_utc()
}
