//! The court's duties before a round is announced (R7, R17, R31): the parties and the known priority
//! holders told in time, the collegial panel's decision on the terms, and no objection to the reference
//! price open — each decided at the instant of publication, from what the court recorded.

use crate::setup::ReferenceMethod;
use crate::time::{Instant, beijing_days_between};

crate::words!(
    /// Who must be told of the terms before the announcement (R31).
    PartyRole("party role") {
        /// 申请执行人.
        Applicant = "applicant",
        /// 被执行人.
        Respondent = "respondent",
        /// A known priority holder (优先购买权人, R42).
        PriorityHolder = "priority_holder",
    }
);

crate::words!(
    /// How a party was told (R31): in writing by email, served with a document, by a public notice for one
    /// who cannot be reached, or not at all because they waived it in writing.
    NoticeMethod("notice method") {
        Email = "email",
        /// A document served on the party (送达回证), kept as a file.
        Served = "served",
        /// Published on the platform for a party who cannot be reached; deemed received after 5 days.
        PublicNotice = "public_notice",
        /// The party waived the notice in writing, kept as a file.
        Waiver = "waiver",
    }
);

/// A notice must be this many Beijing days old when the round is announced (R31).
pub const NOTICE_DAYS: i64 = 3;
/// A public notice must have stood this many Beijing days (R31).
pub const PUBLIC_NOTICE_DAYS: i64 = 5;
/// The collegial panel has at least this many members unless the court sets more (R7).
pub const PANEL_MEMBERS: usize = 3;
/// The parties may object to an appraisal or an online inquiry within 5 days of receiving it (R17).
pub const VALUATION_OBJECTION_DAYS: i64 = 5;

/// Someone who must be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub role: PartyRole,
    pub name: String,
}

/// A notice the court recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub role: PartyRole,
    pub name: String,
    pub method: NoticeMethod,
    /// When it was sent, served, published or waived.
    pub at: Instant,
}

impl Notice {
    /// Whether this notice tells its party in time for an announcement at `publish_at`.
    pub fn suffices_at(&self, publish_at: Instant) -> bool {
        if self.at > publish_at {
            return false;
        }
        let days = beijing_days_between(self.at, publish_at);
        match self.method {
            NoticeMethod::Email | NoticeMethod::Served => days >= NOTICE_DAYS,
            NoticeMethod::PublicNotice => days >= PUBLIC_NOTICE_DAYS,
            NoticeMethod::Waiver => true,
        }
    }

    /// The first instant at which this notice suffices (a Beijing midnight), for telling the court when it
    /// may publish.
    pub fn sufficient_from(&self) -> Instant {
        let days = match self.method {
            NoticeMethod::Email | NoticeMethod::Served => NOTICE_DAYS,
            NoticeMethod::PublicNotice => PUBLIC_NOTICE_DAYS,
            NoticeMethod::Waiver => return self.at,
        };
        crate::time::beijing_midnight_after(self.at, days)
    }
}

fn same_party(party: &Party, notice: &Notice) -> bool {
    party.role == notice.role && party.name.trim() == notice.name.trim()
}

/// The parties not yet told in time for an announcement at `publish_at`, in the order given.
pub fn missing_parties<'a>(parties: &'a [Party], notices: &[Notice], publish_at: Instant) -> Vec<&'a Party> {
    parties
        .iter()
        .filter(|party| {
            !notices
                .iter()
                .any(|notice| same_party(party, notice) && notice.suffices_at(publish_at))
        })
        .collect()
}

/// The collegial panel's decision on the terms (R7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panel {
    pub members: Vec<String>,
    pub decided_at: Instant,
}

/// Why a panel cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PanelError {
    #[error("a collegial panel has at least {min} members (R7)")]
    TooFew { min: usize },
    #[error("each member of the panel is named once, and no name is empty")]
    Names,
    #[error("the panel's decision cannot be dated in the future")]
    DecidedInFuture,
}

impl PanelError {
    pub fn code(&self) -> &'static str {
        match self {
            PanelError::TooFew { .. } => "panel_too_small",
            PanelError::Names => "invalid_panel",
            PanelError::DecidedInFuture => "invalid_decided_at",
        }
    }
}

/// A panel as the court records it: `min_members` distinct, named members, decided by `now`.
pub fn check_panel(panel: &Panel, min_members: usize, now: Instant) -> Result<(), PanelError> {
    let mut names: Vec<&str> = panel.members.iter().map(|name| name.trim()).collect();
    if names.iter().any(|name| name.is_empty()) {
        return Err(PanelError::Names);
    }
    names.sort_unstable();
    names.dedup();
    if names.len() != panel.members.len() {
        return Err(PanelError::Names);
    }
    if names.len() < min_members.max(PANEL_MEMBERS) {
        return Err(PanelError::TooFew {
            min: min_members.max(PANEL_MEMBERS),
        });
    }
    if panel.decided_at > now {
        return Err(PanelError::DecidedInFuture);
    }
    Ok(())
}

