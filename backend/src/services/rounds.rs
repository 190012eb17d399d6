//! A round held under its lock for one transaction: "lock, decide, save".
//!
//! `LockedRound::lock` reads the round's row `FOR UPDATE` (PostgreSQL; on SQLite the `IMMEDIATE`
//! transaction already holds the write lock). Decisions come from `auction_core::Round`; every
//! transition is recorded here with its effects (ledger entry, deposits, deal, listing status), and
//! `save` writes the row and the new ledger entries in the same transaction.

use auction_core::deal::{DealStatus, deal_terms};
use auction_core::ledger::{LedgerEntry, LedgerHead, bid_events, transition_event};
use auction_core::round::{AcceptedBid, Outcome};
use auction_core::{DepositStatus, Instant, Round, Transition};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::listings::status as listing_status;
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::{apply_round, millis, money, round};
use crate::persistence::entities::{auction, deal, ledger_entry, listing, registration, user};
use crate::routes::views::AuctionView;
use crate::state::AppState;

pub struct LockedRound {
    pub row: auction::Model,
    pub round: Round,
    ledger: LedgerHead,
    entries: Vec<LedgerEntry>,
    transitions: Vec<Transition>,
    leader_registration_id: Option<Uuid>,
}

/// What changed, to announce once the transaction has committed.
pub struct SavedRound {
    pub row: auction::Model,
    pub transitions: Vec<Transition>,
}

impl LockedRound {
    /// Reads and locks the round's row; `None` if there is no such round.
    pub async fn lock(tx: &WriteTx, id: Uuid) -> ApiResult<Option<LockedRound>> {
        let row = auction::Entity::find_by_id(id).lock_exclusive().one(&**tx).await?;
        row.map(LockedRound::from_row).transpose()
    }

    /// Wraps a row that the caller has already locked.
    pub fn from_row(row: auction::Model) -> ApiResult<LockedRound> {
        let round = round(&row)?;
        let ledger = LedgerHead {
            seq: u64::try_from(row.ledger_seq).unwrap_or(0),
            hash: row.ledger_head.clone(),
        };
        let leader_registration_id = row.leader_registration_id;
        Ok(LockedRound {
            row,
            round,
            ledger,
            entries: Vec::new(),
            transitions: Vec::new(),
            leader_registration_id,
        })
    }

    pub fn id(&self) -> Uuid {
        self.row.id
    }

    pub fn has_changes(&self) -> bool {
        !self.entries.is_empty()
    }

    fn append(&mut self, kind: &str, payload: serde_json::Value) {
        let entry = self.ledger.append(kind, payload);
        self.entries.push(entry);
    }

    /// Applies the openings and closings due at `now`, with their effects.
    pub async fn advance(&mut self, tx: &WriteTx, now: Instant) -> ApiResult<()> {
        for transition in self.round.advance(now) {
            self.record(tx, transition, None).await?;
        }
        Ok(())
    }

    /// Records a transition the round has already gone through: its ledger entry and its effects.
    pub async fn record(&mut self, tx: &WriteTx, transition: Transition, reason: Option<&str>) -> ApiResult<()> {
        let (kind, payload) = transition_event(&self.row.id.to_string(), &transition, reason);
        self.append(kind, payload);
        match &transition {
            Transition::Published { at } => {
                self.row.published_at = Some(millis(*at));
                set_listing_status(tx, self.row.listing_id, listing_status::IN_AUCTION, *at).await?;
            }
            Transition::Closed { at, outcome } => {
                self.row.closed_at = Some(millis(*at));
                match outcome {
                    Outcome::Sold { price, .. } => {
                        let winner = self
                            .leader_registration_id
                            .ok_or_else(|| ApiError::internal("a sold round has no leading registration"))?;
                        settle_deposits(tx, self.row.id, Some(winner)).await?;
                        self.create_deal(tx, winner, *price, *at).await?;
                        set_listing_status(tx, self.row.listing_id, listing_status::SOLD, *at).await?;
                    }
                    Outcome::Failed => {
                        settle_deposits(tx, self.row.id, None).await?;
                        set_listing_status(tx, self.row.listing_id, listing_status::UNSOLD, *at).await?;
                    }
                }
            }
            Transition::Withdrawn { at } => {
                self.row.closed_at = Some(millis(*at));
                settle_deposits(tx, self.row.id, None).await?;
                set_listing_status(tx, self.row.listing_id, listing_status::WITHDRAWN, *at).await?;
            }
            Transition::Opened { .. } | Transition::Suspended { .. } | Transition::Resumed { .. } => {}
        }
        self.transitions.push(transition);
        Ok(())
    }

    /// Records an accepted bid's ledger events; the bid row itself is the caller's.
    pub fn record_bid(&mut self, bid: &AcceptedBid, registration_id: Uuid) {
        for (kind, payload) in bid_events(&self.row.id.to_string(), bid) {
            self.append(kind, payload);
        }
        self.leader_registration_id = Some(registration_id);
    }

