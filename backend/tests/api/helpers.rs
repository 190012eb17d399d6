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

pub const JWT_SECRET: &str = "test-secret-for-the-harness-only-0123456789";
pub const ADMIN_EMAIL: &str = "admin@fapai.test";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "correct horse battery";

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

impl TestApp {
    pub async fn spawn(db: Db) -> TestApp {
        let database = TestDatabase::create(db).await;
        let settings = test_settings(&database.url, &database.data_dir());
        TestApp::spawn_with(db, settings, Some(database)).await
    }

    /// A server whose background worker never gets round to anything: only requests act.
    pub async fn spawn_with_idle_worker(db: Db) -> TestApp {
        let database = TestDatabase::create(db).await;
        let mut settings = test_settings(&database.url, &database.data_dir());
        settings.worker_interval_ms = 3_600_000;
        TestApp::spawn_with(db, settings, Some(database)).await
    }

    /// A second instance on the same database: its own pool, clock, workers and live hub; the same keys.
    pub async fn spawn_sibling(&self) -> TestApp {
        let settings = (*self.state().settings).clone();
        TestApp::spawn_with(self.db, settings, None).await
    }

    /// Drives a server that runs elsewhere (a child process) at `address`.
    pub fn attach(db: Db, address: String) -> TestApp {
        let client = test_client();
        TestApp {
            address,
            db,
            client,
            state: None,
            task: None,
            database: None,
            admin: OnceCell::new(),
        }
    }

    pub fn state(&self) -> &actix_web::web::Data<backend::state::AppState> {
        self.state.as_ref().expect("an in-process server")
    }

    /// A server on its own database with some settings changed from the tests' defaults.
    pub async fn spawn_tuned(db: Db, tune: impl FnOnce(&mut Settings)) -> TestApp {
        let database = TestDatabase::create(db).await;
        let mut settings = test_settings(&database.url, &database.data_dir());
        tune(&mut settings);
        TestApp::spawn_with(db, settings, Some(database)).await
    }

    /// A published round whose bidding is open, with two bidders registered and their deposits paid.
    pub async fn round_open_to_two(&self) -> OpenRound {
        let judge = self.new_judge().await;
        let round = self.published_round(&judge).await;
        let id = round["id"].as_str().expect("auction id").to_owned();
        let alice = self.new_bidder("陈爱丽").await;
        let bob = self.new_bidder("刘博").await;
        self.register_and_pay(&alice, &id).await;
        self.register_and_pay(&bob, &id).await;
        self.open_bidding(&round).await;
        OpenRound { round, id, alice, bob }
    }

