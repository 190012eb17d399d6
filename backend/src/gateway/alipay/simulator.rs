//! A stand-in for Alipay's gateway on this machine, speaking the protocol of `protocol` from the gateway's
//! side: the cashier page a payer confirms on (its redirect back and its signed notification), and the
//! trade query, refund and refund query APIs, each request's signature checked against the application's
//! public key and each answer signed with the simulator's own key. It keeps its books in memory. No money
//! moves: it is for tests and for trying a real checkout locally (`fapai alipay-simulator`).
//!
//! The tests also steer it — notifications held back, answers delayed past the client's timeout, refunds
//! refused — and plant differences in its books for reconciliation to find.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use auction_core::Money;
use serde_json::{Value, json};

use super::protocol::{self, SigningKey, TradeStatus, VerifyingKey, param};

/// Who the simulator serves and how it signs.
pub struct SimulatorConfig {
    pub app_id: String,
    /// The merchant's public key (应用公钥), which checks its requests.
    pub app_public_key: VerifyingKey,
    /// The simulator's key (the "支付宝私钥"); the merchant checks with its public half.
    pub gateway_key: SigningKey,
    pub seller_id: String,
}

/// A trade as the simulator's books keep it.
#[derive(Debug, Clone)]
pub struct Trade {
    pub out_trade_no: String,
    pub trade_no: String,
    pub total_amount: Money,
    pub subject: String,
    pub status: TradeStatus,
    pub paid_at: Option<String>,
    /// The Alipay account that paid it.
    pub buyer_id: Option<String>,
    pub notify_url: String,
    pub return_url: String,
    pub refunds: Vec<Refund>,
    /// What the merchant answered to each notification sent, in order.
    pub notification_answers: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Refund {
    pub out_request_no: String,
    pub amount: Money,
}

impl Trade {
    fn refunded(&self) -> Money {
        self.refunds
            .iter()
            .fold(Money::ZERO, |sum, r| sum.checked_add(r.amount).unwrap_or(sum))
    }
}

#[derive(Default)]
struct Books {
    trades: BTreeMap<String, Trade>,
    hold_notifications: bool,
    answer_delay: Duration,
    refunds_to_refuse: u32,
}

struct Inner {
    config: SimulatorConfig,
    books: Mutex<Books>,
    address: String,
    sequence: AtomicU64,
    agent: ureq::Agent,
}

/// A running simulator; clones share it.
#[derive(Clone)]
pub struct AlipaySimulator(Arc<Inner>);

impl AlipaySimulator {
    /// Binds `listen` (port 0: any free port) and returns the simulator and its server, to be awaited.
    pub fn start(config: SimulatorConfig, listen: &str) -> std::io::Result<(AlipaySimulator, Server)> {
        let listener = TcpListener::bind(listen)?;
        let address = format!("http://{}", listener.local_addr()?);
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        let simulator = AlipaySimulator(Arc::new(Inner {
            config,
            books: Mutex::new(Books::default()),
            address,
            sequence: AtomicU64::new(1),
            agent,
        }));
        let shared = web::Data::new(simulator.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/gateway.do", web::get().to(gateway))
                .route("/gateway.do", web::post().to(gateway))
                .route("/sim/pay", web::post().to(confirm_payment))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        Ok((simulator, server))
    }

    /// The address merchants send requests to.
    pub fn gateway_url(&self) -> String {
        format!("{}/gateway.do", self.0.address)
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        self.0.books.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notifications are not sent (as when the merchant's address cannot be reached) until released.
    pub fn hold_notifications(&self, hold: bool) {
        self.books().hold_notifications = hold;
    }

    /// Every API answer waits this long after the request was carried out (past the client's timeout, the
    /// client cannot know the outcome).
    pub fn delay_answers(&self, delay: Duration) {
        self.books().answer_delay = delay;
    }

    /// The next `count` refund requests are refused with a system error.
    pub fn refuse_next_refunds(&self, count: u32) {
        self.books().refunds_to_refuse = count;
    }

    pub fn trade(&self, out_trade_no: &str) -> Option<Trade> {
        self.books().trades.get(out_trade_no).cloned()
    }

    /// A trade the merchant never heard of, or another amount for one it did: a difference planted for
    /// reconciliation to find.
    pub fn plant_trade(&self, out_trade_no: &str, amount: Money, status: TradeStatus) {
        let trade_no = self.next_trade_no();
        let mut books = self.books();
        let trade = books.trades.entry(out_trade_no.to_owned()).or_insert_with(|| Trade {
            out_trade_no: out_trade_no.to_owned(),
            trade_no,
            total_amount: amount,
            subject: String::new(),
            status,
            paid_at: None,
            buyer_id: None,
            notify_url: String::new(),
            return_url: String::new(),
            refunds: Vec::new(),
            notification_answers: Vec::new(),
        });
        trade.total_amount = amount;
        trade.status = status;
        if status.is_paid() && trade.paid_at.is_none() {
            trade.paid_at = Some(now_text());
        }
    }

    /// A refund the gateway made that the merchant did not ask for, or lost (planted).
    pub fn plant_refund(&self, out_trade_no: &str, out_request_no: &str, amount: Money) {
        if let Some(trade) = self.books().trades.get_mut(out_trade_no) {
            trade.refunds.push(Refund {
                out_request_no: out_request_no.to_owned(),
                amount,
            });
        }
    }

    /// Forgets a refund, as if it had never been made (planted).
    pub fn forget_refund(&self, out_trade_no: &str, out_request_no: &str) {
        if let Some(trade) = self.books().trades.get_mut(out_trade_no) {
            trade.refunds.retain(|r| r.out_request_no != out_request_no);
        }
    }

    fn next_trade_no(&self) -> String {
        let n = self.0.sequence.fetch_add(1, Ordering::SeqCst);
        format!("{}22001400{n:010}", chrono::Utc::now().format("%Y%m%d"))
    }

    /// The payer confirms on the cashier page: the trade is paid and the merchant notified (unless
    /// notifications are held). Returns the notification, sent or not. Each trade is paid from an
    /// account of its own (a `buyer_id` made from its number); `pay_as` names the account.
    pub async fn pay(&self, out_trade_no: &str) -> Result<Vec<(String, String)>, String> {
        let trade_no = self.trade(out_trade_no).map(|t| t.trade_no).unwrap_or_default();
        let buyer_id = format!("2088{}", &trade_no[trade_no.len().saturating_sub(12)..]);
        self.pay_as(out_trade_no, &buyer_id).await
    }

    /// The trade is paid from the Alipay account `buyer_id`.
    pub async fn pay_as(&self, out_trade_no: &str, buyer_id: &str) -> Result<Vec<(String, String)>, String> {
        {
            let mut books = self.books();
            let trade = books
                .trades
                .get_mut(out_trade_no)
                .ok_or_else(|| format!("no trade {out_trade_no}"))?;
            if trade.status == TradeStatus::WaitBuyerPay {
                trade.status = TradeStatus::Success;
                trade.paid_at = Some(now_text());
                trade.buyer_id = Some(buyer_id.to_owned());
            }
        }
        let notification = self
            .notification_of(out_trade_no, None)
            .ok_or_else(|| format!("no trade {out_trade_no}"))?;
        self.send(out_trade_no, &notification).await;
        Ok(notification)
    }

    /// A fresh signed notification of the trade as it stands (a new `notify_id`); after a refund it
    /// carries the refund's fee and request number.
    pub fn notification_of(&self, out_trade_no: &str, refund: Option<&Refund>) -> Option<Vec<(String, String)>> {
        let trade = self.trade(out_trade_no)?;
        let config = &self.0.config;
        let now = now_text();
        let mut params: Vec<(String, String)> = vec![
            ("notify_time".into(), now.clone()),
            ("notify_type".into(), "trade_status_sync".into()),
            (
                "notify_id".into(),
                format!("sim{}", self.0.sequence.fetch_add(1, Ordering::SeqCst)),
            ),
            ("app_id".into(), config.app_id.clone()),
            ("auth_app_id".into(), config.app_id.clone()),
            ("charset".into(), "utf-8".into()),
            ("version".into(), "1.0".into()),
            ("sign_type".into(), "RSA2".into()),
            ("trade_no".into(), trade.trade_no.clone()),
            ("out_trade_no".into(), trade.out_trade_no.clone()),
            ("trade_status".into(), trade.status.as_str().into()),
            ("total_amount".into(), protocol::amount(trade.total_amount)),
            ("receipt_amount".into(), protocol::amount(trade.total_amount)),
            ("buyer_pay_amount".into(), protocol::amount(trade.total_amount)),
            ("subject".into(), trade.subject.clone()),
            ("seller_id".into(), config.seller_id.clone()),
            ("buyer_id".into(), trade.buyer_id.clone().unwrap_or_default()),
            ("gmt_payment".into(), trade.paid_at.clone().unwrap_or_default()),
        ];
        if let Some(refund) = refund {
            params.push(("refund_fee".into(), protocol::amount(trade.refunded())));
            params.push(("out_biz_no".into(), refund.out_request_no.clone()));
            params.push(("gmt_refund".into(), now));
        }
        params.retain(|(_, value)| !value.is_empty());
        protocol::sign_params(&config.gateway_key, &mut params, &["sign", "sign_type"]);
        Some(params)
    }

    /// Posts a notification to the trade's notify_url and keeps the merchant's answer.
    async fn send(&self, out_trade_no: &str, notification: &[(String, String)]) {
        let url = match self.books() {
            books if books.hold_notifications => return,
            books => match books.trades.get(out_trade_no) {
                Some(trade) if !trade.notify_url.is_empty() => trade.notify_url.clone(),
                _ => return,
            },
        };
        let agent = self.0.agent.clone();
        let form = notification.to_vec();
        let answer = tokio::task::spawn_blocking(move || {
            agent
                .post(&url)
                .send_form(form)
                .and_then(|mut response| response.body_mut().read_to_string())
                .unwrap_or_else(|e| format!("(no answer: {e})"))
        })
        .await
        .unwrap_or_else(|e| format!("(lost: {e})"));
        if let Some(trade) = self.books().trades.get_mut(out_trade_no) {
            trade.notification_answers.push(answer);
        }
    }

    /// The checks every request passes first: the application, then its signature.
    fn check_request(&self, params: &[(String, String)]) -> Result<(), (&'static str, &'static str)> {
        if param(params, "app_id") != Some(self.0.config.app_id.as_str()) {
            return Err(("isv.invalid-app-id", "无效的AppID参数"));
        }
        if !protocol::params_verify(&self.0.config.app_public_key, params, &["sign"]) {
            return Err(("isv.invalid-signature", "验签出错"));
        }
        Ok(())
    }

    fn answer(&self, method: &str, answer: &Value) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "application/json;charset=utf-8"))
            .body(protocol::signed_answer(&self.0.config.gateway_key, method, answer))
    }