    async fn create_deal(
        &self,
        tx: &WriteTx,
        winner: Uuid,
        price: auction_core::Money,
        closed_at: Instant,
    ) -> ApiResult<()> {
        let registration = registration::Entity::find_by_id(winner)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("the winning registration is missing"))?;
        let buyer = user::Entity::find_by_id(registration.user_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("the winning account is missing"))?;
        let days = u32::try_from(self.row.balance_due_days).unwrap_or(auction_core::deal::DEFAULT_BALANCE_DUE_DAYS);
        let terms = deal_terms(price, money(registration.deposit_amount)?, closed_at, days);
        let now = millis(closed_at);
        deal::ActiveModel {
            id: Set(Uuid::new_v4()),
            auction_id: Set(self.row.id),
            listing_id: Set(self.row.listing_id),
            buyer_id: Set(buyer.id),
            registration_id: Set(registration.id),
            winner_code: Set(registration.bidder_code.clone()),
            buyer_name: Set(buyer.real_name.clone()),
            final_price: Set(terms.final_price.cents()),
            deposit_applied: Set(terms.deposit_applied.cents()),
            balance_due: Set(terms.balance_due.cents()),
            balance_due_at: Set(millis(terms.balance_due_at)),
            status: Set(DealStatus::AwaitingBalance.as_str().to_owned()),
            paid_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&**tx)
        .await?;
        Ok(())
    }

    /// Writes the row (rule state, ledger head) and the new ledger entries.
    pub async fn save(mut self, tx: &WriteTx, now: Instant) -> ApiResult<SavedRound> {
        let created_at = millis(now);
        for entry in &self.entries {
            ledger_entry::ActiveModel {
                id: Set(Uuid::new_v4()),
                auction_id: Set(self.row.id),
                seq: Set(i64::try_from(entry.seq).unwrap_or(i64::MAX)),
                kind: Set(entry.kind.clone()),
                payload: Set(entry.payload.to_string()),
                prev_hash: Set(entry.prev_hash.clone()),
                hash: Set(entry.hash.clone()),
                created_at: Set(created_at),
            }
            .insert(&**tx)
            .await?;
        }
        self.row.ledger_seq = i64::try_from(self.ledger.seq).unwrap_or(i64::MAX);
        self.row.ledger_head = self.ledger.hash.clone();
        self.row.leader_registration_id = self.leader_registration_id;
        self.row.updated_at = created_at;
        let mut active = self.row.clone().into_active_model();
        apply_round(&mut active, &self.round);
        // Every column may have changed (status, times, counts, ledger head): write them all.
        active = active.reset_all();
        let row = active.update(&**tx).await?;
        Ok(SavedRound {
            row,
            transitions: self.transitions,
        })
    }
}

impl SavedRound {
    /// Tells live watchers about each status change.
    pub async fn announce(&self, state: &AppState) {
        if self.transitions.is_empty() {
            return;
        }
        if let Ok(view) = AuctionView::of(&self.row, state.clock.now()) {
            state
                .live
                .publish(self.row.id, json!({ "type": "status", "auction": view }))
                .await;
        }
    }
}

/// After the close or a withdrawal: the winner's frozen deposit is applied, every other one released.
async fn settle_deposits(tx: &WriteTx, auction_id: Uuid, winner: Option<Uuid>) -> ApiResult<()> {
    if let Some(winner) = winner {
        registration::Entity::update_many()
            .col_expr(
                registration::Column::DepositStatus,
                Expr::value(DepositStatus::Frozen.after_close(true).as_str()),
            )
            .filter(registration::Column::Id.eq(winner))
            .filter(registration::Column::DepositStatus.eq(DepositStatus::Frozen.as_str()))
            .exec(&**tx)
            .await?;
    }
    let mut others = registration::Entity::update_many()
        .col_expr(
            registration::Column::DepositStatus,
            Expr::value(DepositStatus::Frozen.after_close(false).as_str()),
        )
        .filter(registration::Column::AuctionId.eq(auction_id))
        .filter(registration::Column::DepositStatus.eq(DepositStatus::Frozen.as_str()));
    if let Some(winner) = winner {
        others = others.filter(registration::Column::Id.ne(winner));
    }
    others.exec(&**tx).await?;
    Ok(())
}

async fn set_listing_status(tx: &WriteTx, listing_id: Uuid, status: &str, at: Instant) -> ApiResult<()> {
    listing::Entity::update_many()
        .col_expr(listing::Column::Status, Expr::value(status))
        .col_expr(listing::Column::UpdatedAt, Expr::value(millis(at)))
        .filter(listing::Column::Id.eq(listing_id))
        .exec(&**tx)
        .await?;
    Ok(())
}

/// Rounds with an opening or closing due at `now`: one id per call, skipping rounds another
/// transaction holds (`SKIP LOCKED` on PostgreSQL), so several workers and processes share the work.
pub async fn lock_next_due(tx: &WriteTx, now: Instant) -> ApiResult<Option<LockedRound>> {
    use sea_orm::Condition;
    use sea_orm::sea_query::{LockBehavior, LockType};
    let now = millis(now);
    let due = Condition::any()
        .add(
            Condition::all()
                .add(auction::Column::Status.eq("announced"))
                .add(auction::Column::BiddingStartsAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(auction::Column::Status.eq("bidding"))
                .add(auction::Column::BiddingEndsAt.lte(now)),
        );
    let row = auction::Entity::find()
        .filter(due)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(&**tx)
        .await?;
    row.map(LockedRound::from_row).transpose()
}
