//! Payment orders for deposits and balances, confirmed by the gateway's signed callback
//! (`crate::gateway`) or by a judge who records a bank transfer: the platform accepts only a callback whose
//! signature verifies, whose amount matches the order, and only once (a repeated one changes nothing).

use auction_core::deal::DealStatus;
use auction_core::ledger::OfflinePaymentFacts;
use auction_core::time::beijing_date;
use auction_core::time::rfc3339;
use auction_core::{DepositStatus, Instant, Money, RoundStatus};
use chrono::NaiveDate;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QuerySelect};
use uuid::Uuid;

use super::refunds::RefundDue;
use super::rounds::{Access, LockedRound, SavedRound, commit_and_announce, update_round_in};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::gateway::GatewayCallback;
use crate::notify::{self, Email, RefundLine};
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis, money};
use crate::persistence::entities::{auction, deal, payment_order, registration, user};
use crate::persistence::vocabulary::{PaymentPurpose, PaymentStatus, RefundPurpose, RefundReason};
use crate::state::AppState;

pub async fn new_order(
    tx: &WriteTx,
    purpose: PaymentPurpose,
    registration_id: Option<Uuid>,
    deal_id: Option<Uuid>,
    payer_id: Uuid,
    amount_cents: i64,
    now: Instant,
) -> ApiResult<payment_order::Model> {
    Ok(payment_order::ActiveModel {
        id: Set(Uuid::new_v4()),
        purpose: Set(purpose.as_str().to_owned()),
        registration_id: Set(registration_id),
        deal_id: Set(deal_id),
        payer_id: Set(payer_id),
        amount: Set(amount_cents),
        status: Set(PaymentStatus::Pending.as_str().to_owned()),
        gateway_reference: Set(None),
        created_at: Set(millis(now)),
        paid_at: Set(None),
        offline_payer: Set(None),
        offline_paid_on: Set(None),
        offline_recorded_by: Set(None),
    }
    .insert(&**tx)
    .await?)
}

/// A payment order, for its payer only (to anyone else it does not exist).
pub async fn find_for_payer(state: &AppState, caller: &Caller, order_id: Uuid) -> ApiResult<payment_order::Model> {
    payment_order::Entity::find_by_id(order_id)
        .one(state.db.conn())
        .await?
        .filter(|o| o.payer_id == caller.user_id)
        .ok_or_else(|| ApiError::not_found("payment order"))
}

/// The sandbox's "pay now" button: the payer completes their own order, and the gateway's signed
/// callback is delivered to the same handler a real gateway would call.
pub async fn sandbox_complete(state: &AppState, caller: &Caller, order_id: Uuid) -> ApiResult<payment_order::Model> {
    let order = payment_order::Entity::find_by_id(order_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("payment order"))?;
    if order.payer_id != caller.user_id {
        return Err(ApiError::forbidden("only the payer may complete this payment order"));
    }
    let callback = GatewayCallback {
        order_id,
        amount: money(order.amount)?.to_string(),
        status: GatewayCallback::PAID.into(),
        reference: format!("SANDBOX-{}", Uuid::new_v4().simple()),
        paid_at: rfc3339(state.clock.now()),
    };
    let body = serde_json::to_vec(&callback).map_err(ApiError::internal)?;
    let signature = state.gateway.sign(&body)?;
    handle_callback(state, &body, &signature).await
}

/// A gateway callback: verified, matched to its order, applied once.
pub async fn handle_callback(state: &AppState, body: &[u8], signature: &str) -> ApiResult<payment_order::Model> {
    if !state.gateway.verify(body, signature)? {
        return Err(ApiError::unauthenticated(
            "the payment callback's signature does not verify",
        ));
    }
    let callback: GatewayCallback = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_callback", format!("the callback is not understood: {e}")))?;
    if callback.status != GatewayCallback::PAID {
        return Err(ApiError::bad_request(
            "invalid_callback",
            "only `paid` callbacks are supported",
        ));
    }
    let amount_differs = || ApiError::bad_request("invalid_callback", "the callback's amount does not match the order");
    let confirmed = Confirmed {
        order_id: callback.order_id,
        amount: Money::parse_positive(&callback.amount).map_err(|_| amount_differs())?,
        reference: callback.reference,
        offline: None,
    };
    apply(state, confirmed, amount_differs).await
}

