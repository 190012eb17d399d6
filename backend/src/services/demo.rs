//! The demo behind `FAPAI_DEMO=1`, seeded into an empty database: two courts with a judge each, four
//! bidders with valid synthetic ID numbers, a listing of each category, and rounds in every state —
//! one sold (with its deal), one bidding now (with bids), one announced, one listing still priced.
//!
//! The story is replayed through the ordinary services with a clock of its own that starts 48 days ago
//! and ends at the real now, so every rule (notice periods, windows, the bid grid) holds for the demo too.

use std::sync::Arc;

use auction_core::before_publication::Panel;
use auction_core::identity::check_character;
use auction_core::{Instant, Money};
use chrono::{Duration, NaiveTime, TimeZone, Utc};
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

use super::accounts::{self, NewBidder, NewJudge};
use super::bidding::{self, PlaceBid};
use super::listings::{self, NewCase, NewListing, Quote};
use super::rounds::{self, NewRound};
use super::{payments, registrations, workers};
use crate::auth::Caller;
use crate::auth::identity::IdentityVerifier;
use crate::auth::password::Hashing;
use crate::auth::throttle::Throttle;
use crate::auth::token::TokenKeys;
use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use crate::gateway::{Gateway, SandboxGateway};
use crate::live::{ConnectionLimits, LiveHub};
use crate::notify::transport::Mailer;
use crate::persistence::entities::court;
use crate::services::parties::PartyContact;
use crate::state::AppState;
use auction_core::costs::{BorneBy, BuyerInformation, Contact, Cost, CostAmount, Percent, Viewing};

/// The password of every demo account (printed in the README; demo data only).
pub const DEMO_PASSWORD: &str = "demo-password";

fn yuan(text: &str) -> ApiResult<Money> {
    Money::parse_positive(text).map_err(|e| ApiError::internal(format!("demo amount {text}: {e}")))
}

/// A valid ID number from a birth date and a sequence number (checksum per GB 11643).
fn synthetic_id_number(region: &str, birth: &str, sequence: u32) -> String {
    let first17 = format!("{region}{birth}{sequence:03}");
    let digits: Vec<u32> = first17.chars().filter_map(|c| c.to_digit(10)).collect();
    let check = digits.try_into().map(|d: [u32; 17]| check_character(&d)).unwrap_or('0');
    format!("{first17}{check}")
}

/// 10:00 Beijing time on the Beijing date of `day`.
fn ten_o_clock_beijing(day: Instant) -> Instant {
    let date = auction_core::time::in_beijing(day).date_naive();
    let ten = date.and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap_or_default());
    Utc.from_utc_datetime(&ten)
}

struct Demo {
    state: AppState,
}

impl Demo {
    fn at(&self, t: Instant) -> ApiResult<()> {
        self.state.clock.set(t).map_err(ApiError::internal)?;
        Ok(())
    }

    async fn advance_to(&self, t: Instant) -> ApiResult<()> {
        self.at(t)?;
        workers::run_due(&self.state, t, workers::DueBy::ClockMove).await
    }

    async fn bidder(&self, email: &str, name: &str, id_number: String) -> ApiResult<Caller> {
        let user = accounts::register_bidder(
            &self.state,
            NewBidder {
                email: email.into(),
                password: DEMO_PASSWORD.into(),
                real_name: name.into(),
                id_number,
                phone: Some("13800000000".into()),
                organisation: None,
            },
        )
        .await?;
        accounts::caller_of(&user)
    }

    async fn judge(&self, email: &str, name: &str, court: &str) -> ApiResult<Caller> {
        let court = accounts::create_court(&self.state, court).await?;
        let user = accounts::create_judge(
            &self.state,
            NewJudge {
                email: email.into(),
                password: DEMO_PASSWORD.into(),
                real_name: name.into(),
                court_id: court.id,
                id_number: None,
            },
        )
        .await?;
        accounts::caller_of(&user)
    }

    async fn listing(
        &self,
        judge: &Caller,
        case_number: &str,
        listing: NewListing,
        reference: &str,
    ) -> ApiResult<Uuid> {
        let case = listings::create_case(
            &self.state,
            judge,
            NewCase {
                case_number: case_number.into(),
                applicant: PartyContact {
                    name: "中国工商银行股份有限公司杭州分行".into(),
                    email: "creditor@demo.fapai".into(),
                },
                respondent: PartyContact {
                    name: "浙江某某实业有限公司".into(),
                    email: "debtor@demo.fapai".into(),
                },
                enforcement_basis: Some("(2025)浙0102民初1024号民事判决书".into()),
            },
        )
        .await?;
        let listing = listings::create_listing(
            &self.state,
            judge,
            NewListing {
                case_id: case.id,
                ..listing
            },
        )
        .await?;
        listings::add_valuation(
            &self.state,
            judge,
            listing.id,
            "appraisal",
            vec![Quote {
                source: "浙江中联资产评估有限公司".into(),
                amount: yuan(reference)?,
            }],
        )
        .await?;
        Ok(listing.id)
    }