    fn open_trade(&self, params: &[(String, String)], biz: &Value) -> Result<Trade, String> {
        let out_trade_no = biz["out_trade_no"].as_str().unwrap_or_default().to_owned();
        let amount = biz["total_amount"]
            .as_str()
            .and_then(|text| Money::parse_positive(text).ok())
            .ok_or("total_amount is not an amount")?;
        if out_trade_no.is_empty() {
            return Err("out_trade_no is missing".into());
        }
        let trade_no = self.next_trade_no();
        let mut books = self.books();
        let trade = books.trades.entry(out_trade_no.clone()).or_insert_with(|| Trade {
            out_trade_no,
            trade_no,
            total_amount: amount,
            subject: biz["subject"].as_str().unwrap_or_default().to_owned(),
            status: TradeStatus::WaitBuyerPay,
            paid_at: None,
            buyer_id: None,
            notify_url: String::new(),
            return_url: String::new(),
            refunds: Vec::new(),
            notification_answers: Vec::new(),
        });
        // The same order number with another amount is another order: refused (ACQ.CONTEXT_INCONSISTENT).
        if trade.total_amount != amount {
            return Err("交易信息被篡改 (ACQ.CONTEXT_INCONSISTENT)".into());
        }
        trade.notify_url = param(params, "notify_url").unwrap_or_default().to_owned();
        trade.return_url = param(params, "return_url").unwrap_or_default().to_owned();
        Ok(trade.clone())
    }

