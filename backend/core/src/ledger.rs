//! The round's append-only, hash-chained record of events (R47, R70).
//!
//! `hash = hex(sha256(prev_hash ‖ canonical_json(payload)))`, where `prev_hash` is the previous entry's
//! 64-character hex hash (64 zeros for the first entry) and canonical JSON has object keys sorted by
//! code point, no insignificant whitespace, UTF-8 text and money as strings. Python's
//! `json.dumps(p, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` produces the same text.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::round::{AcceptedBid, Outcome, Transition};
use crate::time::rfc3339;

/// The `prev_hash` of a round's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

crate::words!(
    /// What a ledger entry records: its `kind`, one word each.
    LedgerKind("ledger kind") {
        /// A status change: announced, bidding, suspended, resumed, sold, failed, withdrawn.
        Status = "status",
        /// A sale set aside on an upheld objection (R65).
        Revocation = "revocation",
        /// An accepted bid.
        Bid = "bid",
        /// A bid in the last five minutes moved the end (R46).
        Extension = "extension",
        /// A sell-off's first bid opened its 24 hours (R58).
        SellOffWindow = "sell_off_window",
        /// A file added to the listing after the announcement (R70).
        FileAdded = "file_added",
        /// A bank transfer a judge recorded (R54).
        OfflinePayment = "offline_payment",
        /// The buyer's default (悔拍, R55).
        Default = "default",
        /// Money paid back.
        Refund = "refund",
        /// A listing released after its sell-off failed (R57).
        Release = "release",
        /// The court marked the applicant for enforcement (R23 ¶2).
        ApplicantMarked = "applicant_marked",
        /// The court confirmed or refused an agency (R41).
        AgencyDecided = "agency_decided",
        /// An objection filed (R61).
        Objection = "objection",
        /// An objection decided (R64).
        ObjectionDecision = "objection_decision",
        /// The applicant's claim set off against the price (R23 ¶2).
        ClaimOffset = "claim_offset",
        /// A registration frozen on an upheld identity claim.
        RegistrationFrozen = "registration_frozen",
        /// A reason added to or lifted from a suspension (R60).
        SuspensionHold = "suspension_hold",
        /// The buyer's information changed after the announcement (R29).
        BuyerInformation = "buyer_information",
        /// A housing buyer's qualification checked (R32).
        Qualification = "qualification",
        /// The sale ruling issued (R52).
        Ruling = "ruling",
        /// The ruling served on the buyer.
        Served = "served",
        /// The property handed over (R52).
        HandedOver = "handed_over",
        /// A party or priority holder told of the draft's terms, or their waiver (R31).
        Notice = "notice",
        /// The collegial panel's decision on the terms (R7).
        Panel = "panel",
        /// A round held after its legal window passed, with the court's reason (R27, R58).
        LateRound = "late_round",
        /// The property taken by a creditor in settlement of the debt (以物抵债).
        Settlement = "settlement",
        /// The objector asked for reconsideration of a decision, or the higher court decided it (R64).
        Reconsideration = "reconsideration",
        /// The sale declared void because the buyer faked their qualification, and its liabilities (R32).
        SaleVoided = "sale_voided",
    }
);

/// One entry of a round's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub seq: u64,
    pub kind: LedgerKind,
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// Where a round's chain stands: the last sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerHead {
    pub seq: u64,
    pub hash: String,
}

impl LedgerHead {
    pub fn genesis() -> LedgerHead {
        LedgerHead {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }

    /// Appends an event: returns the new entry; `self` becomes its head.
    pub fn append(&mut self, kind: LedgerKind, mut payload: Value) -> LedgerEntry {
        let seq = self.seq + 1;
        if let Value::Object(fields) = &mut payload {
            fields.insert("kind".into(), Value::from(kind.as_str()));
            fields.insert("seq".into(), Value::from(seq));
        }
        let hash = chain_hash(&self.hash, &payload);
        let entry = LedgerEntry {
            seq,
            kind,
            payload,
            prev_hash: self.hash.clone(),
            hash,
        };
        self.seq = seq;
        self.hash = entry.hash.clone();
        entry
    }
}

/// The entry hash: `hex(sha256(prev_hash ‖ canonical_json(payload)))`.
pub fn chain_hash(prev_hash: &str, payload: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(canonical_json(payload).as_bytes());
    hex::encode(hasher.finalize())
}

/// JSON with object keys sorted and no whitespace, independent of how the map type orders keys.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                write_canonical(&fields[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Where a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("entry {seq}: expected sequence number {expected}")]
    Gap { seq: u64, expected: u64 },
    #[error("entry {seq}: prev_hash does not match the previous entry's hash")]
    BrokenLink { seq: u64 },
    #[error("entry {seq}: hash does not match its payload")]
    BadHash { seq: u64 },
}

