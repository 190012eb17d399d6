//! Objections to an online auction (异议, R61–R65): who may object and on which grounds, when the round
//! must stop at once, when the decision is due, and what an upheld or rejected objection does to the round.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::deal::{DealStatus, is_revocable};
use crate::round::RoundStatus;
use crate::time::Instant;

/// An objection is decided within 15 days (R64).
pub const DECISION_WITHIN: Duration = Duration::days(15);

crate::words!(
    /// Who objects (R63).
    ObjectorRole("objector role") {
        /// A party to the case: the applicant or the debtor.
        Party = "party",
        Bidder = "bidder",
        PriorityHolder = "priority_holder",
        /// Someone outside the case who claims the property (案外人).
        ThirdParty = "third_party",
    }
);

impl ObjectorRole {
    /// A third party's objection to the property stops the round at once (R61); the others leave it to
    /// the court, which may suspend the round itself.
    pub fn suspends_at_once(self) -> bool {
        self == ObjectorRole::ThirdParty
    }
}

crate::words!(
    /// The grounds on which an online auction must be set aside (R65, numbered as there).
    Ground("objection ground") {
        /// (1) Seriously untrue descriptions, photos or defect statements.
        UntrueDescription = "untrue_description",
        /// (2) A system failure, virus, intrusion or data error produced a wrong result.
        SystemFailure = "system_failure",
        /// (3) Collusion among bidders, or between bidders and the platform.
        Collusion = "collusion",
        /// (4) The buyer lacked the legal qualification to buy.
        BuyerNotQualified = "buyer_not_qualified",
        /// (5) Bidders unlawfully restricted, or equally entitled bidders treated differently.
        UnequalTreatment = "unequal_treatment",
        /// (6) Another serious breach of procedure.
        ProceduralBreach = "procedural_breach",
    }
);

crate::words!(
    /// What an objection to a round is about, which decides what it does.
    ObjectionKind("objection kind") {
        /// The procedure or the sale (执行行为异议, R61–R65): decided on the grounds of R65.
        Procedural = "procedural",
        /// Someone outside the case claims the property is theirs (案外人异议, Civil Procedure Law Art. 238):
        /// the round stops at once whoever files it, and if upheld the property leaves the sale for good.
        OwnershipClaim = "ownership_claim",
    }
);

impl ObjectionKind {
    /// Whether the objection stops a running round at once, whoever files it.
    pub fn suspends_at_once(self, role: ObjectorRole) -> bool {
        self == ObjectionKind::OwnershipClaim || role.suspends_at_once()
    }
}

crate::words!(
    /// The grounds of an objection to an online inquiry's or an appraisal's report (R17; 《确定财产处置参考价
    /// 若干问题的规定》 Art. 22).
    PriceGround("price objection ground") {
        /// The report rests on wrong basic facts.
        WrongFacts = "wrong_facts",
        /// It values more or less property than is being sold.
        WrongScope = "wrong_scope",
        /// The agency or the appraiser lacks the qualification.
        UnqualifiedAgency = "unqualified_agency",
        /// The appraisal procedure was seriously unlawful.
        UnlawfulProcedure = "unlawful_procedure",
        /// The reference standard, the method or the result (Art. 23).
        MethodOrResult = "method_or_result",
    }
);

crate::words!(
    /// Where an objection stands.
    ObjectionStatus("objection status") {
        Pending = "pending",
        Rejected = "rejected",
        Upheld = "upheld",
    }
);

/// Why an objection cannot be filed or decided. `code()` is the API's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectionError {
    #[error("an objection needs at least one ground, each named once")]
    NoGrounds,
    #[error("the round is not published: there is nothing to object to yet")]
    NotPublished,
    #[error("the round was withdrawn or its sale revoked: there is nothing left to object to")]
    NothingToObjectTo,
    #[error("the property has been handed over: the enforcement procedure has ended (R63)")]
    EnforcementEnded,
    #[error("this objection has been decided already")]
    AlreadyDecided,
}

impl ObjectionError {
    pub fn code(&self) -> &'static str {
        match self {
            ObjectionError::NoGrounds => "invalid_grounds",
            ObjectionError::NotPublished => "auction_not_published",
            ObjectionError::NothingToObjectTo => "nothing_to_object_to",
            ObjectionError::EnforcementEnded => "enforcement_ended",
            ObjectionError::AlreadyDecided => "objection_decided",
        }
    }
}

