//! What each transition does beyond the round's row, in the transaction that records it: the listing's
//! status, deposits settled or released, the deal made or set aside with its refunds, agencies lapsed,
//! and the notices to registrants and watchers.

use auction_core::deal::{DealStatus, deal_terms};
use auction_core::ledger::LedgerKind;
use auction_core::ledger::{AnnouncedTerms, announced_terms, transition_event};
use auction_core::round::Outcome;
use auction_core::{DepositStatus, Instant, RoundStatus, Transition};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::links;
use crate::notify::{self, CourtActionNotice, Email};
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis, money};
use crate::persistence::entities::{deal, listing, registration, round, user};
use crate::persistence::vocabulary::ListingStatus;
use crate::services::refunds::{self, RefundDue};
use crate::state::AppState;
use auction_core::payment::PaymentPurpose;
use auction_core::refund::{RefundPurpose, RefundReason};

use super::queries::{applicant_claim, registrants};
use super::update::LockedRound;

impl LockedRound {
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
        let lapsed = |r: &registration::Model| auction_core::agency::released_at_opening(r.agent_status);
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
        for (registration, person) in settle_deposits(tx, self.row.id, winner, notices.now).await? {
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
                        LedgerKind::ClaimOffset,
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
        let released: Vec<Uuid> = settle_deposits(tx, self.row.id, None, notices.now)
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
        // Owed back, from the payments that brought it: the deposit (or prepayment) applied to the price, and
        // any balance paid. Each is paid once this transaction commits, and enters the ledger then.
        let mut lines = Vec::new();
        let keep_deposit = self.keep_deposit_on_revocation;
        if !money(deal.deposit_applied)?.is_zero() {
            let kept = if keep_deposit {
                DepositStatus::Forfeited
            } else {
                DepositStatus::Refunded
            };
            registration::Entity::update_many()
                .col_expr(registration::Column::DepositStatus, Expr::value(kept))
                .filter(registration::Column::Id.eq(deal.registration_id))
                .exec(&**tx)
                .await?;
        }
        let deposits = if keep_deposit {
            Vec::new()
        } else {
            refunds::paid_orders(tx, PaymentPurpose::Deposit, Some(deal.registration_id), None).await?
        };
        let balances = refunds::paid_orders(tx, PaymentPurpose::Balance, None, Some(deal.id)).await?;
        let deposit_purpose = if sell_off {
            RefundPurpose::Prepayment
        } else {
            RefundPurpose::Deposit
        };
        let owed = deposits
            .iter()
            .map(|order| (order, deposit_purpose))
            .chain(balances.iter().map(|order| (order, RefundPurpose::Balance)));
        for (order, purpose) in owed {
            let due = RefundDue {
                order,
                auction_id: self.row.id,
                deal_id: Some(deal.id),
                purpose,
                reason: RefundReason::Revocation,
                amount: money(order.amount)?,
                way_back: refunds::WayBack::AsPaid,
            };
            let refund = refunds::owe(tx, due, notices.now).await?;
            lines.push(refunds::line(&refund)?);
        }
        let mut active = deal.clone().into_active_model();
        active.status = Set(DealStatus::Revoked);
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
            void_reason: Set(None),
            liabilities: Set(None),
            balance_due: Set(terms.balance_due.cents()),
            balance_due_at: Set(millis(terms.balance_due_at)),
            status: Set(status),
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
}

/// After the close or a withdrawal: the winner's frozen deposit is applied, every other one released and
/// owed back within 24 hours (R53). Returns the released registrations with their people, for the notices.
async fn settle_deposits(
    tx: &WriteTx,
    auction_id: Uuid,
    winner: Option<Uuid>,
    now: Instant,
) -> ApiResult<Vec<(registration::Model, user::Model)>> {
    let frozen = DepositStatus::Frozen;
    let mut released = Vec::new();
    for (registration, person) in registrants(&**tx, auction_id).await? {
        if registration.deposit_status != frozen {
            continue;
        }
        let is_winner = winner == Some(registration.id);
        let settled = DepositStatus::Frozen.after_close(is_winner);
        registration::Entity::update_many()
            .col_expr(registration::Column::DepositStatus, Expr::value(settled))
            .filter(registration::Column::Id.eq(registration.id))
            .filter(registration::Column::DepositStatus.eq(frozen))
            .exec(&**tx)
            .await?;
        if !is_winner {
            refunds::release_deposit(tx, &registration, now).await?;
            released.push((registration, person));
        }
    }
    Ok(released)
}

/// At the opening, every agency the court has not confirmed lapses (R41): its frozen deposit is released and
/// the agent told. Runs in the transaction that opens the round.
async fn lapse_unconfirmed_agencies(tx: &WriteTx, round: &round::Model, link: &str, now: Instant) -> ApiResult<()> {
    let agencies = registration::Entity::find()
        .filter(registration::Column::AuctionId.eq(round.id))
        .filter(registration::Column::AgentStatus.is_not_null())
        .all(&**tx)
        .await?;
    for agency in agencies
        .into_iter()
        .filter(|a| auction_core::agency::released_at_opening(a.agent_status))
    {
        let frozen = agency.deposit_status == DepositStatus::Frozen;
        let agent = user::Entity::find_by_id(agency.user_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("registration without its account"))?;
        let principal = agency.principal_name.clone().unwrap_or_default();
        if frozen {
            refunds::release_deposit(tx, &agency, now).await?;
            let mut active = agency.into_active_model();
            active.deposit_status = Set(DepositStatus::Released);
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
        .col_expr(listing::Column::Status, Expr::value(status))
        .col_expr(listing::Column::UpdatedAt, Expr::value(millis(at)))
        .filter(listing::Column::Id.eq(listing_id))
        .exec(&**tx)
        .await?;
    Ok(())
}