/// A bank transfer the court received (R54), as one of its judges records it.
pub struct OfflinePayment {
    pub payer: String,
    pub amount: Money,
    pub bank_reference: String,
    /// The day the bank received it, Beijing date.
    pub received_on: NaiveDate,
}

/// Who recorded a bank transfer, and what they recorded.
struct OfflineRecord {
    payer: String,
    received_on: NaiveDate,
    judge_id: Uuid,
    judge_name: String,
}

/// A payment confirmed by the gateway's callback or by a judge: applied to its order once.
struct Confirmed {
    order_id: Uuid,
    amount: Money,
    reference: String,
    offline: Option<OfflineRecord>,
}

/// A judge of the order's court confirms a bank transfer: the order completes as if the gateway had
/// confirmed it, and the round's ledger records it with the judge's name.
pub async fn record_offline(
    state: &AppState,
    caller: &Caller,
    order_id: Uuid,
    input: OfflinePayment,
) -> ApiResult<payment_order::Model> {
    let order = payment_order::Entity::find_by_id(order_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("payment order"))?;
    let round = round_of(state, &order).await?;
    caller.require_judge_of(round.court_id)?;
    let payer = super::required_text(&input.payer, "payer", 200)?;
    let bank_reference = super::required_text(&input.bank_reference, "bank_reference", 100)?;
    if input.received_on > beijing_date(state.clock.now()) {
        return Err(ApiError::unprocessable(
            "invalid_received_on",
            "the day the bank received the money cannot be in the future",
        ));
    }
    let judge = user::Entity::find_by_id(caller.user_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::unauthenticated("the judge's account is gone"))?;
    let confirmed = Confirmed {
        order_id,
        amount: input.amount,
        reference: format!("OFFLINE:{bank_reference}"),
        offline: Some(OfflineRecord {
            payer,
            received_on: input.received_on,
            judge_id: judge.id,
            judge_name: judge.real_name,
        }),
    };
    apply(state, confirmed, || {
        ApiError::unprocessable(
            "amount_mismatch",
            "the amount received must be exactly the order's amount",
        )
    })
    .await
}

/// The round an order pays into: a deposit's registration's, or a balance's deal's.
async fn round_of(state: &AppState, order: &payment_order::Model) -> ApiResult<auction::Model> {
    let auction_id = match (order.registration_id, order.deal_id) {
        (Some(registration_id), _) => registration::Entity::find_by_id(registration_id)
            .one(state.db.conn())
            .await?
            .map(|r| r.auction_id),
        (None, Some(deal_id)) => deal::Entity::find_by_id(deal_id)
            .one(state.db.conn())
            .await?
            .map(|d| d.auction_id),
        (None, None) => None,
    }
    .ok_or_else(|| ApiError::internal(format!("payment order {} pays into nothing", order.id)))?;
    auction::Entity::find_by_id(auction_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::internal("payment order's round is missing"))
}

async fn apply(
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
    match settled {
        Settled::Paid(order) | Settled::AlreadyPaid(order) => {
            tracing::info!(payment.order_id = %order.id, payment.purpose = %order.purpose, payment.offline = confirmed.offline.is_some(), "payment applied");
            Ok(order)
        }
        Settled::Rejected(order, refusal) => {
            tracing::info!(payment.order_id = %order.id, payment.purpose = %order.purpose, code = %refusal.code, "payment arrived too late; order rejected");
            Err(refusal)
        }
    }
}