/// The valuation report behind a reference price, as far as R17 is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValuationReport {
    pub method: ReferenceMethod,
    /// When the court recorded delivering it to the parties (R16).
    pub delivered_at: Option<Instant>,
    /// An objection to it is waiting for the judge's decision.
    pub objection_pending: bool,
}

/// Why the reference price cannot be used yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValuationHold {
    #[error("an objection to the reference price waits for the court's decision (R17)")]
    ObjectionPending,
    #[error("the parties may object to the valuation report until {until}; the price cannot be used before (R17)")]
    WindowOpen { until: Instant },
}

impl ValuationHold {
    pub fn code(&self) -> &'static str {
        match self {
            ValuationHold::ObjectionPending => "valuation_objection_pending",
            ValuationHold::WindowOpen { .. } => "valuation_objection_window",
        }
    }
}

/// The instant a delivered report's objection window closes (a Beijing midnight).
pub fn objection_window_ends(delivered_at: Instant) -> Instant {
    crate::time::beijing_midnight_after(delivered_at, VALUATION_OBJECTION_DAYS)
}

/// Whether a reference price may be used at `now`: not while an objection to it is pending, nor — for an
/// appraisal or an online inquiry, the reports R17 lets the parties object to — while the 5 days after its
/// delivery run. (A negotiated price and a targeted inquiry are not open to objection, R17.)
pub fn price_usable(report: &ValuationReport, now: Instant) -> Result<(), ValuationHold> {
    if report.objection_pending {
        return Err(ValuationHold::ObjectionPending);
    }
    if let Some(delivered_at) = report.delivered_at.filter(|_| report.method.open_to_objection()) {
        let until = objection_window_ends(delivered_at);
        if now < until {
            return Err(ValuationHold::WindowOpen { until });
        }
    }
    Ok(())
}

