//! `raw`: the bid path's essential transaction — lock the round, insert the bid, update the round, commit —
//! driven straight at the database through sqlx, one transaction per bid, as the ceiling the HTTP figures are
//! a ratio of. PostgreSQL: `SELECT … FOR UPDATE` in the server's database (tables `load_raw_*`); SQLite: a
//! `BEGIN IMMEDIATE` transaction with WAL and `synchronous = FULL`, as the server configures it.

use std::cell::RefCell;
use std::str::FromStr;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::stats::Outcome;

pub async fn raw(
    database_url: &str,
    label: &str,
    rounds: usize,
    connections: usize,
    seconds: u64,
) -> Result<Outcome, String> {
    let rounds = rounds.max(1);
    let scenario = format!(
        "raw transaction ({} round{})",
        rounds,
        if rounds == 1 { "" } else { "s" }
    );
    let outcome = RefCell::new(Outcome::new(&scenario, label, connections));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    if database_url.starts_with("postgres") {
        let pool = PgPoolOptions::new()
            .max_connections(u32::try_from(connections).unwrap_or(64))
            .connect(database_url)
            .await
            .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
        for statement in [
            "CREATE TABLE IF NOT EXISTS load_raw_rounds (id INTEGER PRIMARY KEY, price BIGINT NOT NULL, bid_count BIGINT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS load_raw_bids (round_id INTEGER NOT NULL, seq BIGINT NOT NULL, amount BIGINT NOT NULL, placed_at BIGINT NOT NULL, PRIMARY KEY (round_id, seq))",
            "TRUNCATE load_raw_rounds, load_raw_bids",
        ] {
            sqlx::query(statement).execute(&pool).await.map_err(|e| e.to_string())?;
        }
        for r in 0..rounds {
            sqlx::query("INSERT INTO load_raw_rounds VALUES ($1, 0, 0)")
                .bind(i32::try_from(r).unwrap_or(0))
                .execute(&pool)
                .await
                .map_err(|e| e.to_string())?;
        }
        let started = Instant::now();
        join_all((0..connections).map(|w| {
            let (pool, outcome) = (&pool, &outcome);
            async move {
                let round = i32::try_from(w % rounds).unwrap_or(0);
                while Instant::now() < deadline {
                    let began = Instant::now();
                    let result: Result<(), sqlx::Error> = async {
                        let mut tx = pool.begin().await?;
                        let (price, count): (i64, i64) =
                            sqlx::query_as("SELECT price, bid_count FROM load_raw_rounds WHERE id = $1 FOR UPDATE")
                                .bind(round)
                                .fetch_one(&mut *tx)
                                .await?;
                        sqlx::query("INSERT INTO load_raw_bids VALUES ($1, $2, $3, $4)")
                            .bind(round)
                            .bind(count + 1)
                            .bind(price + 100)
                            .bind(started.elapsed().as_millis() as i64)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("UPDATE load_raw_rounds SET price = $2, bid_count = $3 WHERE id = $1")
                            .bind(round)
                            .bind(price + 100)
                            .bind(count + 1)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await
                    }
                    .await;
                    record(outcome, result, began);
                }
            }
        }))
        .await;
    } else {
        let options = SqliteConnectOptions::from_str(database_url)
            .map_err(|e| format!("{database_url}: {e}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(u32::try_from(connections).unwrap_or(64))
            .connect_with(options)
            .await
            .map_err(|e| format!("cannot open {database_url}: {e}"))?;
        for statement in [
            "CREATE TABLE IF NOT EXISTS load_raw_rounds (id INTEGER PRIMARY KEY, price INTEGER NOT NULL, bid_count INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS load_raw_bids (round_id INTEGER NOT NULL, seq INTEGER NOT NULL, amount INTEGER NOT NULL, placed_at INTEGER NOT NULL, PRIMARY KEY (round_id, seq))",
            "DELETE FROM load_raw_bids",
            "DELETE FROM load_raw_rounds",
        ] {
            sqlx::query(statement).execute(&pool).await.map_err(|e| e.to_string())?;
        }
        for r in 0..rounds {
            sqlx::query("INSERT INTO load_raw_rounds VALUES (?, 0, 0)")
                .bind(i64::try_from(r).unwrap_or(0))
                .execute(&pool)
                .await
                .map_err(|e| e.to_string())?;
        }
        join_all((0..connections).map(|w| {
            let (pool, outcome) = (&pool, &outcome);
            async move {
                let round = i64::try_from(w % rounds).unwrap_or(0);
                while Instant::now() < deadline {
                    let began = Instant::now();
                    let result: Result<(), sqlx::Error> = async {
                        let mut conn = pool.acquire().await?;
                        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                        let written: Result<(), sqlx::Error> = async {
                            let (price, count): (i64, i64) =
                                sqlx::query_as("SELECT price, bid_count FROM load_raw_rounds WHERE id = ?")
                                    .bind(round)
                                    .fetch_one(&mut *conn)
                                    .await?;
                            sqlx::query("INSERT INTO load_raw_bids VALUES (?, ?, ?, ?)")
                                .bind(round)
                                .bind(count + 1)
                                .bind(price + 100)
                                .bind(began.elapsed().as_millis() as i64)
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("UPDATE load_raw_rounds SET price = ?, bid_count = ? WHERE id = ?")
                                .bind(price + 100)
                                .bind(count + 1)
                                .bind(round)
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        }
                        .await;
                        let end = if written.is_ok() { "COMMIT" } else { "ROLLBACK" };
                        sqlx::query(end).execute(&mut *conn).await?;
                        written
                    }
                    .await;
                    record(outcome, result, began);
                }
            }
        }))
        .await;
    }
    let mut outcome = outcome.into_inner();
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
        .notes
        .push("one transaction per bid, straight through sqlx".to_owned());
    Ok(outcome)
}

fn record(outcome: &RefCell<Outcome>, result: Result<(), sqlx::Error>, began: Instant) {
    let mut outcome = outcome.borrow_mut();
    match result {
        Ok(()) => outcome.accepted.record(began.elapsed()),
        Err(_) => outcome.errors += 1,
    }
}