    pub async fn spawn_with(db: Db, settings: Settings, database: Option<TestDatabase>) -> TestApp {
        let app = Application::build(settings).await.expect("application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        let task = tokio::spawn(app.run_until_stopped());
        let client = test_client();
        TestApp {
            address,
            db,
            client,
            state: Some(state),
            task: Some(task),
            database,
            admin: OnceCell::new(),
        }
    }

    /// Stops the server and removes its database.
    pub async fn finish(mut self) {
        if let Some(state) = &self.state {
            state.shutdown.begin();
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(database) = self.database.take() {
            database.drop_database().await;
        }
    }

    /// A request; `None` if no answer came back (connection refused or cut).
    pub async fn try_request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Option<(StatusCode, Value)> {
        let url = format!("{}{}", self.address, path);
        let mut request = match method {
            "GET" => self.client.get(&url),
            "POST" => self.client.post(&url),
            "PUT" => self.client.put(&url),
            "DELETE" => self.client.delete(&url),
            other => panic!("unsupported method {other}"),
        };
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let sent = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        // Say why there was no answer: a refused or cut connection, a timeout.
        let mut response = sent.map_err(|e| eprintln!("{method} {path}: no answer: {e}")).ok()?;
        let status = response.status();
        let bytes = response.body().limit(64 << 20).await.ok()?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Some((status, value))
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.try_request(method, path, token, body)
            .await
            .unwrap_or_else(|| panic!("{method} {path}: no answer"))
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request("GET", path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request("POST", path, token, Some(body)).await
    }

    /// A POST that must succeed with `expected`; returns the body.
    pub async fn post_ok(&self, path: &str, token: Option<&str>, body: Value, expected: u16) -> Value {
        let (status, value) = self.post(path, token, body).await;
        assert_eq!(status.as_u16(), expected, "POST {path}: {value}");
        value
    }

    pub async fn get_ok(&self, path: &str, token: Option<&str>) -> Value {
        let (status, value) = self.get(path, token).await;
        assert_eq!(status.as_u16(), 200, "GET {path}: {value}");
        value
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .post_ok(
                "/api/auth/login",
                None,
                json!({ "email": email, "password": password }),
                200,
            )
            .await;
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.admin
            .get_or_init(|| self.login(ADMIN_EMAIL, ADMIN_PASSWORD))
            .await
            .clone()
    }

    pub async fn new_judge(&self) -> Judge {
        let admin = self.admin_token().await;
        let court = self
            .post_ok(
                "/api/admin/courts",
                Some(&admin),
                json!({ "name": "杭州市上城区人民法院" }),
                201,
            )
            .await;
        let court_id: Uuid = serde_json::from_value(court["id"].clone()).expect("court id");
        Judge {
            court_id,
            token: self.judge_of(&court_id.to_string()).await,
        }
    }

    /// Another judge of the court `court_id`, signed in; returns the token.
    pub async fn judge_of(&self, court_id: &str) -> String {
        let admin = self.admin_token().await;
        let email = format!("judge-{}@court.test", Uuid::new_v4().simple());
        self.post_ok(
            "/api/admin/judges",
            Some(&admin),
            json!({ "email": email, "password": PASSWORD, "real_name": "王法官", "court_id": court_id }),
            201,
        )
        .await;
        self.login(&email, PASSWORD).await
    }

    pub async fn new_bidder(&self, real_name: &str) -> Bidder {
        self.new_bidder_with_id(real_name, &synthetic_id_number()).await
    }

    pub async fn new_bidder_with_id(&self, real_name: &str, id_number: &str) -> Bidder {
        let email = format!("bidder-{}@example.test", Uuid::new_v4().simple());
        let body = json!({ "email": email, "password": PASSWORD, "real_name": real_name, "id_number": id_number });
        let created = self.post_ok("/api/auth/register", None, body, 201).await;
        let id = serde_json::from_value(created["user"]["id"].clone()).expect("user id");
        Bidder {
            id,
            email: email.clone(),
            real_name: real_name.to_owned(),
            id_number: id_number.to_owned(),
            token: self.login(&email, PASSWORD).await,
        }
    }

    pub async fn now(&self) -> DateTime<Utc> {
        parse_time(&self.get_ok("/api/time", None).await["now"])
    }

    pub async fn advance(&self, seconds: i64) -> DateTime<Utc> {
        parse_time(
            &self
                .post_ok("/api/test/clock", None, json!({ "advance_seconds": seconds }), 200)
                .await["now"],
        )
    }

    pub async fn set_clock(&self, to: DateTime<Utc>) -> DateTime<Utc> {
        parse_time(
            &self
                .post_ok("/api/test/clock", None, json!({ "now": rfc(to) }), 200)
                .await["now"],
        )
    }

    /// A case and a listing of `category` in the judge's court; returns the listing id.
    pub async fn new_listing(&self, judge: &Judge, category: &str) -> String {
        self.new_listing_titled(judge, category, "杭州市上城区望江路1号3幢1单元1201室")
            .await
    }

    pub async fn new_listing_titled(&self, judge: &Judge, category: &str, title: &str) -> String {
        let case = self
            .post_ok(
                "/api/cases",
                Some(&judge.token),
                json!({
                    "case_number": format!("(2026)浙0102执{}号", Uuid::new_v4().as_u128() % 10000),
                    "applicant": { "name": "中国工商银行杭州分行", "email": "creditor@bank.test" },
                    "respondent": { "name": "张三", "email": "debtor@example.test" },
                }),
                201,
            )
            .await;
        let listing = self
            .post_ok(
                "/api/listings",
                Some(&judge.token),
                json!({
                    "case_id": case["id"],
                    "title": title,
                    "category": category,
                    "description": "住宅，建筑面积120.5平方米，现空置。",
                    "location": "浙江省杭州市上城区",
                    "encumbrances": "抵押权人：中国工商银行杭州分行",
                    "is_housing": true,
                }),
                201,
            )
            .await;
        listing["id"].as_str().expect("listing id").to_owned()
    }

    /// Fixes a listing's reference price by appraisal.
    pub async fn appraise(&self, judge: &Judge, listing_id: &str, amount: &str) -> Value {
        self.post_ok(
            &format!("/api/listings/{listing_id}/valuations"),
            Some(&judge.token),
            json!({ "method": "appraisal", "quotes": [{ "source": "浙江某资产评估有限公司", "amount": amount }] }),
            201,
        )
        .await
    }

    /// Creates a draft round; returns the raw response.
    pub async fn create_round(&self, judge: &Judge, listing_id: &str, terms: Value) -> (StatusCode, Value) {
        self.post(
            &format!("/api/listings/{listing_id}/auctions"),
            Some(&judge.token),
            terms,
        )
        .await
    }

    /// A published round of a fresh real-estate listing (reference ¥1,000,000, start ¥700,000, deposit
    /// ¥70,000, increment ¥1,000), bidding from 31 days from now for 24 hours. Returns the auction.
    pub async fn published_round(&self, judge: &Judge) -> Value {
        self.published_round_titled(judge, "杭州市上城区望江路1号3幢1单元1201室")
            .await
    }

    /// As [`TestApp::published_round`], with the listing's title.
    pub async fn published_round_titled(&self, judge: &Judge, title: &str) -> Value {
        let listing = self.new_listing_titled(judge, "real_estate", title).await;
        self.appraise(judge, &listing, "1000000").await;
        let starts = self.now().await + chrono::Duration::days(31);
        let (status, round) = self
            .create_round(
                judge,
                &listing,
                json!({
                    "starting_price": "700000",
                    "deposit": "70000",
                    "increment": "1000",
                    "bidding_starts_at": rfc(starts),
                    "bidding_ends_at": rfc(starts + chrono::Duration::hours(24)),
                    "balance_due_days": 10,
                }),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{round}");
        let id = round["id"].as_str().expect("auction id");
        self.post_ok(
            &format!("/api/auctions/{id}/publish"),
            Some(&judge.token),
            json!({}),
            200,
        )
        .await
    }

    /// Registers the bidder for the round and pays the deposit; returns the bidder code.
    pub async fn register_and_pay(&self, bidder: &Bidder, auction_id: &str) -> String {
        let registration = self
            .post_ok(
                &format!("/api/auctions/{auction_id}/registrations"),
                Some(&bidder.token),
                json!({ "accept_terms": true, "housing_qualification_commitment": true }),
                201,
            )
            .await;
        let order = registration["payment"]["order_id"].as_str().expect("order id");
        let paid = self
            .post_ok(
                &format!("/api/payments/{order}/sandbox-complete"),
                Some(&bidder.token),
                json!({}),
                200,
            )
            .await;
        assert_eq!(paid["status"], "paid");
        registration["bidder_code"].as_str().expect("code").to_owned()
    }

    /// Moves the clock to the round's bidding start.
    pub async fn open_bidding(&self, auction: &Value) {
        self.set_clock(parse_time(&auction["bidding_starts_at"])).await;
    }

    pub async fn bid(&self, bidder: &Bidder, auction_id: &str, amount: &str) -> (StatusCode, Value) {
        self.post(
            &format!("/api/auctions/{auction_id}/bids"),
            Some(&bidder.token),
            json!({ "amount": amount, "request_id": Uuid::new_v4() }),
        )
        .await
    }

    pub async fn auction(&self, auction_id: &str) -> Value {
        self.get_ok(&format!("/api/auctions/{auction_id}"), None).await
    }

    /// The messages in the `file:` outbox, oldest first.
    pub fn outbox(&self) -> Vec<Mail> {
        read_outbox(&self.state().settings.data_dir.join("outbox"))
    }

    /// The messages of `kind` sent to `to`. A message is written by whichever of the request and the
    /// outbox worker claims it first, so one that is due may still be on its way: wait up to 5 s for one.
    pub async fn mail_to(&self, to: &str, kind: &str) -> Vec<Mail> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let found: Vec<Mail> = self
                .outbox()
                .into_iter()
                .filter(|m| m.to.contains(to) && m.kind == kind)
                .collect();
            if !found.is_empty() || std::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The round's ledger, verified with `auction-core`'s chain check; returns its entries.
    pub async fn verified_ledger(&self, auction_id: &str) -> Vec<auction_core::ledger::LedgerEntry> {
        let ledger = self.get_ok(&format!("/api/auctions/{auction_id}/ledger"), None).await;
        let entries: Vec<auction_core::ledger::LedgerEntry> =
            serde_json::from_value(ledger["entries"].clone()).expect("entries");
        let head = auction_core::ledger::verify(&entries).expect("the ledger chain verifies");
        assert_eq!(ledger["head"], json!(head));
        entries
    }
}

/// One `.eml` file of the outbox.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub kind: String,
    /// The whole message; bodies are 8-bit UTF-8, so text can be searched as it is.
    pub raw: String,
}

impl Mail {
    /// The first `…/negotiate/<token>` link in the message.
    pub fn negotiation_token(&self) -> Option<String> {
        let at = self.raw.find("/negotiate/")? + "/negotiate/".len();
        Some(
            self.raw[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect(),
        )
    }
}

pub fn read_outbox(dir: &std::path::Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            (
                e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH),
                e.path(),
            )
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
        .map(|raw| {
            let header = |name: &str| {
                raw.lines()
                    .take_while(|l| !l.is_empty())
                    .find(|l| {
                        l.to_ascii_lowercase()
                            .starts_with(&format!("{}:", name.to_ascii_lowercase()))
                    })
                    .map(|l| l[name.len() + 1..].trim().to_owned())
                    .unwrap_or_default()
            };
            Mail {
                to: header("To"),
                kind: header("X-Fapai-Kind"),
                raw: raw.clone(),
            }
        })
        .collect()
}

/// A `fapai serve` child process, for tests that kill it. Its log is kept for inspection.
pub struct ServerProcess {
    child: std::process::Child,
    pub address: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts the binary with `env` and waits for the address it logs.
    pub fn start(env: HashMap<String, String>) -> ServerProcess {
        use std::io::{BufRead, BufReader};
        // scripts/stress.sh runs copies of the binaries, so that a rebuild meanwhile changes nothing.
        let binary = std::env::var("FAPAI_TEST_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_fapai").to_owned());
        let mut child = std::process::Command::new(binary)
            .arg("serve")
            .envs(env)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start fapai");
        let stdout = child.stdout.take().expect("stdout");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (found, address) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            // Keep draining the log so the child never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on ".len()..];
                    let end = rest
                        .find(|c: char| c.is_whitespace() || c == '\u{1b}')
                        .unwrap_or(rest.len());
                    let _ = found.send(rest[..end].to_owned());
                }
                lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        let address = address
            .recv_timeout(Duration::from_secs(60))
            .expect("fapai logs its address");
        ServerProcess { child, address, log }
    }

    /// SIGKILL: no shutdown, no flushing, as in a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).join("\n")
    }

