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
            json_row(
                columns
                    .iter()
                    .filter_map(|&c| Some((c.as_str(), row.get(c).into_value()?))),
            )
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
            let (tuples, values) = values_list(chunk.iter().map(|row| sent.iter().map(|&c| row.get(c))));
            let sql = format!(
                "WITH v({names}) AS (VALUES {tuples}) UPDATE {table} AS t SET {set} FROM v \
                 WHERE t.\"{key_name}\" = v.\"{key_name}\"",
                names = quoted(&sent),
            );
            tx.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values))
                .await?;
        }
        return Ok(());
    }
    let json = rows
        .iter()
        .map(|row| json_row(sent.iter().map(|&c| (c.as_str(), row.get(c)))))
        .collect();
    let sql = format!(
        "UPDATE {table} AS t SET {set} FROM jsonb_populate_recordset(NULL::{table}, $1) AS v \
         WHERE t.\"{key_name}\" = v.\"{key_name}\""
    );
    tx.execute_raw(json_statement(sql, json)).await?;
    Ok(())
}

/// Rows as a list of SQL tuples, `($1, $2), ($3, $4)`, with their values in the parameters' order.
pub fn values_list<R: IntoIterator<Item = Value>>(rows: impl IntoIterator<Item = R>) -> (String, Vec<Value>) {
    let mut values = Vec::new();
    let tuples: Vec<String> = rows
        .into_iter()
        .map(|row| {
            let marks: Vec<String> = row
                .into_iter()
                .map(|value| {
                    values.push(value);
                    format!("${}", values.len())
                })
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    (tuples.join(", "), values)
}

/// One row as a JSON object of its columns, for `jsonb_populate_recordset`.
fn json_row(columns: impl Iterator<Item = (&'static str, Value)>) -> serde_json::Value {
    columns
        .map(|(name, value)| (name.to_owned(), sea_value_to_json_value(&value)))
        .collect::<serde_json::Map<_, _>>()
        .into()
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
