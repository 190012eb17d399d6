//! The lock engine: a round locked, advanced to `now`, decided and saved in one transaction, then
//! committed and announced by [`commit_and_announce`].

use auction_core::ledger::LedgerKind;
use auction_core::ledger::{LedgerEntry, LedgerHead, bid_events, default_event, file_added_event};
use auction_core::round::{AcceptedBid, Hold};
use auction_core::{Instant, Round, RoundStatus, Transition};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, EntityTrait, IdenStatic, IntoActiveModel, Iterable, ModelTrait, QueryFilter, QuerySelect, TryIntoModel,
};
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::{apply_round, instant, millis, money, rules_of};
use crate::persistence::entities::{deal, ledger_entry, listing_file, refund, round};
use crate::persistence::{WriteTx, bulk};
use crate::state::AppState;

#[derive(Clone)]
pub struct LockedRound {
    pub row: round::Model,
    /// The row as it was read: only what differs from it is written back.
    read: round::Model,
    pub round: Round,
    ledger: LedgerHead,
    entries: Vec<LedgerEntry>,
    pub(super) transitions: Vec<Transition>,
    pub(super) leader_registration_id: Option<Uuid>,
    /// A revocation in this transaction keeps the buyer's deposit: the sale is void because the buyer faked
    /// their qualification, and the court imposed its loss (R32).
    pub keep_deposit_on_revocation: bool,
}

/// What changed, to announce once the transaction has committed.
pub struct SavedRound {
    pub row: round::Model,
    /// The columns whose values differ from the row as it was read.
    changed: Vec<round::Column>,
    pub transitions: Vec<Transition>,
}

/// Who is changing a round.
#[derive(Clone, Copy)]
pub enum Access<'a> {
    /// A bidder or the public: a draft does not exist for them.
    Public,
    /// A judge of the round's court, or an administrator; another court's draft does not exist for a judge.
    Court(&'a Caller),
    /// The platform itself: its workers, and payments confirmed by the gateway or the court.
    System,
}

impl Access<'_> {
    /// Whether this caller may change the round at all (a draft does not exist outside its court).
    pub fn check(self, locked: &LockedRound) -> ApiResult<()> {
        let draft = locked.round.status == auction_core::RoundStatus::Draft;
        match self {
            Access::Public if draft => Err(ApiError::not_found("auction")),
            Access::Court(caller) if caller.role == Role::Judge && !caller.is_judge_of(locked.row.court_id) => {
                if draft {
                    Err(ApiError::not_found("auction"))
                } else {
                    Err(ApiError::forbidden("this auction belongs to another court"))
                }
            }
            Access::Court(caller) => caller.require_judge_of(locked.row.court_id),
            Access::Public | Access::System => Ok(()),
        }
    }
}

/// What an update decided, with the round as it now is (saved, or as it was read if nothing changed).
pub struct Updated<T> {
    pub value: T,
    pub row: round::Model,
}

/// Changes the round `id` under its lock, the one way every round operation does it: locks the row,
/// checks `access`, applies every transition due at `at`, runs `decide`, and then saves, commits and
/// announces what changed. When `decide` refuses (a 4xx), the transitions that became due are saved all
/// the same — a round found past its end closes even though the bid that found it is refused — and the
/// refusal is returned; so a decision refuses before it writes. A server error commits nothing.
pub async fn update_round<T>(
    state: &AppState,
    id: Uuid,
    at: Instant,
    access: Access<'_>,
    decide: impl AsyncFnOnce(&mut LockedRound, &WriteTx) -> ApiResult<T>,
) -> ApiResult<Updated<T>> {
    let tx = state.db.write().await?;
    let decided = update_round_in(state, &tx, id, at, access, decide).await?;
    commit_and_announce(state, tx, decided.saved.as_ref()).await?;
    Ok(Updated {
        value: decided.decision?,
        row: decided.row,
    })
}

/// Commits `tx`, and only then tells live watchers about the round it saved, if any: the one tail of
/// every change to a round, whichever path made it (an update, a bid batch, a worker, a payment).
pub async fn commit_and_announce(state: &AppState, tx: WriteTx, saved: Option<&SavedRound>) -> ApiResult<()> {
    tx.commit().await?;
    if let Some(saved) = saved {
        saved.announce(state).await;
    }
    Ok(())
}

