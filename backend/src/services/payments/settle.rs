//! A confirmed payment applied under its round's lock: a deposit frozen and its bidder qualified, a balance
//! settling its deal — or, when what it paid for is gone, refused and paid back at once.

use auction_core::deal::DealStatus;
use auction_core::ledger::OfflinePaymentFacts;
use auction_core::{DepositStatus, Instant, Money, RoundStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QuerySelect};
use uuid::Uuid;

use super::{Confirmed, OfflineRecord};
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, Email};
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis, money};
use crate::persistence::entities::{deal, payment_order, registration, user};
use crate::services::refunds::{RefundDue, WayBack};
use crate::services::rounds::{Access, LockedRound, SavedRound, commit_and_announce, update_round_in};
use crate::state::AppState;
use auction_core::payment::{Confirmation, PaymentPurpose, PaymentStatus};
use auction_core::refund::{RefundPurpose, RefundReason};

pub(super) async fn apply(
    state: &AppState,
    confirmed: Confirmed,
    amount_differs: impl Fn() -> ApiError,
) -> ApiResult<payment_order::Model> {
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let (settled, saved) = match balance_recorded_offline(&tx, &confirmed).await? {
        // A balance recorded offline goes into the round's ledger: the round is locked first, in the order
        // the default worker takes round and deal, so the two never wait on each other.
        Some(round_id) => {
            let decided = update_round_in(state, &tx, round_id, now, Access::System, async |locked, tx| {
                settle(state, tx, &confirmed, &amount_differs, now, Some(locked)).await
            })
            .await?;
            match decided.decision {
                Ok((settled, _)) => (settled, decided.saved),
                Err(refusal) => {
                    commit_and_announce(state, tx, decided.saved.as_ref()).await?;
                    return Err(refusal);
                }
            }
        }
        None => settle(state, &tx, &confirmed, &amount_differs, now, None).await?,
    };
    commit_and_announce(state, tx, saved.as_ref()).await?;
    crate::notify::flush(state).await;
    if let Settled::OwedBack(_, _, auction_id) = &settled {
        // The money that cannot count goes back now (should the gateway refuse, the worker tries again).
        if let Err(error) = crate::services::refund_tasks::pay_owed_in_round(state, *auction_id, now).await {
            tracing::warn!(%error, "a payment's refund is owed; the worker will pay it");
        }
    }
    match settled {
        Settled::Paid(order) | Settled::AlreadyPaid(order) => {
            tracing::info!(payment.order_id = %order.id, payment.purpose = %order.purpose, payment.offline = confirmed.offline.is_some(), "payment applied");
            Ok(order)
        }
        Settled::OwedBack(order, refusal, _) => {
            tracing::info!(payment.order_id = %order.id, payment.purpose = %order.purpose, code = %refusal.code, "payment cannot count; owed back");
            Err(refusal)
        }
    }
}

/// What confirming a payment did to its order.
enum Settled {
    Paid(payment_order::Model),
    /// Confirmed before: nothing changed.
    AlreadyPaid(payment_order::Model),
    /// The money cannot count — it came too late (registration closed, the deal no longer awaiting its
    /// balance: the order is rejected), or the order was paid already through another channel — and is owed
    /// back at once, from the round named; the refusal says why.
    OwedBack(payment_order::Model, ApiError, Uuid),
}

/// The round whose ledger a balance recorded by the court goes into.
async fn balance_recorded_offline(tx: &WriteTx, confirmed: &Confirmed) -> ApiResult<Option<Uuid>> {
    if confirmed.offline.is_none() {
        return Ok(None);
    }
    let order = payment_order::Entity::find_by_id(confirmed.order_id).one(&**tx).await?;
    let Some(deal_id) = order.and_then(|o| o.deal_id) else {
        return Ok(None);
    };
    let deal = deal::Entity::find_by_id(deal_id)
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::internal("balance order's deal is missing"))?;
    Ok(Some(deal.auction_id))
}

