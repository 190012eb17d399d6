//! A round held under its lock for one transaction: "lock, decide, save".
//!
//! Every operation on a round goes through [`update_round`] (or [`update_round_in`] inside a transaction
//! the caller holds): it locks the row `FOR UPDATE` (PostgreSQL; on SQLite the `IMMEDIATE` transaction
//! already holds the write lock), checks who may change it, applies every transition that became due,
//! runs the operation's decision, and saves, commits and announces what changed — the due transitions
//! even when the decision refuses. Decisions come from `auction_core::Round`; each transition is recorded
//! here with its effects (ledger entry, deposits, deal, listing status), and `save` writes the row and the
//! new ledger entries in the same transaction.

use auction_core::deal::{DealStatus, deal_terms};
use auction_core::ledger::{
    AnnouncedTerms, LedgerEntry, LedgerHead, announced_terms, bid_events, default_event, file_added_event,
    transition_event,
};
use auction_core::round::{AcceptedBid, Hold, Outcome};
use auction_core::{DepositStatus, Instant, Money, Round, RoundStatus, Transition};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::links;
use crate::live::LiveMessage;
use crate::notify::{self, CourtActionNotice, Email};
use crate::persistence::WriteTx;
use crate::persistence::convert::{apply_round, instant, millis, money, round};
use crate::persistence::entities::{
    applicant, auction, deal, ledger_entry, listing, listing_file, payment_order, refund, registration, user,
};
use crate::persistence::vocabulary::{ListingStatus, PaymentPurpose, PaymentStatus, RefundPurpose, RefundReason};
use crate::services::refunds::{self, RefundDue};
use crate::state::AppState;
use crate::views::AuctionView;

#[derive(Clone)]
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
    fn check(self, locked: &LockedRound) -> ApiResult<()> {
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
    pub row: auction::Model,
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
    if decided.changed {
        tx.commit().await?;
        decided.saved.announce(state).await;
    }
    let value = decided.decision?;
    Ok(Updated {
        value,
        row: decided.saved.row,
    })
}

/// What [`update_round_in`] leaves to the caller who holds the transaction: commit (if `changed`), then
/// announce `saved`.
pub struct Decided<T> {
    /// The decision, or its refusal (a 4xx); server errors are the outer `Err`.
    pub decision: ApiResult<T>,
    pub saved: SavedRound,
    /// Whether the transaction holds something to commit.
    pub changed: bool,
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
    match decide(&mut locked, tx).await {
        Ok(value) => Ok(Decided {
            decision: Ok(value),
            saved: locked.save(tx, state.clock.now()).await?,
            changed: true,
        }),
        Err(error) if error.status.is_server_error() => Err(error),
        Err(refusal) => match due {
            Some(due) => Ok(Decided {
                decision: Err(refusal),
                saved: due.save(tx, state.clock.now()).await?,
                changed: true,
            }),
            None => Ok(Decided {
                decision: Err(refusal),
                saved: SavedRound {
                    row: locked.row,
                    transitions: Vec::new(),
                },
                changed: false,
            }),
        },
    }
}

