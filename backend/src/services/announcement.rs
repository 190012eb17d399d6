//! A round's public texts: the announcement (拍卖公告, R28), the bidding instructions (竞买须知) and the
//! special reminders (特别提示, R30). The court may write its own announcement and instructions; the
//! seven reminders of R30 are always there, with the listing's known burdens and any the court adds.
//! `terms_version` fingerprints what a bidder accepts on registering.

use auction_core::Money;
use auction_core::costs::{BorneBy, CostAmount};
use auction_core::setup::RoundKind;
use sha2::{Digest, Sha256};

use crate::notify::messages::beijing;
use auction_core::costs::BuyerInformation;

pub struct RoundTexts {
    pub announcement: String,
    pub bidding_instructions: String,
    pub special_reminders: Vec<String>,
    pub terms_version: String,
}

/// What the generated texts say.
pub struct RoundFacts<'a> {
    pub court: &'a str,
    pub title: &'a str,
    pub location: &'a str,
    pub encumbrances: Option<&'a str>,
    pub kind: RoundKind,
    pub reference_price: Money,
    pub reference_method: Option<&'a str>,
    pub starting_price: Money,
    pub deposit: Money,
    pub increment: Money,
    pub bidding_starts_at: auction_core::Instant,
    pub bidding_ends_at: auction_core::Instant,
    pub balance_due_days: i64,
    /// Housing: buyers must hold the local purchase qualification (R32, R73).
    pub is_housing: bool,
    /// The costs and who bears them, the court's contact, the viewing (R29, R67).
    pub buyer: &'a BuyerInformation,
    /// The rest of what R29 publishes with the announcement.
    pub disclosures: &'a Disclosures,
}

/// What R29 has published with the announcement besides the terms and the buyer's costs: the legal document
/// enforced, the priority rights (their nature, never the holder), how each party and priority holder was
/// told (R31), and the accounts to pay to.
#[derive(Debug, Clone, Default)]
pub struct Disclosures {
    pub case_number: String,
    /// The number of the legal document enforced (执行依据).
    pub enforcement_basis: Option<String>,
    /// The nature of each known priority right.
    pub priority_rights: Vec<String>,
    /// How each was told: `申请执行人 工商银行：2027-01-05 邮件通知`, a priority holder by role only.
    pub notices: Vec<String>,
    /// The court's account for transfers (R54, R74).
    pub court_account: Option<String>,
}

/// The announcement's paragraph of R29's disclosures.
fn disclosures_paragraph(d: &Disclosures) -> String {
    let basis = d.enforcement_basis.as_deref().unwrap_or("见执行案卷");
    let rights = if d.priority_rights.is_empty() {
        "无已知优先购买权人。".to_owned()
    } else {
        format!(
            "已知优先购买权人 {} 名（{}）；优先购买权人经通知未参与竞买的，视为放弃优先购买权。",
            d.priority_rights.len(),
            d.priority_rights.join("、")
        )
    };
    let notices = if d.notices.is_empty() {
        "尚待通知（公告发布前三日通知当事人及已知优先购买权人）".to_owned()
    } else {
        d.notices.join("；")
    };
    let account = match &d.court_account {
        Some(account) => format!("或转账至本院账户（{account}）"),
        None => "或按执行法官告知的本院账户转账".to_owned(),
    };
    format!(
        "执行依据：{basis}（执行案号 {case}）。\n         优先购买权：{rights}\n         通知情况：{notices}。\n         保证金及价款支付：通过本平台在线支付，{account}；须从竞买人（或其被代理人）本人账户支付，他人代付的不予认可。",
        case = d.case_number,
    )
}

