//! Setting up a round: reference price, starting-price floors, deposit range, increment, bidding window
//! and notice period (R13, R14, R18, R23–R26, R45). Every ratio is checked exactly in integer 分.

use chrono::Months;

use crate::money::Money;
pub use crate::next_round::{ReauctionOf, RoundKind};
use crate::time::{Instant, MIN_BIDDING_WINDOW, SELL_OFF_PERIOD, beijing_days_between};

crate::words!(
    /// What is being sold; it decides the notice period.
    Category("category") {
        RealEstate = "real_estate",
        Movable = "movable",
        OtherRight = "other_right",
    }
);

crate::words!(
    /// How the reference price was fixed (R13).
    ReferenceMethod("reference method") {
        Negotiation = "negotiation",
        TargetedInquiry = "targeted_inquiry",
        OnlineInquiry = "online_inquiry",
        Appraisal = "appraisal",
    }
);

impl ReferenceMethod {
    /// The methods a valuation records; negotiation has its own procedure.
    pub const QUOTED: [ReferenceMethod; 3] = [
        ReferenceMethod::TargetedInquiry,
        ReferenceMethod::OnlineInquiry,
        ReferenceMethod::Appraisal,
    ];

    /// Whether the parties may object to a price fixed this way (R17): an appraisal's or an online inquiry's
    /// report, not a negotiated price nor a targeted inquiry.
    pub fn open_to_objection(self) -> bool {
        matches!(self, ReferenceMethod::Appraisal | ReferenceMethod::OnlineInquiry)
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
mod tests;
