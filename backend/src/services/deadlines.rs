//! The court's legal deadlines, reminded to its judges two days before they end, once each: the sale
//! ruling within ten days of payment, the hand-over within fifteen days of service (R52), and an
//! objection's decision within fifteen days of filing (R64).

use auction_core::Instant;
use auction_core::deal::{DealStatus, HANDOVER_WITHIN, RULING_WITHIN};
use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::objections;
use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, DeadlineLine, Email};
use crate::persistence::convert::{instant, millis};
use crate::persistence::entities::{deal, objection, round, user};
use crate::state::AppState;

/// How long before a deadline its judges are reminded.
pub const REMIND_BEFORE: Duration = Duration::days(2);

/// Which deadline a reminder is about, and the column that marks it sent.
#[derive(Clone, Copy)]
enum Deadline {
    Ruling,
    Handover,
    Decision,
}

impl Deadline {
    fn line(self, title: String, due: Instant) -> DeadlineLine {
        let (what, what_en) = match self {
            Deadline::Ruling => ("出具成交裁定", "the sale ruling"),
            Deadline::Handover => ("交付拍卖财产", "the hand-over"),
            Deadline::Decision => ("审查异议并作出裁定", "the decision on an objection"),
        };
        DeadlineLine {
            what,
            what_en,
            title,
            due,
        }
    }
}

/// Sends every reminder due at `now`; returns how many deadlines were reminded.
pub async fn remind(state: &AppState, now: Instant) -> ApiResult<usize> {
    let horizon = millis(now + REMIND_BEFORE);
    let mut due: Vec<(Deadline, Uuid, Uuid, Instant)> = Vec::new();
    // Paid, no ruling yet: due ten days after payment.
    let paid = deal::Entity::find()
        .filter(deal::Column::Status.eq(DealStatus::Paid))
        .filter(deal::Column::RulingReminderSentAt.is_null())
        .filter(deal::Column::PaidAt.lte(horizon - RULING_WITHIN.num_milliseconds()))
        .all(state.db.conn())
        .await?;
    for deal in paid {
        if let Some(paid_at) = deal.paid_at {
            due.push((
                Deadline::Ruling,
                deal.id,
                deal.auction_id,
                instant(paid_at) + RULING_WITHIN,
            ));
        }
    }
    // Served, not handed over: due fifteen days after service.
    let served = deal::Entity::find()
        .filter(deal::Column::Status.eq(DealStatus::RulingIssued))
        .filter(deal::Column::HandoverReminderSentAt.is_null())
        .filter(deal::Column::ServedAt.lte(horizon - HANDOVER_WITHIN.num_milliseconds()))
        .all(state.db.conn())
        .await?;
    for deal in served {
        if let Some(served_at) = deal.served_at {
            due.push((
                Deadline::Handover,
                deal.id,
                deal.auction_id,
                instant(served_at) + HANDOVER_WITHIN,
            ));
        }
    }
    for pending in objections::due_for_reminder(state, now, REMIND_BEFORE).await? {
        due.push((
            Deadline::Decision,
            pending.id,
            pending.auction_id,
            instant(pending.decide_by),
        ));
    }

    let mut reminded = 0;
    for (deadline, id, auction_id, due_at) in due {
        let tx = state.db.write().await?;
        // Marked first, under the write lock: a reminder another process sent is not sent again.
        let marked = match deadline {
            Deadline::Ruling => {
                deal::Entity::update_many()
                    .col_expr(deal::Column::RulingReminderSentAt, Expr::value(millis(now)))
                    .filter(deal::Column::Id.eq(id))
                    .filter(deal::Column::RulingReminderSentAt.is_null())
                    .exec(&*tx)
                    .await?
            }
            Deadline::Handover => {
                deal::Entity::update_many()
                    .col_expr(deal::Column::HandoverReminderSentAt, Expr::value(millis(now)))
                    .filter(deal::Column::Id.eq(id))
                    .filter(deal::Column::HandoverReminderSentAt.is_null())
                    .exec(&*tx)
                    .await?
            }
            Deadline::Decision => {
                objection::Entity::update_many()
                    .col_expr(objection::Column::ReminderSentAt, Expr::value(millis(now)))
                    .filter(objection::Column::Id.eq(id))
                    .filter(objection::Column::ReminderSentAt.is_null())
                    .exec(&*tx)
                    .await?
            }
        };
        if marked.rows_affected == 1 {
            let round = round::Entity::find_by_id(auction_id)
                .one(&*tx)
                .await?
                .ok_or_else(|| ApiError::internal("a deadline without its round"))?;
            let judges = user::Entity::find()
                .filter(user::Column::CourtId.eq(round.court_id))
                .filter(user::Column::Role.eq(Role::Judge.as_str()))
                .filter(user::Column::DeactivatedAt.is_null())
                .all(&*tx)
                .await?;
            let link = crate::links::court_console(&state.settings.public_url);
            for judge in judges {
                let lines = [deadline.line(round.title.clone(), due_at)];
                notify::queue(
                    &tx,
                    Email::court_deadline(&judge.email, &judge.real_name, &lines, &link),
                    now,
                )
                .await?;
            }
            reminded += 1;
        }
        tx.commit().await?;
    }
    Ok(reminded)
}