/// What [`update_round_in`] leaves to the caller who holds the transaction: to pass `saved` to
/// [`commit_and_announce`] with it.
pub struct Decided<T> {
    /// The decision, or its refusal (a 4xx); server errors are the outer `Err`.
    pub decision: ApiResult<T>,
    /// The round as it now is: saved, or as it was read if nothing changed.
    pub row: round::Model,
    /// What the transaction saved, to announce once it has committed; `None` when nothing changed.
    pub saved: Option<SavedRound>,
}

/// [`update_round`] inside a transaction the caller already holds (a payment locks its order first).
pub async fn update_round_in<T>(
    state: &AppState,
    tx: &WriteTx,
    id: Uuid,
    at: Instant,
    access: Access<'_>,
    decide: impl AsyncFnOnce(&mut LockedRound, &WriteTx) -> ApiResult<T>,
) -> ApiResult<Decided<T>> {
    let mut locked = LockedRound::lock(tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("auction"))?;
    access.check(&locked)?;
    locked.advance(state, tx, at).await?;
    // Kept only when something became due, to save it should the decision refuse.
    let due = locked.has_changes().then(|| locked.clone());
    let decision = match decide(&mut locked, tx).await {
        Err(error) if error.status.is_server_error() => return Err(error),
        Err(refusal) => {
            // A refusal has written nothing; what became due before it is saved all the same.
            let Some(due) = due else {
                return Ok(Decided {
                    decision: Err(refusal),
                    row: locked.row,
                    saved: None,
                });
            };
            locked = due;
            Err(refusal)
        }
        Ok(value) => Ok(value),
    };
    let saved = locked.save(tx, state.clock.now()).await?;
    Ok(Decided {
        decision,
        row: saved.row.clone(),
        saved: Some(saved),
    })
}

impl LockedRound {
    /// Reads and locks the round's row; `None` if there is no such round.
    async fn lock(tx: &WriteTx, id: Uuid) -> ApiResult<Option<LockedRound>> {
        let row = round::Entity::find_by_id(id).lock_exclusive().one(&**tx).await?;
        row.map(LockedRound::from_row).transpose()
    }

    /// Reads and locks the rounds `ids` in one statement, in ascending id order — the order every batch
    /// of bids, in every process, locks its rounds in, so no two wait on each other. Rounds that do not
    /// exist are left out.
    ///
    /// The rows come without their long texts (the announcement, the bidding instructions, the special
    /// reminders: several KiB each, read for every round of every batch otherwise): a bid, and the
    /// openings and closings it may find due, neither read nor write them, and a column read as it is
    /// saved is not written back (`into_saved`).
    pub async fn lock_many(tx: &WriteTx, ids: &[Uuid]) -> ApiResult<Vec<round::Model>> {
        use sea_orm::QueryOrder;
        use sea_orm::sea_query::{Expr, ExprTrait, PgFunc};
        use sea_orm::{ConnectionTrait, DbBackend};
        const LONG_TEXTS: [round::Column; 3] = [
            round::Column::Announcement,
            round::Column::BiddingInstructions,
            round::Column::SpecialReminders,
        ];
        let mut query = round::Entity::find()
            .select_only()
            .columns(round::Column::iter().filter(|c| LONG_TEXTS.iter().all(|long| long.as_str() != c.as_str())));
        for column in LONG_TEXTS {
            query = query.column_as(Expr::null(), column.as_str());
        }
        // On PostgreSQL the ids are one array parameter: one statement text, prepared once, for any
        // number of rounds (see `persistence::bulk`).
        let by_id = match tx.get_database_backend() {
            DbBackend::Postgres => Expr::col(round::Column::Id).eq(PgFunc::any(Expr::val(ids.to_vec()))),
            _ => round::Column::Id.is_in(ids.iter().copied()),
        };
        Ok(query
            .filter(by_id)
            .order_by_asc(round::Column::Id)
            .lock_exclusive()
            .all(&**tx)
            .await?)
    }

    /// Wraps a row that the caller has already locked.
    pub fn from_row(row: round::Model) -> ApiResult<LockedRound> {
        let round = rules_of(&row)?;
        let ledger = LedgerHead {
            seq: u64::try_from(row.ledger_seq).unwrap_or(0),
            hash: row.ledger_head.clone(),
        };
        let leader_registration_id = row.leader_registration_id;
        Ok(LockedRound {
            read: row.clone(),
            row,
            round,
            ledger,
            entries: Vec::new(),
            transitions: Vec::new(),
            leader_registration_id,
            keep_deposit_on_revocation: false,
        })
    }

    pub fn id(&self) -> Uuid {
        self.row.id
    }

    pub fn has_changes(&self) -> bool {
        !self.entries.is_empty()
    }