/// Verifies a whole chain from the genesis hash; returns the head hash.
pub fn verify(entries: &[LedgerEntry]) -> Result<String, LedgerError> {
    let mut head = GENESIS_HASH.to_owned();
    for (i, entry) in entries.iter().enumerate() {
        let expected = i as u64 + 1;
        if entry.seq != expected {
            return Err(LedgerError::Gap {
                seq: entry.seq,
                expected,
            });
        }
        if entry.prev_hash != head {
            return Err(LedgerError::BrokenLink { seq: entry.seq });
        }
        if chain_hash(&entry.prev_hash, &entry.payload) != entry.hash {
            return Err(LedgerError::BadHash { seq: entry.seq });
        }
        head = entry.hash.clone();
    }
    Ok(head)
}

/// The ledger events of an accepted bid: the bid, and the extension if it moved the end.
pub fn bid_events(auction_id: &str, bid: &AcceptedBid) -> Vec<(LedgerKind, Value)> {
    let mut events = vec![(
        LedgerKind::Bid,
        json!({
            "auction_id": auction_id,
            "bid_seq": bid.seq,
            "bidder_code": bid.bidder_code,
            "amount": bid.amount.to_string(),
            "placed_at": rfc3339(bid.placed_at),
            "priority": bid.priority,
            "priority_match": bid.priority_match,
        }),
    )];
    if bid.opened_window {
        events.push((
            LedgerKind::SellOffWindow,
            json!({
                "auction_id": auction_id,
                "bid_seq": bid.seq,
                "at": rfc3339(bid.placed_at),
                "from": rfc3339(bid.previous_ends_at),
                "to": rfc3339(bid.ends_at),
            }),
        ));
    }
    if bid.extended() {
        events.push((
            LedgerKind::Extension,
            json!({
                "auction_id": auction_id,
                "bid_seq": bid.seq,
                "from": rfc3339(bid.previous_ends_at),
                "to": rfc3339(bid.ends_at),
                "extension_count": bid.extension_count,
            }),
        ));
    }
    events
}

/// The ledger event of a status change; `reason` is the court's public reason, where it gave one.
pub fn transition_event(auction_id: &str, transition: &Transition, reason: Option<&str>) -> (LedgerKind, Value) {
    let mut payload = json!({
        "auction_id": auction_id,
        "status": transition.status_after().as_str(),
    });
    let fields = match transition {
        Transition::Published { at }
        | Transition::Opened { at }
        | Transition::Withdrawn { at }
        | Transition::Revoked { at } => {
            json!({ "at": rfc3339(*at) })
        }
        Transition::Closed {
            at,
            outcome: Outcome::Sold { price, winner_code },
        } => {
            json!({ "at": rfc3339(*at), "final_price": price.to_string(), "winner_code": winner_code })
        }
        Transition::Closed {
            at,
            outcome: Outcome::Failed,
        } => json!({ "at": rfc3339(*at) }),
        Transition::Suspended { at, remaining_seconds } => {
            json!({ "at": rfc3339(*at), "remaining_seconds": remaining_seconds })
        }
        Transition::Resumed {
            at, bidding_ends_at, ..
        } => {
            json!({ "at": rfc3339(*at), "bidding_ends_at": rfc3339(*bidding_ends_at) })
        }
    };
    if let (Value::Object(into), Value::Object(from)) = (&mut payload, fields) {
        into.extend(from);
        if let Some(reason) = reason {
            into.insert("reason".into(), Value::from(reason));
        }
    }
    let kind = match transition {
        Transition::Revoked { .. } => LedgerKind::Revocation,
        _ => LedgerKind::Status,
    };
    (kind, payload)
}

/// What a round was announced with (R70): its kind, prices and window, and the SHA-256 of each text
/// published with it, so the announcement a bidder read cannot be changed unseen.
pub struct AnnouncedTerms<'a> {
    pub round_kind: &'a str,
    pub starting_price: crate::Money,
    pub deposit: crate::Money,
    pub increment: crate::Money,
    pub bidding_starts_at: crate::Instant,
    pub bidding_ends_at: crate::Instant,
    pub announcement: &'a str,
    pub bidding_instructions: &'a str,
    /// The special reminders as published (their JSON array).
    pub special_reminders: &'a str,
}

/// The `terms` object of a round's `announced` entry.
pub fn announced_terms(terms: &AnnouncedTerms) -> Value {
    let digest = |text: &str| hex::encode(Sha256::digest(text.as_bytes()));
    json!({
        "round_kind": terms.round_kind,
        "starting_price": terms.starting_price.to_string(),
        "deposit": terms.deposit.to_string(),
        "increment": terms.increment.to_string(),
        "bidding_starts_at": rfc3339(terms.bidding_starts_at),
        "bidding_ends_at": rfc3339(terms.bidding_ends_at),
        "announcement_sha256": digest(terms.announcement),
        "bidding_instructions_sha256": digest(terms.bidding_instructions),
        "special_reminders_sha256": digest(terms.special_reminders),
    })
}

