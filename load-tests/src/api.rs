//! The server's public API as the load tests use it: requests with their latency, and the set-up of courts,
//! rounds and registered bidders (the server runs with the manual clock, so bidding opens when the tool
//! moves it to the rounds' start), and the checks afterwards.

use std::time::{Duration, Instant};

use awc::Client;
use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

pub const PASSWORD: &str = "load-password";
/// Every round starts at ¥70,000 with a ¥1 increment.
pub const START_CENTS: i64 = 7_000_000;
pub const INCREMENT_CENTS: i64 = 100;

pub struct Api {
    pub client: Client,
    pub url: String,
}

/// A request's answer: status (0 when none came), body, and the time it took.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub took: Duration,
}

impl Api {
    pub fn new(url: &str) -> Api {
        Api {
            // No per-host connection limit; each worker keeps its own connection busy.
            client: Client::builder()
                .connector(awc::Connector::new().limit(0))
                .timeout(Duration::from_secs(60))
                .finish(),
            url: url.trim_end_matches('/').to_owned(),
        }
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let url = format!("{}{path}", self.url);
        let mut request = if method == "GET" {
            self.client.get(url)
        } else {
            self.client.post(url)
        };
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let started = Instant::now();
        let sent = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        let Ok(mut response) = sent else {
            return Answer {
                status: 0,
                body: Value::Null,
                took: started.elapsed(),
            };
        };
        let status = response.status().as_u16();
        let bytes = response.body().limit(256 << 20).await.ok();
        let took = started.elapsed();
        let body = bytes
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        Answer { status, body, took }
    }

