//! Setting up a round: reference price, starting-price floors, deposit range, increment, bidding window
//! and notice period (R13, R14, R18, R23–R26, R45). Every ratio is checked exactly in integer 分.

use chrono::Months;
use serde::{Deserialize, Serialize};

use crate::money::Money;
pub use crate::next_round::{ReauctionOf, RoundKind};
use crate::time::{Instant, MIN_BIDDING_WINDOW, SELL_OFF_PERIOD, beijing_days_between};

/// What is being sold; it decides the notice period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    RealEstate,
    Movable,
    OtherRight,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::RealEstate, Category::Movable, Category::OtherRight];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::RealEstate => "real_estate",
            Category::Movable => "movable",
            Category::OtherRight => "other_right",
        }
    }

    pub fn parse(text: &str) -> Option<Category> {
        match text {
            "real_estate" => Some(Category::RealEstate),
            "movable" => Some(Category::Movable),
            "other_right" => Some(Category::OtherRight),
            _ => None,
        }
    }
}

/// How the reference price was fixed (R13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceMethod {
    Negotiation,
    TargetedInquiry,
    OnlineInquiry,
    Appraisal,
}

impl ReferenceMethod {
    /// The methods a valuation records; negotiation has its own procedure.
    pub const QUOTED: [ReferenceMethod; 3] = [
        ReferenceMethod::TargetedInquiry,
        ReferenceMethod::OnlineInquiry,
        ReferenceMethod::Appraisal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceMethod::Negotiation => "negotiation",
            ReferenceMethod::TargetedInquiry => "targeted_inquiry",
            ReferenceMethod::OnlineInquiry => "online_inquiry",
            ReferenceMethod::Appraisal => "appraisal",
        }
    }

    pub fn parse(text: &str) -> Option<ReferenceMethod> {
        match text {
            "negotiation" => Some(ReferenceMethod::Negotiation),
            "targeted_inquiry" => Some(ReferenceMethod::TargetedInquiry),
            "online_inquiry" => Some(ReferenceMethod::OnlineInquiry),
            "appraisal" => Some(ReferenceMethod::Appraisal),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValuationError {
    #[error("a valuation needs at least one quote")]
    NoQuotes,
    #[error("a {0} valuation takes exactly one quote")]
    OneQuoteExpected(&'static str),
    #[error("the reference price is set by negotiation between the parties, not by a quote")]
    NegotiationIsNotAQuote,
}

/// The reference price a valuation yields: online inquiry takes the arithmetic mean of the platforms'
/// quotes (R14); targeted inquiry and appraisal take their single answer (R13).
pub fn reference_price_from_quotes(method: ReferenceMethod, quotes: &[Money]) -> Result<Money, ValuationError> {
    match (method, quotes) {
        (ReferenceMethod::Negotiation, _) => Err(ValuationError::NegotiationIsNotAQuote),
        (_, []) => Err(ValuationError::NoQuotes),
        (ReferenceMethod::OnlineInquiry, quotes) => Money::mean(quotes).ok_or(ValuationError::NoQuotes),
        (_, [single]) => Ok(*single),
        (method, _) => Err(ValuationError::OneQuoteExpected(method.as_str())),
    }
}

/// A reference price is valid for one year (R18).
pub fn reference_valid_until(fixed_at: Instant) -> Instant {
    fixed_at.checked_add_months(Months::new(12)).unwrap_or(fixed_at)
}

/// What a judge proposes for a new round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundTerms {
    pub starting_price: Money,
    pub deposit: Money,
    pub increment: Money,
    pub bidding_starts_at: Instant,
    pub bidding_ends_at: Instant,
}

/// Why proposed round terms are refused. `code()` is the API's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("the listing has no reference price yet")]
    NoReferencePrice,
    #[error("the starting price is below the legal floor of {floor}")]
    StartingPriceBelowFloor { floor: Money },
    #[error("the deposit must be between {min} and {max} (5–20 % of the starting price)")]
    DepositOutOfRange { min: Money, max: Money },
    #[error("the increment must not exceed the starting price")]
    InvalidIncrement,
    #[error("bidding must last at least 24 hours")]
    BiddingTooShort,
    #[error("a sell-off runs for exactly 60 days from its start (R58)")]
    SellOffPeriod,
}

impl TermsError {
    pub fn code(&self) -> &'static str {
        match self {
            TermsError::NoReferencePrice => "no_reference_price",
            TermsError::StartingPriceBelowFloor { .. } => "starting_price_below_floor",
            TermsError::DepositOutOfRange { .. } => "deposit_out_of_range",
            TermsError::InvalidIncrement => "invalid_increment",
            TermsError::BiddingTooShort => "bidding_too_short",
            TermsError::SellOffPeriod => "invalid_sell_off_period",
        }
    }
}

