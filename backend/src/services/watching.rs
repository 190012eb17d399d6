//! Watching a round (关注/设置提醒): a signed-in person follows a published round and is emailed once when
//! bidding opens and once 30 minutes before it is due to end. Each reminder is claimed on its watch row in
//! the transaction that queues the email, so two workers, two processes or a restart never send it twice.

use std::collections::HashMap;

use auction_core::{Instant, RoundStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::links;
use crate::notify::{self, Email, WatchMoment};
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis, money};
use crate::persistence::entities::{registration, round, user, watch};
use crate::state::AppState;

/// How long before a round's end its watchers are reminded.
pub const ENDING_REMINDER_BEFORE: chrono::Duration = chrono::Duration::minutes(30);

/// Whether the caller watches the round, and how many people do.
pub struct Watching {
    pub watching: bool,
    pub watch_count: u64,
}

/// Starts (or, with `on = false`, stops) watching a round the caller can see; repeating either changes nothing.
pub async fn set(state: &AppState, caller: &Caller, round: &round::Model, on: bool) -> ApiResult<Watching> {
    let now = millis(state.clock.now());
    if on {
        let row = watch::ActiveModel {
            id: Set(Uuid::new_v4()),
            auction_id: Set(round.id),
            user_id: Set(caller.user_id),
            created_at: Set(now),
            // Bidding already open: that moment has passed for this watcher.
            opening_reminded_at: Set((round.status != RoundStatus::Announced).then_some(now)),
            ending_reminded_at: Set(None),
        };
        watch::Entity::insert(row)
            .on_conflict_do_nothing_on([watch::Column::AuctionId, watch::Column::UserId])
            .exec(state.db.conn())
            .await?;
    } else {
        watch::Entity::delete_many()
            .filter(watch::Column::AuctionId.eq(round.id))
            .filter(watch::Column::UserId.eq(caller.user_id))
            .exec(state.db.conn())
            .await?;
    }
    Ok(Watching {
        watching: on,
        watch_count: count(state, round.id).await?,
    })
}

pub async fn count(state: &AppState, auction_id: Uuid) -> ApiResult<u64> {
    Ok(watch::Entity::find()
        .filter(watch::Column::AuctionId.eq(auction_id))
        .count(state.db.conn())
        .await?)
}

#[derive(FromQueryResult)]
struct Counted {
    auction_id: Uuid,
    watchers: i64,
}

/// The watch counts of several rounds in one query (a page of cards).
pub async fn counts(db: &sea_orm::DatabaseConnection, auction_ids: &[Uuid]) -> ApiResult<HashMap<Uuid, u64>> {
    if auction_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = watch::Entity::find()
        .select_only()
        .column(watch::Column::AuctionId)
        .column_as(watch::Column::Id.count(), "watchers")
        .filter(watch::Column::AuctionId.is_in(auction_ids.iter().copied()))
        .group_by(watch::Column::AuctionId)
        .into_model::<Counted>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.auction_id, u64::try_from(r.watchers).unwrap_or(0)))
        .collect())
}

pub async fn is_watching(state: &AppState, user_id: Uuid, auction_id: Uuid) -> ApiResult<bool> {
    Ok(watch::Entity::find()
        .filter(watch::Column::AuctionId.eq(auction_id))
        .filter(watch::Column::UserId.eq(user_id))
        .count(state.db.conn())
        .await?
        > 0)
}

/// The rounds the caller watches, most recently watched first.
pub async fn list_mine(
    state: &AppState,
    caller: &Caller,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<round::Model>, u64)> {
    let paginator = watch::Entity::find()
        .filter(watch::Column::UserId.eq(caller.user_id))
        .order_by_desc(watch::Column::CreatedAt)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    let watches = paginator.fetch_page(page - 1).await?;
    let ids: Vec<Uuid> = watches.iter().map(|w| w.auction_id).collect();
    let rounds: HashMap<Uuid, round::Model> = round::Entity::find()
        .filter(round::Column::Id.is_in(ids.iter().copied()))
        .all(state.db.conn())
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok((ids.iter().filter_map(|id| rounds.get(id).cloned()).collect(), total))
}

