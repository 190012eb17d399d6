//! The signals of shill bidding and collusion in an ended round, for its court (see `docs/signals.md`).
//! It gathers the facts: the round's ledger (every accepted bid, and a default, with its sequence and
//! hash), its registrants with the traces their registration left (`record_traces`), and the buyer's
//! defaults in other rounds. The rules are
//! `auction_core::signals`. Who registered stays hidden until bidding has ended, from the court too (R40),
//! so before the end this is refused like the registrants' list.

use auction_core::deal::DealStatus;
use auction_core::ledger::LedgerKind;
use auction_core::signals::{self, BidFact, Evidence, Registrant, RoundFacts, Signal, Traces};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::money;
use crate::persistence::entities::{deal, ledger_entry, payment_order, registration, registration_trace, round, user};
use crate::state::AppState;

/// What a `bid` ledger entry says of its bid.
#[derive(Deserialize)]
struct BidEntry {
    bidder_code: String,
    amount: String,
    placed_at: String,
}

/// The longest device id the web app's header may carry.
const MAX_DEVICE_ID: usize = 100;

/// A trace as it is kept: a keyed hash (the deployment's `FAPAI_JWT_SECRET`), so that equal values compare
/// equal and none can be read back, nor found by trying every address.
fn trace_hash(state: &AppState, what: &str, value: &str) -> String {
    let mut hash = Sha256::new();
    for part in [state.settings.jwt_secret.as_str(), what, value] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

/// Records what a new registration leaves for the court's signals: the client's network address and the
/// web app's device id (`X-Fapai-Device`), hashed. A failure here loses only a signal's input, never the
/// registration, which has committed: it is logged.
pub async fn record_traces(state: &AppState, registration: &registration::Model, address: &str, device: Option<&str>) {
    let device = device
        .map(str::trim)
        .filter(|d| !d.is_empty() && d.len() <= MAX_DEVICE_ID);
    let row = registration_trace::ActiveModel {
        registration_id: Set(registration.id),
        auction_id: Set(registration.auction_id),
        network: Set(Some(trace_hash(state, "network", address)).filter(|_| !address.is_empty())),
        device: Set(device.map(|d| trace_hash(state, "device", d))),
        recorded_at: Set(state.clock.now().timestamp_millis()),
    };
    if let Err(error) = registration_trace::Entity::insert(row).exec(state.db.conn()).await {
        tracing::warn!(registration.id = %registration.id, error = %error, "a registration's traces were not recorded");
    }
}

/// The round and its signals, strongest first.
pub async fn of_round(state: &AppState, caller: &Caller, auction_id: Uuid) -> ApiResult<(round::Model, Vec<Signal>)> {
    let conn = state.db.conn();
    let round = round::Entity::find_by_id(auction_id)
        .one(conn)
        .await?
        .filter(|round| caller.is_judge_of(round.court_id))
        // Never a hint to anyone else that there is something to see.
        .ok_or_else(|| ApiError::not_found("auction"))?;
    if !round.status.is_closed() {
        return Err(ApiError::conflict(
            "auction_not_closed",
            "signals name registrants, who stay confidential until bidding has ended (R40)",
        ));
    }
    let rows = super::rounds::registrants(conn, auction_id).await?;
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AuctionId.eq(auction_id))
        .order_by_asc(ledger_entry::Column::Seq)
        .all(conn)
        .await?;
    let mut bids = Vec::new();
    let mut buyer_default = None;
    for entry in &entries {
        let evidence = Evidence {
            ledger_seq: entry.seq,
            hash: entry.hash.clone(),
        };
        match entry.kind {
            LedgerKind::Bid => {
                let bid: BidEntry = serde_json::from_str(&entry.payload)
                    .map_err(|e| ApiError::internal(format!("ledger entry {} is not a bid: {e}", entry.seq)))?;
                bids.push(BidFact {
                    code: bid.bidder_code,
                    amount: auction_core::Money::parse_positive(&bid.amount)
                        .map_err(|e| ApiError::internal(format!("ledger entry {}: {e}", entry.seq)))?,
                    at: chrono::DateTime::parse_from_rfc3339(&bid.placed_at)
                        .map_err(|e| ApiError::internal(format!("ledger entry {}: {e}", entry.seq)))?
                        .with_timezone(&chrono::Utc),
                    evidence,
                });
            }
            LedgerKind::Default => buyer_default = Some(evidence),
            _ => {}
        }
    }
    let sale = deal::Entity::find()
        .filter(deal::Column::AuctionId.eq(auction_id))
        .order_by_desc(deal::Column::CreatedAt)
        .one(conn)
        .await?;
    let agents = agents_of(&rows);
    let traces = registration_trace::Entity::find()
        .filter(registration_trace::Column::AuctionId.eq(auction_id))
        .all(conn)
        .await?;
    let earlier = earlier_defaults(state, auction_id, &rows).await?;
    let payers = paying_accounts(state, &rows).await?;
    let registrants = rows
        .iter()
        .map(|(registration, person)| {
            let trace = traces.iter().find(|t| t.registration_id == registration.id);
            Registrant {
                code: registration.bidder_code.clone(),
                identity: registration.identity.clone(),
                representative: match registration.agent_status {
                    // An agent's account is the agent's: the principal's representative is not on record.
                    Some(_) => None,
                    None => person.representative_id_number.clone(),
                },
                agent: registration
                    .agent_status
                    .and_then(|_| agents.iter().find(|(id, _)| *id == person.id))
                    .map(|(_, identity)| identity.clone()),
                traces: Traces {
                    network: trace.and_then(|t| t.network.clone()),
                    device: trace.and_then(|t| t.device.clone()),
                    payer_account: payers
                        .iter()
                        .find(|(id, _)| *id == registration.id)
                        .map(|(_, account)| account.clone()),
                    phone: person.phone.clone().filter(|p| !p.is_empty()),
                    email_domain: person
                        .email
                        .rsplit_once('@')
                        .map(|(_, domain)| domain.to_ascii_lowercase()),
                },
                earlier_defaults: earlier
                    .iter()
                    .filter(|identity| **identity == registration.identity)
                    .count() as u32,
                evidence: None,
            }
        })
        .collect();
    let facts = RoundFacts {
        starting_price: money(round.starting_price)?,
        increment: money(round.increment)?,
        bids,
        registrants,
        buyer: sale.as_ref().map(|d| d.winner_code.clone()),
        buyer_default: buyer_default.filter(|_| sale.as_ref().is_some_and(|d| d.status == DealStatus::Defaulted)),
    };
    Ok((round, signals::detect(&facts)))
}