/// The floor a round's starting price must reach: round 1 ≥ 70 % of the reference price (R24); round 2
/// ≥ 80 % of round 1's start (R25); a re-auction keeps the floor of the round it repeats; a sell-off,
/// whose price is the failed second auction's start, never below half the reference price ([AS] Art. 32,
/// R58). The floor is rounded up to the next 分, so `start ≥ floor` is the exact legal comparison.
pub fn starting_price_floor(kind: RoundKind, reference: Money, first_round_start: Option<Money>) -> Money {
    let seventy_percent = ceil_percent(reference, 70);
    match kind {
        RoundKind::First | RoundKind::Reauction { of: ReauctionOf::First } => seventy_percent,
        RoundKind::Second
        | RoundKind::Reauction {
            of: ReauctionOf::Second,
        } => match first_round_start {
            Some(start) => ceil_percent(start, 80),
            // Without a first round on record, fall back to the combined 56 % floor (70 % × 80 %).
            None => ceil_percent(seventy_percent, 80),
        },
        RoundKind::SellOff => ceil_percent(reference, 50),
    }
}

/// `ceil(amount × percent / 100)` in 分.
fn ceil_percent(amount: Money, percent: i64) -> Money {
    let scaled = i128::from(amount.cents()) * i128::from(percent);
    let cents = (scaled + 99) / 100;
    Money::from_cents(i64::try_from(cents).unwrap_or(i64::MAX)).unwrap_or(amount)
}

/// `floor(amount × percent / 100)` in 分.
fn floor_percent(amount: Money, percent: i64) -> Money {
    let cents = i128::from(amount.cents()) * i128::from(percent) / 100;
    Money::from_cents(i64::try_from(cents).unwrap_or(i64::MAX)).unwrap_or(amount)
}

/// The inclusive deposit range: 5 %–20 % of the starting price (R23), rounded inwards to whole 分.
pub fn deposit_range(starting_price: Money) -> (Money, Money) {
    (ceil_percent(starting_price, 5), floor_percent(starting_price, 20))
}

/// What a registrant pays in, and how much of it a defaulting buyer loses: in an auction the deposit, all
/// of it (R23, R55); in a sell-off the whole price as a prepayment, of which the deposit (R58).
pub fn paid_in(kind: RoundKind, starting_price: Money, deposit: Money) -> (Money, Money) {
    match kind {
        RoundKind::SellOff => (starting_price, deposit),
        _ => (deposit, deposit),
    }
}

/// What the applicant for enforcement pays in when its unpaid `claim` stands in for the deposit (R23 ¶2):
/// only the part of `paid_in` the claim does not cover, and of that at most `forfeitable` is lost on a
/// default. Returns `(paid_in, forfeitable)`.
pub fn applicant_paid_in(paid_in: Money, forfeitable: Money, claim: Money) -> (Money, Money) {
    let owed = paid_in.checked_sub(claim).unwrap_or(Money::ZERO);
    (owed, forfeitable.min(owed))
}