    /// A draft round, its terms emailed to the parties and decided by the panel (R7, R31): it may be
    /// announced three Beijing days later (`announce`).
    async fn draft(
        &self,
        judge: &Caller,
        listing: Uuid,
        terms: [&str; 3],
        starts: Instant,
        balance_days: i64,
    ) -> ApiResult<Uuid> {
        let round = rounds::create(
            &self.state,
            judge,
            listing,
            NewRound {
                starting_price: Some(yuan(terms[0])?),
                deposit: yuan(terms[1])?,
                increment: Some(yuan(terms[2])?),
                bidding_starts_at: starts,
                bidding_ends_at: Some(starts + Duration::hours(24)),
                balance_due_days: Some(balance_days),
                announcement: None,
                bidding_instructions: None,
                extra_reminders: Vec::new(),
                late_reason: None,
            },
        )
        .await?;
        rounds::send_notices(&self.state, judge, round.id).await?;
        let panel = Panel {
            members: vec!["赵法官".into(), "钱法官".into(), "孙法官".into()],
            decided_at: self.state.clock.now(),
        };
        rounds::record_panel(&self.state, judge, round.id, panel).await?;
        Ok(round.id)
    }

    async fn announce(&self, judge: &Caller, round: Uuid) -> ApiResult<()> {
        rounds::publish(&self.state, judge, round).await?;
        Ok(())
    }

    async fn register_and_pay(&self, bidder: &Caller, round: Uuid) -> ApiResult<()> {
        let registered = registrations::register(&self.state, bidder, round, true, None, None).await?;
        if let Some(order) = registered.order_id {
            payments::sandbox_complete(&self.state, bidder, order).await?;
        }
        Ok(())
    }

    async fn bid(&self, bidder: &Caller, round: Uuid, amount: &str, at: Instant) -> ApiResult<()> {
        self.advance_to(at).await?;
        let command = PlaceBid {
            auction_id: round,
            amount: yuan(amount)?,
            request_id: Uuid::new_v4(),
            received_at: at,
        };
        bidding::place_one(&self.state, bidder.user_id, command).await?;
        Ok(())
    }
}