/// The round an objection concerns, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectedRound {
    pub status: RoundStatus,
    /// The deal, if the round sold.
    pub deal: Option<DealStatus>,
}

/// What filing an objection does to its round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filing {
    pub decide_by: Instant,
    /// The round stops at once (R61).
    pub suspend: bool,
}

/// Checks an objection as filed at `now` and says what it does (R61, R63, R64).
pub fn file(
    round: ObjectedRound,
    kind: ObjectionKind,
    role: ObjectorRole,
    grounds: &[Ground],
    now: Instant,
) -> Result<Filing, ObjectionError> {
    let distinct = grounds
        .iter()
        .enumerate()
        .all(|(i, ground)| !grounds[..i].contains(ground));
    // A claim to the property is its own ground; a procedural objection names those of R65.
    if (kind == ObjectionKind::Procedural && grounds.is_empty()) || !distinct {
        return Err(ObjectionError::NoGrounds);
    }
    match round.status {
        RoundStatus::Draft => return Err(ObjectionError::NotPublished),
        RoundStatus::Withdrawn | RoundStatus::Revoked => return Err(ObjectionError::NothingToObjectTo),
        _ => {}
    }
    if round.deal == Some(DealStatus::HandedOver) {
        return Err(ObjectionError::EnforcementEnded);
    }
    Ok(Filing {
        decide_by: now + DECISION_WITHIN,
        // A round the court suspended is held by the objection too: lifting the court's reason alone does
        // not let it go on.
        suspend: kind.suspends_at_once(role)
            && matches!(
                round.status,
                RoundStatus::Announced | RoundStatus::Bidding | RoundStatus::Suspended
            ),
    })
}

/// How the court decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Rejected,
    Upheld,
}

impl Decision {
    pub const ALL: [Decision; 2] = [Decision::Rejected, Decision::Upheld];

    /// A decision is spelled as the status it gives the objection.
    pub fn as_str(self) -> &'static str {
        self.status().as_str()
    }

    pub fn parse(text: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|decision| decision.as_str() == text)
    }

    pub fn status(self) -> ObjectionStatus {
        match self {
            Decision::Rejected => ObjectionStatus::Rejected,
            Decision::Upheld => ObjectionStatus::Upheld,
        }
    }
}

/// What a decision does to the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consequence {
    /// Nothing changes: a rejected objection on a running round, or an upheld one with nothing left to undo.
    Nothing,
    /// The objection's hold on the round it stopped is lifted: the round goes on (R60: resumed within five
    /// days) unless another reason still holds it.
    Release,
    /// An upheld objection before the sale: the round is withdrawn and every deposit released (R62).
    Withdraw,
    /// An upheld objection after the sale: the sale is set aside and the buyer refunded (R65).
    Revoke,
}

/// What deciding a pending objection does; `suspended_by_it` says whether the round is suspended because
/// of this objection.
pub fn decide(
    status: ObjectionStatus,
    decision: Decision,
    round: ObjectedRound,
    suspended_by_it: bool,
) -> Result<Consequence, ObjectionError> {
    if status != ObjectionStatus::Pending {
        return Err(ObjectionError::AlreadyDecided);
    }
    let live = matches!(
        round.status,
        RoundStatus::Announced | RoundStatus::Bidding | RoundStatus::Suspended
    );
    Ok(match decision {
        Decision::Rejected if suspended_by_it && round.status == RoundStatus::Suspended => Consequence::Release,
        Decision::Rejected => Consequence::Nothing,
        Decision::Upheld if live => Consequence::Withdraw,
        Decision::Upheld if round.status == RoundStatus::Sold && round.deal.is_some_and(is_revocable) => {
            Consequence::Revoke
        }
        Decision::Upheld => Consequence::Nothing,
    })
}

/// The objector may ask the higher court to reconsider a decision within 10 days (R64); while the days run,
/// or a request waits for the higher court, no sale ruling issues.
pub const RECONSIDERATION_WITHIN: Duration = Duration::days(10);

/// A decided objection of a round, as reconsideration is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    pub decided_at: Instant,
    /// The objector asked for reconsideration, and the higher court has not decided it yet.
    pub reconsideration_waiting: bool,
}