/// Applies a confirmed payment to its order, under the order's lock. `balance_round` is the round of a
/// balance recorded offline, locked by the caller.
async fn settle(
    state: &AppState,
    tx: &WriteTx,
    confirmed: &Confirmed,
    amount_differs: &impl Fn() -> ApiError,
    now: Instant,
    balance_round: Option<&mut LockedRound>,
) -> ApiResult<(Settled, Option<SavedRound>)> {
    let order = payment_order::Entity::find_by_id(confirmed.order_id)
        .lock_exclusive()
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::not_found("payment order"))?;
    if confirmed.amount.cents() != order.amount {
        return Err(amount_differs());
    }
    let offline = confirmed.offline.as_ref();
    if let Confirmation::AlreadyConfirmed(status) = order.status.confirm(true) {
        // Through the channel it was paid by, it is the same money told again; through the other, a second
        // payment, which goes back the way it came.
        if order.offline_payer.is_some() != offline.is_some() {
            let way_back = match offline {
                Some(record) => WayBack::BankTransfer {
                    payee: record.payer.clone(),
                    account: record.payer_account.clone(),
                },
                None => WayBack::Gateway,
            };
            let auction_id = owe_back(tx, &order, RefundReason::Duplicate, way_back, now).await?;
            let refusal = ApiError::conflict(
                "already_paid",
                "this order was paid already; this second payment is paid back the way it came",
            );
            return Ok((Settled::OwedBack(order, refusal, auction_id), None));
        }
        return match status {
            PaymentStatus::Rejected => Err(ApiError::conflict(
                "payment_rejected",
                "this payment order can no longer be paid; its money was paid back",
            )),
            _ => Ok((Settled::AlreadyPaid(order), None)),
        };
    }
    let (refusal, saved) = match order.purpose {
        PaymentPurpose::Deposit => freeze_deposit(state, tx, &order, now, offline).await?,
        PaymentPurpose::Balance => {
            let refusal = settle_balance(tx, &order, now).await?;
            if let (None, Some(record), Some(locked)) = (&refusal, offline, balance_round) {
                let deal = deal::Entity::find_by_id(order.deal_id.unwrap_or_default())
                    .one(&**tx)
                    .await?
                    .ok_or_else(|| ApiError::internal("balance order's deal is missing"))?;
                record_in_ledger(locked, &order, &deal.winner_code, record, now)?;
            }
            (refusal, None)
        }
    };
    let confirmation = order.status.confirm(refusal.is_none());
    let mut active = order.into_active_model();
    active.status = Set(PaymentStatus::Pending.after(confirmation));
    // Received either way: the reference names the money, whether it stays or goes back.
    active.gateway_reference = Set(Some(confirmed.reference.clone()));
    active.gateway_payer = Set(confirmed.gateway_payer.clone());
    if confirmation == Confirmation::Paid {
        active.paid_at = Set(Some(millis(now)));
    }
    if let Some(record) = offline {
        active.offline_payer = Set(Some(record.payer.clone()));
        active.offline_payer_account = Set(record.payer_account.clone());
        active.payer_mismatch_reason = Set(record.payer_mismatch_reason.clone());
        active.offline_paid_on = Set(Some(record.received_on.to_string()));
        active.offline_recorded_by = Set(Some(record.judge_id));
    }
    let order = active.update(&**tx).await?;
    let settled = match refusal {
        None => Settled::Paid(order),
        Some(refusal) => {
            let auction_id = owe_back(tx, &order, RefundReason::LatePayment, WayBack::AsPaid, now).await?;
            Settled::OwedBack(order, refusal, auction_id)
        }
    };
    Ok((settled, saved))
}

/// Money that cannot count — it came when what it paid for was gone (registration closed, the deal no longer
/// awaiting its balance), or it paid an order a second time — is owed back at once, the way it came: through
/// the gateway, or — a bank transfer the court recorded — as the court's task. It is never left with the
/// gateway or the court. Returns the round.
async fn owe_back(
    tx: &WriteTx,
    order: &payment_order::Model,
    reason: RefundReason,
    way_back: WayBack,
    now: Instant,
) -> ApiResult<Uuid> {
    let auction_id = match (order.registration_id, order.deal_id) {
        (Some(id), _) => registration::Entity::find_by_id(id)
            .one(&**tx)
            .await?
            .map(|r| r.auction_id),
        (None, Some(id)) => deal::Entity::find_by_id(id).one(&**tx).await?.map(|d| d.auction_id),
        (None, None) => None,
    }
    .ok_or_else(|| ApiError::internal("a payment order without its round"))?;
    let purpose = match order.purpose {
        PaymentPurpose::Deposit => RefundPurpose::Deposit,
        PaymentPurpose::Balance => RefundPurpose::Balance,
    };
    let due = RefundDue {
        order,
        auction_id,
        deal_id: order.deal_id,
        purpose,
        reason,
        amount: money(order.amount)?,
        way_back,
    };
    crate::services::refunds::owe(tx, due, now).await?;
    Ok(auction_id)
}

