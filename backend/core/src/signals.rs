//! Signals of shill bidding and collusion in an ended round, for the court (R40, R65(3)). They are computed
//! from the round's bids and registrations, and from what the listing's other rounds say about a buyer.
//!
//! A signal is not a finding. It points the judge at evidence that anyone can re-verify: the round's
//! ledger entries by sequence, with their hashes. The backend gathers the facts: the ledger, and the
//! court-only traces recorded at registration, all hashed. It shows the signals to the court only, and only
//! after the end. Before the end, who registered is hidden even from the court (R40).
//!
//! Each detector has thresholds meant to keep clean rounds quiet. The tests measure the share of clean
//! rounds flagged, over a bidding model, and `docs/signals.md` states the figure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use serde::Serialize;

use crate::money::Money;
use crate::time::Instant;

/// A ledger entry that a signal rests on: its sequence in the round's ledger and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub ledger_seq: i64,
    pub hash: String,
}

/// An accepted bid, as the ledger records it.
#[derive(Debug, Clone)]
pub struct BidFact {
    /// The bidder's anonymous code in the round.
    pub code: String,
    pub amount: Money,
    pub at: Instant,
    pub evidence: Evidence,
}

/// What was recorded, hashed, when a registrant signed up for the round: the court's eyes only. Equal values
/// mean the same network address, device, paying account, phone or email domain.
#[derive(Debug, Clone, Default)]
pub struct Traces {
    pub network: Option<String>,
    pub device: Option<String>,
    pub payer_account: Option<String>,
    pub phone: Option<String>,
    /// The email address's domain, in clear: a domain many people share (a public provider) says nothing.
    pub email_domain: Option<String>,
}

/// A registrant of the round.
#[derive(Debug, Clone)]
pub struct Registrant {
    pub code: String,
    /// A stable key of the person or organisation that bids: a hash of the ID number or credit code.
    pub identity: String,
    /// An organisation's legal representative (the key of that person's ID number).
    pub representative: Option<String>,
    /// The agent who registered for this principal, if any (the key of the agent's identity).
    pub agent: Option<String>,
    pub traces: Traces,
    /// Defaults (悔拍) of this identity in other rounds, by ID number or credit code.
    pub earlier_defaults: u32,
    /// The ledger entry of its registration, when the ledger has one.
    pub evidence: Option<Evidence>,
}

/// Everything the detectors read of one ended round.
#[derive(Debug, Clone)]
pub struct RoundFacts {
    pub starting_price: Money,
    pub increment: Money,
    /// The accepted bids in sequence order.
    pub bids: Vec<BidFact>,
    pub registrants: Vec<Registrant>,
    /// The buyer's code, when the round sold.
    pub buyer: Option<String>,
    /// The ledger entry of the buyer's default, when the buyer defaulted.
    pub buyer_default: Option<Evidence>,
}

crate::words!(
    /// Which pattern a signal found.
    SignalKind("signal kind") {
        /// Only minimum raises, each right after the same opponent, and no win.
        MinimumRaiser = "minimum_raiser",
        /// A buyer who pushed the price and then defaulted, or who has defaulted before.
        DefaultingBuyer = "defaulting_buyer",
        /// Registrants sharing a network address, device, paying account, phone or a rare email domain.
        SharedTraces = "shared_traces",
        /// Two codes alternating within seconds, over and over.
        RapidAlternation = "rapid_alternation",
        /// Several registrants, and the price stopped at the starting price.
        StoppedAtStart = "stopped_at_start",
        /// One representative for two organisations, or the agent of one being another registrant.
        RelatedIdentities = "related_identities",
    }
);

/// One signal: what was found, how strongly (0–100), in plain words, and the ledger entries it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    pub kind: SignalKind,
    pub score: u8,
    /// The bidder codes concerned.
    pub codes: Vec<String>,
    pub explanation: String,
    pub evidence: Vec<Evidence>,
}

/// The least number of bids that makes a pattern of minimum raises.
pub const MIN_RAISES: usize = 4;
/// Two codes alternating at most this far apart…
pub const ALTERNATION_GAP: Duration = Duration::seconds(3);
/// …for at least this many bids in a row.
pub const ALTERNATION_RUN: usize = 6;
/// Registrants enough to make a price stopped at the start strange.
pub const STOPPED_REGISTRANTS: usize = 3;

/// Email domains that many unrelated people share: sharing one of them says nothing.
const PUBLIC_EMAIL_DOMAINS: &[&str] = &[
    "qq.com",
    "163.com",
    "126.com",
    "yeah.net",
    "sina.com",
    "sina.cn",
    "sohu.com",
    "aliyun.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "foxmail.com",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "yahoo.com",
];

/// Every signal of the round, strongest first.
pub fn detect(facts: &RoundFacts) -> Vec<Signal> {
    let mut signals = Vec::new();
    signals.extend(minimum_raisers(facts));
    signals.extend(defaulting_buyer(facts));
    signals.extend(shared_traces(facts));
    signals.extend(rapid_alternation(facts));
    signals.extend(stopped_at_start(facts));
    signals.extend(related_identities(facts));
    signals.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.codes.cmp(&b.codes)));
    signals
}

