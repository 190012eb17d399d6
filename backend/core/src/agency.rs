//! Bidding for someone else (委托代理, R41): the court confirms the agency before bidding starts; an agency
//! it has not confirmed by then cannot bid, and its deposit is released when bidding opens.

use crate::RoundStatus;

crate::words!(
    /// Where a registration made on behalf of a principal stands.
    AgencyStatus("agency status") {
        Pending = "pending",
        Confirmed = "confirmed",
        Refused = "refused",
    }
);

impl AgencyStatus {
    pub fn decided(confirmed: bool) -> AgencyStatus {
        if confirmed {
            AgencyStatus::Confirmed
        } else {
            AgencyStatus::Refused
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgencyError {
    /// Registration on someone's behalf, or the court's decision on it, once bidding has opened.
    #[error("an agency is registered and confirmed by the court before bidding opens (R41)")]
    TooLate,
    /// A bid through an agency the court has not confirmed.
    #[error("the court has not confirmed this agency; only a confirmed agent may bid (R41)")]
    NotConfirmed,
}

impl AgencyError {
    pub fn code(&self) -> &'static str {
        match self {
            AgencyError::TooLate => "bidding_started",
            AgencyError::NotConfirmed => "agent_not_confirmed",
        }
    }
}

/// An agency is registered and decided while the round is announced (or still a draft, for a decision),
/// never once bidding has opened.
pub fn check_before_bidding(status: RoundStatus) -> Result<(), AgencyError> {
    match status {
        RoundStatus::Draft | RoundStatus::Announced => Ok(()),
        _ => Err(AgencyError::TooLate),
    }
}

/// Whether a registration may bid as far as agency goes: one for the bidder itself always; one for a
/// principal only once confirmed.
pub fn check_may_bid(agency: Option<AgencyStatus>) -> Result<(), AgencyError> {
    match agency {
        None | Some(AgencyStatus::Confirmed) => Ok(()),
        Some(AgencyStatus::Pending | AgencyStatus::Refused) => Err(AgencyError::NotConfirmed),
    }
}

/// Whether the deposit is released when bidding opens: an agency not confirmed by then takes no part.
pub fn released_at_opening(agency: Option<AgencyStatus>) -> bool {
    check_may_bid(agency).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_STATUS: [RoundStatus; 8] = [
        RoundStatus::Draft,
        RoundStatus::Announced,
        RoundStatus::Bidding,
        RoundStatus::Suspended,
        RoundStatus::Sold,
        RoundStatus::Failed,
        RoundStatus::Withdrawn,
        RoundStatus::Revoked,
    ];

    #[test]
    fn an_agency_is_settled_before_bidding_opens_and_never_after() {
        for status in EVERY_STATUS {
            let allowed = matches!(status, RoundStatus::Draft | RoundStatus::Announced);
            assert_eq!(check_before_bidding(status).is_ok(), allowed, "{status:?}");
        }
    }

    #[test]
    fn only_a_confirmed_agency_or_none_may_bid_and_the_rest_are_released_at_the_start() {
        assert_eq!(check_may_bid(None), Ok(()));
        assert_eq!(check_may_bid(Some(AgencyStatus::Confirmed)), Ok(()));
        for status in [AgencyStatus::Pending, AgencyStatus::Refused] {
            assert_eq!(check_may_bid(Some(status)), Err(AgencyError::NotConfirmed));
            assert!(released_at_opening(Some(status)));
        }
        assert!(!released_at_opening(None) && !released_at_opening(Some(AgencyStatus::Confirmed)));
        for status in [AgencyStatus::Pending, AgencyStatus::Confirmed, AgencyStatus::Refused] {
            assert_eq!(AgencyStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(AgencyStatus::decided(false), AgencyStatus::Refused);
    }
}