impl LockedRound {
    /// Reads and locks the round's row; `None` if there is no such round.
    async fn lock(tx: &WriteTx, id: Uuid) -> ApiResult<Option<LockedRound>> {
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
    pub async fn advance(&mut self, state: &AppState, tx: &WriteTx, now: Instant) -> ApiResult<()> {
        for transition in self.round.advance(now) {
            self.record(state, tx, transition, None).await?;
        }
        Ok(())
    }

    /// Records a transition the round has already gone through: its ledger entry, its effects and the
    /// notices it sends, all in the caller's transaction.
    pub async fn record(
        &mut self,
        state: &AppState,
        tx: &WriteTx,
        transition: Transition,
        reason: Option<&str>,
    ) -> ApiResult<()> {
        let (kind, mut payload) = transition_event(&self.row.id.to_string(), &transition, reason);
        if matches!(transition, Transition::Published { .. }) {
            payload["terms"] = announced_terms(&AnnouncedTerms {
                round_kind: &self.row.round_kind,
                starting_price: self.round.starting_price,
                deposit: money(self.row.deposit)?,
                increment: self.round.increment,
                bidding_starts_at: self.round.bidding_starts_at,
                bidding_ends_at: self.round.bidding_ends_at,
                announcement: self.row.announcement.as_deref().unwrap_or_default(),
                bidding_instructions: self.row.bidding_instructions.as_deref().unwrap_or_default(),
                special_reminders: self.row.special_reminders.as_deref().unwrap_or_default(),
            });
        }
        self.append(kind, payload);
        let notices = Notices {
            state,
            tx,
            round_id: self.row.id,
            now: state.clock.now(),
        };
        match &transition {
            Transition::Published { at } => self.published(tx, *at).await?,
            Transition::Opened { .. } => self.opened(&notices).await?,
            Transition::Closed { at, outcome } => self.closed(&notices, outcome.clone(), *at).await?,
            Transition::Withdrawn { at } => self.withdrawn(&notices, reason, *at).await?,
            Transition::Suspended { .. } => self.suspended_or_resumed(&notices, reason, false).await?,
            Transition::Resumed { .. } => self.suspended_or_resumed(&notices, reason, true).await?,
            Transition::Revoked { at } => self.revoked(&notices, reason, *at).await?,
        }
        self.transitions.push(transition);
        Ok(())
    }

    /// Announced: the listing is now in an auction.
    async fn published(&mut self, tx: &WriteTx, at: Instant) -> ApiResult<()> {
        self.row.published_at = Some(millis(at));
        set_listing_status(tx, self.row.listing_id, ListingStatus::InAuction, at).await
    }

    /// Bidding opened: every registrant is told, with their code; people watching the round are reminded.
    async fn opened(&self, notices: &Notices<'_>) -> ApiResult<()> {
        crate::services::watching::remind_opening(notices.state, notices.tx, &self.row, notices.now).await?;
        lapse_unconfirmed_agencies(notices.tx, &self.row, &notices.round_link(), notices.now).await?;
        let lapsed = |r: &registration::Model| {
            auction_core::agency::released_at_opening(
                r.agent_status
                    .as_deref()
                    .and_then(auction_core::agency::AgencyStatus::parse),
            )
        };
        for (registration, person) in registrants(&**notices.tx, self.row.id).await? {
            if lapsed(&registration) {
                continue;
            }
            let email = Email::bidding_opens(
                &person.email,
                person.party_name(),
                &self.row.title,
                &registration.bidder_code,
                self.round.starting_price,
                self.round.bidding_ends_at,
                &notices.round_link(),
            );
            notices.send(email).await?;
        }
        Ok(())
    }

    /// Closed: deposits settled (R53), and on a sale the deal made and the buyer told (R51); the listing
    /// sold or unsold.
    async fn closed(&mut self, notices: &Notices<'_>, outcome: Outcome, at: Instant) -> ApiResult<()> {
        let tx = notices.tx;
        self.row.closed_at = Some(millis(at));
        let winner = match outcome {
            Outcome::Sold { .. } => Some(
                self.leader_registration_id
                    .ok_or_else(|| ApiError::internal("a sold round has no leading registration"))?,
            ),
            Outcome::Failed => None,
        };
        let ended = if winner.is_some() {
            RoundStatus::Sold
        } else {
            RoundStatus::Failed
        };
        for (registration, person) in settle_deposits(tx, self.row.id, winner).await? {
            let deposit = money(registration.deposit_amount)?;
            let email = Email::deposit_released(&person.email, person.party_name(), &self.row.title, deposit, ended);
            notices.send(email).await?;
        }
        match (outcome, winner) {
            (Outcome::Sold { price, .. }, Some(winner)) => {
                let (deal, buyer) = self.create_deal(tx, winner, price, at).await?;
                if deal.claim_offset > 0 {
                    let offset = money(deal.claim_offset)?;
                    self.record_event(
                        "claim_offset",
                        serde_json::json!({ "deal_id": deal.id.to_string(), "claim_offset": offset.to_string() }),
                    );
                }
                let confirmation = format!(
                    "{}{}",
                    notices.state.settings.public_url,
                    links::confirmation_path(deal.id)
                );
                let email = Email::won(
                    &buyer.email,
                    buyer.party_name(),
                    &self.row.title,
                    price,
                    money(deal.deposit_applied)?,
                    money(deal.balance_due)?,
                    instant(deal.balance_due_at),
                    &confirmation,
                );
                notices.send(email).await?;
                set_listing_status(tx, self.row.listing_id, ListingStatus::Sold, at).await
            }
            _ => set_listing_status(tx, self.row.listing_id, ListingStatus::Unsold, at).await,
        }
    }

    /// Withdrawn (R60): every deposit released, every registrant told why.
    async fn withdrawn(&mut self, notices: &Notices<'_>, reason: Option<&str>, at: Instant) -> ApiResult<()> {
        let tx = notices.tx;
        self.row.closed_at = Some(millis(at));
        self.row.status_reason = reason.map(str::to_owned);
        let everyone = registrants(&**tx, self.row.id).await?;
        let released: Vec<Uuid> = settle_deposits(tx, self.row.id, None)
            .await?
            .iter()
            .map(|(r, _)| r.id)
            .collect();
        for (registration, person) in everyone {
            let deposit = released
                .contains(&registration.id)
                .then(|| money(registration.deposit_amount))
                .transpose()?;
            let email = Email::court_action(
                &person.email,
                person.party_name(),
                &self.row.title,
                CourtActionNotice::Withdrawn,
                reason,
                None,
                deposit,
                &notices.round_link(),
            );
            notices.send(email).await?;
        }
        set_listing_status(tx, self.row.listing_id, ListingStatus::Withdrawn, at).await
    }

    /// Suspended or resumed (R60): the public reason kept while suspended, every registrant told.
    async fn suspended_or_resumed(
        &mut self,
        notices: &Notices<'_>,
        reason: Option<&str>,
        resumed: bool,
    ) -> ApiResult<()> {
        self.row.status_reason = if resumed { None } else { reason.map(str::to_owned) };
        let ends = resumed.then_some(self.round.bidding_ends_at);
        let action = if resumed {
            CourtActionNotice::Resumed
        } else {
            CourtActionNotice::Suspended
        };
        for (_, person) in registrants(&**notices.tx, self.row.id).await? {
            let email = Email::court_action(
                &person.email,
                person.party_name(),
                &self.row.title,
                action,
                reason,
                ends,
                None,
                &notices.round_link(),
            );
            notices.send(email).await?;
        }
        Ok(())
    }

    /// Revoked on an upheld objection (R65): the deal set aside, the buyer's deposit (or prepayment) and any
    /// paid balance refunded through the gateway, each refund in the ledger; the listing may be auctioned
    /// again; the buyer and every other registrant told.
    async fn revoked(&mut self, notices: &Notices<'_>, reason: Option<&str>, at: Instant) -> ApiResult<()> {
        let tx = notices.tx;
        let deal = deal::Entity::find()
            .filter(deal::Column::AuctionId.eq(self.row.id))
            .lock_exclusive()
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("a sold round without its deal"))?;
        let sell_off =
            crate::persistence::convert::kind(&self.row.round_kind)? == auction_core::setup::RoundKind::SellOff;
        let mut refunds = Vec::new();
        let deposit = money(deal.deposit_applied)?;
        if !deposit.is_zero() {
            registration::Entity::update_many()
                .col_expr(
                    registration::Column::DepositStatus,
                    Expr::value(DepositStatus::Refunded.as_str()),
                )
                .filter(registration::Column::Id.eq(deal.registration_id))
                .exec(&**tx)
                .await?;
            let purpose = if sell_off {
                RefundPurpose::Prepayment
            } else {
                RefundPurpose::Deposit
            };
            refunds.push((purpose, deposit));
        }
        let balance_paid = payment_order::Entity::find()
            .filter(payment_order::Column::DealId.eq(deal.id))
            .filter(payment_order::Column::Purpose.eq(PaymentPurpose::Balance.as_str()))
            .filter(payment_order::Column::Status.eq(PaymentStatus::Paid.as_str()))
            .all(&**tx)
            .await?
            .iter()
            .map(|order| order.amount)
            .sum::<i64>();
        if balance_paid > 0 {
            refunds.push((RefundPurpose::Balance, money(balance_paid)?));
        }
        let mut lines = Vec::new();
        for (purpose, amount) in refunds {
            let due = RefundDue {
                user_id: deal.buyer_id,
                auction_id: self.row.id,
                deal_id: Some(deal.id),
                registration_id: Some(deal.registration_id),
                purpose,
                reason: RefundReason::Revocation,
                amount,
            };
            let refund = refunds::pay_back(notices.state, tx, due, notices.now).await?;
            self.record_refund(&refund)?;
            lines.push(refunds::line(&refund)?);
        }
        let mut active = deal.clone().into_active_model();
        active.status = Set(DealStatus::Revoked.as_str().to_owned());
        active.revoked_at = Set(Some(millis(at)));
        active.updated_at = Set(millis(notices.now));
        active.update(&**tx).await?;
        self.row.status_reason = reason.map(str::to_owned);
        for (registration, person) in registrants(&**tx, self.row.id).await? {
            let own = if registration.id == deal.registration_id {
                &lines[..]
            } else {
                &[]
            };
            let email = Email::sale_revoked(
                &person.email,
                person.party_name(),
                &self.row.title,
                reason,
                own,
                &notices.round_link(),
            );
            notices.send(email).await?;
        }
        set_listing_status(tx, self.row.listing_id, ListingStatus::Revoked, at).await
    }

