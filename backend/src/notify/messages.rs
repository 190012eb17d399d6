//! The messages Fapai sends: each is a template pair (`email/<name>.txt` and `.html`, Chinese with an
//! English line) plus a bilingual subject.

use auction_core::time::in_beijing;
use auction_core::{Instant, Money, RoundStatus};
use minijinja::{Value, context};

use crate::error::ApiResult;
use crate::templates::render;

/// A message to one person, ready to render.
/// Which court action a registrant is told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourtActionNotice {
    Suspended,
    Resumed,
    Withdrawn,
}

/// The moment a watcher is reminded of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMoment {
    Opened,
    /// 30 minutes before the round is due to end.
    EndingSoon,
}

/// One refund as a message names it.
pub struct RefundLine {
    pub label: &'static str,
    pub label_en: &'static str,
    pub amount: Money,
    pub reference: String,
}

/// A draft round's terms as a notice to the parties states them.
pub struct TermsLine {
    pub title: String,
    pub round: i32,
    pub starting_price: Money,
    pub deposit: Money,
    pub increment: Money,
    pub starts: Instant,
    pub ends: Instant,
}

/// One deadline as a reminder names it.
pub struct DeadlineLine {
    pub what: &'static str,
    pub what_en: &'static str,
    pub title: String,
    pub due: Instant,
}

pub struct Email {
    /// What the message is about (stored with it in the outbox).
    pub kind: &'static str,
    pub to: String,
    template: &'static str,
    subject: String,
    context: Value,
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `2026-12-01 10:00` in Beijing time, as people read deadlines.
pub fn beijing(at: Instant) -> String {
    in_beijing(at).format("%Y-%m-%d %H:%M").to_string()
}

impl Email {
    fn new(kind: &'static str, template: &'static str, to: &str, subject: String, context: Value) -> Email {
        Email {
            kind,
            to: to.to_owned(),
            template,
            subject,
            context,
        }
    }

