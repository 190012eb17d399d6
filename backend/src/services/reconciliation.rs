//! Reconciliation (对账): a Beijing day's orders and refunds compared with the gateway's books through its
//! query APIs, each payment's own story checked against the refunds under way (`auction_core::
//! reconciliation`), and the notifications the platform could not act on listed. The worker runs it once a
//! day for the day before; the administrator may run it for any day. Every difference found is kept with
//! its run for the administrator's page.
//!
//! The query APIs answer for what the platform knows; a trade or refund the gateway has under a number the
//! platform never issued shows up only through its notification (`gateway_notices`).

use auction_core::DepositStatus;
use auction_core::deal::DealStatus;
use auction_core::payment::{Fate, PaymentPurpose, PaymentStatus};
use auction_core::reconciliation::{DifferenceKind, check_story, compare_payment, compare_refund};
use auction_core::refund::{RefundMethod, RefundReason, RefundStatus};
use auction_core::time::{beijing_date, beijing_midnight_after};
use auction_core::{Instant, Money};
use chrono::NaiveDate;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::gateway::{OrderAtGateway, RefundAtGateway};
use crate::persistence::convert::{millis, money};
use crate::persistence::entities::{
    deal, gateway_notice, payment_order, reconciliation, reconciliation_difference, refund, registration,
};
use crate::state::AppState;

/// A pending order is asked after for this long: a notification lost that long ago is still found.
const PENDING_ORDERS_ASKED_FOR: chrono::Duration = chrono::Duration::days(30);

/// The daily run starts this long into the Beijing day, for the day before (the gateway's own books for a
/// day are complete by then).
const DAILY_RUN_AFTER: chrono::Duration = chrono::Duration::hours(2);

/// A run and what it found.
pub struct Run {
    pub run: reconciliation::Model,
    pub differences: Vec<reconciliation_difference::Model>,
}

/// Runs the day before today's, once, when its time has come: only with a gateway that keeps books (not
/// the sandbox). Its id is the day's, so two processes never both run it.
pub async fn run_daily(state: &AppState, now: Instant) -> ApiResult<Option<reconciliation::Model>> {
    if state.gateway.sandbox().is_some() {
        return Ok(None);
    }
    let today = beijing_date(now);
    if now < beijing_midnight_after(now, 0) + DAILY_RUN_AFTER {
        return Ok(None);
    }
    let Some(day) = today.pred_opt() else {
        return Ok(None);
    };
    let id = daily_id(state.gateway.provider(), day);
    if reconciliation::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .is_some()
    {
        return Ok(None);
    }
    match run(state, id, day, None, now).await {
        Ok(done) => Ok(Some(done.run)),
        // Another process took the day first (its id is taken).
        Err(error) if error.status.as_u16() == 409 => Ok(None),
        Err(error) => Err(error),
    }
}

