//! Many rows written in one statement: a bid batch's bids, ledger entries and rounds. On PostgreSQL the
//! rows travel as one JSON parameter read back with the table's own row type (`jsonb_populate_recordset`),
//! so the statement's text depends on the table and the columns only, never on how many rows there are:
//! it is prepared once per connection and reused by every batch, where a multi-row `VALUES` of each new
//! size is parsed, planned and prepared anew (one more round trip) and pushes a reused statement out of
//! the connection's cache. SQLite prepares in process, without a round trip, and keeps its statements as
//! they were: a multi-row `VALUES`.

use sea_orm::sea_query::sea_value_to_json_value;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Iterable, ModelTrait, Statement, Value,
};

use super::WriteTx;
use crate::error::ApiResult;

/// Rows per multi-row `VALUES` on SQLite, within its limit on a statement's variables.
const SQLITE_ROWS_PER_STATEMENT: usize = 100;

/// Inserts `rows`, each with every column set.
pub async fn insert_rows<A: ActiveModelTrait>(tx: &WriteTx, rows: Vec<A>) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if tx.get_database_backend() != DbBackend::Postgres {
        for chunk in rows.chunks(SQLITE_ROWS_PER_STATEMENT) {
            <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
                .exec_without_returning(&**tx)
                .await?;
        }
        return Ok(());
    }
    let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter().collect();
    let json = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .filter_map(|&column| {
                    let value = row.get(column).into_value()?;
                    Some((column.as_str().to_owned(), sea_value_to_json_value(&value)))
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect();
    let list = quoted(&columns);
    let sql = format!(
        "INSERT INTO {table} ({list}) SELECT {list} FROM jsonb_populate_recordset(NULL::{table}, $1)",
        table = table_name::<A::Entity>(),
    );
    tx.execute_raw(json_statement(sql, json)).await?;
    Ok(())
}

/// Writes `columns` of `rows` (rows that exist, found by their primary key `key`).
pub async fn update_rows<M: ModelTrait>(
    tx: &WriteTx,
    rows: &[&M],
    key: <M::Entity as EntityTrait>::Column,
    columns: &[<M::Entity as EntityTrait>::Column],
) -> ApiResult<()> {
    if rows.is_empty() || columns.is_empty() {
        return Ok(());
    }
    let set: Vec<String> = columns
        .iter()
        .map(|c| format!("\"{0}\" = v.\"{0}\"", c.as_str()))
        .collect();
    let (table, set, key_name) = (table_name::<M::Entity>(), set.join(", "), key.as_str());
    let mut sent = columns.to_vec();
    sent.push(key);
    if tx.get_database_backend() != DbBackend::Postgres {
        // SQLite: the rows as a list of values, named by a common table expression.
        for chunk in rows.chunks(SQLITE_ROWS_PER_STATEMENT) {
            let mut values = Vec::with_capacity(chunk.len() * sent.len());
            let tuples: Vec<String> = chunk
                .iter()
                .map(|row| {
                    let marks: Vec<String> = sent
                        .iter()
                        .map(|&column| {
                            values.push(row.get(column));
                            format!("${}", values.len())
                        })
                        .collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            let sql = format!(
                "WITH v({names}) AS (VALUES {tuples}) UPDATE {table} AS t SET {set} FROM v \
                 WHERE t.\"{key_name}\" = v.\"{key_name}\"",
                names = quoted(&sent),
                tuples = tuples.join(", "),
            );
            tx.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values))
                .await?;
        }
        return Ok(());
    }
    let json = rows
        .iter()
        .map(|row| {
            sent.iter()
                .map(|&column| (column.as_str().to_owned(), sea_value_to_json_value(&row.get(column))))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect();
    let sql = format!(
        "UPDATE {table} AS t SET {set} FROM jsonb_populate_recordset(NULL::{table}, $1) AS v \
         WHERE t.\"{key_name}\" = v.\"{key_name}\""
    );
    tx.execute_raw(json_statement(sql, json)).await?;
    Ok(())
}

fn json_statement(sql: String, rows: Vec<serde_json::Value>) -> Statement {
    let rows = Value::Json(Some(Box::new(serde_json::Value::Array(rows))));
    Statement::from_sql_and_values(DbBackend::Postgres, sql, [rows])
}

fn table_name<E: EntityTrait>() -> String {
    format!("\"{}\"", E::default().table_name())
}

fn quoted<C: IdenStatic>(columns: &[C]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}