/// The announcement's paragraph on what the buyer must know besides the price (R29, R67).
fn buyer_paragraph(buyer: &BuyerInformation) -> String {
    let mut lines = Vec::new();
    if buyer.costs.is_empty() {
        lines.push("税费负担：拍卖成交后产生的税费按照法律、行政法规规定由相应主体承担。".to_owned());
    } else {
        let items: Vec<String> = buyer
            .costs
            .iter()
            .map(|cost| {
                let who = match cost.borne_by {
                    BorneBy::Buyer => "买受人承担",
                    BorneBy::Seller => "被执行人承担",
                };
                let amount = match cost.amount {
                    CostAmount::Fixed(amount) => amount.in_words(),
                    CostAmount::PercentOfPrice(percent) => format!("成交价的{percent}%"),
                };
                format!("{}（{amount}，{who}）", cost.name)
            })
            .collect();
        lines.push(format!("税费及其他费用：{}。", items.join("；")));
    }
    if let Some(contact) = &buyer.contact {
        lines.push(format!("咨询电话：{}（{}）。", contact.phone, contact.name));
    }
    if let Some(viewing) = &buyer.viewing {
        let period = match (viewing.from, viewing.until) {
            (Some(from), Some(until)) => format!("，看样时间 {} 至 {}", beijing(from), beijing(until)),
            (Some(from), None) => format!("，看样自 {} 起", beijing(from)),
            (None, Some(until)) => format!("，看样截至 {}", beijing(until)),
            (None, None) => String::new(),
        };
        lines.push(format!("看样方式：{}{period}。", viewing.how));
    }
    lines.join("\n")
}

/// What a housing announcement and its reminders say about the purchase qualification (R32, R73).
const HOUSING_QUALIFICATION: &str = "本标的为住房，受当地住房限购政策约束：竞买人报名时须承诺具备购房资格，\
    买受人付清价款后、法院出具成交裁定前将审核其购房资格；不具备资格的，拍卖成交可依法撤销。";

fn round_label(kind: RoundKind) -> &'static str {
    match kind {
        RoundKind::First => "第一次拍卖",
        RoundKind::Second => "第二次拍卖",
        RoundKind::Reauction { .. } => "重新拍卖",
        RoundKind::SellOff => "变卖",
    }
}

fn method_label(method: Option<&str>) -> &'static str {
    match method {
        Some("negotiation") => "当事人议价",
        Some("targeted_inquiry") => "定向询价",
        Some("online_inquiry") => "网络询价",
        Some("appraisal") => "委托评估",
        _ => "法院确定",
    }
}

