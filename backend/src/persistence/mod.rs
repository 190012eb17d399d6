//! The database: connecting to SQLite or PostgreSQL, migrating, and the one way to open a write
//! transaction, plus the entities and their conversions to `auction-core` types.
//!
//! Write transactions serialize per round on both databases: on PostgreSQL the service locks the
//! round's row (`SELECT … FOR UPDATE`, READ COMMITTED); on SQLite the transaction is `BEGIN IMMEDIATE`,
//! which takes the database's write lock before the first read, so the read-decide-write of a bid holds
//! across connections and processes. Inside one process SQLite writers also queue on a fair async mutex
//! first, so they wait in order instead of spinning in SQLite's busy handler.

pub mod convert;
pub mod entities;
pub mod vocabulary;

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
    statements: Arc<AtomicU64>,
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
            .max_connections(max_connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
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
        let statements = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            if info.elapsed > SLOW_STATEMENT {
                tracing::warn!(elapsed_ms = info.elapsed.as_millis(), sql = %info.statement.sql, "slow statement");
            }
        });
        Ok(Database {
            conn,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            statements,
        })
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
        self.statements.load(Ordering::Relaxed)
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
