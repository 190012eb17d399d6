//! Alipay's open platform as the platform's gateway: 电脑网站支付 and 手机网站支付 (the payer pays on
//! Alipay's page and comes back), the signed asynchronous notification, and the trade query, refund and
//! refund query APIs — every request signed with the application's key, every answer and notification
//! checked against Alipay's public key (RSA2). Why Alipay, and its settings: `docs/money.md`.
//!
//! A request that gets no answer in time has an unknown outcome: an order is then asked after
//! (`query_order`), and a refund tried again only after asking whether it was made (`query_refund`).

pub mod protocol;
pub mod simulator;

use std::time::Duration;

use auction_core::{Instant, Money};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use self::protocol::{SigningKey, TradeStatus, VerifyingKey, param};
use super::{GatewayRefusal, OrderAtGateway, OrderToPay, RefundAtGateway, RefundToPay};
use crate::config::Settings;

/// The operator's settings for Alipay (`FAPAI_ALIPAY_*`).
#[derive(Clone)]
pub struct AlipaySettings {
    /// The open platform's gateway: `https://openapi.alipay.com/gateway.do` (its sandbox:
    /// `https://openapi-sandbox.dl.alipaydev.com/gateway.do`).
    pub gateway_url: String,
    pub app_id: String,
    /// The merchant's partner id (2088…); when set, a notification for another seller is refused.
    pub seller_id: String,
    /// The longest a request may wait for the gateway's answer.
    pub timeout: Duration,
}

pub struct AlipayGateway {
    settings: AlipaySettings,
    app_key: SigningKey,
    alipay_key: VerifyingKey,
    agent: ureq::Agent,
}

/// A notification the platform does not act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationProblem {
    /// Not signed by Alipay's key (forged or altered): it is not believed at all.
    Signature,
    /// Signed, but for another application or seller.
    OtherMerchant(String),
    /// Signed, but missing what it must carry.
    Malformed(String),
}

/// A notification whose signature and merchant check out.
#[derive(Debug, Clone)]
pub struct Notification {
    pub notify_id: String,
    /// The platform's order id as the gateway echoes it.
    pub out_trade_no: String,
    pub trade_no: String,
    pub status: TradeStatus,
    pub total_amount: Option<Money>,
    /// Set on the notifications Alipay sends after a refund (退款通知): the total refunded so far, and the
    /// refund's request number.
    pub refund_fee: Option<String>,
    pub out_biz_no: Option<String>,
    /// The paying Alipay account (`buyer_id`).
    pub buyer_id: Option<String>,
}

impl AlipayGateway {
    pub fn new(settings: AlipaySettings, app_key: SigningKey, alipay_key: VerifyingKey) -> AlipayGateway {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        AlipayGateway {
            settings,
            app_key,
            alipay_key,
            agent,
        }
    }

    /// The gateway as the settings describe it, its keys read from their files.
    pub fn from_settings(settings: &Settings) -> Result<AlipayGateway, String> {
        let read = |name: &str, path: &str| {
            if path.trim().is_empty() {
                return Err(format!("FAPAI_PAYMENTS=alipay needs {name}"));
            }
            std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read {path}: {e}"))
        };
        let app_key = SigningKey::from_text(&read(
            "FAPAI_ALIPAY_APP_PRIVATE_KEY_FILE",
            &settings.alipay_app_private_key_file,
        )?)
        .map_err(|e| format!("FAPAI_ALIPAY_APP_PRIVATE_KEY_FILE: {e}"))?;
        let alipay_key =
            VerifyingKey::from_text(&read("FAPAI_ALIPAY_PUBLIC_KEY_FILE", &settings.alipay_public_key_file)?)
                .map_err(|e| format!("FAPAI_ALIPAY_PUBLIC_KEY_FILE: {e}"))?;
        if settings.alipay_app_id.trim().is_empty() {
            return Err("FAPAI_PAYMENTS=alipay needs FAPAI_ALIPAY_APP_ID".into());
        }
        Ok(AlipayGateway::new(
            AlipaySettings {
                gateway_url: settings.alipay_gateway_url.clone(),
                app_id: settings.alipay_app_id.trim().to_owned(),
                seller_id: settings.alipay_seller_id.trim().to_owned(),
                timeout: Duration::from_secs(settings.alipay_timeout_seconds.max(1)),
            },
            app_key,
            alipay_key,
        ))
    }