/// Whether an objection to a reference price filed at `at` is in time: within the window after the report
/// was delivered, and only against a report R17 opens to objection.
pub fn valuation_objection_in_time(report: &ValuationReport, at: Instant) -> bool {
    report.method.open_to_objection()
        && report
            .delivered_at
            .is_some_and(|delivered| at >= delivered && at < objection_window_ends(delivered))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    /// `2027-01-10` at `hh:mm` Beijing time.
    fn at(day: u32, hour: u32, minute: u32) -> Instant {
        let text = format!("2027-01-{day:02}T{hour:02}:{minute:02}:00+08:00");
        chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| t.to_utc())
            .unwrap_or_default()
    }

    fn party(role: PartyRole, name: &str) -> Party {
        Party {
            role,
            name: name.into(),
        }
    }

    fn notice(role: PartyRole, name: &str, method: NoticeMethod, at: Instant) -> Notice {
        Notice {
            role,
            name: name.into(),
            method,
            at,
        }
    }

    #[test]
    fn an_email_or_a_served_notice_must_be_three_beijing_days_old() {
        let sent = notice(PartyRole::Applicant, "工商银行", NoticeMethod::Email, at(10, 23, 59));
        assert!(!sent.suffices_at(at(12, 23, 59)));
        assert!(sent.suffices_at(at(13, 0, 0)), "three calendar days, whatever the hour");
        assert_eq!(sent.sufficient_from(), at(13, 0, 0));
        let served = Notice {
            method: NoticeMethod::Served,
            ..sent.clone()
        };
        assert!(served.suffices_at(at(13, 9, 0)));
        assert!(
            !sent.suffices_at(at(9, 9, 0)),
            "a notice after the announcement tells nobody in time"
        );
    }

    #[test]
    fn a_public_notice_stands_five_days_and_a_waiver_counts_at_once() {
        let public = notice(PartyRole::Respondent, "张三", NoticeMethod::PublicNotice, at(10, 9, 0));
        assert!(!public.suffices_at(at(14, 23, 0)));
        assert!(public.suffices_at(at(15, 0, 0)));
        let waiver = notice(PartyRole::Respondent, "张三", NoticeMethod::Waiver, at(10, 9, 0));
        assert!(waiver.suffices_at(at(10, 9, 0)));
        assert!(!waiver.suffices_at(at(10, 8, 59)), "not before it was given");
    }

    #[test]
    fn each_party_is_told_by_its_own_notice() {
        let parties = vec![
            party(PartyRole::Applicant, "工商银行"),
            party(PartyRole::Respondent, "张三"),
            party(PartyRole::PriorityHolder, "李四"),
        ];
        let notices = vec![
            notice(PartyRole::Applicant, "工商银行", NoticeMethod::Email, at(1, 9, 0)),
            // The same name in another role tells nobody.
            notice(PartyRole::Applicant, "张三", NoticeMethod::Email, at(1, 9, 0)),
            notice(PartyRole::PriorityHolder, " 李四 ", NoticeMethod::Email, at(9, 9, 0)),
        ];
        let missing = missing_parties(&parties, &notices, at(10, 9, 0));
        assert_eq!(missing, vec![&parties[1], &parties[2]]);
        assert_eq!(missing_parties(&parties, &notices, at(12, 0, 0)), vec![&parties[1]]);
    }

    #[test]
    fn a_panel_has_three_named_members_or_the_courts_number() {
        let panel = |names: &[&str]| Panel {
            members: names.iter().map(|n| n.to_string()).collect(),
            decided_at: at(5, 9, 0),
        };
        let now = at(10, 9, 0);
        assert_eq!(check_panel(&panel(&["王", "李", "赵"]), 3, now), Ok(()));
        assert_eq!(
            check_panel(&panel(&["王", "李"]), 3, now),
            Err(PanelError::TooFew { min: 3 })
        );
        assert_eq!(
            check_panel(&panel(&["王", "李", "赵"]), 5, now),
            Err(PanelError::TooFew { min: 5 })
        );
        assert_eq!(
            check_panel(&panel(&["王", "李", "赵"]), 1, now),
            Ok(()),
            "never fewer than three"
        );
        assert_eq!(
            check_panel(&panel(&["王", "李", "王 "]), 3, now),
            Err(PanelError::Names)
        );
        assert_eq!(check_panel(&panel(&["王", "李", " "]), 3, now), Err(PanelError::Names));
        assert_eq!(
            check_panel(&panel(&["王", "李", "赵"]), 3, at(4, 9, 0)),
            Err(PanelError::DecidedInFuture)
        );
    }

    #[test]
    fn an_appraisal_is_usable_once_its_five_days_pass_with_no_objection_pending() {
        let report = ValuationReport {
            method: ReferenceMethod::Appraisal,
            delivered_at: Some(at(10, 15, 0)),
            objection_pending: false,
        };
        assert_eq!(
            price_usable(&report, at(14, 23, 0)),
            Err(ValuationHold::WindowOpen { until: at(15, 0, 0) })
        );
        assert_eq!(price_usable(&report, at(15, 0, 0)), Ok(()));
        assert!(valuation_objection_in_time(&report, at(14, 23, 0)));
        assert!(!valuation_objection_in_time(&report, at(15, 0, 0)));
        let pending = ValuationReport {
            objection_pending: true,
            ..report
        };
        assert_eq!(
            price_usable(&pending, at(20, 0, 0)),
            Err(ValuationHold::ObjectionPending)
        );
        for method in [ReferenceMethod::Negotiation, ReferenceMethod::TargetedInquiry] {
            let closed = ValuationReport { method, ..report };
            assert_eq!(
                price_usable(&closed, at(10, 16, 0)),
                Ok(()),
                "{method} is not open to objection"
            );
            assert!(!valuation_objection_in_time(&closed, at(11, 0, 0)));
        }
        let undelivered = ValuationReport {
            delivered_at: None,
            ..report
        };
        assert!(
            !valuation_objection_in_time(&undelivered, at(11, 0, 0)),
            "no window before delivery"
        );
    }

    fn method() -> impl Strategy<Value = NoticeMethod> {
        prop_oneof![
            Just(NoticeMethod::Email),
            Just(NoticeMethod::Served),
            Just(NoticeMethod::PublicNotice),
            Just(NoticeMethod::Waiver)
        ]
    }

    proptest! {
        /// A notice that suffices at one instant suffices at every later one, and suffices exactly from
        /// `sufficient_from` on.
        #[test]
        fn a_notice_once_sufficient_stays_sufficient(method in method(), sent in 0i64..10_000_000, later in 0i64..10_000_000) {
            let base = at(1, 0, 0);
            let notice = notice(PartyRole::Applicant, "甲", method, base + Duration::seconds(sent));
            let t = base + Duration::seconds(sent) + Duration::seconds(later);
            prop_assert_eq!(notice.suffices_at(t), t >= notice.sufficient_from());
            if notice.suffices_at(t) {
                prop_assert!(notice.suffices_at(t + Duration::hours(1)));
            }
        }
    }
}