fn daily_id(provider: &str, day: NaiveDate) -> Uuid {
    let digest = Sha256::digest(format!("fapai daily reconciliation {provider} {day}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

/// The administrator's run for `day`.
pub async fn run_for(state: &AppState, day: NaiveDate, requested_by: Uuid) -> ApiResult<Run> {
    if state.gateway.sandbox().is_some() {
        return Err(ApiError::conflict(
            "reconciliation_unavailable",
            "the sandbox gateway keeps no books to compare with; reconciliation needs a real gateway",
        ));
    }
    let now = state.clock.now();
    if day > beijing_date(now) {
        return Err(ApiError::unprocessable(
            "invalid_day",
            "the day cannot be in the future",
        ));
    }
    run(state, Uuid::new_v4(), day, Some(requested_by), now).await
}

/// One difference found, before it is stored.
struct Found {
    kind: DifferenceKind,
    order: Option<Uuid>,
    refund: Option<Uuid>,
    auction: Option<Uuid>,
    out_trade_no: Option<String>,
    platform: Option<i64>,
    gateway: Option<i64>,
    platform_state: Option<String>,
    gateway_state: Option<String>,
    detail: String,
}

impl Found {
    fn of(kind: DifferenceKind, detail: impl Into<String>) -> Found {
        Found {
            kind,
            order: None,
            refund: None,
            auction: None,
            out_trade_no: None,
            platform: None,
            gateway: None,
            platform_state: None,
            gateway_state: None,
            detail: detail.into(),
        }
    }
}

async fn run(state: &AppState, id: Uuid, day: NaiveDate, requested_by: Option<Uuid>, now: Instant) -> ApiResult<Run> {
    let provider = state.gateway.provider();
    let started = reconciliation::ActiveModel {
        id: Set(id),
        provider: Set(provider.to_owned()),
        day: Set(day.to_string()),
        started_at: Set(millis(now)),
        finished_at: Set(None),
        orders_checked: Set(0),
        refunds_checked: Set(0),
        differences: Set(0),
        failure: Set(None),
        requested_by: Set(requested_by),
    };
    if reconciliation::Entity::insert(started)
        .exec(state.db.conn())
        .await
        .is_err()
    {
        return Err(ApiError::conflict(
            "reconciliation_running",
            "this day's reconciliation has begun already",
        ));
    }
    let (from, until) = day_window(day);
    let mut found = Vec::new();
    let compared = compare_with_gateway(state, provider, from, until, now, &mut found).await;
    let (orders_checked, refunds_checked, failure) = match compared {
        Ok((orders, refunds)) => (orders, refunds, None),
        Err(failure) => (0, 0, Some(failure)),
    };
    for notice in gateway_notice::Entity::find()
        .filter(gateway_notice::Column::Provider.eq(provider))
        .filter(gateway_notice::Column::ReceivedAt.gte(from))
        .filter(gateway_notice::Column::ReceivedAt.lt(until))
        .all(state.db.conn())
        .await?
    {
        found.push(Found {
            out_trade_no: Some(notice.out_trade_no.clone()),
            gateway: notice.amount,
            gateway_state: notice.trade_status.clone(),
            ..Found::of(
                DifferenceKind::UnmatchedNotification,
                format!(
                    "{}: {} (notification {})",
                    notice.problem, notice.detail, notice.notify_id
                ),
            )
        });
    }
    let mut differences = Vec::new();
    for difference in found {
        let row = reconciliation_difference::ActiveModel {
            id: Set(Uuid::new_v4()),
            reconciliation_id: Set(id),
            kind: Set(difference.kind),
            order_id: Set(difference.order),
            refund_id: Set(difference.refund),
            auction_id: Set(difference.auction),
            out_trade_no: Set(difference.out_trade_no),
            platform_amount: Set(difference.platform),
            gateway_amount: Set(difference.gateway),
            platform_state: Set(difference.platform_state),
            gateway_state: Set(difference.gateway_state),
            detail: Set(difference.detail),
        }
        .insert(state.db.conn())
        .await?;
        differences.push(row);
    }
    let finished = reconciliation::ActiveModel {
        id: Set(id),
        finished_at: Set(Some(millis(state.clock.now()))),
        orders_checked: Set(orders_checked),
        refunds_checked: Set(refunds_checked),
        differences: Set(i32::try_from(differences.len()).unwrap_or(i32::MAX)),
        failure: Set(failure.clone()),
        ..Default::default()
    }
    .update(state.db.conn())
    .await?;
    if differences.is_empty() && failure.is_none() {
        tracing::info!(%day, orders_checked, refunds_checked, "reconciliation: no difference");
    } else {
        tracing::warn!(%day, differences = differences.len(), failure = ?failure, "reconciliation found differences");
    }
    Ok(Run {
        run: finished,
        differences,
    })
}

/// The Beijing day as epoch milliseconds, from its first instant to the next day's.
fn day_window(day: NaiveDate) -> (i64, i64) {
    let start = day
        .and_hms_opt(0, 0, 0)
        .and_then(|midnight| {
            midnight
                .and_local_timezone(chrono::FixedOffset::east_opt(8 * 3600)?)
                .single()
        })
        .map(|start| start.to_utc())
        .unwrap_or_default();
    (millis(start), millis(start + chrono::Duration::days(1)))
}

/// Compares the window's orders and refunds with the gateway's answers and checks each payment's story.
/// Returns how many orders and refunds were checked, or why the gateway could not be asked.
async fn compare_with_gateway(
    state: &AppState,
    provider: &str,
    from: i64,
    until: i64,
    now: Instant,
    found: &mut Vec<Found>,
) -> Result<(i32, i32), String> {
    let db = state.db.conn();
    let orders = payment_order::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(payment_order::Column::CreatedAt.gte(from))
                        .add(payment_order::Column::CreatedAt.lt(until)),
                )
                .add(
                    Condition::all()
                        .add(payment_order::Column::PaidAt.gte(from))
                        .add(payment_order::Column::PaidAt.lt(until)),
                )
                .add(
                    Condition::all()
                        .add(payment_order::Column::Status.eq(PaymentStatus::Pending))
                        .add(payment_order::Column::CreatedAt.gte(until - PENDING_ORDERS_ASKED_FOR.num_milliseconds()))
                        .add(payment_order::Column::CreatedAt.lt(until)),
                ),
        )
        .order_by_asc(payment_order::Column::CreatedAt)
        .all(db)
        .await
        .map_err(|e| e.to_string())?;
    let refunds = refund::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(refund::Column::CreatedAt.gte(from))
                        .add(refund::Column::CreatedAt.lt(until)),
                )
                .add(
                    Condition::all()
                        .add(refund::Column::CompletedAt.gte(from))
                        .add(refund::Column::CompletedAt.lt(until)),
                ),
        )
        .order_by_asc(refund::Column::CreatedAt)
        .all(db)
        .await
        .map_err(|e| e.to_string())?;

    let mut orders_checked = 0;
    for order in orders
        .iter()
        .filter(|o| o.provider == provider && o.offline_payer.is_none())
    {
        let answer = match state.gateway.query_order(order.id, now).await {
            Some(answer) => answer.map_err(|refusal| refusal.0)?,
            None => return Err("the gateway keeps no books".into()),
        };
        orders_checked += 1;
        let platform = order.status.received().then_some(order.amount);
        let (gateway, gateway_state) = match &answer {
            OrderAtGateway::Paid { amount, status, .. } => (Some(amount.cents()), status.clone()),
            OrderAtGateway::NotPaid { status } => (None, status.clone()),
            OrderAtGateway::Unknown => (None, "unknown".to_owned()),
        };
        let to_money = |cents: Option<i64>| cents.and_then(Money::from_cents);
        if let Some(kind) = compare_payment(to_money(platform), to_money(gateway)) {
            found.push(Found {
                order: Some(order.id),
                platform,
                gateway,
                platform_state: Some(order.status.as_str().to_owned()),
                gateway_state: Some(gateway_state),
                ..Found::of(kind, format!("{} order", order.purpose))
            });
        }
    }

    let mut refunds_checked = 0;
    for row in refunds.iter().filter(|r| r.method == RefundMethod::Gateway) {
        let Some(order_id) = row.payment_order_id else {
            continue;
        };
        let answer = match state.gateway.query_refund(order_id, row.id, now).await {
            Some(answer) => answer.map_err(|refusal| refusal.0)?,
            None => return Err("the gateway keeps no books".into()),
        };
        refunds_checked += 1;
        let platform = (row.status == RefundStatus::Completed).then_some(row.amount);
        let gateway = match answer {
            RefundAtGateway::Paid { amount, .. } => Some(amount.cents()),
            RefundAtGateway::NotMade => None,
        };
        let to_money = |cents: Option<i64>| cents.and_then(Money::from_cents);
        if let Some(kind) = compare_refund(to_money(platform), to_money(gateway)) {
            found.push(Found {
                order: Some(order_id),
                refund: Some(row.id),
                auction: Some(row.auction_id),
                platform,
                gateway,
                platform_state: Some(row.status.as_str().to_owned()),
                gateway_state: Some(if gateway.is_some() { "REFUND_SUCCESS" } else { "none" }.to_owned()),
                ..Found::of(kind, format!("{} refund ({})", row.purpose, row.reason))
            });
        }
    }

    // Each payment touched that day, whatever way it came: is everything it owes back on its way?
    let mut touched: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    touched.extend(refunds.iter().filter_map(|r| r.payment_order_id));
    touched.sort_unstable();
    touched.dedup();
    for order_id in touched {
        if let Some(difference) = story_of(state, order_id).await.map_err(|e| e.message)? {
            found.push(difference);
        }
    }
    Ok((orders_checked, refunds_checked))
}