    /// The signed address of Alipay's cashier page for `order` (a GET the payer's browser follows).
    pub fn checkout_url(&self, order: &OrderToPay<'_>, now: Instant) -> String {
        let (method, product) = if order.phone {
            (protocol::WAP_PAY, "QUICK_WAP_WAY")
        } else {
            (protocol::PAGE_PAY, "FAST_INSTANT_TRADE_PAY")
        };
        let mut biz = json!({
            "out_trade_no": order.order_id.to_string(),
            "total_amount": protocol::amount(order.amount),
            "subject": order.subject,
            "product_code": product,
        });
        if order.phone {
            biz["quit_url"] = json!(order.return_url);
        }
        let params = protocol::signed_request(
            &self.app_key,
            &self.settings.app_id,
            method,
            &biz,
            &[("return_url", order.return_url), ("notify_url", order.notify_url)],
            now,
        );
        let query = serde_urlencoded::to_string(&params).unwrap_or_default();
        format!("{}?{query}", self.settings.gateway_url)
    }

    /// Checks a notification's signature and merchant, then reads it.
    pub fn verify_notification(&self, params: &[(String, String)]) -> Result<Notification, NotificationProblem> {
        if !protocol::params_verify(&self.alipay_key, params, &["sign", "sign_type"]) {
            return Err(NotificationProblem::Signature);
        }
        let app_id = param(params, "app_id").unwrap_or_default();
        if app_id != self.settings.app_id {
            return Err(NotificationProblem::OtherMerchant(format!("app_id {app_id}")));
        }
        if let Some(seller) = param(params, "seller_id")
            && !self.settings.seller_id.is_empty()
            && seller != self.settings.seller_id
        {
            return Err(NotificationProblem::OtherMerchant(format!("seller_id {seller}")));
        }
        let required = |name: &str| {
            param(params, name)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| NotificationProblem::Malformed(format!("no {name}")))
        };
        let status = required("trade_status")?;
        Ok(Notification {
            notify_id: required("notify_id")?,
            out_trade_no: required("out_trade_no")?,
            trade_no: required("trade_no")?,
            status: TradeStatus::parse(&status)
                .ok_or_else(|| NotificationProblem::Malformed(format!("trade_status {status}")))?,
            total_amount: param(params, "total_amount").and_then(|text| Money::parse_positive(text).ok()),
            refund_fee: param(params, "refund_fee")
                .filter(|fee| !fee.is_empty())
                .map(str::to_owned),
            out_biz_no: param(params, "out_biz_no")
                .filter(|number| !number.is_empty())
                .map(str::to_owned),
            buyer_id: param(params, "buyer_id").filter(|id| !id.is_empty()).map(str::to_owned),
        })
    }

    /// What Alipay says of the order `order_id`.
    pub async fn query_order(&self, order_id: Uuid, now: Instant) -> Result<OrderAtGateway, GatewayRefusal> {
        let answer = self
            .call(
                protocol::TRADE_QUERY,
                json!({ "out_trade_no": order_id.to_string() }),
                now,
            )
            .await?;
        if answer.sub_code() == Some("ACQ.TRADE_NOT_EXIST") {
            return Ok(OrderAtGateway::Unknown);
        }
        answer.succeeded()?;
        answer.require_echo("out_trade_no", &order_id.to_string())?;
        let status_text = answer.text("trade_status").unwrap_or_default().to_owned();
        let status = TradeStatus::parse(&status_text)
            .ok_or_else(|| GatewayRefusal(format!("Alipay answered an unknown trade_status {status_text:?}")))?;
        // A trade closed by a full refund was paid all the same: it has a payment date.
        let was_paid = status.is_paid() || (status == TradeStatus::Closed && answer.text("send_pay_date").is_some());
        if !was_paid {
            return Ok(OrderAtGateway::NotPaid { status: status_text });
        }
        Ok(OrderAtGateway::Paid {
            amount: answer.money("total_amount")?,
            reference: answer.text("trade_no").unwrap_or_default().to_owned(),
            status: status_text,
            payer: answer.text("buyer_user_id").map(str::to_owned),
        })
    }

    /// Pays `refund` back (a part of its order, or all of it). After a try whose outcome is unknown, Alipay
    /// is asked first whether that try was made; the request number makes a repeated request harmless
    /// anyway.
    pub async fn refund(&self, refund: &RefundToPay<'_>, now: Instant) -> Result<String, GatewayRefusal> {
        if refund.earlier_attempts > 0
            && let RefundAtGateway::Paid { amount, reference } =
                self.query_refund(refund.order_id, refund.refund_id, now).await?
        {
            if amount != refund.amount {
                return Err(GatewayRefusal(format!(
                    "Alipay paid this refund with {amount}, not {}",
                    refund.amount
                )));
            }
            return Ok(reference);
        }
        let answer = self
            .call(
                protocol::REFUND,
                json!({
                    "out_trade_no": refund.order_id.to_string(),
                    "out_request_no": refund.refund_id.to_string(),
                    "refund_amount": protocol::amount(refund.amount),
                    "refund_reason": refund.reason,
                }),
                now,
            )
            .await?;
        answer.succeeded()?;
        answer.require_echo("out_trade_no", &refund.order_id.to_string())?;
        Ok(refund_reference(
            answer.text("trade_no").unwrap_or_default(),
            refund.refund_id,
        ))
    }

    /// What Alipay says of the refund `refund_id` of `order_id`: made only when the answer carries its
    /// amount (and no other status than success).
    pub async fn query_refund(
        &self,
        order_id: Uuid,
        refund_id: Uuid,
        now: Instant,
    ) -> Result<RefundAtGateway, GatewayRefusal> {
        let answer = self
            .call(
                protocol::REFUND_QUERY,
                json!({
                    "out_trade_no": order_id.to_string(),
                    "out_request_no": refund_id.to_string(),
                }),
                now,
            )
            .await?;
        if answer.sub_code() == Some("ACQ.TRADE_NOT_EXIST") {
            return Ok(RefundAtGateway::NotMade);
        }
        answer.succeeded()?;
        let succeeded = answer
            .text("refund_status")
            .is_none_or(|status| status == "REFUND_SUCCESS");
        match answer.text("refund_amount") {
            Some(_) if succeeded => Ok(RefundAtGateway::Paid {
                amount: answer.money("refund_amount")?,
                reference: refund_reference(answer.text("trade_no").unwrap_or_default(), refund_id),
            }),
            _ => Ok(RefundAtGateway::NotMade),
        }
    }

    /// One signed request and its checked answer. No answer in time, an unsigned answer or one whose
    /// signature does not verify are refusals: nothing in them is believed.
    async fn call(&self, method: &'static str, biz: Value, now: Instant) -> Result<Answer, GatewayRefusal> {
        let params = protocol::signed_request(&self.app_key, &self.settings.app_id, method, &biz, &[], now);
        let agent = self.agent.clone();
        let url = self.settings.gateway_url.clone();
        let sent = tokio::task::spawn_blocking(move || -> Result<String, String> {
            let mut response = agent.post(&url).send_form(params).map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("HTTP {status}"));
            }
            Ok(body)
        })
        .await
        .map_err(|e| GatewayRefusal(format!("the request to Alipay was lost: {e}")))?;
        let body = sent.map_err(|e| GatewayRefusal(format!("no answer from Alipay to {method}: {e}")))?;
        let signed = protocol::answer_of(&body, method).map_err(GatewayRefusal)?;
        let Some(sign) = signed.sign.as_deref() else {
            return Err(GatewayRefusal(format!("Alipay's answer to {method} is not signed")));
        };
        if !self.alipay_key.verify(signed.content, sign) {
            return Err(GatewayRefusal(format!(
                "Alipay's answer to {method} does not carry Alipay's signature"
            )));
        }
        let fields: Map<String, Value> = serde_json::from_str(signed.content)
            .map_err(|e| GatewayRefusal(format!("Alipay's answer to {method} is not understood: {e}")))?;
        Ok(Answer { method, fields })
    }
}