    /// SIGTERM, as a service manager stops it; waits up to `within` for the process to exit and
    /// returns whether it did (a clean stop) — it is killed otherwise.
    pub async fn terminate(&mut self, within: Duration) -> bool {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.kill();
        false
    }

    /// The process's resident memory (VmRSS), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The smallest valid PNG: a 1×1 transparent pixel.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Uploads a file to a listing as `multipart/form-data`; returns the status and the JSON answer.
pub async fn upload(
    app: &TestApp,
    token: &str,
    listing: &str,
    name: &str,
    bytes: &[u8],
    kind: Option<&str>,
) -> (u16, Value) {
    upload_to(app, token, &format!("/api/listings/{listing}/files"), name, bytes, kind).await
}

/// Posts a file as the `file` field of a `multipart/form-data` body to `path`.
pub async fn upload_to(
    app: &TestApp,
    token: &str,
    path: &str,
    name: &str,
    bytes: &[u8],
    kind: Option<&str>,
) -> (u16, Value) {
    let boundary = "fapai-test-boundary";
    let mut body = Vec::new();
    if let Some(kind) = kind {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n").as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut response = app
        .client
        .post(format!("{}{path}", app.address))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
        .send_body(body)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let value = response.json::<Value>().limit(1 << 20).await.unwrap_or(Value::Null);
    (status, value)
}