/// A bidder who did not win, placed at least `MIN_RAISES` bids, each exactly one increment above the bid
/// before it and each right after the same opponent, while a third bidder was in the round. That opponent
/// paid more for every one of them. Two bidders alone trading minimum raises is an ordinary contest, so
/// it is not flagged.
fn minimum_raisers(facts: &RoundFacts) -> Vec<Signal> {
    let bidders: BTreeSet<&str> = facts.bids.iter().map(|b| b.code.as_str()).collect();
    if bidders.len() < 3 {
        return Vec::new();
    }
    let mut signals = Vec::new();
    for code in &bidders {
        if facts.buyer.as_deref() == Some(*code) {
            continue;
        }
        let mut opponents = BTreeSet::new();
        let mut evidence = Vec::new();
        let mut all_minimum = true;
        for (i, bid) in facts.bids.iter().enumerate() {
            if bid.code != *code {
                continue;
            }
            let Some(before) = i.checked_sub(1).map(|j| &facts.bids[j]) else {
                all_minimum = false;
                break;
            };
            if before.amount.checked_add(facts.increment) != Some(bid.amount) {
                all_minimum = false;
                break;
            }
            opponents.insert(before.code.as_str());
            evidence.push(before.evidence.clone());
            evidence.push(bid.evidence.clone());
        }
        let raises = evidence.len() / 2;
        if !all_minimum || raises < MIN_RAISES || opponents.len() != 1 {
            continue;
        }
        let Some(opponent) = opponents.first() else { continue };
        signals.push(Signal {
            kind: SignalKind::MinimumRaiser,
            score: capped(40 + 10 * (raises - MIN_RAISES)),
            codes: vec![(*code).to_owned(), (*opponent).to_owned()],
            explanation: format!(
                "竞买号 {code} 的 {raises} 次出价都只比前一口价高一个加价幅度，且每次都紧跟竞买号 {opponent} 之后；场上还有其他竞买人，{code} 未成交。{opponent} 因此每次多付一个加价幅度。"
            ),
            evidence,
        });
    }
    signals
}

/// A buyer who defaulted after raising the price at least twice, or who has defaulted in other rounds.
fn defaulting_buyer(facts: &RoundFacts) -> Vec<Signal> {
    let Some(buyer) = facts.buyer.as_deref() else {
        return Vec::new();
    };
    let raises: Vec<Evidence> = facts
        .bids
        .iter()
        .filter(|b| b.code == buyer)
        .map(|b| b.evidence.clone())
        .collect();
    let earlier = facts
        .registrants
        .iter()
        .find(|r| r.code == buyer)
        .map_or(0, |r| r.earlier_defaults);
    let mut signals = Vec::new();
    if let Some(default) = &facts.buyer_default
        && raises.len() >= 2
    {
        let mut evidence = raises.clone();
        evidence.push(default.clone());
        signals.push(Signal {
            kind: SignalKind::DefaultingBuyer,
            score: 70,
            codes: vec![buyer.to_owned()],
            explanation: format!(
                "买受人（竞买号 {buyer}）出价 {} 次把价格推高后悔拍，未付尾款。",
                raises.len()
            ),
            evidence,
        });
    }
    if earlier > 0 {
        signals.push(Signal {
            kind: SignalKind::DefaultingBuyer,
            score: capped(50 + 10 * (earlier as usize - 1)),
            codes: vec![buyer.to_owned()],
            explanation: format!(
                "买受人（竞买号 {buyer}）以同一身份证件号码或统一社会信用代码在其他拍卖中悔拍过 {earlier} 次。"
            ),
            evidence: raises,
        });
    }
    signals
}

/// Pairs of registrants that share a trace, one signal per pair with every trace they share.
fn shared_traces(facts: &RoundFacts) -> Vec<Signal> {
    let mut signals = Vec::new();
    for (i, a) in facts.registrants.iter().enumerate() {
        for b in &facts.registrants[i + 1..] {
            let (mut score, mut shared) = (0usize, Vec::new());
            let mut same = |mine: &Option<String>, theirs: &Option<String>, weight: usize, what: &str| {
                if mine.is_some() && mine == theirs {
                    score = score.max(weight) + 5;
                    shared.push(what.to_owned());
                }
            };
            same(&a.traces.device, &b.traces.device, 80, "同一设备");
            same(&a.traces.payer_account, &b.traces.payer_account, 80, "同一付款账户");
            same(&a.traces.phone, &b.traces.phone, 75, "同一手机号");
            same(&a.traces.network, &b.traces.network, 50, "同一网络地址");
            let rare_domain = a.traces.email_domain.as_deref().filter(|d| !is_public_email_domain(d));
            if rare_domain.is_some() && rare_domain == b.traces.email_domain.as_deref() {
                score = score.max(30) + 5;
                shared.push(format!("同一非公共邮箱域名（{}）", rare_domain.unwrap_or_default()));
            }
            if shared.is_empty() {
                continue;
            }
            signals.push(Signal {
                kind: SignalKind::SharedTraces,
                score: capped(score - 5),
                codes: vec![a.code.clone(), b.code.clone()],
                explanation: format!("竞买号 {} 与 {} 报名时使用了{}。", a.code, b.code, shared.join("、")),
                evidence: a.evidence.iter().chain(&b.evidence).cloned().collect(),
            });
        }
    }
    signals
}