/// How the platform names a refund Alipay made: the trade and the request number.
fn refund_reference(trade_no: &str, refund_id: Uuid) -> String {
    format!("ALIPAY-{trade_no}-{}", refund_id.simple())
}

/// A verified answer.
struct Answer {
    method: &'static str,
    fields: Map<String, Value>,
}

impl Answer {
    fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
    }

    fn sub_code(&self) -> Option<&str> {
        self.text("sub_code")
    }

    /// Carried out (code 10000), or the gateway's refusal in its own words.
    fn succeeded(&self) -> Result<(), GatewayRefusal> {
        if self.text("code") == Some(protocol::SUCCESS_CODE) {
            return Ok(());
        }
        Err(GatewayRefusal(format!(
            "Alipay refused {}: {} {} ({} {})",
            self.method,
            self.text("code").unwrap_or("?"),
            self.text("msg").unwrap_or(""),
            self.sub_code().unwrap_or(""),
            self.text("sub_msg").unwrap_or(""),
        )))
    }

    /// The answer speaks of what was asked about.
    fn require_echo(&self, name: &str, expected: &str) -> Result<(), GatewayRefusal> {
        match self.text(name) {
            Some(value) if value != expected => Err(GatewayRefusal(format!(
                "Alipay answered {} for {name} {value}, not {expected}",
                self.method
            ))),
            _ => Ok(()),
        }
    }

    fn money(&self, name: &str) -> Result<Money, GatewayRefusal> {
        let text = self.text(name).unwrap_or_default();
        Money::parse_positive(text).map_err(|_| GatewayRefusal(format!("Alipay's {name} {text:?} is not an amount")))
    }
}
