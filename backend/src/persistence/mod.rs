//! The database: connecting to SQLite or PostgreSQL, migrating, and the one way to open a write
//! transaction, plus the entities and their conversions to `auction-core` types.
//!
//! Write transactions serialize per round on both databases: on PostgreSQL the service locks the
//! round's row (`SELECT … FOR UPDATE`, READ COMMITTED); on SQLite the transaction is `BEGIN IMMEDIATE`,
//! which takes the database's write lock before the first read, so the read-decide-write of a bid holds
//! across connections and processes. Inside one process SQLite writers also queue on a fair async mutex
//! first, so they wait in order instead of spinning in SQLite's busy handler.
//!
//! On PostgreSQL a streaming replica may serve public reads (`reads`): an anonymous visitor's lists, item
//! pages, bid records and ledgers, never a decision nor a caller's reading of its own writes. Its lag is
//! measured (`measure_replica`) and a replica too far behind, or unreachable, is bypassed.

pub mod bulk;
pub mod convert;
pub mod entities;
pub mod vocabulary;

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub struct Database {
    conn: DatabaseConnection,
    backend: Backend,
    sqlite_writer: Arc<Mutex<()>>,
    statements: Arc<Statements>,
    replica: Option<Arc<Replica>>,
}

/// The statements this process runs: counted (metrics, and tests that the work per bid stays constant)
/// and, while a test asks, their texts kept (tests that a statement's text, and so its prepared
/// statement, is the same however many rows it carries).
#[derive(Default)]
struct Statements {
    count: AtomicU64,
    recording: AtomicBool,
    texts: std::sync::Mutex<Vec<String>>,
}

/// A streaming replica for public reads, used while it keeps up.
struct Replica {
    conn: DatabaseConnection,
    keeping_up: AtomicBool,
}

/// Where a read may come from: a public read from a replica that keeps up, anything else from the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    Replica,
    Primary,
}

/// How far the replica is behind the primary, as last measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaLag {
    pub bytes: u64,
    pub seconds: f64,
    /// Within the allowed lag, and answering: public reads go to it.
    pub in_use: bool,
}

/// How the pool waits: at most `acquire_timeout` for a connection (then the request is 503 `unavailable`).
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// A statement slower than this is logged (without its parameters).
const SLOW_STATEMENT: Duration = Duration::from_millis(500);

/// A write transaction; on SQLite it also holds this process's place in the writer queue.
pub struct WriteTx {
    tx: DatabaseTransaction,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }
}

