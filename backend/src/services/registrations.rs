//! Registration for a round (报名): one bidder code per person per round, a deposit to pay (R23, R38, R39).

use auction_core::agency::{AgencyStatus, check_before_bidding};
use auction_core::deal::DealStatus;
use auction_core::{DepositStatus, Money, RoundStatus};
use rand::Rng;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::parties::PartyIdentity;
use super::rounds::{Access, update_round};
use super::{accounts, applicants, exclusions, payments};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::persistence::WriteTx;
use crate::persistence::convert::millis;
use crate::persistence::entities::{deal, listing, payment_order, priority_holder, registration, round};
use crate::services::payments::PaidFor;
use crate::state::AppState;
use auction_core::payment::PaymentStatus;

pub struct Registered {
    pub registration: registration::Model,
    pub round: round::Model,
    /// The deposit's payment order; none when an applicant's claim covers the deposit.
    pub order_id: Option<Uuid>,
}

/// A random code like `K3829`, unique within the round (R39: random, no link to the person).
async fn new_bidder_code(tx: &WriteTx, auction_id: Uuid) -> ApiResult<String> {
    for attempt in 0..50 {
        let code = {
            let mut rng = rand::rng();
            let letter = char::from(b'A' + rng.random_range(0..26u8));
            // Widen the number space if the round is crowded.
            let digits = if attempt < 20 {
                rng.random_range(1000..10000)
            } else {
                rng.random_range(100_000..1_000_000)
            };
            format!("{letter}{digits}")
        };
        let taken = registration::Entity::find()
            .filter(registration::Column::AuctionId.eq(auction_id))
            .filter(registration::Column::BidderCode.eq(code.as_str()))
            .count(&**tx)
            .await?
            > 0;
        if !taken {
            return Ok(code);
        }
    }
    Err(ApiError::internal("could not find a free bidder code"))
}