/// Why no ruling may issue yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RulingHold {
    #[error("the objector may ask for reconsideration of the decision until {until}; no ruling issues before (R64)")]
    Window { until: Instant },
    #[error("a reconsideration of an objection's decision waits for the higher court (R64)")]
    Waiting,
}

impl RulingHold {
    pub fn code(&self) -> &'static str {
        match self {
            RulingHold::Window { .. } => "reconsideration_window",
            RulingHold::Waiting => "reconsideration_pending",
        }
    }
}

/// What holds the ruling at `now`, if anything: a reconsideration waiting, or the latest window still open.
pub fn ruling_hold(decided: &[Decided], now: Instant) -> Option<RulingHold> {
    if decided.iter().any(|d| d.reconsideration_waiting) {
        return Some(RulingHold::Waiting);
    }
    decided
        .iter()
        .map(|d| d.decided_at + RECONSIDERATION_WITHIN)
        .filter(|until| now < *until)
        .max()
        .map(|until| RulingHold::Window { until })
}

/// Whether a request for reconsideration made at `at` is in time for a decision made at `decided_at`.
pub fn reconsideration_in_time(decided_at: Instant, at: Instant) -> bool {
    at >= decided_at && at < decided_at + RECONSIDERATION_WITHIN
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(text: &str) -> Instant {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn round(status: RoundStatus, deal: Option<DealStatus>) -> ObjectedRound {
        ObjectedRound { status, deal }
    }

    #[test]
    fn a_claim_to_the_property_stops_the_round_whoever_files_it_and_needs_no_other_ground() {
        let now = at("2027-01-10T02:00:00Z");
        let filing = file(
            round(RoundStatus::Bidding, None),
            ObjectionKind::OwnershipClaim,
            ObjectorRole::Party,
            &[],
            now,
        )
        .unwrap();
        assert!(filing.suspend);
        let procedural = file(
            round(RoundStatus::Bidding, None),
            ObjectionKind::Procedural,
            ObjectorRole::Party,
            &[Ground::Collusion],
            now,
        )
        .unwrap();
        assert!(
            !procedural.suspend,
            "a party's procedural objection leaves it to the court"
        );
    }

    #[test]
    fn a_third_party_stops_a_running_round_at_once_and_the_decision_is_due_in_fifteen_days() {
        let now = at("2027-01-10T02:00:00Z");
        for status in [RoundStatus::Announced, RoundStatus::Bidding] {
            let filing = file(
                round(status, None),
                ObjectionKind::Procedural,
                ObjectorRole::ThirdParty,
                &[Ground::UntrueDescription],
                now,
            )
            .unwrap();
            assert!(filing.suspend);
            assert_eq!(filing.decide_by, at("2027-01-25T02:00:00Z"));
            for role in [ObjectorRole::Party, ObjectorRole::Bidder, ObjectorRole::PriorityHolder] {
                assert!(
                    !file(
                        round(status, None),
                        ObjectionKind::Procedural,
                        role,
                        &[Ground::Collusion],
                        now
                    )
                    .unwrap()
                    .suspend
                );
            }
        }
        let suspended = round(RoundStatus::Suspended, None);
        assert!(
            file(
                suspended,
                ObjectionKind::Procedural,
                ObjectorRole::ThirdParty,
                &[Ground::Collusion],
                now
            )
            .unwrap()
            .suspend,
            "a round the court suspended is held by the objection too"
        );
        let sold = round(RoundStatus::Sold, Some(DealStatus::Paid));
        assert!(
            !file(
                sold,
                ObjectionKind::Procedural,
                ObjectorRole::ThirdParty,
                &[Ground::Collusion],
                now
            )
            .unwrap()
            .suspend,
            "nothing runs to stop"
        );
    }

    #[test]
    fn an_objection_needs_distinct_grounds_and_something_to_object_to() {
        let now = at("2027-01-10T02:00:00Z");
        let bidding = round(RoundStatus::Bidding, None);
        assert_eq!(
            file(bidding, ObjectionKind::Procedural, ObjectorRole::Party, &[], now),
            Err(ObjectionError::NoGrounds)
        );
        assert_eq!(
            file(
                bidding,
                ObjectionKind::Procedural,
                ObjectorRole::Party,
                &[Ground::Collusion, Ground::Collusion],
                now
            ),
            Err(ObjectionError::NoGrounds)
        );
        let refusals = [
            (round(RoundStatus::Draft, None), ObjectionError::NotPublished),
            (round(RoundStatus::Withdrawn, None), ObjectionError::NothingToObjectTo),
            (
                round(RoundStatus::Revoked, Some(DealStatus::Revoked)),
                ObjectionError::NothingToObjectTo,
            ),
            (
                round(RoundStatus::Sold, Some(DealStatus::HandedOver)),
                ObjectionError::EnforcementEnded,
            ),
        ];
        for (objected, refusal) in refusals {
            assert_eq!(
                file(
                    objected,
                    ObjectionKind::Procedural,
                    ObjectorRole::Party,
                    Ground::ALL,
                    now
                ),
                Err(refusal)
            );
        }
    }

    #[test]
    fn an_upheld_objection_withdraws_a_running_round_and_revokes_a_sale() {
        let pending = ObjectionStatus::Pending;
        for status in [RoundStatus::Announced, RoundStatus::Bidding, RoundStatus::Suspended] {
            assert_eq!(
                decide(pending, Decision::Upheld, round(status, None), false),
                Ok(Consequence::Withdraw)
            );
        }
        for deal in [DealStatus::AwaitingBalance, DealStatus::Paid, DealStatus::RulingIssued] {
            let sold = round(RoundStatus::Sold, Some(deal));
            assert_eq!(decide(pending, Decision::Upheld, sold, false), Ok(Consequence::Revoke));
        }
        for deal in [DealStatus::Defaulted, DealStatus::HandedOver] {
            assert_eq!(
                decide(pending, Decision::Upheld, round(RoundStatus::Sold, Some(deal)), false),
                Ok(Consequence::Nothing),
                "a {deal:?} sale is not revoked (after the hand-over, R63)"
            );
        }
        let failed = round(RoundStatus::Failed, None);
        assert_eq!(
            decide(pending, Decision::Upheld, failed, false),
            Ok(Consequence::Nothing)
        );
    }

    #[test]
    fn a_rejected_objection_lets_the_round_it_stopped_go_on_and_a_decision_is_made_once() {
        let suspended = round(RoundStatus::Suspended, None);
        let pending = ObjectionStatus::Pending;
        assert_eq!(
            decide(pending, Decision::Rejected, suspended, true),
            Ok(Consequence::Release)
        );
        assert_eq!(
            decide(pending, Decision::Rejected, suspended, false),
            Ok(Consequence::Nothing),
            "the court's own suspension is the court's to lift"
        );
        for decided in [ObjectionStatus::Rejected, ObjectionStatus::Upheld] {
            assert_eq!(
                decide(decided, Decision::Upheld, suspended, true),
                Err(ObjectionError::AlreadyDecided)
            );
        }
    }

    #[test]
    fn every_name_reads_back() {
        for role in ObjectorRole::ALL {
            assert_eq!(ObjectorRole::parse(role.as_str()), Some(*role));
        }
        for ground in Ground::ALL {
            assert_eq!(Ground::parse(ground.as_str()), Some(*ground));
        }
        for status in ObjectionStatus::ALL {
            assert_eq!(ObjectionStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(
            Decision::parse("upheld").map(Decision::status),
            Some(ObjectionStatus::Upheld)
        );
        assert_eq!(Decision::parse("maybe"), None);
    }

    #[test]
    fn no_ruling_while_reconsideration_may_be_asked_or_waits() {
        let decided = at("2027-01-10T02:00:00Z");
        let d = Decided {
            decided_at: decided,
            reconsideration_waiting: false,
        };
        assert_eq!(
            ruling_hold(&[d], at("2027-01-20T01:59:59Z")),
            Some(RulingHold::Window {
                until: at("2027-01-20T02:00:00Z")
            })
        );
        assert_eq!(ruling_hold(&[d], at("2027-01-20T02:00:00Z")), None);
        let waiting = Decided {
            reconsideration_waiting: true,
            ..d
        };
        assert_eq!(
            ruling_hold(&[d, waiting], at("2027-03-01T00:00:00Z")),
            Some(RulingHold::Waiting)
        );
        assert_eq!(ruling_hold(&[], decided), None);
        assert!(reconsideration_in_time(decided, at("2027-01-20T01:59:59Z")));
        assert!(!reconsideration_in_time(decided, at("2027-01-20T02:00:00Z")));
        assert!(!reconsideration_in_time(decided, at("2027-01-10T01:00:00Z")));
    }
}