impl Database {
    /// Connects; for an SQLite file, creates its directory and sets WAL, full sync and a busy timeout.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Database, DbErr> {
        Database::connect_with(
            url,
            PoolLimits {
                max_connections,
                acquire_timeout: Duration::from_secs(30),
            },
        )
        .await
    }

    /// Connects with the pool's limits given.
    pub async fn connect_with(url: &str, limits: PoolLimits) -> Result<Database, DbErr> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        if backend == Backend::Sqlite {
            create_sqlite_parent_dir(url);
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(limits.max_connections)
            .min_connections(1)
            .acquire_timeout(limits.acquire_timeout)
            // A database that does not answer a new connection in time is down for now (a failover).
            .connect_timeout(limits.acquire_timeout)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    // FULL: a committed bid survives a power cut, not just a process crash.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        let mut conn = sea_orm::Database::connect(options).await?;
        let statements = Arc::new(Statements::default());
        let counter = Arc::clone(&statements);
        conn.set_metric_callback(move |info| {
            counter.count.fetch_add(1, Ordering::Relaxed);
            if counter.recording.load(Ordering::Relaxed)
                && let Ok(mut texts) = counter.texts.lock()
            {
                texts.push(info.statement.sql.clone());
            }
            if info.elapsed > SLOW_STATEMENT {
                tracing::warn!(elapsed_ms = info.elapsed.as_millis(), sql = %info.statement.sql, "slow statement");
            }
        });
        Ok(Database {
            conn,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            statements,
            replica: None,
        })
    }

    /// Adds a streaming replica for public reads (PostgreSQL). It is used once it has been measured to
    /// keep up (`measure_replica`). A replica that cannot be reached at start is added all the same: the
    /// pool connects when it can.
    pub async fn with_replica(mut self, url: &str, limits: PoolLimits) -> Database {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(limits.max_connections)
            .min_connections(0)
            .acquire_timeout(limits.acquire_timeout)
            .connect_timeout(limits.acquire_timeout)
            .connect_lazy(true)
            .sqlx_logging(false);
        match sea_orm::Database::connect(options).await {
            Ok(conn) => {
                self.replica = Some(Arc::new(Replica {
                    conn,
                    keeping_up: AtomicBool::new(false),
                }))
            }
            Err(err) => {
                tracing::error!(error = %err, "the read replica's address is not usable; reading from the primary")
            }
        }
        self
    }

    /// The connection a read goes to: a public read to the replica while it keeps up, else the primary.
    pub fn reads(&self, from: ReadFrom) -> &DatabaseConnection {
        match (&self.replica, from) {
            (Some(replica), ReadFrom::Replica) if replica.keeping_up.load(Ordering::Relaxed) => &replica.conn,
            _ => &self.conn,
        }
    }

    /// Measures how far the replica is behind the primary — the WAL it has not replayed, and the age of
    /// the last transaction it replayed when there is any — and uses it for public reads only within
    /// `max_lag`. `None` without a replica, or when the primary cannot be asked (the last decision stands).
    pub async fn measure_replica(&self, max_lag: Duration) -> Option<ReplicaLag> {
        use sea_orm::{ConnectionTrait, Statement};
        let replica = self.replica.as_ref()?;
        let primary_lsn = self
            .conn
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_current_wal_lsn()::text AS lsn",
            ))
            .await
            .ok()??
            .try_get::<String>("", "lsn")
            .ok()
            .and_then(|lsn| parse_lsn(&lsn))?;
        let measured = replica
            .conn
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text AS lsn,
                        COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::float8 AS age",
            ))
            .await;
        let lag = match measured {
            Ok(Some(row)) => {
                let replayed = row.try_get::<String>("", "lsn").ok().and_then(|lsn| parse_lsn(&lsn));
                let age = row.try_get::<f64>("", "age").unwrap_or(f64::MAX);
                match replayed {
                    Some(replayed) => {
                        let bytes = primary_lsn.saturating_sub(replayed);
                        // Nothing to replay: as fresh as the primary, however long ago its last change was.
                        let seconds = if bytes == 0 { 0.0 } else { age.max(0.0) };
                        ReplicaLag {
                            bytes,
                            seconds,
                            in_use: seconds <= max_lag.as_secs_f64(),
                        }
                    }
                    None => unreachable_replica(),
                }
            }
            _ => unreachable_replica(),
        };
        let was = replica.keeping_up.swap(lag.in_use, Ordering::Relaxed);
        if was != lag.in_use {
            tracing::warn!(
                lag_bytes = lag.bytes,
                lag_seconds = lag.seconds,
                in_use = lag.in_use,
                "read replica use changed"
            );
        }
        Some(lag)
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many SQL statements this process has run (for metrics, and for tests that the work per
    /// bid stays constant).
    pub fn statement_count(&self) -> u64 {
        self.statements.count.load(Ordering::Relaxed)
    }

    /// Starts keeping the texts of the statements run from now on (for tests).
    pub fn record_statements(&self) {
        if let Ok(mut texts) = self.statements.texts.lock() {
            texts.clear();
        }
        self.statements.recording.store(true, Ordering::Relaxed);
    }

    /// The texts kept since `record_statements`, in the order they ran; keeping stops.
    pub fn recorded_statements(&self) -> Vec<String> {
        self.statements.recording.store(false, Ordering::Relaxed);
        self.statements
            .texts
            .lock()
            .map(|mut texts| std::mem::take(&mut *texts))
            .unwrap_or_default()
    }

    /// Opens a write transaction (see the module docs for how it serializes).
    pub async fn write(&self) -> Result<WriteTx, DbErr> {
        match self.backend {
            Backend::Sqlite => {
                let guard = self.sqlite_writer.clone().lock_owned().await;
                let tx = self
                    .conn
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..TransactionOptions::default()
                    })
                    .await?;
                Ok(WriteTx {
                    tx,
                    _writer: Some(guard),
                })
            }
            Backend::Postgres => Ok(WriteTx {
                tx: self.conn.begin().await?,
                _writer: None,
            }),
        }
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

fn unreachable_replica() -> ReplicaLag {
    ReplicaLag {
        bytes: 0,
        seconds: f64::INFINITY,
        in_use: false,
    }
}

/// A WAL position as PostgreSQL prints it (`16/B374D848`), as one number.
fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    Some((u64::from_str_radix(high, 16).ok()? << 32) | u64::from_str_radix(low, 16).ok()?)
}

fn create_sqlite_parent_dir(url: &str) {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return;
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
}