/// A file added to a listing once one of its rounds was announced: the round's ledger keeps it.
pub fn file_added_event(
    auction_id: &str,
    file_id: &str,
    file_name: &str,
    sha256: &str,
    at: crate::Instant,
) -> (LedgerKind, Value) {
    let payload = json!({
        "auction_id": auction_id,
        "file_id": file_id,
        "file_name": file_name,
        "sha256": sha256,
        "at": rfc3339(at),
    });
    (LedgerKind::FileAdded, payload)
}

/// A payment the court received by bank transfer and a judge recorded (R54). It names the judge and the
/// bidder code, never the payer: before the end that would tell who registered (R40).
pub struct OfflinePaymentFacts<'a> {
    pub auction_id: &'a str,
    pub order_id: &'a str,
    /// `deposit` or `balance`.
    pub purpose: &'a str,
    pub bidder_code: &'a str,
    pub amount: crate::Money,
    /// The day the bank received it (`2027-01-20`).
    pub received_on: &'a str,
    pub recorded_by: &'a str,
    /// The payer was not the registrant and the court accepted it with a reason (kept off the ledger).
    pub payer_accepted_by_court: bool,
    pub at: crate::Instant,
}

pub fn offline_payment_event(facts: &OfflinePaymentFacts) -> (LedgerKind, Value) {
    let payload = json!({
        "auction_id": facts.auction_id,
        "order_id": facts.order_id,
        "purpose": facts.purpose,
        "bidder_code": facts.bidder_code,
        "amount": facts.amount.to_string(),
        "received_on": facts.received_on,
        "recorded_by": facts.recorded_by,
        "payer_accepted_by_court": facts.payer_accepted_by_court,
        "at": rfc3339(facts.at),
    });
    (LedgerKind::OfflinePayment, payload)
}

/// The ledger event of a buyer's default (悔拍, R55): the deal, the code, the forfeited deposit, and what
/// was paid back (the rest of a sell-off prepayment, R58).
pub fn default_event(
    auction_id: &str,
    deal_id: &str,
    winner_code: &str,
    forfeited_deposit: crate::Money,
    refunded: crate::Money,
    at: crate::Instant,
) -> (LedgerKind, Value) {
    let payload = json!({
        "auction_id": auction_id,
        "deal_id": deal_id,
        "winner_code": winner_code,
        "forfeited_deposit": forfeited_deposit.to_string(),
        "refunded": refunded.to_string(),
        "at": rfc3339(at),
    });
    (LedgerKind::Default, payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<LedgerEntry> {
        let mut head = LedgerHead::genesis();
        (0..n)
            .map(|i| {
                head.append(
                    LedgerKind::Bid,
                    json!({ "amount": format!("{}.00", 100 + i), "名": "竞买人" }),
                )
            })
            .collect()
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_whitespace() {
        let value = json!({ "b": 1, "a": { "z": [true, null], "y": "x\"y" }, "中": "文" });
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"y":"x\"y","z":[true,null]},"b":1,"中":"文"}"#
        );
    }

    #[test]
    fn the_first_entry_links_to_64_zeros() {
        let entries = chain(1);
        assert_eq!(entries[0].prev_hash, GENESIS_HASH);
        assert_eq!(entries[0].prev_hash.len(), 64);
        assert_eq!(entries[0].hash, chain_hash(GENESIS_HASH, &entries[0].payload));
    }

    #[test]
    fn a_known_vector() {
        // Checked with: python3 -c 'import hashlib; print(hashlib.sha256(("0"*64 + "{\"a\":\"1.00\"}").encode()).hexdigest())'
        assert_eq!(
            chain_hash(GENESIS_HASH, &json!({ "a": "1.00" })),
            "f8d3d7beabf675cb245caf68b7939cd1045dc874ab9868db7d962d4b5e94080f"
        );
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        assert_eq!(verify(&entries), Ok(entries[4].hash.clone()));
        assert_eq!(verify(&[]), Ok(GENESIS_HASH.to_owned()));
    }

    #[test]
    fn any_tampering_is_detected() {
        let mut changed = chain(5);
        changed[2].payload["amount"] = json!("999.00");
        assert_eq!(verify(&changed), Err(LedgerError::BadHash { seq: 3 }));

        let mut removed = chain(5);
        removed.remove(2);
        assert!(verify(&removed).is_err());

        let mut swapped = chain(5);
        swapped.swap(1, 2);
        assert!(verify(&swapped).is_err());

        let mut relinked = chain(5);
        relinked[3].prev_hash = relinked[1].hash.clone();
        assert_eq!(verify(&relinked), Err(LedgerError::BrokenLink { seq: 4 }));
    }
}