    /// Records money paid back (the refund row is the caller's).
    pub fn record_refund(&mut self, refund: &refund::Model) -> ApiResult<()> {
        self.record_event(
            "refund",
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
    pub fn record_event(&mut self, kind: &str, mut payload: serde_json::Value) {
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
            "suspension_hold",
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

    async fn create_deal(
        &self,
        tx: &WriteTx,
        winner: Uuid,
        price: auction_core::Money,
        closed_at: Instant,
    ) -> ApiResult<(deal::Model, user::Model)> {
        let registration = registration::Entity::find_by_id(winner)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("the winning registration is missing"))?;
        let buyer = user::Entity::find_by_id(registration.user_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("the winning account is missing"))?;
        let days = u32::try_from(self.row.balance_due_days).unwrap_or(auction_core::deal::DEFAULT_BALANCE_DUE_DAYS);
        let claim = applicant_claim(tx, self.row.id, buyer.id)
            .await?
            .unwrap_or(auction_core::Money::ZERO);
        let terms = deal_terms(price, money(registration.deposit_amount)?, claim, closed_at, days);
        let status = terms.initial_status();
        let now = millis(closed_at);
        let deal = deal::ActiveModel {
            id: Set(Uuid::new_v4()),
            auction_id: Set(self.row.id),
            listing_id: Set(self.row.listing_id),
            buyer_id: Set(buyer.id),
            registration_id: Set(registration.id),
            winner_code: Set(registration.bidder_code.clone()),
            // Bought through a confirmed agent, the sale is the principal's (R41).
            buyer_name: Set(registration
                .principal_name
                .clone()
                .unwrap_or_else(|| buyer.party_name().to_owned())),
            final_price: Set(terms.final_price.cents()),
            deposit_applied: Set(terms.deposit_applied.cents()),
            claim_offset: Set(terms.claim_offset.cents()),
            balance_due: Set(terms.balance_due.cents()),
            balance_due_at: Set(millis(terms.balance_due_at)),
            status: Set(status.as_str().to_owned()),
            // A deal the prepayment covers is paid when the round closes.
            paid_at: Set((status == DealStatus::Paid).then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            reminder_sent_at: Set(None),
            defaulted_at: Set(None),
            qualification: Set(None),
            qualification_evidence: Set(None),
            ruling_issued_at: Set(None),
            served_at: Set(None),
            handed_over_at: Set(None),
            revoked_at: Set(None),
            ruling_reminder_sent_at: Set(None),
            handover_reminder_sent_at: Set(None),
        }
        .insert(&**tx)
        .await?;
        Ok((deal, buyer))
    }

    /// Writes the row (rule state, ledger head) and the new ledger entries.
    pub async fn save(mut self, tx: &WriteTx, now: Instant) -> ApiResult<SavedRound> {
        let created_at = millis(now);
        // One statement for the entries of a whole bid batch (in chunks within SQLite's variable limit).
        let rows: Vec<ledger_entry::ActiveModel> = self
            .entries
            .iter()
            .map(|entry| ledger_entry::ActiveModel {
                id: Set(Uuid::new_v4()),
                auction_id: Set(self.row.id),
                seq: Set(i64::try_from(entry.seq).unwrap_or(i64::MAX)),
                kind: Set(entry.kind.clone()),
                payload: Set(entry.payload.to_string()),
                prev_hash: Set(entry.prev_hash.clone()),
                hash: Set(entry.hash.clone()),
                created_at: Set(created_at),
            })
            .collect();
        for chunk in rows.chunks(500) {
            ledger_entry::Entity::insert_many(chunk.to_vec()).exec(&**tx).await?;
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
                .publish(self.row.id, LiveMessage::Status { auction: &view })
                .await;
        }
    }
}

/// After the close or a withdrawal: the winner's frozen deposit is applied, every other one released.
/// Returns the released registrations with their people, for the notices.
async fn settle_deposits(
    tx: &WriteTx,
    auction_id: Uuid,
    winner: Option<Uuid>,
) -> ApiResult<Vec<(registration::Model, user::Model)>> {
    let frozen = DepositStatus::Frozen.as_str();
    let mut released = Vec::new();
    for (registration, person) in registrants(&**tx, auction_id).await? {
        if registration.deposit_status != frozen {
            continue;
        }
        let is_winner = winner == Some(registration.id);
        let settled = DepositStatus::Frozen.after_close(is_winner);
        registration::Entity::update_many()
            .col_expr(registration::Column::DepositStatus, Expr::value(settled.as_str()))
            .filter(registration::Column::Id.eq(registration.id))
            .filter(registration::Column::DepositStatus.eq(frozen))
            .exec(&**tx)
            .await?;
        if !is_winner {
            released.push((registration, person));
        }
    }
    Ok(released)
}

/// The applicant's unpaid claim in this round, if the court marked `user_id` as the applicant.
pub async fn applicant_claim(tx: &WriteTx, auction_id: Uuid, user_id: Uuid) -> ApiResult<Option<Money>> {
    let mark = applicant::Entity::find()
        .filter(applicant::Column::AuctionId.eq(auction_id))
        .filter(applicant::Column::UserId.eq(user_id))
        .one(&**tx)
        .await?;
    Ok(mark.map(|m| money(m.claim_amount)).transpose()?)
}

/// At the opening, every agency the court has not confirmed lapses (R41): its frozen deposit is released and
/// the agent told. Runs in the transaction that opens the round.
async fn lapse_unconfirmed_agencies(tx: &WriteTx, round: &auction::Model, link: &str, now: Instant) -> ApiResult<()> {
    let agencies = registration::Entity::find()
        .filter(registration::Column::AuctionId.eq(round.id))
        .filter(registration::Column::AgentStatus.is_not_null())
        .all(&**tx)
        .await?;
    for agency in agencies.into_iter().filter(|a| {
        auction_core::agency::released_at_opening(
            a.agent_status
                .as_deref()
                .and_then(auction_core::agency::AgencyStatus::parse),
        )
    }) {
        let frozen = agency.deposit_status == DepositStatus::Frozen.as_str();
        let agent = user::Entity::find_by_id(agency.user_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("registration without its account"))?;
        let principal = agency.principal_name.clone().unwrap_or_default();
        if frozen {
            let mut active = agency.into_active_model();
            active.deposit_status = Set(DepositStatus::Released.as_str().to_owned());
            active.updated_at = Set(millis(now));
            active.update(&**tx).await?;
        }
        let email = Email::agency(
            &agent.email,
            agent.party_name(),
            &round.title,
            &principal,
            "lapsed",
            None,
            link,
        );
        notify::queue(tx, email, now).await?;
    }
    Ok(())
}

/// Every registration of a round, with its person, in the order they registered.
pub async fn registrants(
    conn: &impl ConnectionTrait,
    auction_id: Uuid,
) -> ApiResult<Vec<(registration::Model, user::Model)>> {
    let registrations = registration::Entity::find()
        .filter(registration::Column::AuctionId.eq(auction_id))
        .order_by_asc(registration::Column::CreatedAt)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = registrations.iter().map(|r| r.user_id).collect();
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(registrations
        .into_iter()
        .filter_map(|r| people.iter().find(|p| p.id == r.user_id).cloned().map(|p| (r, p)))
        .collect())
}

/// Queues the notices a transition sends, in its transaction.
struct Notices<'a> {
    state: &'a AppState,
    tx: &'a WriteTx,
    round_id: Uuid,
    now: Instant,
}

impl Notices<'_> {
    fn round_link(&self) -> String {
        links::round_page(&self.state.settings.public_url, self.round_id)
    }

    async fn send(&self, email: Email) -> ApiResult<()> {
        notify::queue(self.tx, email, self.now).await
    }
}

pub async fn set_listing_status(tx: &WriteTx, listing_id: Uuid, status: ListingStatus, at: Instant) -> ApiResult<()> {
    listing::Entity::update_many()
        .col_expr(listing::Column::Status, Expr::value(status.as_str()))
        .col_expr(listing::Column::UpdatedAt, Expr::value(millis(at)))
        .filter(listing::Column::Id.eq(listing_id))
        .exec(&**tx)
        .await?;
    Ok(())
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
                .add(auction::Column::Status.eq(RoundStatus::Announced.as_str()))
                .add(auction::Column::BiddingStartsAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(auction::Column::Status.eq(RoundStatus::Bidding.as_str()))
                .add(auction::Column::BiddingEndsAt.lte(now)),
        );
    let query = auction::Entity::find().filter(due);
    let query = if skip_held {
        query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
    } else {
        query.lock_exclusive()
    };
    let row = query.one(&**tx).await?;
    row.map(LockedRound::from_row).transpose()
}