/// What confirming a payment did to its order.
enum Settled {
    Paid(payment_order::Model),
    /// Confirmed before: nothing changed.
    AlreadyPaid(payment_order::Model),
    /// The money came too late (registration closed, the deal no longer awaiting its balance): the order
    /// is rejected — a real gateway would refund it — and the payer is told why.
    Rejected(payment_order::Model, ApiError),
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
    match PaymentStatus::parse(&order.status)? {
        PaymentStatus::Paid => return Ok((Settled::AlreadyPaid(order), None)),
        PaymentStatus::Rejected => {
            return Err(ApiError::conflict(
                "payment_rejected",
                "this payment order can no longer be paid",
            ));
        }
        PaymentStatus::Pending => {}
    }
    let offline = confirmed.offline.as_ref();
    let (refusal, saved) = match PaymentPurpose::parse(&order.purpose)? {
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
    let mut active = order.into_active_model();
    match &refusal {
        None => {
            active.status = Set(PaymentStatus::Paid.as_str().into());
            active.gateway_reference = Set(Some(confirmed.reference.clone()));
            active.paid_at = Set(Some(millis(now)));
            if let Some(record) = offline {
                active.offline_payer = Set(Some(record.payer.clone()));
                active.offline_paid_on = Set(Some(record.received_on.to_string()));
                active.offline_recorded_by = Set(Some(record.judge_id));
            }
        }
        Some(_) => active.status = Set(PaymentStatus::Rejected.as_str().into()),
    }
    let order = active.update(&**tx).await?;
    // Money the gateway took for something that is gone goes back at once. (A bank transfer the court
    // recorded is the court's to pay back: it never passed through the gateway.)
    if let (Some(refusal), None) = (&refusal, offline) {
        refund_late(state, tx, &order, refusal, now).await?;
    }
    let settled = match refusal {
        None => Settled::Paid(order),
        Some(refusal) => Settled::Rejected(order, refusal),
    };
    Ok((settled, saved))
}

/// Pays back, through the gateway, a payment that came when what it paid for was gone (registration
/// closed, the deal no longer awaiting its balance), records the refund and tells the payer: it is never
/// left with the gateway.
async fn refund_late(
    state: &AppState,
    tx: &WriteTx,
    order: &payment_order::Model,
    refusal: &ApiError,
    now: Instant,
) -> ApiResult<()> {
    let auction_id = match (order.registration_id, order.deal_id) {
        (Some(id), _) => registration::Entity::find_by_id(id)
            .one(&**tx)
            .await?
            .map(|r| r.auction_id),
        (None, Some(id)) => deal::Entity::find_by_id(id).one(&**tx).await?.map(|d| d.auction_id),
        (None, None) => None,
    }
    .ok_or_else(|| ApiError::internal("a payment order without its round"))?;
    let (purpose, label, label_en) = match PaymentPurpose::parse(&order.purpose)? {
        PaymentPurpose::Deposit => (RefundPurpose::Deposit, "保证金", "deposit"),
        PaymentPurpose::Balance => (RefundPurpose::Balance, "尾款", "balance"),
    };
    let amount = money(order.amount)?;
    let due = RefundDue {
        user_id: order.payer_id,
        auction_id,
        deal_id: order.deal_id,
        registration_id: order.registration_id,
        purpose,
        reason: RefundReason::LatePayment,
        amount,
    };
    let refunded = super::refunds::pay_back(state, tx, due, now).await?;
    let payer = user::Entity::find_by_id(order.payer_id)
        .one(&**tx)
        .await?
        .ok_or_else(|| ApiError::internal("payment order without its payer"))?;
    let title = auction::Entity::find_by_id(auction_id)
        .one(&**tx)
        .await?
        .map(|round| round.title)
        .unwrap_or_default();
    let why = match refusal.code.as_ref() {
        "registration_closed" => "竞价已结束，保证金不再计入 · bidding had ended",
        _ => "该成交已不再等待尾款 · the deal no longer awaited its balance",
    };
    let line = RefundLine {
        label,
        label_en,
        amount,
        reference: refunded.gateway_reference.clone(),
    };
    notify::queue(
        tx,
        Email::payment_refunded(&payer.email, payer.party_name(), &title, why, &line),
        now,
    )
    .await
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
        purpose: &order.purpose,
        bidder_code,
        amount: money(order.amount)?,
        received_on: &record.received_on.to_string(),
        recorded_by: &record.judge_name,
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
            if registration.deposit_status != DepositStatus::Unpaid.as_str() {
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
    active.deposit_status = Set(DepositStatus::Frozen.as_str().to_owned());
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
    if deal.status != DealStatus::AwaitingBalance.as_str() || now >= instant(deal.balance_due_at) {
        return Ok(Some(ApiError::conflict(
            "deal_not_awaiting_balance",
            "this deal no longer accepts the balance",
        )));
    }
    let mut active = deal.into_active_model();
    active.status = Set(DealStatus::Paid.as_str().into());
    active.paid_at = Set(Some(millis(now)));
    active.updated_at = Set(millis(now));
    active.update(&**tx).await?;
    Ok(None)
}