/// Inside the transaction that opens `round`: each watcher who has not registered (registrants get their
/// own `bidding_opens`) is emailed, and the moment claimed.
pub async fn remind_opening(state: &AppState, tx: &WriteTx, round: &round::Model, now: Instant) -> ApiResult<()> {
    let registered = registration::Entity::find()
        .select_only()
        .column(registration::Column::UserId)
        .filter(registration::Column::AuctionId.eq(round.id))
        .into_tuple::<Uuid>()
        .all(&**tx)
        .await?;
    let due = watch::Entity::find()
        .filter(watch::Column::AuctionId.eq(round.id))
        .filter(watch::Column::OpeningRemindedAt.is_null())
        .all(&**tx)
        .await?;
    for watch in due {
        if claim(tx, watch.id, watch::Column::OpeningRemindedAt, now).await? && !registered.contains(&watch.user_id) {
            queue_reminder(state, tx, &watch, round, WatchMoment::Opened, now).await?;
        }
    }
    Ok(())
}

/// Reminds the watchers of every round that is bidding and due to end within 30 minutes, once each.
/// Returns how many reminders were queued.
pub async fn remind_ending(state: &AppState, now: Instant) -> ApiResult<usize> {
    let horizon = millis(now + ENDING_REMINDER_BEFORE);
    // The due watches, found through the bidding rounds (few) rather than through all watches.
    let statement = Statement::from_sql_and_values(
        state.db.conn().get_database_backend(),
        "SELECT w.id FROM watches AS w JOIN auctions AS a ON a.id = w.auction_id \
         WHERE a.status = $1 AND a.bidding_ends_at <= $2 AND a.bidding_ends_at > $3 \
         AND w.ending_reminded_at IS NULL",
        [RoundStatus::Bidding.as_str().into(), horizon.into(), millis(now).into()],
    );
    let ids: Vec<Uuid> = IdOnly::find_by_statement(statement)
        .all(state.db.conn())
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect();
    let mut queued = 0;
    for id in ids {
        let tx = state.db.write().await?;
        let Some(watch) = watch::Entity::find_by_id(id).one(&*tx).await? else {
            continue;
        };
        let round = round::Entity::find_by_id(watch.auction_id).one(&*tx).await?;
        let still_due = round
            .as_ref()
            .is_some_and(|r| r.status == RoundStatus::Bidding && r.bidding_ends_at <= horizon);
        if let Some(round) = round.filter(|_| still_due)
            && claim(&tx, watch.id, watch::Column::EndingRemindedAt, now).await?
        {
            queue_reminder(state, &tx, &watch, &round, WatchMoment::EndingSoon, now).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

#[derive(FromQueryResult)]
struct IdOnly {
    id: Uuid,
}

/// Marks the moment as reminded unless another transaction already did; true if this one did.
async fn claim(tx: &WriteTx, watch_id: Uuid, moment: watch::Column, now: Instant) -> ApiResult<bool> {
    let claimed = watch::Entity::update_many()
        .col_expr(moment, Expr::value(millis(now)))
        .filter(watch::Column::Id.eq(watch_id))
        .filter(moment.is_null())
        .exec(&**tx)
        .await?;
    Ok(claimed.rows_affected == 1)
}

async fn queue_reminder(
    state: &AppState,
    tx: &WriteTx,
    watch: &watch::Model,
    round: &round::Model,
    moment: WatchMoment,
    now: Instant,
) -> ApiResult<()> {
    let Some(person) = user::Entity::find_by_id(watch.user_id).one(&**tx).await? else {
        return Ok(());
    };
    let price = money(round.current_price.unwrap_or(round.starting_price))?;
    let email = Email::watch_reminder(
        &person.email,
        person.party_name(),
        &round.title,
        moment,
        price,
        instant(round.bidding_ends_at),
        &links::round_page(&state.settings.public_url, round.id),
    );
    notify::queue(tx, email, now).await
}