/// Seeds the demo if the database has no court yet; does nothing otherwise.
pub async fn seed(state: &AppState) -> ApiResult<()> {
    if court::Entity::find().count(state.db.conn()).await? > 0 {
        tracing::info!("demo data not seeded: the database already has data");
        return Ok(());
    }
    let now = state.clock.now();
    let start = now - Duration::days(48);
    let demo = Demo {
        state: AppState {
            settings: Arc::clone(&state.settings),
            db: state.db.clone(),
            clock: Clock::manual_at(start),
            tokens: TokenKeys::new(Uuid::new_v4().as_bytes(), 1),
            gateway: Gateway::Sandbox(SandboxGateway::new(Uuid::new_v4().as_bytes().to_vec())),
            live: Arc::new(LiveHub::new(
                None,
                Clock::System,
                ConnectionLimits {
                    total: 0,
                    per_address: 0,
                },
            )),
            mail: Mailer::from_settings(&state.settings).map_err(ApiError::internal)?,
            throttle: Throttle::unlimited(),
            hashing: Hashing::new(0),
            identity: IdentityVerifier::Sandbox,
            trusted_proxies: Vec::new(),
            bid_queue: Default::default(),
            hooks: Default::default(),
            shutdown: Default::default(),
            due_pass: Default::default(),
            delivery_pass: Default::default(),
        },
    };
    accounts::ensure_admin(&demo.state, "admin@demo.fapai", DEMO_PASSWORD).await?;
    let hangzhou = demo
        .judge("judge.hz@demo.fapai", "王建国", "杭州市上城区人民法院")
        .await?;
    let beijing = demo
        .judge("judge.bj@demo.fapai", "李秀英", "北京市第二中级人民法院")
        .await?;
    let chen = demo
        .bidder(
            "chen@demo.fapai",
            "陈晓明",
            synthetic_id_number("330102", "19850315", 123),
        )
        .await?;
    let liu = demo
        .bidder("liu@demo.fapai", "刘芳", synthetic_id_number("330106", "19900722", 246))
        .await?;
    let zhou = demo
        .bidder(
            "zhou@demo.fapai",
            "周伟",
            synthetic_id_number("110105", "19781103", 351),
        )
        .await?;
    let wu = demo
        .bidder("wu@demo.fapai", "吴静", synthetic_id_number("110108", "19950128", 482))
        .await?;

    // Everything is listed and appraised on the first day, each listing with what a buyer pays besides the
    // price, whom to call and how to view it (realistic rates: 契税 3 %, 增值税 5.6 %, 印花税 0.05 %).
    // 1. A flat in Hangzhou: announced 45 days ago (its parties told three days before), bid for, sold,
    // awaiting its balance.
    let flat = demo
        .listing(
            &hangzhou,
            "(2026)浙0102执1234号",
            NewListing {
                case_id: Uuid::nil(),
                title: "杭州市上城区望江路18号3幢1单元1201室".into(),
                category: "real_estate".into(),
                description: "住宅，建筑面积120.56平方米，三室两厅，现空置，钥匙由法院保管。".into(),
                location: "浙江省杭州市上城区望江路18号".into(),
                encumbrances: Some("抵押权人：中国工商银行股份有限公司杭州分行".into()),
                is_housing: Some(true),
                buyer_information: buyer_information(
                    &[
                        ("契税", BorneBy::Buyer, "percent", "3"),
                        ("物业费及水电燃气欠费（截至公告日）", BorneBy::Buyer, "fixed", "12860.5"),
                        ("不动产登记费", BorneBy::Buyer, "fixed", "80"),
                        ("增值税及附加", BorneBy::Seller, "percent", "5.6"),
                        ("个人所得税", BorneBy::Seller, "percent", "1"),
                    ],
                    ("王法官", "0571-87065432"),
                    "工作日9:00–17:00预约，由法院工作人员统一带看；钥匙由法院保管。",
                ),
            },
            "4200000",
        )
        .await?;
    // 2. A car in Hangzhou: bidding now, with bids.
    let car = demo
        .listing(
            &hangzhou,
            "(2026)浙0102执2468号",
            NewListing {
                case_id: Uuid::nil(),
                title: "宝马牌WBA7C2100LB小型轿车（浙A·D2M58）".into(),
                category: "movable".into(),
                description: "2019年登记，行驶里程约6.2万公里，车况以现场看样为准。".into(),
                location: "浙江省杭州市上城区法拍车辅助中心".into(),
                encumbrances: None,
                is_housing: Some(false),
                buyer_information: buyer_information(
                    &[
                        ("机动车过户登记费", BorneBy::Buyer, "fixed", "500"),
                        ("车辆停放保管费（按日计至交付）", BorneBy::Buyer, "fixed", "1200"),
                        ("增值税", BorneBy::Seller, "percent", "2"),
                    ],
                    ("李书记员", "0571-87065433"),
                    "每周二、四下午在法拍车辅助中心现场看样，须携带身份证。",
                ),
            },
            "180000",
        )
        .await?;
    // 3. Equity in Beijing: announced today, bidding in a month.
    let equity = demo
        .listing(
            &beijing,
            "(2026)京02执567号",
            NewListing {
                case_id: Uuid::nil(),
                title: "北京某科技有限公司30%股权".into(),
                category: "other_right".into(),
                description: "被执行人持有的北京某科技有限公司30%股权（认缴出资300万元，已实缴）。".into(),
                location: "北京市海淀区".into(),
                encumbrances: Some("该股权已被冻结，无质押。".into()),
                is_housing: Some(false),
                buyer_information: buyer_information(
                    &[
                        ("印花税（产权转移书据）", BorneBy::Buyer, "percent", "0.05"),
                        ("印花税（产权转移书据）", BorneBy::Seller, "percent", "0.05"),
                        ("股权转让所得个人所得税", BorneBy::Seller, "percent", "20"),
                    ],
                    ("赵法官", "010-63991234"),
                    "可预约查阅公司章程、近三年审计报告及工商登记材料。",
                ),
            },
            "6000000",
        )
        .await?;
    // 4. A flat in Beijing: priced, no round yet.
    demo.listing(
        &beijing,
        "(2026)京02执890号",
        NewListing {
            case_id: Uuid::nil(),
            title: "北京市朝阳区望京西园四区412号楼1单元602室".into(),
            category: "real_estate".into(),
            description: "住宅，建筑面积110.2平方米，现空置，无租赁。".into(),
            location: "北京市朝阳区望京西园四区".into(),
            encumbrances: None,
            is_housing: Some(true),
            buyer_information: buyer_information(
                &[
                    ("契税", BorneBy::Buyer, "percent", "3"),
                    ("增值税及附加", BorneBy::Seller, "percent", "5.6"),
                ],
                ("赵法官", "010-63991234"),
                "公告期内每周六上午统一看样。",
            ),
        },
        "7530000",
    )
    .await?;

    // The flat's round is announced once its parties have had three days' notice, the car's 17 days before
    // its start (≥ 15 days).
    let sold_start = ten_o_clock_beijing(start + Duration::days(34));
    let sold = demo
        .draft(&hangzhou, flat, ["2940000", "294000", "20000"], sold_start, 30)
        .await?;
    demo.advance_to(start + Duration::days(3) + Duration::hours(1)).await?;
    demo.announce(&hangzhou, sold).await?;
    demo.advance_to(start + Duration::days(5)).await?;
    for bidder in [&chen, &liu, &zhou] {
        demo.register_and_pay(bidder, sold).await?;
    }
    let live_start = now - Duration::hours(2);
    demo.advance_to(live_start - Duration::days(20)).await?;
    let live = demo
        .draft(&hangzhou, car, ["126000", "12600", "1000"], live_start, 10)
        .await?;
    demo.advance_to(live_start - Duration::days(17)).await?;
    demo.announce(&hangzhou, live).await?;

    // The flat is bid for over 24 hours, with two extensions at the end, and sold.
    let sold_end = sold_start + Duration::hours(24);
    demo.bid(&chen, sold, "2940000", sold_start + Duration::hours(1))
        .await?;
    demo.bid(&liu, sold, "2960000", sold_start + Duration::hours(3)).await?;
    demo.bid(&zhou, sold, "3000000", sold_start + Duration::hours(20))
        .await?;
    demo.bid(&chen, sold, "3020000", sold_end - Duration::minutes(3))
        .await?;
    demo.bid(&liu, sold, "3060000", sold_end + Duration::seconds(90))
        .await?;
    demo.advance_to(sold_end + Duration::hours(1)).await?;

    // The car: registrations three days ahead, bidding since two hours ago. The equity's terms go to its
    // parties then too.
    demo.advance_to(live_start - Duration::days(3)).await?;
    for bidder in [&liu, &wu] {
        demo.register_and_pay(bidder, live).await?;
    }
    let equity_round = demo
        .draft(
            &beijing,
            equity,
            ["4200000", "420000", "50000"],
            ten_o_clock_beijing(now + Duration::days(31)),
            10,
        )
        .await?;
    demo.bid(&wu, live, "126000", live_start + Duration::minutes(20))
        .await?;
    demo.bid(&liu, live, "130000", live_start + Duration::minutes(50))
        .await?;
    demo.bid(&wu, live, "131000", live_start + Duration::minutes(95))
        .await?;

    // The equity is announced today, for bidding in a month (≥ 30 days' notice).
    demo.advance_to(live_start + Duration::minutes(96)).await?;
    demo.announce(&beijing, equity_round).await?;

    demo.advance_to(now).await?;
    tracing::info!(
        "demo data seeded: admin@demo.fapai, judges judge.hz@demo.fapai and judge.bj@demo.fapai, bidders chen|liu|zhou|wu@demo.fapai; password {DEMO_PASSWORD}"
    );
    Ok(())
}

/// A demo listing's buyer information: its costs `(name, who bears it, "fixed" | "percent", figure)`, the
/// court's contact and how to view it.
fn buyer_information(costs: &[(&str, BorneBy, &str, &str)], contact: (&str, &str), viewing: &str) -> BuyerInformation {
    let costs = costs
        .iter()
        .filter_map(|(name, borne_by, kind, figure)| {
            let amount = match *kind {
                "percent" => CostAmount::PercentOfPrice(Percent::parse(figure).ok()?),
                _ => CostAmount::Fixed(Money::parse_positive(figure).ok()?),
            };
            Some(Cost {
                name: (*name).to_owned(),
                borne_by: *borne_by,
                amount,
            })
        })
        .collect();
    BuyerInformation {
        costs,
        contact: Some(Contact {
            name: contact.0.to_owned(),
            phone: contact.1.to_owned(),
        }),
        viewing: Some(Viewing {
            how: viewing.to_owned(),
            from: None,
            until: None,
        }),
    }
}