    pub(super) fn append(&mut self, kind: LedgerKind, payload: serde_json::Value) {
        let entry = self.ledger.append(kind, payload);
        self.entries.push(entry);
    }

    /// Applies the openings and closings due at `now`, with their effects.
    pub async fn advance(&mut self, state: &AppState, tx: &WriteTx, now: Instant) -> ApiResult<()> {
        for transition in self.round.advance(now) {
            self.record(state, tx, transition, None).await?;
        }
        Ok(())
    }

    /// Records money paid back (the refund row is the caller's).
    pub fn record_refund(&mut self, refund: &refund::Model) -> ApiResult<()> {
        self.record_event(
            LedgerKind::Refund,
            serde_json::json!({
                "refund_id": refund.id.to_string(),
                "deal_id": refund.deal_id.map(|id| id.to_string()),
                "purpose": refund.purpose,
                "reason": refund.reason,
                "amount": money(refund.amount)?.to_string(),
                "gateway_reference": refund.gateway_reference,
                "at": auction_core::time::rfc3339(instant(refund.created_at)),
            }),
        );
        Ok(())
    }

    /// Records the buyer's default in the round's ledger (the deal and deposit rows are the caller's).
    pub fn record_default(
        &mut self,
        deal: &deal::Model,
        forfeited: auction_core::Money,
        refunded: auction_core::Money,
        at: Instant,
    ) {
        let (kind, payload) = default_event(
            &self.row.id.to_string(),
            &deal.id.to_string(),
            &deal.winner_code,
            forfeited,
            refunded,
            at,
        );
        self.append(kind, payload);
    }

    /// Records a step that is not a status change — after payment (qualification, ruling, service,
    /// hand-over), an objection and its decision, a refund, a release; the rows it concerns are the caller's.
    pub fn record_event(&mut self, kind: LedgerKind, mut payload: serde_json::Value) {
        payload["auction_id"] = serde_json::json!(self.row.id.to_string());
        self.append(kind, payload);
    }

    /// Suspends the round for `hold`, or adds the reason to a round already suspended; each is recorded.
    pub async fn suspend_for(
        &mut self,
        state: &AppState,
        tx: &WriteTx,
        hold: Hold,
        reason: Option<&str>,
        now: Instant,
    ) -> ApiResult<()> {
        match self.round.suspend(hold, now)? {
            Some(transition) => self.record(state, tx, transition, reason).await,
            None => {
                self.record_hold(hold, "added", reason, now);
                Ok(())
            }
        }
    }

    /// Lifts `hold`; the round resumes only when it was the last reason (R60), and goes on from there.
    pub async fn lift(
        &mut self,
        state: &AppState,
        tx: &WriteTx,
        hold: Hold,
        reason: Option<&str>,
        now: Instant,
    ) -> ApiResult<()> {
        match self.round.lift(hold, now)? {
            Some(transition) => {
                self.record(state, tx, transition, reason).await?;
                // The restored window is at least five minutes, and a round resumed before its start
                // waits; `advance` keeps both honest.
                self.advance(state, tx, now).await
            }
            None => {
                self.record_hold(hold, "lifted", reason, now);
                Ok(())
            }
        }
    }

    /// A reason added to or lifted from a round that stays suspended, with the reasons left.
    fn record_hold(&mut self, hold: Hold, change: &str, reason: Option<&str>, now: Instant) {
        let holds = self.round.suspension.map(|s| s.holds).unwrap_or_default();
        self.record_event(
            LedgerKind::SuspensionHold,
            serde_json::json!({
                "hold": match hold { Hold::Court => "court", Hold::Objection => "objection" },
                "change": change,
                "reason": reason,
                "held_by_court": holds.court,
                "held_by_objections": holds.objections,
                "at": auction_core::time::rfc3339(now),
            }),
        );
    }

    /// Records a file added to the listing after this round was announced (the file row is the caller's).
    pub fn record_file(&mut self, file: &listing_file::Model, at: Instant) {
        let (kind, payload) = file_added_event(
            &self.row.id.to_string(),
            &file.id.to_string(),
            &file.file_name,
            &file.sha256,
            at,
        );
        self.append(kind, payload);
    }

    /// Records a bank transfer a judge confirmed (the order row is the caller's).
    pub fn record_offline_payment(&mut self, facts: &auction_core::ledger::OfflinePaymentFacts) {
        let (kind, payload) = auction_core::ledger::offline_payment_event(facts);
        self.append(kind, payload);
    }