/// The story of one payment as its rows tell it, checked: `None` when its money is all where it should be.
async fn story_of(state: &AppState, order_id: Uuid) -> ApiResult<Option<Found>> {
    let db = state.db.conn();
    let Some(order) = payment_order::Entity::find_by_id(order_id).one(db).await? else {
        return Ok(None);
    };
    if !order.status.received() {
        return Ok(None);
    }
    let received = money(order.amount)?;
    let fate = match (order.status, order.purpose) {
        (PaymentStatus::Rejected, _) => Fate::Released,
        (_, PaymentPurpose::Deposit) => {
            let registration = match order.registration_id {
                Some(id) => registration::Entity::find_by_id(id).one(db).await?,
                None => None,
            };
            match registration {
                Some(r) => match r.deposit_status {
                    DepositStatus::Applied => Fate::Applied,
                    DepositStatus::Released => Fate::Released,
                    DepositStatus::Refunded => Fate::SetAside,
                    DepositStatus::Forfeited => Fate::Forfeited {
                        kept: money(r.deposit_forfeitable.unwrap_or(r.deposit_amount).min(order.amount))?,
                    },
                    DepositStatus::Unpaid | DepositStatus::Frozen => Fate::Held,
                },
                None => Fate::Held,
            }
        }
        (_, PaymentPurpose::Balance) => {
            let deal = match order.deal_id {
                Some(id) => deal::Entity::find_by_id(id).one(db).await?,
                None => None,
            };
            match deal.map(|d| d.status) {
                Some(DealStatus::Revoked) => Fate::SetAside,
                Some(DealStatus::AwaitingBalance) | None => Fate::Held,
                Some(_) => Fate::Applied,
            }
        }
    };
    // A second payment of the order is its own money, received and owed back apart from the story.
    let refunds = refund::Entity::find()
        .filter(refund::Column::PaymentOrderId.eq(order.id))
        .filter(refund::Column::Reason.ne(RefundReason::Duplicate))
        .select_only()
        .columns([refund::Column::Amount, refund::Column::Status])
        .into_tuple::<(i64, RefundStatus)>()
        .all(db)
        .await?;
    let mut completed = Vec::new();
    let mut under_way = Vec::new();
    for (amount, status) in refunds {
        let amount = money(amount)?;
        match status {
            RefundStatus::Completed => completed.push(amount),
            RefundStatus::Pending | RefundStatus::AwaitingCourt => under_way.push(amount),
        }
    }
    let Some(kind) = check_story(received, fate, &completed, &under_way) else {
        return Ok(None);
    };
    let sum = |amounts: &[Money]| amounts.iter().map(|m| m.cents()).sum::<i64>();
    Ok(Some(Found {
        order: Some(order.id),
        platform: Some(order.amount),
        platform_state: Some(format!("{} · {fate:?}", order.status)),
        ..Found::of(
            kind,
            format!(
                "{} received {received}; refunds completed {}, under way {}",
                order.purpose,
                money(sum(&completed))?,
                money(sum(&under_way))?
            ),
        )
    }))
}

/// The latest runs, newest first.
pub async fn latest(state: &AppState) -> ApiResult<Vec<reconciliation::Model>> {
    Ok(reconciliation::Entity::find()
        .order_by_desc(reconciliation::Column::StartedAt)
        .limit(30)
        .all(state.db.conn())
        .await?)
}

/// One run with its differences.
pub async fn find(state: &AppState, id: Uuid) -> ApiResult<Run> {
    let run = reconciliation::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("reconciliation"))?;
    let differences = reconciliation_difference::Entity::find()
        .filter(reconciliation_difference::Column::ReconciliationId.eq(id))
        .all(state.db.conn())
        .await?;
    Ok(Run { run, differences })
}
