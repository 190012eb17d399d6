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