fn is_public_email_domain(domain: &str) -> bool {
    let domain = domain.trim().to_ascii_lowercase();
    PUBLIC_EMAIL_DOMAINS.contains(&domain.as_str())
}

/// Two codes whose bids alternate, each within `ALTERNATION_GAP` of the one before, for at least
/// `ALTERNATION_RUN` bids in a row: faster than people who read the new price and decide.
fn rapid_alternation(facts: &RoundFacts) -> Vec<Signal> {
    let mut longest: BTreeMap<(String, String), Vec<Evidence>> = BTreeMap::new();
    let mut run: Vec<&BidFact> = Vec::new();
    let mut close_run = |run: &mut Vec<&BidFact>| {
        if run.len() >= ALTERNATION_RUN {
            let mut pair = [run[0].code.clone(), run[1].code.clone()];
            pair.sort();
            let [first, second] = pair;
            let evidence: Vec<Evidence> = run.iter().map(|b| b.evidence.clone()).collect();
            let best = longest.entry((first, second)).or_default();
            if evidence.len() > best.len() {
                *best = evidence;
            }
        }
        run.clear();
    };
    for bid in &facts.bids {
        let continues = match run.as_slice() {
            [] => true,
            [.., last] if bid.at - last.at > ALTERNATION_GAP || bid.code == last.code => false,
            [only] => only.code != bid.code,
            [.., before, _] => before.code == bid.code,
        };
        if !continues {
            // The bid may start the next run with the bid before it.
            let last = run.last().copied();
            close_run(&mut run);
            if let Some(last) = last
                && last.code != bid.code
                && bid.at - last.at <= ALTERNATION_GAP
            {
                run.push(last);
            }
        }
        run.push(bid);
    }
    close_run(&mut run);
    longest
        .into_iter()
        .map(|((a, b), evidence)| Signal {
            kind: SignalKind::RapidAlternation,
            score: capped(45 + 5 * (evidence.len() - ALTERNATION_RUN)),
            explanation: format!(
                "竞买号 {a} 与 {b} 连续交替出价 {} 次，每次间隔不超过 {} 秒。",
                evidence.len(),
                ALTERNATION_GAP.num_seconds()
            ),
            codes: vec![a, b],
            evidence,
        })
        .collect()
}

/// Several registrants paid their deposits, and the price ended at the starting price: someone bid it,
/// and nobody raised. Registrants who agreed not to compete look like this.
fn stopped_at_start(facts: &RoundFacts) -> Vec<Signal> {
    let registrants = facts.registrants.len();
    let [only] = facts.bids.as_slice() else {
        return Vec::new();
    };
    if registrants < STOPPED_REGISTRANTS || only.amount != facts.starting_price {
        return Vec::new();
    }
    vec![Signal {
        kind: SignalKind::StoppedAtStart,
        score: capped(50 + 10 * (registrants - STOPPED_REGISTRANTS)),
        codes: vec![only.code.clone()],
        explanation: format!(
            "{registrants} 人交纳保证金报名，但只有竞买号 {} 以起拍价出价一次，无人加价。",
            only.code
        ),
        evidence: vec![only.evidence.clone()],
    }]
}

/// Organisations with the same legal representative, or a registrant acting as the agent of another.
fn related_identities(facts: &RoundFacts) -> Vec<Signal> {
    let mut signals = Vec::new();
    for (i, a) in facts.registrants.iter().enumerate() {
        for b in &facts.registrants[i + 1..] {
            let mut why = Vec::new();
            if a.representative.is_some() && a.representative == b.representative {
                why.push("两家单位的法定代表人是同一人".to_owned());
            }
            if a.agent.as_deref() == Some(b.identity.as_str()) {
                why.push(format!("竞买号 {} 是竞买号 {} 的代理人", b.code, a.code));
            }
            if b.agent.as_deref() == Some(a.identity.as_str()) {
                why.push(format!("竞买号 {} 是竞买号 {} 的代理人", a.code, b.code));
            }
            if a.agent.is_some() && a.agent == b.agent {
                why.push("两者由同一代理人报名".to_owned());
            }
            if why.is_empty() {
                continue;
            }
            signals.push(Signal {
                kind: SignalKind::RelatedIdentities,
                score: 80,
                codes: vec![a.code.clone(), b.code.clone()],
                explanation: format!("竞买号 {} 与 {} 相互关联：{}。", a.code, b.code, why.join("；")),
                evidence: a.evidence.iter().chain(&b.evidence).cloned().collect(),
            });
        }
    }
    signals
}

fn capped(score: usize) -> u8 {
    u8::try_from(score.min(95)).unwrap_or(95)
}

#[cfg(test)]
mod tests;
