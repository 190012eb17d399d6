//! Email through an outbox: a message is rendered and written in the same transaction as the change
//! that causes it, and a worker delivers it (claim, send, mark; retries with back-off). A crash between
//! commit and send loses nothing: the row is still there and is sent after restart.
//!
//! Transports by `FAPAI_MAIL`: `file:DIR` (one `.eml` per message), `smtp://host:port` (lettre SMTP;
//! `FAPAI_SMTP_TLS`, `FAPAI_SMTP_USERNAME`, `FAPAI_SMTP_PASSWORD`), `log` (recipient and subject only).

pub mod messages;
pub mod transport;

use std::time::Duration as StdDuration;

use auction_core::Instant;
use chrono::Duration;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::persistence::WriteTx;
use crate::persistence::convert::millis;
use crate::persistence::entities::outbox_email;
use crate::persistence::vocabulary::OutboxStatus;
use crate::state::AppState;
pub use messages::{CourtActionNotice, DeadlineLine, Email, RefundLine, TermsLine, WatchMoment};

/// A claimed message may be sent by nobody else for this long.
const CLAIM: Duration = Duration::seconds(120);
/// After this many failed attempts a message is marked failed (and logged).
const MAX_ATTEMPTS: i32 = 10;

/// Writes the message into the outbox, in the caller's transaction.
pub async fn queue(tx: &WriteTx, email: Email, now: Instant) -> ApiResult<()> {
    let rendered = email.render()?;
    outbox_email::ActiveModel {
        id: Set(Uuid::new_v4()),
        kind: Set(email.kind.to_owned()),
        to_address: Set(email.to),
        subject: Set(rendered.subject),
        text_body: Set(rendered.text),
        html_body: Set(rendered.html),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(millis(now)),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(millis(now)),
        sent_at: Set(None),
    }
    .insert(&**tx)
    .await?;
    Ok(())
}

/// 30 s, 1 min, 2 min … up to an hour between attempts.
fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    Duration::seconds(30 * 2i64.pow(exponent)).min(Duration::hours(1))
}

/// Claims one due message: a conditional update, so two workers (or processes) never both send it.
async fn claim(state: &AppState, now: Instant) -> ApiResult<Option<outbox_email::Model>> {
    let due = Condition::all()
        .add(outbox_email::Column::Status.eq(OutboxStatus::Pending))
        .add(outbox_email::Column::NextAttemptAt.lte(millis(now)))
        .add(
            Condition::any()
                .add(outbox_email::Column::ClaimedUntil.is_null())
                .add(outbox_email::Column::ClaimedUntil.lte(millis(now))),
        );
    let candidates = outbox_email::Entity::find()
        .filter(due.clone())
        .order_by_asc(outbox_email::Column::NextAttemptAt)
        .limit(8)
        .all(state.db.conn())
        .await?;
    for candidate in candidates {
        let tx = state.db.write().await?;
        let claimed = outbox_email::Entity::update_many()
            .col_expr(outbox_email::Column::ClaimedUntil, Expr::value(millis(now + CLAIM)))
            .filter(outbox_email::Column::Id.eq(candidate.id))
            .filter(due.clone())
            .exec(&*tx)
            .await?;
        tx.commit().await?;
        if claimed.rows_affected == 1 {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// Sends every message due at `now`; returns how many were sent.
pub async fn deliver_due(state: &AppState, now: Instant) -> ApiResult<usize> {
    let mut sent = 0;
    while let Some(message) = claim(state, now).await? {
        let outcome = state.mail.send(&message).await;
        let mut row: outbox_email::ActiveModel = message.clone().into();
        row.claimed_until = Set(None);
        match outcome {
            Ok(()) => {
                row.status = Set(OutboxStatus::Sent);
                row.sent_at = Set(Some(millis(now)));
                row.attempts = Set(message.attempts + 1);
                sent += 1;
                tracing::info!(email.id = %message.id, email.kind = %message.kind, "email sent");
            }
            Err(error) => {
                let attempts = message.attempts + 1;
                row.attempts = Set(attempts);
                row.last_error = Set(Some(error.clone()));
                if attempts >= MAX_ATTEMPTS {
                    row.status = Set(OutboxStatus::Failed);
                    tracing::error!(email.id = %message.id, email.kind = %message.kind, error = %error, "email given up");
                } else {
                    row.next_attempt_at = Set(millis(now + backoff(attempts)));
                    tracing::warn!(email.id = %message.id, attempts, error = %error, "email not sent; will retry");
                }
            }
        }
        let tx = state.db.write().await?;
        row.update(&*tx).await?;
        tx.commit().await?;
    }
    Ok(sent)
}

/// Delivers what is due right away, for a request that has just queued mail: bounded in time, and
/// anything not sent here stays queued for the worker.
pub async fn flush(state: &AppState) {
    let attempt = tokio::time::timeout(StdDuration::from_secs(3), deliver_due(state, state.clock.now())).await;
    if let Ok(Err(err)) = attempt {
        tracing::warn!(error = %err, "immediate delivery failed; the outbox worker will retry");
    }
}

/// Delivers the outbox every `interval` until cancelled, on its own so a slow mail server never
/// delays opening or closing a round.
pub fn spawn(
    state: std::sync::Arc<AppState>,
    interval: StdDuration,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(interval) => {}
            }
            let _pass = state.delivery_pass.lock().await;
            if let Err(err) = deliver_due(&state, state.clock.now()).await {
                tracing::warn!(error = %err, "outbox delivery failed; retrying on the next tick");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(480));
        assert_eq!(backoff(9), Duration::hours(1));
    }
}