pub fn generate(
    facts: &RoundFacts<'_>,
    announcement: Option<String>,
    instructions: Option<String>,
    extra_reminders: &[String],
) -> RoundTexts {
    let sell_off = facts.kind == RoundKind::SellOff;
    let housing = if facts.is_housing {
        format!("\n{HOUSING_QUALIFICATION}")
    } else {
        String::new()
    };
    let announcement = announcement.unwrap_or_else(|| {
        if sell_off {
            return format!(
                "{court}将于{starts}起至{ends}止在法拍 Fapai 网络司法变卖平台上对下列财产进行变卖（第二次拍卖流拍后依法变卖）。\n\
                 变卖标的：{title}，位于{location}。\n\
                 变卖价 {start}（即第二次拍卖的起拍价），变卖预缴款 {start}，其中保证金 {deposit}，加价幅度 {increment}；变卖周期60天。\n\
                 竞买人交纳全额变卖预缴款后取得应买资格。变卖期内第一位以变卖价出价者启动24小时竞价程序，其他应买人可在此期间加价，\
                 竞价结束前五分钟内有人出价的顺延五分钟；60天内无人出价的，变卖不成交。\n\
                 权利负担及已知瑕疵：{burdens}{housing}\n\
                 {buyer}\n\
                 {disclosures}\n\
                 变卖成交后，买受人预缴款抵作价款，余款须在{days}日内付清；买受人悔拍的，扣除保证金金额，其余预缴款退还。\n\
                 咨询与监督：{court}。",
                court = facts.court,
                starts = beijing(facts.bidding_starts_at),
                ends = beijing(facts.bidding_ends_at),
                title = facts.title,
                location = facts.location,
                start = facts.starting_price.in_words(),
                deposit = facts.deposit.in_words(),
                increment = facts.increment.in_words(),
                burdens = facts.encumbrances.unwrap_or("无已知权利负担"),
                buyer = buyer_paragraph(facts.buyer),
                disclosures = disclosures_paragraph(facts.disclosures),
                days = facts.balance_due_days,
            );
        }
        format!(
            "{court}将于{starts}起至{ends}止（延时除外）在法拍 Fapai 网络司法拍卖平台上进行公开拍卖活动（{label}）。\n\
             拍卖标的：{title}，位于{location}。\n\
             参考价 {reference}（{method}），起拍价 {start}，保证金 {deposit}，加价幅度 {increment}。\n\
             权利负担及已知瑕疵：{burdens}{housing}\n\
             {buyer}\n\
             {disclosures}\n\
             竞买人应具备完全民事行为能力，法律、行政法规和司法解释对买受人有资格限制的，应具备相应资格。\n\
             拍卖成交后，买受人应在{days}日内付清尾款；悔拍的，保证金不予退还。\n\
             本公告、竞买须知及特别提示同日在本平台公示。咨询与监督：{court}。",
            court = facts.court,
            starts = beijing(facts.bidding_starts_at),
            ends = beijing(facts.bidding_ends_at),
            label = round_label(facts.kind),
            title = facts.title,
            location = facts.location,
            reference = facts.reference_price.in_words(),
            method = method_label(facts.reference_method),
            start = facts.starting_price.in_words(),
            deposit = facts.deposit.in_words(),
            increment = facts.increment.in_words(),
            burdens = facts.encumbrances.unwrap_or("无已知权利负担"),
            buyer = buyer_paragraph(facts.buyer),
            disclosures = disclosures_paragraph(facts.disclosures),
            days = facts.balance_due_days,
        )
    });
    let bidding_instructions = instructions.unwrap_or_else(|| {
        if sell_off {
            return format!(
                "一、应买人须实名注册，并在变卖期内交纳全额变卖预缴款 {start_words}；预缴款冻结成功后取得应买代码，出价时仅显示该代码。\n\
                 二、每位应买人在本次变卖中仅能取得一个应买代码。\n\
                 三、第一次出价须等于变卖价 {start_words}，并自该出价时起进入24小时竞价程序；此后每次出价须为变卖价加上加价幅度 {increment_words} 的整数倍，并高于当前价。\n\
                 四、当前领先者不得连续出价。竞价程序结束前五分钟内有人出价的，竞价时间自该出价时点顺延五分钟。出价时间以进入平台服务器的时间为准。\n\
                 五、未成交者的预缴款在变卖结束后解冻；买受人的预缴款抵作价款，余款须在变卖结束后{days}日内付清。\n\
                 六、买受人悔拍的，扣除相当于保证金 {deposit_words} 的金额，其余预缴款退还。\n\
                 七、恶意出价、串通应买的，依法承担法律责任。",
                deposit_words = facts.deposit.in_words(),
                start_words = facts.starting_price.in_words(),
                increment_words = facts.increment.in_words(),
                days = facts.balance_due_days,
            );
        }
        format!(
            "一、竞买人须实名注册，并在竞价程序结束前交纳保证金 {deposit_words}；保证金冻结成功后取得竞买代码，竞价时仅显示该代码。\n\
             二、每位竞买人在本场拍卖中仅能取得一个竞买代码。\n\
             三、首次出价不得低于起拍价 {start_words}；此后每次出价须为起拍价加上加价幅度 {increment_words} 的整数倍，并高于当前价。\n\
             四、当前领先者不得连续出价。经法院确认的优先购买权人可以与当前最高价相同的价格出价，顺序在先者优先。\n\
             五、竞价时间不少于24小时；竞价程序结束前五分钟内有人出价的，竞价时间自该出价时点顺延五分钟。出价时间以进入平台服务器的时间为准。\n\
             六、未竞得者的保证金在竞价结束后解冻；买受人的保证金转为价款，余款须在竞价结束后{days}日内付清。\n\
             七、恶意出价、串通竞买的，依法承担法律责任。",
            deposit_words = facts.deposit.in_words(),
            start_words = facts.starting_price.in_words(),
            increment_words = facts.increment.in_words(),
            days = facts.balance_due_days,
        )
    });
    let mut special_reminders = vec![
        "竞买人应当具备完全民事行为能力，法律、行政法规和司法解释对买受人有特别资格要求的，竞买人应当具备规定的资格。"
            .to_owned(),
        "委托他人代为竞买的，应当在竞价程序开始前经人民法院确认，并通知网络服务提供者。".to_owned(),
        format!("拍卖财产已知瑕疵和权利负担：{}", facts.encumbrances.unwrap_or("无")),
        "拍卖财产以实物现状为准，竞买人可以申请实地看样。".to_owned(),
        "竞买人决定参与竞买的，视为对拍卖财产完全了解，并接受拍卖财产一切已知和未知瑕疵。".to_owned(),
        "载明买受人真实身份的拍卖成交确认书将在网络司法拍卖平台上公示。".to_owned(),
        if sell_off {
            "买受人悔拍的，扣除相当于保证金的金额，其余变卖预缴款退还。".to_owned()
        } else {
            "买受人悔拍后保证金不予退还。".to_owned()
        },
    ];
    if facts.is_housing {
        special_reminders.push(HOUSING_QUALIFICATION.to_owned());
    }
    special_reminders.extend(
        extra_reminders
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
    );
    let mut hasher = Sha256::new();
    hasher.update(bidding_instructions.as_bytes());
    for reminder in &special_reminders {
        hasher.update(b"\n");
        hasher.update(reminder.as_bytes());
    }
    let terms_version = hex::encode(&hasher.finalize()[..8]);
    RoundTexts {
        announcement,
        bidding_instructions,
        special_reminders,
        terms_version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration, Utc};

    static NO_BUYER_INFORMATION: std::sync::LazyLock<BuyerInformation> =
        std::sync::LazyLock::new(BuyerInformation::default);
    static NO_DISCLOSURES: std::sync::LazyLock<Disclosures> = std::sync::LazyLock::new(|| Disclosures {
        case_number: "(2026)浙0102执1234号".into(),
        ..Disclosures::default()
    });

    fn facts() -> RoundFacts<'static> {
        let starts = DateTime::parse_from_rfc3339("2027-01-10T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let m = |t: &str| Money::parse_positive(t).unwrap();
        RoundFacts {
            court: "杭州市上城区人民法院",
            title: "望江路18号1201室",
            location: "杭州市上城区",
            encumbrances: Some("抵押权人：工商银行"),
            kind: RoundKind::First,
            reference_price: m("4200000"),
            reference_method: Some("negotiation"),
            starting_price: m("2940000"),
            deposit: m("294000"),
            increment: m("20000"),
            bidding_starts_at: starts,
            bidding_ends_at: starts + Duration::hours(24),
            balance_due_days: 10,
            is_housing: false,
            buyer: &NO_BUYER_INFORMATION,
            disclosures: &NO_DISCLOSURES,
        }
    }

    /// R29: the announcement carries the legal document, the priority rights by their nature (never the
    /// holder), how each party was told, and the accounts to pay to.
    #[test]
    fn the_announcement_carries_every_disclosure_of_r29() {
        let disclosures = Disclosures {
            case_number: "(2026)浙0102执1234号".into(),
            enforcement_basis: Some("(2025)浙0102民初88号民事判决书".into()),
            priority_rights: vec!["承租人优先购买权".into(), "共有人优先购买权".into()],
            notices: vec![
                "申请执行人 工商银行：2027-01-05 邮件通知".into(),
                "被执行人 张三：2027-01-03 公告通知".into(),
                "优先购买权人：2027-01-05 邮件通知".into(),
            ],
            court_account: Some("杭州市上城区人民法院 工商银行 1202 0000 0000 0001".into()),
        };
        let complete = RoundFacts {
            disclosures: &disclosures,
            ..facts()
        };
        for kind in [RoundKind::First, RoundKind::SellOff] {
            let texts = generate(&RoundFacts { kind, ..complete }, None, None, &[]);
            for needle in [
                "执行依据：(2025)浙0102民初88号民事判决书（执行案号 (2026)浙0102执1234号）",
                "已知优先购买权人 2 名（承租人优先购买权、共有人优先购买权）",
                "被执行人 张三：2027-01-03 公告通知",
                "优先购买权人：2027-01-05 邮件通知",
                "本院账户（杭州市上城区人民法院 工商银行 1202 0000 0000 0001）",
                "本人账户",
            ] {
                assert!(
                    texts.announcement.contains(needle),
                    "{kind:?}: {needle}\n{}",
                    texts.announcement
                );
            }
        }
        let bare = generate(&facts(), None, None, &[]).announcement;
        assert!(
            bare.contains("无已知优先购买权人") && bare.contains("尚待通知"),
            "{bare}"
        );
    }

    #[test]
    fn the_generated_texts_carry_the_facts_and_every_reminder() {
        let texts = generate(&facts(), None, None, &[]);
        for needle in [
            "杭州市上城区人民法院",
            "2027-01-10 10:00",
            "¥2,940,000.00（贰佰玖拾肆万元整）",
            "¥294,000.00（贰拾玖万肆仟元整）",
            "当事人议价",
            "抵押权人：工商银行",
            "10日",
        ] {
            assert!(texts.announcement.contains(needle), "{needle}");
        }
        assert_eq!(texts.special_reminders.len(), 7, "the seven reminders of R30");
        assert!(texts.special_reminders[2].contains("抵押权人"));
        assert_eq!(texts.terms_version.len(), 16);
    }

    #[test]
    fn a_housing_round_states_the_purchase_qualification_and_a_sell_off_its_prepayment() {
        let housing = RoundFacts {
            is_housing: true,
            ..facts()
        };
        let texts = generate(&housing, None, None, &[]);
        assert!(texts.announcement.contains("购房资格"));
        assert_eq!(texts.special_reminders.len(), 8);
        assert!(texts.special_reminders[7].contains("限购"));
        assert_ne!(texts.terms_version, generate(&facts(), None, None, &[]).terms_version);

        let sell_off = RoundFacts {
            kind: RoundKind::SellOff,
            bidding_ends_at: facts().bidding_starts_at + auction_core::time::SELL_OFF_PERIOD,
            ..facts()
        };
        let texts = generate(&sell_off, None, None, &[]);
        for needle in ["变卖预缴款 ¥2,940,000.00", "保证金 ¥294,000.00", "60天", "24小时"] {
            assert!(texts.announcement.contains(needle), "{needle}");
        }
        assert!(
            texts
                .bidding_instructions
                .contains("须等于变卖价 ¥2,940,000.00（贰佰玖拾肆万元整）")
        );
        assert!(texts.special_reminders[6].contains("其余变卖预缴款退还"));
    }

    #[test]
    fn the_announcement_states_the_costs_who_bears_them_the_contact_and_the_viewing() {
        use auction_core::costs::{Contact, Viewing};
        use auction_core::costs::{Cost, Percent};
        let m = |t: &str| Money::parse_positive(t).unwrap();
        let buyer = BuyerInformation {
            costs: vec![
                Cost {
                    name: "契税".into(),
                    borne_by: BorneBy::Buyer,
                    amount: CostAmount::PercentOfPrice(Percent::parse("3").unwrap()),
                },
                Cost {
                    name: "物业欠费".into(),
                    borne_by: BorneBy::Buyer,
                    amount: CostAmount::Fixed(m("12800")),
                },
                Cost {
                    name: "增值税".into(),
                    borne_by: BorneBy::Seller,
                    amount: CostAmount::PercentOfPrice(Percent::parse("5.6").unwrap()),
                },
            ],
            contact: Some(Contact {
                name: "王法官".into(),
                phone: "0571-87000000".into(),
            }),
            viewing: Some(Viewing {
                how: "预约后由法院工作人员带看".into(),
                from: Some(facts().bidding_starts_at - Duration::days(10)),
                until: None,
            }),
        };
        let texts = generate(
            &RoundFacts {
                buyer: &buyer,
                ..facts()
            },
            None,
            None,
            &[],
        );
        for needle in [
            "契税（成交价的3%，买受人承担）",
            "物业欠费（¥12,800.00（壹万贰仟捌佰元整），买受人承担）",
            "增值税（成交价的5.6%，被执行人承担）",
            "咨询电话：0571-87000000（王法官）",
            "看样方式：预约后由法院工作人员带看，看样自 2026-12-31 10:00 起",
        ] {
            assert!(
                texts.announcement.contains(needle),
                "{needle} in {}",
                texts.announcement
            );
        }
        let without = generate(&facts(), None, None, &[]);
        assert!(
            without
                .announcement
                .contains("税费按照法律、行政法规规定由相应主体承担")
        );
    }

    #[test]
    fn the_terms_version_changes_with_the_terms() {
        let base = generate(&facts(), None, None, &[]);
        let same = generate(&facts(), Some("另一份公告".into()), None, &[]);
        assert_eq!(
            base.terms_version, same.terms_version,
            "the announcement is not part of the accepted terms"
        );
        let extra = generate(&facts(), None, None, &["标的物内有租户".into()]);
        assert_ne!(base.terms_version, extra.terms_version);
        assert_eq!(extra.special_reminders.len(), 8);
    }
}