/// The account each registration's deposit was paid from, hashed as the traces are: the bank account of a
/// transfer the court recorded, or the account the gateway names (Alipay's `buyer_id`).
async fn paying_accounts(
    state: &AppState,
    rows: &[(registration::Model, user::Model)],
) -> ApiResult<Vec<(Uuid, String)>> {
    let orders = payment_order::Entity::find()
        .filter(payment_order::Column::RegistrationId.is_in(rows.iter().map(|(r, _)| r.id)))
        .filter(payment_order::Column::Purpose.eq(auction_core::payment::PaymentPurpose::Deposit))
        .order_by_asc(payment_order::Column::CreatedAt)
        .all(state.db.conn())
        .await?;
    Ok(orders
        .iter()
        .filter_map(|order| {
            let account = order
                .offline_payer_account
                .as_deref()
                .or(order.gateway_payer.as_deref())?;
            // Written by hand from a bank slip: spaces and dashes are not part of the number.
            let digits: String = account
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .flat_map(char::to_uppercase)
                .collect();
            let registration = order.registration_id?;
            (!digits.is_empty()).then(|| (registration, trace_hash(state, "payer", &digits)))
        })
        .collect())
}

/// The bidding identity (ID number) of each account that registered as an agent.
fn agents_of(rows: &[(registration::Model, user::Model)]) -> Vec<(Uuid, String)> {
    rows.iter()
        .filter(|(registration, _)| registration.agent_status.is_some())
        .filter_map(|(_, person)| person.id_number.clone().map(|id| (person.id, id)))
        .collect()
}

/// The identities among this round's registrants that defaulted as buyers in other rounds, once per default.
async fn earlier_defaults(
    state: &AppState,
    auction_id: Uuid,
    rows: &[(registration::Model, user::Model)],
) -> ApiResult<Vec<String>> {
    let identities: Vec<String> = rows.iter().map(|(r, _)| r.identity.clone()).collect();
    let conn = state.db.conn();
    let theirs = registration::Entity::find()
        .filter(registration::Column::Identity.is_in(identities))
        .filter(registration::Column::AuctionId.ne(auction_id))
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = theirs.iter().map(|r| r.id).collect();
    let defaults = deal::Entity::find()
        .filter(deal::Column::RegistrationId.is_in(ids))
        .filter(deal::Column::Status.eq(DealStatus::Defaulted))
        .all(conn)
        .await?;
    Ok(defaults
        .iter()
        .filter_map(|d| theirs.iter().find(|r| r.id == d.registration_id))
        .map(|r| r.identity.clone())
        .collect())
}