/// Checks a judge's proposed terms for a round of `kind` (R23–R25, R45).
pub fn check_terms(
    kind: RoundKind,
    reference_price: Option<Money>,
    first_round_start: Option<Money>,
    terms: &RoundTerms,
) -> Result<(), TermsError> {
    let reference = reference_price.ok_or(TermsError::NoReferencePrice)?;
    let floor = starting_price_floor(kind, reference, first_round_start);
    if terms.starting_price < floor {
        return Err(TermsError::StartingPriceBelowFloor { floor });
    }
    let (min, max) = deposit_range(terms.starting_price);
    if terms.deposit < min || terms.deposit > max {
        return Err(TermsError::DepositOutOfRange { min, max });
    }
    if terms.increment.is_zero() || terms.increment > terms.starting_price {
        return Err(TermsError::InvalidIncrement);
    }
    let window = terms.bidding_ends_at - terms.bidding_starts_at;
    if kind == RoundKind::SellOff && window != SELL_OFF_PERIOD {
        return Err(TermsError::SellOffPeriod);
    }
    if window < MIN_BIDDING_WINDOW {
        return Err(TermsError::BiddingTooShort);
    }
    Ok(())
}

/// The publicity period, in Beijing calendar days between the publish date and the bidding start date
/// (R26); a sell-off is announced as a second auction is (R58).
pub fn required_notice_days(category: Category, kind: RoundKind) -> i64 {
    let second = matches!(
        kind,
        RoundKind::Second
            | RoundKind::Reauction {
                of: ReauctionOf::Second
            }
            | RoundKind::SellOff
    );
    match (category, second) {
        (Category::Movable, false) => 15,
        (Category::Movable, true) => 7,
        (Category::RealEstate | Category::OtherRight, false) => 30,
        (Category::RealEstate | Category::OtherRight, true) => 15,
    }
}

/// The earliest bidding start an announcement published at `now` allows: the first moment of the Beijing
/// day that is the notice period after today (R26).
pub fn earliest_bidding_start(category: Category, kind: RoundKind, now: Instant) -> Instant {
    crate::time::beijing_midnight_after(now, required_notice_days(category, kind))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error(
        "the announcement must be published at least {required} Beijing calendar days before bidding starts; it is {actual}"
    )]
    NoticePeriodTooShort { required: i64, actual: i64 },
    #[error("the reference price expired on {valid_until}; fix a new one before publishing")]
    ReferencePriceExpired { valid_until: Instant },
}

impl PublishError {
    pub fn code(&self) -> &'static str {
        match self {
            PublishError::NoticePeriodTooShort { .. } => "notice_period_too_short",
            PublishError::ReferencePriceExpired { .. } => "reference_price_expired",
        }
    }
}

/// What R18 asks of a listing's reference price when one of its rounds is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceValidity {
    pub valid_until: Instant,
    /// When the listing's first auction announcement was published, if one was.
    pub first_announced_at: Option<Instant>,
    /// When the round being announced ends.
    pub round_ends_at: Instant,
}

impl PriceValidity {
    /// Whether the price still serves at `now`: within its validity; or, once expired, when the first
    /// announcement fell within it and the round ends no later than six months after it (R18) — later
    /// rounds then need no new price.
    pub fn serves(&self, now: Instant) -> bool {
        if now <= self.valid_until {
            return true;
        }
        let grace_ends = self
            .valid_until
            .checked_add_months(Months::new(6))
            .unwrap_or(self.valid_until);
        self.first_announced_at.is_some_and(|first| first <= self.valid_until) && self.round_ends_at <= grace_ends
    }
}