/// Whether the person with `identity` defaulted on a sale of this listing (R55).
async fn is_barred(tx: &WriteTx, listing_id: Uuid, identity: &str) -> ApiResult<bool> {
    let defaulted = deal::Entity::find()
        .filter(deal::Column::ListingId.eq(listing_id))
        .filter(deal::Column::Status.eq(DealStatus::Defaulted))
        .all(&**tx)
        .await?;
    for deal in defaulted {
        let winner = registration::Entity::find_by_id(deal.registration_id)
            .one(&**tx)
            .await?;
        if winner.is_some_and(|w| w.identity == identity) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Someone an agent registers for (R41), named by ID number or credit code.
pub struct Principal {
    pub name: String,
    pub identity: PartyIdentity,
}

/// Registers the caller for a round, for itself or, as an agent, for `principal`: an agency waits for the
/// court's confirmation before bidding opens, and the registration is then held to the principal (one
/// per round, the default bar); the agent and the principal are both checked against bars and exclusions.
pub async fn register(
    state: &AppState,
    caller: &Caller,
    auction_id: Uuid,
    accept_terms: bool,
    housing_commitment: Option<bool>,
    principal: Option<Principal>,
) -> ApiResult<Registered> {
    // Judges and administrators run the sales; they never bid in them (R9).
    if caller.role != Role::Bidder {
        return Err(exclusions::excluded_person());
    }
    if !accept_terms {
        return Err(ApiError::unprocessable(
            "terms_not_accepted",
            "read and accept the bidding instructions and special reminders (accept_terms: true)",
        ));
    }
    let person = accounts::find(state, caller.user_id).await?;
    if person.deactivated_at.is_some() {
        return Err(crate::auth::account_frozen());
    }
    let own_identity = person
        .bidding_identity()
        .map(str::to_owned)
        .ok_or_else(|| ApiError::forbidden("this account has no verified identity"))?;
    let principal_name = match &principal {
        Some(p) => Some(super::required_text(&p.name, "principal_name", 200)?),
        None => None,
    };
    let identity = principal
        .as_ref()
        .map_or_else(|| own_identity.clone(), |p| p.identity.as_str().to_owned());
    let mut checked = person.excludable_identities();
    checked.extend(principal.as_ref().map(|p| p.identity.as_str()));
    let now = state.clock.now();
    let updated = update_round(state, auction_id, now, Access::Public, async |locked, tx| {
        if !matches!(locked.round.status, RoundStatus::Announced | RoundStatus::Bidding) {
            return Err(ApiError::conflict(
                "registration_closed",
                "registration for this auction is closed",
            ));
        }
        if principal.is_some() {
            check_before_bidding(locked.round.status)?;
        }
        if exclusions::any_excluded(&**tx, locked.row.court_id, &checked).await? {
            return Err(exclusions::excluded_person());
        }
        let registered = registration::Entity::find()
            .filter(registration::Column::AuctionId.eq(auction_id))
            .filter(
                sea_orm::Condition::any()
                    .add(registration::Column::UserId.eq(caller.user_id))
                    .add(registration::Column::Identity.eq(identity.as_str())),
            )
            .count(&**tx)
            .await?;
        if registered > 0 {
            return Err(ApiError::conflict(
                "already_registered",
                "you are already registered for this auction",
            ));
        }
        if is_barred(tx, locked.row.listing_id, &identity).await?
            || is_barred(tx, locked.row.listing_id, &own_identity).await?
        {
            return Err(ApiError::forbidden_because(
                "barred",
                "a buyer who defaulted on this property may not bid on it again (R55)",
            ));
        }
        let is_housing = listing::Entity::find_by_id(locked.row.listing_id)
            .one(&**tx)
            .await?
            .is_some_and(|listing| listing.is_housing);
        // For housing the accepted special reminders state the purchase-qualification commitment (R32): accepting
        // them makes it, and it is recorded; a bidder who says outright that they do not commit is refused.
        if is_housing && housing_commitment == Some(false) {
            return Err(ApiError::unprocessable(
                "housing_commitment_required",
                "this is housing: registering commits you to holding the local purchase qualification, \
                 which is checked before the sale ruling (R32)",
            ));
        }
        let (amount, forfeitable) = applicants::owed_by(tx, &locked.row, caller.user_id).await?;
        let priority_rank = priority_holder::Entity::find()
            .filter(priority_holder::Column::AuctionId.eq(auction_id))
            .filter(priority_holder::Column::UserId.eq(caller.user_id))
            .one(&**tx)
            .await?
            .map(|h| h.rank);
        let code = new_bidder_code(tx, auction_id).await?;
        let at = millis(now);
        let registration = registration::ActiveModel {
            id: Set(Uuid::new_v4()),
            auction_id: Set(auction_id),
            user_id: Set(caller.user_id),
            identity: Set(identity.clone()),
            bidder_code: Set(code),
            priority_rank: Set(priority_rank),
            deposit_amount: Set(amount.cents()),
            deposit_forfeitable: Set(Some(forfeitable.cents())),
            deposit_status: Set(DepositStatus::Unpaid),
            // Which bidding instructions and special reminders (R30) the bidder accepted.
            terms_version: Set(locked.row.terms_version.clone().unwrap_or_default()),
            created_at: Set(at),
            updated_at: Set(at),
            housing_commitment_at: Set(is_housing.then_some(at)),
            agent_status: Set(principal.as_ref().map(|_| AgencyStatus::Pending)),
            principal_kind: Set(principal.as_ref().map(|p| p.identity.kind())),
            principal_name: Set(principal_name.clone()),
            agent_note: Set(None),
            agent_decided_at: Set(None),
            frozen_at: Set(None),
        }
        .insert(&**tx)
        .await?;
        locked.row.registrations_count += 1;
        // The applicant whose claim covers the deposit has nothing to pay (R23 ¶2).
        if amount.is_zero() {
            let registration = payments::qualify(state, tx, locked, registration, Money::ZERO, now).await?;
            return Ok((registration, None));
        }
        let order = super::payments::new_order(
            tx,
            state.gateway.provider(),
            PaidFor::Deposit(registration.id),
            caller.user_id,
            amount.cents(),
            now,
        )
        .await?;
        Ok((registration, Some(order.id)))
    })
    .await?;
    let (registration, order_id) = updated.value;
    tracing::info!(auction.id = %auction_id, registration.id = %registration.id, "bidder registered");
    Ok(Registered {
        registration,
        round: updated.row,
        order_id,
    })
}

/// The caller's registrations, newest first, each with its round and any unpaid deposit order.
pub async fn list_mine(
    state: &AppState,
    caller: &Caller,
    auction_id: Option<Uuid>,
    page: u64,
    per_page: u64,
) -> ApiResult<(Vec<(registration::Model, round::Model, Option<Uuid>)>, u64)> {
    let mut mine = Condition::all().add(registration::Column::UserId.eq(caller.user_id));
    if let Some(auction_id) = auction_id {
        mine = mine.add(registration::Column::AuctionId.eq(auction_id));
    }
    let paginator = registration::Entity::find()
        .filter(mine)
        .order_by_desc(registration::Column::CreatedAt)
        .order_by_desc(registration::Column::Id)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    let mut items = Vec::new();
    for registration in paginator.fetch_page(page - 1).await? {
        let round = round::Entity::find_by_id(registration.auction_id)
            .one(state.db.conn())
            .await?
            .ok_or_else(|| ApiError::internal("registration without its round"))?;
        let order = if registration.deposit_status == DepositStatus::Unpaid {
            payment_order::Entity::find()
                .filter(payment_order::Column::RegistrationId.eq(registration.id))
                .filter(payment_order::Column::Status.eq(PaymentStatus::Pending))
                .one(state.db.conn())
                .await?
                .map(|o| o.id)
        } else {
            None
        };
        items.push((registration, round, order));
    }
    Ok((items, total))
}