fn record_in_ledger(
    locked: &mut LockedRound,
    order: &payment_order::Model,
    bidder_code: &str,
    record: &OfflineRecord,
    now: Instant,
) -> ApiResult<()> {
    locked.record_offline_payment(&OfflinePaymentFacts {
        auction_id: &locked.id().to_string(),
        order_id: &order.id.to_string(),
        purpose: order.purpose.as_str(),
        bidder_code,
        amount: money(order.amount)?,
        received_on: &record.received_on.to_string(),
        recorded_by: &record.judge_name,
        payer_accepted_by_court: record.payer_mismatch_reason.is_some(),
        at: now,
    });
    Ok(())
}

/// A deposit counts only if it is confirmed before bidding ends (R38, c.5): decided under the round's
/// lock. Returns the refusal, if it came too late, and the round to announce.
async fn freeze_deposit(
    state: &AppState,
    tx: &WriteTx,
    order: &payment_order::Model,
    now: Instant,
    offline: Option<&OfflineRecord>,
) -> ApiResult<(Option<ApiError>, Option<SavedRound>)> {
    let registration_id = order
        .registration_id
        .ok_or_else(|| ApiError::internal("deposit order without registration"))?;
    let registration = registration::Entity::find_by_id(registration_id)
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::internal("deposit order's registration is missing"))?;
    let decided = update_round_in(
        state,
        tx,
        registration.auction_id,
        now,
        Access::System,
        async |locked, tx| {
            if !matches!(
                locked.round.status,
                RoundStatus::Announced | RoundStatus::Bidding | RoundStatus::Suspended
            ) {
                return Err(ApiError::conflict(
                    "registration_closed",
                    "bidding has ended; the deposit can no longer be paid",
                ));
            }
            if registration.deposit_status != DepositStatus::Unpaid {
                return Ok(());
            }
            if let Some(record) = offline {
                record_in_ledger(locked, order, &registration.bidder_code, record, now)?;
            }
            let paid = money(registration.deposit_amount)?;
            qualify(state, tx, locked, registration.clone(), paid, now).await?;
            Ok(())
        },
    )
    .await?;
    Ok((decided.decision.err(), decided.saved))
}

/// The registration's deposit of `paid` is held (zero when the applicant's claim stands in for it, R23
/// ¶2): it may bid, and the bidder is told its code and the bidding times. Under the round's lock.
pub async fn qualify(
    state: &AppState,
    tx: &WriteTx,
    locked: &LockedRound,
    registration: registration::Model,
    paid: Money,
    now: Instant,
) -> ApiResult<registration::Model> {
    let person = user::Entity::find_by_id(registration.user_id)
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::internal("registration without its account"))?;
    let email = Email::deposit_frozen(
        &person.email,
        person.party_name(),
        &locked.row.title,
        &registration.bidder_code,
        paid,
        locked.round.bidding_starts_at,
        locked.round.bidding_ends_at,
        &crate::links::round_page(&state.settings.public_url, locked.row.id),
    );
    notify::queue(tx, email, now).await?;
    let mut active = registration.into_active_model();
    active.deposit_status = Set(DepositStatus::Frozen);
    active.updated_at = Set(millis(now));
    Ok(active.update(&**tx).await?)
}

/// The balance counts only before the deadline; after it the deal is in default (R55).
/// Returns the refusal when it comes too late.
async fn settle_balance(tx: &WriteTx, order: &payment_order::Model, now: Instant) -> ApiResult<Option<ApiError>> {
    let deal_id = order
        .deal_id
        .ok_or_else(|| ApiError::internal("balance order without deal"))?;
    let deal = deal::Entity::find_by_id(deal_id)
        .lock_exclusive()
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::internal("balance order's deal is missing"))?;
    if deal.status != DealStatus::AwaitingBalance || now >= instant(deal.balance_due_at) {
        return Ok(Some(ApiError::conflict(
            "deal_not_awaiting_balance",
            "this deal no longer accepts the balance",
        )));
    }
    let mut active = deal.into_active_model();
    active.status = Set(DealStatus::Paid);
    active.paid_at = Set(Some(millis(now)));
    active.updated_at = Set(millis(now));
    active.update(&**tx).await?;
    Ok(None)
}