    fn query(&self, biz: &Value) -> Value {
        let out_trade_no = biz["out_trade_no"].as_str().unwrap_or_default();
        let Some(trade) = self.trade(out_trade_no) else {
            return not_exist();
        };
        let mut answer = json!({
            "code": protocol::SUCCESS_CODE,
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status.as_str(),
            "total_amount": protocol::amount(trade.total_amount),
        });
        if let Some(paid_at) = &trade.paid_at {
            answer["send_pay_date"] = json!(paid_at);
            answer["buyer_pay_amount"] = json!(protocol::amount(trade.total_amount));
            answer["buyer_user_id"] = json!(trade.buyer_id);
        }
        answer
    }

    /// Carries out a refund request; the notification of it follows.
    fn refund(&self, biz: &Value) -> (Value, Option<(String, Refund)>) {
        let out_trade_no = biz["out_trade_no"].as_str().unwrap_or_default();
        let out_request_no = biz["out_request_no"].as_str().unwrap_or(out_trade_no).to_owned();
        let Some(amount) = biz["refund_amount"]
            .as_str()
            .and_then(|text| Money::parse_positive(text).ok())
        else {
            return (business_error("ACQ.INVALID_PARAMETER", "refund_amount 无效"), None);
        };
        let mut books = self.books();
        if books.refunds_to_refuse > 0 {
            books.refunds_to_refuse -= 1;
            return (
                json!({"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "aop.ACQ.SYSTEM_ERROR", "sub_msg": "系统繁忙"}),
                None,
            );
        }
        let Some(trade) = books.trades.get_mut(out_trade_no) else {
            return (not_exist(), None);
        };
        if let Some(earlier) = trade.refunds.iter().find(|r| r.out_request_no == out_request_no) {
            // The same request again: answered as before, nothing paid twice.
            if earlier.amount != amount {
                return (business_error("ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致"), None);
            }
            return (refund_answer(trade, "N"), None);
        }
        if !(trade.status.is_paid()) {
            return (business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"), None);
        }
        let refunded = trade.refunded().checked_add(amount);
        if refunded.is_none_or(|total| total > trade.total_amount) {
            return (business_error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"), None);
        }
        let refund = Refund { out_request_no, amount };
        trade.refunds.push(refund.clone());
        if trade.refunded() == trade.total_amount {
            trade.status = TradeStatus::Closed;
        }
        (refund_answer(trade, "Y"), Some((trade.out_trade_no.clone(), refund)))
    }

    fn refund_query(&self, biz: &Value) -> Value {
        let out_trade_no = biz["out_trade_no"].as_str().unwrap_or_default();
        let out_request_no = biz["out_request_no"].as_str().unwrap_or(out_trade_no);
        let Some(trade) = self.trade(out_trade_no) else {
            return not_exist();
        };
        let mut answer = json!({
            "code": protocol::SUCCESS_CODE,
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "out_request_no": out_request_no,
        });
        if let Some(refund) = trade.refunds.iter().find(|r| r.out_request_no == out_request_no) {
            answer["total_amount"] = json!(protocol::amount(trade.total_amount));
            answer["refund_amount"] = json!(protocol::amount(refund.amount));
            answer["refund_status"] = json!("REFUND_SUCCESS");
        }
        answer
    }
}

fn now_text() -> String {
    protocol::timestamp(chrono::Utc::now())
}

fn not_exist() -> Value {
    business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
}

fn business_error(sub_code: &str, sub_msg: &str) -> Value {
    json!({"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg})
}

fn refund_answer(trade: &Trade, fund_change: &str) -> Value {
    json!({
        "code": protocol::SUCCESS_CODE,
        "msg": "Success",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "fund_change": fund_change,
        "refund_fee": protocol::amount(trade.refunded()),
        "gmt_refund_pay": now_text(),
    })
}

/// Every parameter of a request: its query string and, for a POST, its form body.
fn request_params(req: &HttpRequest, body: &[u8]) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    if !body.is_empty() {
        params.extend(serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default());
    }
    params
}

/// `gateway.do`: the cashier pages and the APIs.
async fn gateway(simulator: web::Data<AlipaySimulator>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let params = request_params(&req, &body);
    let method = param(&params, "method").unwrap_or_default().to_owned();
    let biz: Value = serde_json::from_str(param(&params, "biz_content").unwrap_or("{}")).unwrap_or(Value::Null);
    let page = method == protocol::PAGE_PAY || method == protocol::WAP_PAY;
    if let Err((sub_code, sub_msg)) = simulator.check_request(&params) {
        if page {
            return page_response(400, "错误", &format!("{sub_code}: {sub_msg}"));
        }
        let answer = json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg});
        return simulator.answer(&method, &answer);
    }
    if page {
        return match simulator.open_trade(&params, &biz) {
            Ok(trade) => cashier(&trade),
            Err(problem) => page_response(400, "错误", &problem),
        };
    }
    let delay = simulator.books().answer_delay;
    let (answer, refunded) = match method.as_str() {
        protocol::TRADE_QUERY => (simulator.query(&biz), None),
        protocol::REFUND => simulator.refund(&biz),
        protocol::REFUND_QUERY => (simulator.refund_query(&biz), None),
        _ => (
            json!({"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-method", "sub_msg": "不存在的方法名"}),
            None,
        ),
    };
    if let Some((out_trade_no, refund)) = refunded
        && let Some(notification) = simulator.notification_of(&out_trade_no, Some(&refund))
    {
        let notifier = simulator.get_ref().clone();
        actix_web::rt::spawn(async move { notifier.send(&out_trade_no, &notification).await });
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    simulator.answer(&method, &answer)
}

/// The payer's "确认付款": paid, the merchant notified, the payer sent back with the signed return.
async fn confirm_payment(
    simulator: web::Data<AlipaySimulator>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let Some(out_trade_no) = param(&form, "out_trade_no").map(str::to_owned) else {
        return page_response(400, "错误", "out_trade_no is missing");
    };
    if let Err(problem) = simulator.pay(&out_trade_no).await {
        return page_response(404, "错误", &problem);
    }
    let Some(trade) = simulator.trade(&out_trade_no) else {
        return page_response(404, "错误", "no such trade");
    };
    let config = &simulator.0.config;
    let mut back: Vec<(String, String)> = vec![
        ("charset".into(), "utf-8".into()),
        ("out_trade_no".into(), trade.out_trade_no.clone()),
        ("method".into(), "alipay.trade.page.pay.return".into()),
        ("total_amount".into(), protocol::amount(trade.total_amount)),
        ("trade_no".into(), trade.trade_no.clone()),
        ("auth_app_id".into(), config.app_id.clone()),
        ("version".into(), "1.0".into()),
        ("app_id".into(), config.app_id.clone()),
        ("sign_type".into(), "RSA2".into()),
        ("seller_id".into(), config.seller_id.clone()),
        ("timestamp".into(), now_text()),
    ];
    back.retain(|(_, value)| !value.is_empty());
    protocol::sign_params(&config.gateway_key, &mut back, &["sign", "sign_type"]);
    let separator = if trade.return_url.contains('?') { '&' } else { '?' };
    let location = format!(
        "{}{separator}{}",
        trade.return_url,
        serde_urlencoded::to_string(&back).unwrap_or_default()
    );
    HttpResponse::Found().insert_header((LOCATION, location)).finish()
}

fn cashier(trade: &Trade) -> HttpResponse {
    let body = if trade.status == TradeStatus::WaitBuyerPay {
        format!(
            r#"<dl><dt>商品</dt><dd>{subject}</dd><dt>金额</dt><dd class="amount">¥{amount}</dd><dt>商户订单号</dt><dd>{order}</dd></dl>
<form method="post" action="/sim/pay"><input type="hidden" name="out_trade_no" value="{order}"><button type="submit">确认付款</button></form>"#,
            subject = escape(&trade.subject),
            amount = trade.total_amount,
            order = escape(&trade.out_trade_no),
        )
    } else {
        format!(
            r#"<p>该订单已支付或已关闭（{}）。</p><p><a href="{}">返回商户</a></p>"#,
            trade.status.as_str(),
            escape(&trade.return_url)
        )
    };
    page_response(200, "支付宝收银台", &body)
}

fn page_response(status: u16, title: &str, body: &str) -> HttpResponse {
    let page = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}（模拟）</title>
<style>body{{font-family:sans-serif;max-width:480px;margin:24px auto;padding:0 16px;color:#1f2933}}.sim{{background:#fef0c7;padding:8px;border-radius:4px}}.amount{{font-size:28px;font-weight:700;color:#1677ff}}button{{font-size:18px;padding:10px 24px;background:#1677ff;color:#fff;border:0;border-radius:6px}}dt{{color:#667085}}dd{{margin:0 0 8px}}</style></head>
<body><p class="sim">本机模拟的支付宝网关，不是真的支付宝：不会扣款。A local simulator of Alipay's gateway — no money moves.</p><h1>{title}</h1>{body}</body></html>"#,
        title = escape(title),
    );
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .insert_header((CONTENT_TYPE, "text/html;charset=utf-8"))
        .body(page)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `fapai alipay-simulator --app-id ID --app-public-key FILE [--key FILE | --public-key-out FILE]
/// [--seller-id ID] [--listen ADDR]`: runs the simulator until stopped. Without `--key` it makes a key and
/// writes its public half to `--public-key-out`, for the platform's `FAPAI_ALIPAY_PUBLIC_KEY_FILE`.
pub async fn run_from_args(args: &[String]) -> Result<(), String> {
    let value = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .cloned()
    };
    let read = |path: String| std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"));
    let app_id = value("--app-id").ok_or("--app-id is required")?;
    let app_public_key =
        VerifyingKey::from_text(&read(value("--app-public-key").ok_or("--app-public-key is required")?)?)
            .map_err(|e| format!("--app-public-key: {e}"))?;
    let gateway_key = match value("--key") {
        Some(path) => SigningKey::from_text(&read(path)?).map_err(|e| format!("--key: {e}"))?,
        None => {
            let out = value("--public-key-out").ok_or("give --key, or --public-key-out for a new key's public half")?;
            let key = SigningKey::generate().map_err(|e| e.to_string())?;
            let pem = key.verifying_key().to_pem().map_err(|e| e.to_string())?;
            std::fs::write(&out, pem).map_err(|e| format!("cannot write {out}: {e}"))?;
            key
        }
    };
    let config = SimulatorConfig {
        app_id,
        app_public_key,
        gateway_key,
        seller_id: value("--seller-id").unwrap_or_default(),
    };
    let listen = value("--listen").unwrap_or_else(|| "127.0.0.1:0".into());
    let (simulator, server) =
        AlipaySimulator::start(config, &listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    tracing::info!("Alipay simulator listening on {}", simulator.0.address);
    tracing::info!("gateway: {}", simulator.gateway_url());
    server.await.map_err(|e| e.to_string())
}