    /// A request that must succeed during set-up.
    pub async fn ok(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Result<Value, String> {
        let body = (method != "GET").then_some(body);
        let answer = self.call(method, path, token, body).await;
        if (200..300).contains(&answer.status) {
            Ok(answer.body)
        } else {
            Err(format!("{method} {path}: {} {}", answer.status, answer.body))
        }
    }

    async fn login(&self, email: &str, password: &str) -> Result<String, String> {
        let answer = self
            .ok(
                "POST",
                "/api/auth/login",
                None,
                json!({ "email": email, "password": password }),
            )
            .await?;
        Ok(answer["token"].as_str().unwrap_or_default().to_owned())
    }
}

pub fn yuan(cents: i64) -> String {
    auction_core::Money::from_cents(cents)
        .map(|m| m.to_string())
        .unwrap_or_default()
}

pub fn cents(amount: &Value) -> i64 {
    auction_core::Money::parse_positive(amount.as_str().unwrap_or("0"))
        .map(|m| m.cents())
        .unwrap_or(0)
}

/// Rounds with registered, paid-up bidders, not yet open.
pub struct Setup {
    /// Round ids.
    pub rounds: Vec<String>,
    /// Bidder tokens.
    pub bidders: Vec<String>,
    starts: String,
}

/// A court, a judge, `rounds` published rounds of movable property (¥70,000, increment ¥1, 24 hours,
/// bidding 20 days on; their parties emailed, the panel recorded and the clock moved past the three days'
/// notice, R7, R31) and `bidders` accounts; `register(b, r)` says whether bidder `b` registers for
/// round `r`.
pub async fn prepare(
    api: &Api,
    admin: (&str, &str),
    rounds: usize,
    bidders: usize,
    register: impl Fn(usize, usize) -> bool,
) -> Result<Setup, String> {
    let admin = api.login(admin.0, admin.1).await?;
    let court = api
        .ok(
            "POST",
            "/api/admin/courts",
            Some(&admin),
            json!({ "name": "压力测试法院" }),
        )
        .await?;
    let judge_email = format!("judge-{}@load.test", Uuid::new_v4().simple());
    api.ok(
        "POST",
        "/api/admin/judges",
        Some(&admin),
        json!({ "email": judge_email, "password": PASSWORD, "real_name": "压测法官", "court_id": court["id"] }),
    )
    .await?;
    let judge = api.login(&judge_email, PASSWORD).await?;
    let case = api
        .ok(
            "POST",
            "/api/cases",
            Some(&judge),
            json!({ "case_number": format!("(2026)压测{}号", Uuid::new_v4().as_u128() % 100_000), "applicant": { "name": "甲公司", "email": "a@load.test" }, "respondent": { "name": "乙某", "email": "b@load.test" } }),
        )
        .await?;
    let now = api.ok("GET", "/api/time", None, Value::Null).await?;
    let now = chrono::DateTime::parse_from_rfc3339(now["now"].as_str().unwrap_or_default())
        .map_err(|e| format!("the server's time: {e}"))?
        .to_utc();
    let starts = now + chrono::Duration::days(20);
    let mut round_ids = Vec::new();
    for r in 0..rounds {
        let listing = api
            .ok(
                "POST",
                "/api/listings",
                Some(&judge),
                json!({ "case_id": case["id"], "title": format!("压力测试标的{r}"), "category": "movable", "description": "压力测试", "location": "杭州" }),
            )
            .await?;
        let listing_id = listing["id"].as_str().unwrap_or_default().to_owned();
        api.ok(
            "POST",
            &format!("/api/listings/{listing_id}/valuations"),
            Some(&judge),
            json!({ "method": "appraisal", "quotes": [{ "source": "评估机构", "amount": "100000" }] }),
        )
        .await?;
        let round = api
            .ok(
                "POST",
                &format!("/api/listings/{listing_id}/auctions"),
                Some(&judge),
                json!({
                    "starting_price": yuan(START_CENTS), "deposit": "7000", "increment": yuan(INCREMENT_CENTS),
                    "bidding_starts_at": auction_core::time::rfc3339(starts),
                    "bidding_ends_at": auction_core::time::rfc3339(starts + chrono::Duration::hours(24)),
                }),
            )
            .await?;
        let id = round["id"].as_str().unwrap_or_default().to_owned();
        api.ok("POST", &format!("/api/auctions/{id}/notices"), Some(&judge), json!({}))
            .await?;
        let panel = json!({ "members": ["压测审判长", "压测法官甲", "压测法官乙"], "decided_at": auction_core::time::rfc3339(now) });
        api.ok("POST", &format!("/api/auctions/{id}/panel"), Some(&judge), panel)
            .await?;
        round_ids.push(id);
    }
    // The parties' three Beijing days (R31), then the announcements.
    let told = auction_core::time::beijing_midnight_after(now, auction_core::before_publication::NOTICE_DAYS);
    api.ok(
        "POST",
        "/api/test/clock",
        None,
        json!({ "now": auction_core::time::rfc3339(told) }),
    )
    .await?;
    for id in &round_ids {
        api.ok("POST", &format!("/api/auctions/{id}/publish"), Some(&judge), json!({}))
            .await?;
    }
    let mut tokens = Vec::new();
    for b in 0..bidders {
        let email = format!("bidder-{b}-{}@load.test", Uuid::new_v4().simple());
        let body = json!({ "email": email, "password": PASSWORD, "real_name": format!("竞买人{}", chinese_digits(b)), "id_number": id_number(Uuid::new_v4().as_u128()) });
        api.ok("POST", "/api/auth/register", None, body).await?;
        tokens.push(api.login(&email, PASSWORD).await?);
    }
    // Registrations and deposits, eight at a time.
    let pairs: Vec<(usize, usize)> = (0..bidders)
        .flat_map(|b| (0..rounds).map(move |r| (b, r)))
        .filter(|&(b, r)| register(b, r))
        .collect();
    for chunk in pairs.chunks(8) {
        let done = join_all(
            chunk
                .iter()
                .map(|&(b, r)| register_and_pay(api, &tokens[b], &round_ids[r])),
        )
        .await;
        done.into_iter().collect::<Result<Vec<()>, String>>()?;
    }
    Ok(Setup {
        rounds: round_ids,
        bidders: tokens,
        starts: auction_core::time::rfc3339(starts),
    })
}

async fn register_and_pay(api: &Api, token: &str, round: &str) -> Result<(), String> {
    let registration = api
        .ok(
            "POST",
            &format!("/api/auctions/{round}/registrations"),
            Some(token),
            json!({ "accept_terms": true, "housing_qualification_commitment": true }),
        )
        .await?;
    let order = registration["payment"]["order_id"].as_str().unwrap_or_default();
    api.ok(
        "POST",
        &format!("/api/payments/{order}/sandbox-complete"),
        Some(token),
        json!({}),
    )
    .await?;
    Ok(())
}

impl Setup {
    /// Opens bidding: moves the server's manual clock to the rounds' start.
    pub async fn open(&self, api: &Api) -> Result<(), String> {
        api.ok("POST", "/api/test/clock", None, json!({ "now": self.starts }))
            .await?;
        Ok(())
    }
}

/// How far the bid record's pages reach (the API's limit on page × per_page).
const MAX_PAGED_BIDS: u64 = 100_000;

/// After a run, for each round: the round's count equals the bids acknowledged with 201, the ledger's hash
/// chain verifies and its bids rise strictly in sequence order with no gap, and the public record agrees.
pub async fn check_rounds(api: &Api, rounds: &[String], acknowledged: &[u64]) -> Result<String, String> {
    let mut bids_checked = 0u64;
    for (id, expected) in rounds.iter().zip(acknowledged) {
        let round = api.ok("GET", &format!("/api/auctions/{id}"), None, Value::Null).await?;
        let count = round["bid_count"].as_u64().unwrap_or(0);
        if count != *expected {
            return Err(format!(
                "round {id}: bid_count {count}, but {expected} bids were acknowledged"
            ));
        }
        // The ledger, whose hash chain verifies, holds every bid: one per sequence, each above the last.
        let ledger = api
            .ok("GET", &format!("/api/auctions/{id}/ledger"), None, Value::Null)
            .await?;
        let entries: Vec<auction_core::ledger::LedgerEntry> =
            serde_json::from_value(ledger["entries"].clone()).map_err(|e| format!("round {id}: the ledger: {e}"))?;
        auction_core::ledger::verify(&entries).map_err(|e| format!("round {id}: the ledger does not verify: {e:?}"))?;
        let in_ledger: Vec<(i64, i64)> = entries
            .iter()
            .filter(|e| e.kind == auction_core::ledger::LedgerKind::Bid)
            .map(|e| (e.payload["bid_seq"].as_i64().unwrap_or(0), cents(&e.payload["amount"])))
            .collect();
        let seqs_ok = in_ledger.iter().enumerate().all(|(i, (seq, _))| *seq == i as i64 + 1);
        let rising = in_ledger.windows(2).all(|w| w[1].1 > w[0].1);
        if in_ledger.len() as u64 != count || !seqs_ok || !rising {
            return Err(format!(
                "round {id}: the ledger does not hold {count} strictly rising bids in sequence"
            ));
        }
        // The public record, as far as its pages reach (the newest 100,000), says the same.
        let mut in_record = 0u64;
        let mut page = 1;
        while page * 100 <= MAX_PAGED_BIDS {
            let record = api
                .ok(
                    "GET",
                    &format!("/api/auctions/{id}/bids?per_page=100&page={page}"),
                    None,
                    Value::Null,
                )
                .await?;
            let items = record["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                break;
            }
            for bid in &items {
                let seq = bid["seq"].as_i64().unwrap_or(0);
                let agrees = usize::try_from(seq - 1)
                    .ok()
                    .and_then(|i| in_ledger.get(i))
                    .is_some_and(|(_, amount)| *amount == cents(&bid["amount"]));
                if !agrees {
                    return Err(format!("round {id}: the record's bid {seq} is not the ledger's"));
                }
            }
            in_record += items.len() as u64;
            page += 1;
        }
        if in_record != count.min(MAX_PAGED_BIDS) {
            return Err(format!("round {id}: the record shows {in_record} bids of {count}"));
        }
        bids_checked += count;
    }
    Ok(format!(
        "checked: {} round(s), {bids_checked} bids counted once, prices strictly rising, ledgers verify",
        rounds.len()
    ))
}

/// A valid resident ID number (GB 11643 checksum, a real birth date) derived from `n`.
fn id_number(n: u128) -> String {
    let first17 = format!(
        "110105{}{:02}{:02}{:03}",
        1960 + n % 40,
        1 + n / 40 % 12,
        1 + n / 480 % 28,
        n / 13440 % 1000
    );
    let digits: Vec<u32> = first17.chars().filter_map(|c| c.to_digit(10)).collect();
    let check = digits
        .try_into()
        .map(|d: [u32; 17]| auction_core::identity::check_character(&d))
        .unwrap_or('0');
    format!("{first17}{check}")
}

/// `12` → `一二`: a bidder's name is letters only (the sign-up's identity check refuses digits).
fn chinese_digits(n: usize) -> String {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    n.to_string().bytes().map(|b| DIGITS[usize::from(b - b'0')]).collect()
}