    pub fn render(&self) -> ApiResult<Rendered> {
        let context = context! { subject => self.subject.clone(), ..self.context.clone() };
        Ok(Rendered {
            subject: self.subject.clone(),
            text: render(&format!("email/{}.txt", self.template), &context)?,
            html: render(&format!("email/{}.html", self.template), &context)?,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub fn negotiation_link(
        to: &str,
        name: &str,
        role: &str,
        court: &str,
        case_number: &str,
        title: &str,
        deadline: Instant,
        link: &str,
    ) -> Email {
        let subject = format!("【法拍】请协商确定参考价 · Agree the reference price — {title}");
        let context = context! { name, role, court, case_number, title, deadline => beijing(deadline), link };
        Email::new("negotiation_link", "negotiation_link", to, subject, context)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn deposit_frozen(
        to: &str,
        name: &str,
        title: &str,
        bidder_code: &str,
        deposit: Money,
        starts: Instant,
        ends: Instant,
        link: &str,
    ) -> Email {
        let subject = format!("【法拍】报名成功，保证金已冻结 · Registered, deposit frozen — {title}");
        let context = context! {
            name, title, bidder_code, deposit => deposit.to_string(), starts => beijing(starts), ends => beijing(ends), link,
        };
        Email::new("deposit_frozen", "deposit_frozen", to, subject, context)
    }

    pub fn bidding_opens(
        to: &str,
        name: &str,
        title: &str,
        bidder_code: &str,
        starting_price: Money,
        ends: Instant,
        link: &str,
    ) -> Email {
        let subject = format!("【法拍】竞价已开始 · Bidding is open — {title}");
        let context = context! { name, title, bidder_code, starting_price => starting_price.to_string(), ends => beijing(ends), link };
        Email::new("bidding_opens", "bidding_opens", to, subject, context)
    }

    /// To a party or a known priority holder, before the announcement (R31): the draft's terms.
    pub fn terms_notice(to: &str, name: &str, role: &str, court: &str, case_number: &str, terms: &TermsLine) -> Email {
        let subject = format!("【法拍】拍卖通知 · Notice of the auction terms — {}", terms.title);
        let context = context! {
            name, role, court, case_number, title => terms.title.clone(), round => terms.round,
            starting_price => terms.starting_price.to_string(), deposit => terms.deposit.to_string(),
            increment => terms.increment.to_string(), starts => beijing(terms.starts), ends => beijing(terms.ends),
        };
        Email::new("terms_notice", "terms_notice", to, subject, context)
    }

    /// A reminder to someone watching the round (关注): bidding has opened, or it ends in 30 minutes.
    pub fn watch_reminder(
        to: &str,
        name: &str,
        title: &str,
        moment: WatchMoment,
        price: Money,
        ends: Instant,
        link: &str,
    ) -> Email {
        let (zh, en, opened) = match moment {
            WatchMoment::Opened => ("已开始竞价", "bidding is open", true),
            WatchMoment::EndingSoon => ("将于30分钟后结束", "ends in 30 minutes", false),
        };
        let subject = format!("【法拍】您关注的标的{zh} · {en} — {title}");
        let context = context! { name, title, opened, price => price.grouped(), ends => beijing(ends), link };
        Email::new("watch_reminder", "watch_reminder", to, subject, context)
    }

    /// To an agent (R41): the court confirmed or refused the agency (`outcome`), or bidding opened before it
    /// confirmed it (`lapsed`, the deposit released).
    pub fn agency(
        to: &str,
        name: &str,
        title: &str,
        principal: &str,
        outcome: &str,
        note: Option<&str>,
        link: &str,
    ) -> Email {
        let (zh, en) = match outcome {
            "confirmed" => ("委托代理已确认", "agency confirmed"),
            "refused" => ("委托代理未获确认", "agency not confirmed"),
            _ => ("委托代理未确认，保证金已解冻", "agency lapsed, deposit released"),
        };
        let subject = format!("【法拍】{zh} · {en} — {title}");
        let context = context! { name, title, principal, outcome, note, link };
        Email::new("agency", "agency", to, subject, context)
    }

    /// To the person who claimed an ID number another account held: the administrator's decision.
    pub fn identity_claim_decided(to: &str, name: &str, upheld: bool, note: Option<&str>, sign_up: &str) -> Email {
        let subject = if upheld {
            "【法拍】身份申诉成立，请注册 · Identity claim upheld: please sign up".to_owned()
        } else {
            "【法拍】身份申诉未获支持 · Identity claim not upheld".to_owned()
        };
        let context = context! { name, upheld, note, sign_up };
        Email::new("identity_claim", "identity_claim", to, subject, context)
    }

    /// To a payer whose money came when what it paid for was gone: it is paid back at once.
    pub fn payment_refunded(to: &str, name: &str, title: &str, why: &str, refund: &RefundLine) -> Email {
        let subject = format!("【法拍】款项已原路退回 · Your payment is refunded — {title}");
        let context = context! {
            name, title, why, label => refund.label, label_en => refund.label_en,
            amount => refund.amount.to_string(), reference => refund.reference.clone(),
        };
        Email::new("payment_refunded", "payment_refunded", to, subject, context)
    }

    /// To the holder of an account frozen on an upheld identity claim.
    pub fn account_frozen(to: &str, name: &str) -> Email {
        let subject = "【法拍】账户已冻结 · Your account is frozen".to_owned();
        Email::new("account_frozen", "account_frozen", to, subject, context! { name })
    }

    #[allow(clippy::too_many_arguments)]
    pub fn won(
        to: &str,
        name: &str,
        title: &str,
        final_price: Money,
        deposit_applied: Money,
        balance_due: Money,
        balance_due_at: Instant,
        confirmation: &str,
    ) -> Email {
        let subject = format!("【法拍】竞买成功，请付尾款 · You won: please pay the balance — {title}");
        let context = context! {
            name, title, final_price => final_price.to_string(), deposit_applied => deposit_applied.to_string(),
            balance_due => balance_due.to_string(), balance_due_at => beijing(balance_due_at), confirmation,
        };
        Email::new("won", "won", to, subject, context)
    }

    /// `outcome`: how the round ended — sold to another bidder, failed, or withdrawn.
    pub fn deposit_released(to: &str, name: &str, title: &str, deposit: Money, outcome: RoundStatus) -> Email {
        let (zh, en) = match outcome {
            RoundStatus::Sold => ("结束，您未竞得", "you were outbid"),
            RoundStatus::Failed => ("结束（流拍）", "no sale"),
            _ => ("撤回", "withdrawn"),
        };
        let subject = format!("【法拍】保证金已解冻 · Deposit released — {title}");
        let context = context! { name, title, deposit => deposit.to_string(), outcome => zh, outcome_en => en };
        Email::new("deposit_released", "deposit_released", to, subject, context)
    }

    pub fn balance_reminder(
        to: &str,
        name: &str,
        title: &str,
        balance_due: Money,
        balance_due_at: Instant,
        link: &str,
    ) -> Email {
        let subject = format!("【法拍】尾款即将到期 · Balance due in two days — {title}");
        let context = context! { name, title, balance_due => balance_due.to_string(), balance_due_at => beijing(balance_due_at), link };
        Email::new("balance_reminder", "balance_reminder", to, subject, context)
    }

    /// `refunded`: the rest of a sell-off prepayment, paid back (R58).
    pub fn default_notice(
        to: &str,
        name: &str,
        title: &str,
        deposit: Money,
        refunded: Option<Money>,
        balance_due_at: Instant,
    ) -> Email {
        let subject = format!("【法拍】悔拍通知：保证金不予退还 · Default: deposit forfeited — {title}");
        let context = context! {
            name, title, deposit => deposit.to_string(), refunded => refunded.map(|r| r.to_string()),
            balance_due_at => beijing(balance_due_at),
        };
        Email::new("default_notice", "default_notice", to, subject, context)
    }

    /// The sale was set aside on an upheld objection (R65): to the buyer with the refunds, to every other
    /// registrant without.
    pub fn sale_revoked(
        to: &str,
        name: &str,
        title: &str,
        reason: Option<&str>,
        refunds: &[RefundLine],
        link: &str,
    ) -> Email {
        let subject = format!("【法拍】拍卖成交已撤销 · Sale set aside — {title}");
        let refunds: Vec<Value> = refunds
            .iter()
            .map(|r| {
                context! { label => r.label, label_en => r.label_en, amount => r.amount.to_string(), reference => r.reference.clone() }
            })
            .collect();
        let context = context! { name, title, reason, refunds, link };
        Email::new("sale_revoked", "sale_revoked", to, subject, context)
    }

    /// A judge is reminded of legal deadlines near their end: rulings, hand-overs, objection decisions.
    pub fn court_deadline(to: &str, name: &str, items: &[DeadlineLine], link: &str) -> Email {
        let subject = format!("【法拍】法定期限提醒（{} 项） · Deadlines near", items.len());
        let items: Vec<Value> = items
            .iter()
            .map(|d| context! { what => d.what, what_en => d.what_en, title => d.title.clone(), due => beijing(d.due) })
            .collect();
        let context = context! { name, items, link };
        Email::new("court_deadline", "court_deadline", to, subject, context)
    }

    /// A court action on a round the person registered for.
    #[allow(clippy::too_many_arguments)]
    pub fn court_action(
        to: &str,
        name: &str,
        title: &str,
        action: CourtActionNotice,
        reason: Option<&str>,
        ends: Option<Instant>,
        released_deposit: Option<Money>,
        link: &str,
    ) -> Email {
        let (kind, zh, en) = match action {
            CourtActionNotice::Suspended => ("round_suspended", "已中止拍卖", "suspended"),
            CourtActionNotice::Resumed => ("round_resumed", "已恢复拍卖", "resumed"),
            CourtActionNotice::Withdrawn => ("round_withdrawn", "已撤回拍卖", "withdrawn"),
        };
        let subject = format!("【法拍】{zh} · Auction {en} — {title}");
        let context = context! {
            name, title, action => zh, action_en => en, reason, ends => ends.map(beijing),
            released => released_deposit.is_some(), deposit => released_deposit.map(|d| d.to_string()), link,
        };
        Email::new(kind, "court_action", to, subject, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(text: &str) -> Instant {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_message_renders_in_both_languages() {
        let m = |t: &str| Money::parse_positive(t).unwrap();
        let t = at("2027-01-10T02:00:00Z");
        let emails = [
            Email::negotiation_link(
                "a@x.test",
                "张三",
                "被执行人",
                "某法院",
                "(2026)浙01执1号",
                "房产",
                t,
                "http://x/negotiate/abc",
            ),
            Email::deposit_frozen("a@x.test", "张三", "房产", "K1234", m("1000"), t, t, "http://x"),
            Email::bidding_opens("a@x.test", "张三", "房产", "K1234", m("7000"), t, "http://x"),
            Email::won(
                "a@x.test",
                "张三",
                "房产",
                m("8000"),
                m("1000"),
                m("7000"),
                t,
                "http://x/c",
            ),
            Email::deposit_released("a@x.test", "张三", "房产", m("1000"), RoundStatus::Sold),
            Email::balance_reminder("a@x.test", "张三", "房产", m("7000"), t, "http://x"),
            Email::default_notice("a@x.test", "张三", "房产", m("1000"), None, t),
            Email::default_notice("a@x.test", "张三", "房产", m("1000"), Some(m("9000")), t),
            Email::sale_revoked(
                "a@x.test",
                "张三",
                "房产",
                Some("标的物描述严重失实"),
                &[RefundLine {
                    label: "保证金",
                    label_en: "deposit",
                    amount: m("1000"),
                    reference: "SANDBOX-REFUND-1".into(),
                }],
                "http://x",
            ),
            Email::sale_revoked("a@x.test", "张三", "房产", None, &[], "http://x"),
            Email::court_deadline(
                "a@x.test",
                "张三",
                &[DeadlineLine {
                    what: "出具成交裁定",
                    what_en: "the sale ruling",
                    title: "房产".into(),
                    due: t,
                }],
                "http://x",
            ),
            Email::court_action(
                "a@x.test",
                "张三",
                "房产",
                CourtActionNotice::Suspended,
                Some("案外人异议"),
                None,
                None,
                "http://x",
            ),
            Email::court_action(
                "a@x.test",
                "张三",
                "房产",
                CourtActionNotice::Withdrawn,
                Some("债务已清偿"),
                None,
                Some(m("1000")),
                "http://x",
            ),
        ];
        for email in emails {
            let rendered = email.render().unwrap();
            assert!(
                rendered.subject.contains("【法拍】") && rendered.subject.contains(" · "),
                "{}",
                rendered.subject
            );
            for body in [&rendered.text, &rendered.html] {
                assert!(
                    body.contains("张三") && body.contains("Dear")
                        || body.contains("Congratulations")
                        || body.contains("Reminder"),
                    "{}: {body}",
                    email.kind
                );
                assert!(
                    !body.contains("{{") && !body.contains("{%"),
                    "{}: unrendered template",
                    email.kind
                );
            }
            assert!(rendered.html.starts_with("<!doctype html>"));
        }
        let link = Email::negotiation_link(
            "a@x.test",
            "张三",
            "被执行人",
            "某法院",
            "案号",
            "房产",
            t,
            "http://x/negotiate/abc",
        )
        .render()
        .unwrap();
        assert!(
            link.text.contains("2027-01-10 10:00"),
            "deadlines in Beijing time: {}",
            link.text
        );
        assert!(link.text.contains("http://x/negotiate/abc"));
    }
}