/// Whether a round may be announced at `now` (R18, R26).
pub fn check_publish(
    category: Category,
    kind: RoundKind,
    price: Option<PriceValidity>,
    bidding_starts_at: Instant,
    now: Instant,
) -> Result<(), PublishError> {
    if let Some(price) = price
        && !price.serves(now)
    {
        return Err(PublishError::ReferencePriceExpired {
            valid_until: price.valid_until,
        });
    }
    let required = required_notice_days(category, kind);
    let actual = beijing_days_between(now, bidding_starts_at);
    if actual < required {
        return Err(PublishError::NoticePeriodTooShort { required, actual });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration, Utc};

    #[test]
    fn the_applicant_pays_only_what_its_claim_does_not_cover() {
        assert_eq!(
            applicant_paid_in(m("70000"), m("70000"), m("50000")),
            (m("20000"), m("20000"))
        );
        assert_eq!(
            applicant_paid_in(m("70000"), m("70000"), m("70000")),
            (Money::ZERO, Money::ZERO)
        );
        assert_eq!(
            applicant_paid_in(m("70000"), m("70000"), m("5000000")),
            (Money::ZERO, Money::ZERO)
        );
        // A sell-off prepayment of 560,000 with a deposit of 56,000 and a claim of 100,000.
        assert_eq!(
            applicant_paid_in(m("560000"), m("56000"), m("100000")),
            (m("460000"), m("56000"))
        );
    }

    fn m(text: &str) -> Money {
        Money::parse_positive(text).unwrap()
    }

    fn at(text: &str) -> Instant {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn terms(start: &str, deposit: &str, increment: &str) -> RoundTerms {
        let starts = at("2027-01-10T02:00:00Z");
        RoundTerms {
            starting_price: m(start),
            deposit: m(deposit),
            increment: m(increment),
            bidding_starts_at: starts,
            bidding_ends_at: starts + Duration::hours(24),
        }
    }

    #[test]
    fn a_sell_off_runs_sixty_days_is_announced_like_a_second_auction_and_keeps_half_the_reference() {
        let starts = at("2027-01-10T02:00:00Z");
        let sell_off = |days: i64| RoundTerms {
            starting_price: m("560000"),
            deposit: m("56000"),
            increment: m("1000"),
            bidding_starts_at: starts,
            bidding_ends_at: starts + Duration::days(days),
        };
        let reference = Some(m("1000000"));
        assert_eq!(check_terms(RoundKind::SellOff, reference, None, &sell_off(60)), Ok(()));
        assert_eq!(
            check_terms(RoundKind::SellOff, reference, None, &sell_off(59)),
            Err(TermsError::SellOffPeriod)
        );
        assert_eq!(
            starting_price_floor(RoundKind::SellOff, m("1000000.01"), None),
            m("500000.01")
        );
        assert_eq!(required_notice_days(Category::RealEstate, RoundKind::SellOff), 15);
        assert_eq!(required_notice_days(Category::OtherRight, RoundKind::SellOff), 15);
        assert_eq!(required_notice_days(Category::Movable, RoundKind::SellOff), 7);
        assert_eq!(
            paid_in(RoundKind::SellOff, m("560000"), m("56000")),
            (m("560000"), m("56000"))
        );
        assert_eq!(
            paid_in(RoundKind::Second, m("560000"), m("56000")),
            (m("56000"), m("56000"))
        );
    }

    #[test]
    fn the_seed_case_figures_hold() {
        // ¥42,000,000 reference: start ≥ ¥29,400,000, deposit ¥1,470,000–¥5,880,000, round 2 ≥ ¥23,520,000.
        let reference = m("42000000");
        assert_eq!(starting_price_floor(RoundKind::First, reference, None), m("29400000"));
        assert_eq!(deposit_range(m("29400000")), (m("1470000"), m("5880000")));
        assert_eq!(
            starting_price_floor(RoundKind::Second, reference, Some(m("29400000"))),
            m("23520000")
        );
    }

    #[test]
    fn round_one_floor_is_exactly_seventy_percent() {
        // Real listing: ¥3,309,250 = 70 % × ¥4,727,500.
        let ok = check_terms(
            RoundKind::First,
            Some(m("4727500")),
            None,
            &terms("3309250", "500000", "5000"),
        );
        assert_eq!(ok, Ok(()));
        let below = check_terms(
            RoundKind::First,
            Some(m("4727500")),
            None,
            &terms("3309249.99", "500000", "5000"),
        );
        assert_eq!(below.map_err(|e| e.code()), Err("starting_price_below_floor"));
    }

    #[test]
    fn floors_round_up_to_the_next_fen() {
        // 70 % of ¥0.05 is 3.5 分: the floor is 4 分.
        assert_eq!(starting_price_floor(RoundKind::First, m("0.05"), None), m("0.04"));
    }

    #[test]
    fn round_two_floor_is_eighty_percent_of_round_one() {
        // 徐州: ¥549,528 = 56 % of ¥981,300 = 80 % of a ¥686,910 round-1 start.
        let first = m("686910");
        assert_eq!(
            starting_price_floor(RoundKind::Second, m("981300"), Some(first)),
            m("549528")
        );
        let reauction = RoundKind::Reauction {
            of: ReauctionOf::Second,
        };
        assert_eq!(starting_price_floor(reauction, m("981300"), Some(first)), m("549528"));
        let reauction_of_first = RoundKind::Reauction { of: ReauctionOf::First };
        assert_eq!(
            starting_price_floor(reauction_of_first, m("981300"), Some(first)),
            m("686910")
        );
    }

    #[test]
    fn deposit_bounds_are_inclusive() {
        let reference = Some(m("20000000"));
        // 惠阳: 20 % of 11,787,511 is 2,357,502.20; the listed 2,357,502 is inside.
        assert_eq!(
            check_terms(
                RoundKind::First,
                Some(m("11787511")),
                None,
                &terms("11787511", "2357502", "58000")
            ),
            Ok(())
        );
        assert_eq!(
            check_terms(RoundKind::First, reference, None, &terms("20000000", "1000000", "1000")),
            Ok(())
        );
        assert_eq!(
            check_terms(RoundKind::First, reference, None, &terms("20000000", "4000000", "1000")),
            Ok(())
        );
        for deposit in ["999999.99", "4000000.01"] {
            let err = check_terms(RoundKind::First, reference, None, &terms("20000000", deposit, "1000"));
            assert_eq!(err.map_err(|e| e.code()), Err("deposit_out_of_range"), "{deposit}");
        }
        // 徐州 reported ¥10,000 on ¥549,528: under 5 %, refused.
        let xuzhou = check_terms(
            RoundKind::First,
            Some(m("549528")),
            None,
            &terms("549528", "10000", "2000"),
        );
        assert_eq!(xuzhou.map_err(|e| e.code()), Err("deposit_out_of_range"));
    }

    #[test]
    fn other_term_errors() {
        let reference = Some(m("100000"));
        assert_eq!(
            check_terms(RoundKind::First, None, None, &terms("70000", "7000", "100")).map_err(|e| e.code()),
            Err("no_reference_price")
        );
        assert_eq!(
            check_terms(RoundKind::First, reference, None, &terms("70000", "7000", "70000.01")).map_err(|e| e.code()),
            Err("invalid_increment")
        );
        let mut short = terms("70000", "7000", "100");
        short.bidding_ends_at = short.bidding_starts_at + Duration::hours(24) - Duration::milliseconds(1);
        assert_eq!(
            check_terms(RoundKind::First, reference, None, &short).map_err(|e| e.code()),
            Err("bidding_too_short")
        );
    }

    #[test]
    fn notice_periods_by_category_and_round() {
        let start = at("2027-01-31T02:00:00Z"); // 10:00 Beijing, Jan 31
        let publish_30_days_before = at("2027-01-01T01:00:00Z");
        let publish_29_days_before = at("2027-01-02T01:00:00Z");
        assert_eq!(
            check_publish(
                Category::RealEstate,
                RoundKind::First,
                None,
                start,
                publish_30_days_before
            ),
            Ok(())
        );
        assert_eq!(
            check_publish(
                Category::RealEstate,
                RoundKind::First,
                None,
                start,
                publish_29_days_before
            ),
            Err(PublishError::NoticePeriodTooShort {
                required: 30,
                actual: 29
            })
        );
        assert_eq!(required_notice_days(Category::OtherRight, RoundKind::First), 30);
        assert_eq!(required_notice_days(Category::Movable, RoundKind::First), 15);
        assert_eq!(required_notice_days(Category::RealEstate, RoundKind::Second), 15);
        assert_eq!(required_notice_days(Category::Movable, RoundKind::Second), 7);
        // 北京二中院 2014: 15 days' notice for real estate is too short today.
        let fifteen = at("2027-01-16T01:00:00Z");
        assert!(check_publish(Category::RealEstate, RoundKind::First, None, start, fifteen).is_err());
        assert_eq!(
            check_publish(Category::Movable, RoundKind::First, None, start, fifteen),
            Ok(())
        );
    }

    #[test]
    fn an_expired_reference_price_blocks_publishing() {
        let fixed = at("2026-01-01T00:00:00Z");
        let until = reference_valid_until(fixed);
        assert_eq!(until, at("2027-01-01T00:00:00Z"));
        let price = PriceValidity {
            valid_until: until,
            first_announced_at: None,
            round_ends_at: at("2027-03-02T00:00:00Z"),
        };
        let err = check_publish(
            Category::Movable,
            RoundKind::First,
            Some(price),
            at("2027-03-01T00:00:00Z"),
            at("2027-01-02T00:00:00Z"),
        );
        assert_eq!(err.map_err(|e| e.code()), Err("reference_price_expired"));
    }

    #[test]
    fn a_first_announcement_within_validity_carries_later_rounds_six_months_past_it() {
        let until = at("2027-01-01T00:00:00Z");
        let within = PriceValidity {
            valid_until: until,
            first_announced_at: Some(at("2026-12-01T00:00:00Z")),
            round_ends_at: at("2027-07-01T00:00:00Z"),
        };
        let later = at("2027-06-01T00:00:00Z");
        assert!(within.serves(at("2026-12-31T23:59:59Z")));
        assert!(within.serves(later), "ends exactly six months after validity");
        let a_second_too_late = PriceValidity {
            round_ends_at: at("2027-07-01T00:00:01Z"),
            ..within
        };
        assert!(!a_second_too_late.serves(later));
        let first_after_validity = PriceValidity {
            first_announced_at: Some(at("2027-01-01T00:00:01Z")),
            ..within
        };
        assert!(!first_after_validity.serves(later));
        let never_announced = PriceValidity {
            first_announced_at: None,
            ..within
        };
        assert!(!never_announced.serves(later));
    }

    #[test]
    fn valuations() {
        let quotes = [m("4000000"), m("4100000"), m("4300000")];
        assert_eq!(
            reference_price_from_quotes(ReferenceMethod::OnlineInquiry, &quotes),
            Ok(m("4133333.33"))
        );
        assert_eq!(
            reference_price_from_quotes(ReferenceMethod::Appraisal, &quotes[..1]),
            Ok(m("4000000"))
        );
        assert!(reference_price_from_quotes(ReferenceMethod::TargetedInquiry, &quotes).is_err());
        assert!(reference_price_from_quotes(ReferenceMethod::OnlineInquiry, &[]).is_err());
        assert!(reference_price_from_quotes(ReferenceMethod::Negotiation, &quotes[..1]).is_err());
    }

    #[test]
    fn the_earliest_start_is_exactly_what_publishing_now_allows() {
        let cases = [
            (
                "2027-01-01T15:59:59Z",
                Category::Movable,
                RoundKind::First,
                "2027-01-15T16:00:00Z",
            ),
            (
                "2027-01-01T16:00:00Z",
                Category::Movable,
                RoundKind::First,
                "2027-01-16T16:00:00Z",
            ),
            (
                "2027-01-01T02:00:00Z",
                Category::RealEstate,
                RoundKind::First,
                "2027-01-30T16:00:00Z",
            ),
            (
                "2027-01-01T02:00:00Z",
                Category::RealEstate,
                RoundKind::Second,
                "2027-01-15T16:00:00Z",
            ),
            (
                "2027-01-01T02:00:00Z",
                Category::Movable,
                RoundKind::Second,
                "2027-01-07T16:00:00Z",
            ),
        ];
        for (now, category, kind, expected) in cases {
            let (now, earliest) = (at(now), earliest_bidding_start(category, kind, at(now)));
            assert_eq!(earliest, at(expected), "{category:?} {kind:?} at {now}");
            assert!(check_publish(category, kind, None, earliest, now).is_ok());
            let a_second_earlier = earliest - Duration::seconds(1);
            assert!(check_publish(category, kind, None, a_second_earlier, now).is_err());
        }
    }
}