    /// Records an accepted bid's ledger events; the bid row itself is the caller's.
    pub fn record_bid(&mut self, bid: &AcceptedBid, registration_id: Uuid) {
        for (kind, payload) in bid_events(&self.row.id.to_string(), bid) {
            self.append(kind, payload);
        }
        self.leader_registration_id = Some(registration_id);
    }

    /// Writes the row (rule state, ledger head) and the new ledger entries.
    pub async fn save(self, tx: &WriteTx, now: Instant) -> ApiResult<SavedRound> {
        let mut entries = Vec::new();
        let saved = self.into_saved(now, &mut entries)?;
        write_rounds(tx, &[&saved]).await?;
        insert_ledger_entries(tx, entries).await?;
        Ok(saved)
    }

    /// The row as it is to be written, and its new ledger entries added to `entries`: the caller writes
    /// them with those of other rounds (`write_rounds`, `insert_ledger_entries`) before it commits.
    pub fn into_saved(mut self, now: Instant, entries: &mut Vec<ledger_entry::ActiveModel>) -> ApiResult<SavedRound> {
        let created_at = millis(now);
        entries.extend(self.entries.iter().map(|entry| ledger_entry::ActiveModel {
            id: Set(Uuid::new_v4()),
            auction_id: Set(self.row.id),
            seq: Set(i64::try_from(entry.seq).unwrap_or(i64::MAX)),
            kind: Set(entry.kind),
            payload: Set(entry.payload.to_string()),
            prev_hash: Set(entry.prev_hash.clone()),
            hash: Set(entry.hash.clone()),
            created_at: Set(created_at),
        }));
        self.row.ledger_seq = i64::try_from(self.ledger.seq).unwrap_or(i64::MAX);
        self.row.ledger_head = self.ledger.hash.clone();
        self.row.leader_registration_id = self.leader_registration_id;
        self.row.updated_at = created_at;
        let mut active = self.row.into_active_model();
        apply_round(&mut active, &self.round);
        let row = active.try_into_model()?;
        let changed = round::Column::iter()
            .filter(|column| row.get(*column) != self.read.get(*column))
            .collect();
        Ok(SavedRound {
            row,
            changed,
            transitions: self.transitions,
        })
    }
}

/// Writes rounds' rows (each locked by the caller) in one statement however many there are: the columns
/// any of them changed. The others — the round's long texts among them — are not written again.
pub async fn write_rounds(tx: &WriteTx, rounds: &[&SavedRound]) -> ApiResult<()> {
    let written = |column: &round::Column| {
        rounds
            .iter()
            .any(|saved| saved.changed.iter().any(|c| c.as_str() == column.as_str()))
    };
    let columns: Vec<round::Column> = round::Column::iter().filter(written).collect();
    let rows: Vec<&round::Model> = rounds.iter().map(|saved| &saved.row).collect();
    bulk::update_rows(tx, &rows, round::Column::Id, &columns).await
}

/// Inserts ledger entries — of one round, or of a whole bid batch's rounds — in one statement.
pub async fn insert_ledger_entries(tx: &WriteTx, entries: Vec<ledger_entry::ActiveModel>) -> ApiResult<()> {
    bulk::insert_rows(tx, entries).await
}

impl SavedRound {
    /// Tells live watchers about each status change.
    pub async fn announce(&self, state: &AppState) {
        if self.transitions.is_empty() {
            return;
        }
        state.live.round_changed(&self.row, state.clock.now()).await;
    }
}

/// A round with an opening or closing due at `now`, locked: one per call. With `skip_held` it skips
/// rounds another transaction holds (`SKIP LOCKED` on PostgreSQL), so several workers and processes
/// share the work; without, it waits for them, and PostgreSQL re-reads a waited-for row and passes it
/// over if it is no longer due (READ COMMITTED). On SQLite the write transaction already excludes
/// every other writer.
pub async fn lock_next_due(tx: &WriteTx, now: Instant, skip_held: bool) -> ApiResult<Option<LockedRound>> {
    use sea_orm::Condition;
    use sea_orm::sea_query::{LockBehavior, LockType};
    let now = millis(now);
    let due = Condition::any()
        .add(
            Condition::all()
                .add(round::Column::Status.eq(RoundStatus::Announced))
                .add(round::Column::BiddingStartsAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(round::Column::Status.eq(RoundStatus::Bidding))
                .add(round::Column::BiddingEndsAt.lte(now)),
        );
    let query = round::Entity::find().filter(due);
    let query = if skip_held {
        query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
    } else {
        query.lock_exclusive()
    };
    let row = query.one(&**tx).await?;
    row.map(LockedRound::from_row).transpose()
}
