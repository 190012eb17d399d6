//! Alipay's open platform protocol (开放平台, RSA2): what a merchant and the gateway send each other, and
//! how each signs and checks it. The adapter (`super`) speaks it as the merchant; the simulator
//! (`super::simulator`) as the gateway.
//!
//! - A request is a set of parameters. Its signature covers every parameter except `sign` that has a value,
//!   sorted by name as `name=value` joined by `&` — the values as they are, not URL-encoded — signed with
//!   SHA256withRSA (PKCS #1 v1.5) and sent in base64.
//! - A notification (异步通知) is signed the same way, leaving out `sign` and `sign_type`.
//! - An API answer `{"<method>_response": {...}, "sign": "..."}` is signed over the exact text of the
//!   `<method>_response` value, so it is checked on the bytes received, before anything is parsed.

use std::collections::HashMap;

use auction_core::time::in_beijing;
use auction_core::{Instant, Money};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::sha2::Sha256;
use rsa::signature::{Keypair, RandomizedSigner, SignatureEncoding, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey, pkcs1v15};
use serde_json::value::RawValue;

pub const PAGE_PAY: &str = "alipay.trade.page.pay";
pub const WAP_PAY: &str = "alipay.trade.wap.pay";
pub const TRADE_QUERY: &str = "alipay.trade.query";
pub const REFUND: &str = "alipay.trade.refund";
pub const REFUND_QUERY: &str = "alipay.trade.fastpay.refund.query";

/// The answer code of a request the gateway carried out.
pub const SUCCESS_CODE: &str = "10000";
/// The notification's answer that stops the gateway sending it again.
pub const NOTIFICATION_RECEIVED: &str = "success";

/// A key that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

/// The text a signature covers: every parameter but those left out and those without a value, sorted by
/// name, as `name=value` joined by `&`.
pub fn content_to_sign<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, leave_out: &[&str]) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(name, value)| !value.is_empty() && !leave_out.contains(name))
        .collect();
    pairs.sort_unstable();
    let mut content = String::new();
    for (name, value) in pairs {
        if !content.is_empty() {
            content.push('&');
        }
        content.push_str(name);
        content.push('=');
        content.push_str(value);
    }
    content
}

/// A private key that signs: the merchant's application key, or (in the simulator) the gateway's.
#[derive(Clone)]
pub struct SigningKey(pkcs1v15::SigningKey<Sha256>);

impl SigningKey {
    /// A key as Alipay's key tool or OpenSSL writes it: PEM (PKCS #8 or PKCS #1), or the bare base64 of
    /// either's DER.
    pub fn from_text(text: &str) -> Result<SigningKey, KeyError> {
        let text = text.trim();
        let key = if text.starts_with("-----BEGIN PRIVATE KEY") {
            RsaPrivateKey::from_pkcs8_pem(text).map_err(|e| KeyError(format!("PKCS #8 PEM: {e}")))
        } else if text.starts_with("-----BEGIN RSA PRIVATE KEY") {
            RsaPrivateKey::from_pkcs1_pem(text).map_err(|e| KeyError(format!("PKCS #1 PEM: {e}")))
        } else {
            let der = bare_base64(text)?;
            RsaPrivateKey::from_pkcs8_der(&der)
                .or_else(|_| RsaPrivateKey::from_pkcs1_der(&der))
                .map_err(|_| KeyError("not an RSA private key in PEM, PKCS #8 or PKCS #1".into()))
        }?;
        Ok(SigningKey(pkcs1v15::SigningKey::new(key)))
    }

    /// A new 2048-bit key, as the tests and the simulator make theirs.
    pub fn generate() -> Result<SigningKey, KeyError> {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| KeyError(e.to_string()))?;
        Ok(SigningKey(pkcs1v15::SigningKey::new(key)))
    }

    /// The base64 SHA256withRSA signature of `content`. Blinded with fresh randomness each time, so its
    /// timing tells nothing of the key.
    pub fn sign(&self, content: &str) -> String {
        let signature = self.0.sign_with_rng(&mut rsa::rand_core::OsRng, content.as_bytes());
        BASE64.encode(signature.to_bytes())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }

    /// The key as PKCS #8 PEM (to hand a generated key to another process).
    pub fn to_pem(&self) -> Result<String, KeyError> {
        let key: &RsaPrivateKey = self.0.as_ref();
        key.to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| KeyError(e.to_string()))
    }
}

/// A public key that checks signatures: Alipay's public key (支付宝公钥), or in the simulator the merchant's.
#[derive(Clone)]
pub struct VerifyingKey(pkcs1v15::VerifyingKey<Sha256>);

impl VerifyingKey {
    /// A key as the open platform hands it out: PEM (SubjectPublicKeyInfo or PKCS #1), or bare base64 DER.
    pub fn from_text(text: &str) -> Result<VerifyingKey, KeyError> {
        let text = text.trim();
        let key = if text.starts_with("-----BEGIN PUBLIC KEY") {
            RsaPublicKey::from_public_key_pem(text).map_err(|e| KeyError(format!("public key PEM: {e}")))
        } else if text.starts_with("-----BEGIN RSA PUBLIC KEY") {
            RsaPublicKey::from_pkcs1_pem(text).map_err(|e| KeyError(format!("PKCS #1 PEM: {e}")))
        } else {
            let der = bare_base64(text)?;
            RsaPublicKey::from_public_key_der(&der)
                .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
                .map_err(|_| KeyError("not an RSA public key in PEM or DER".into()))
        }?;
        Ok(VerifyingKey(pkcs1v15::VerifyingKey::new(key)))
    }

    /// Whether `signature` (base64) is this key's signature of `content`.
    pub fn verify(&self, content: &str, signature: &str) -> bool {
        let Ok(bytes) = BASE64.decode(signature.trim()) else {
            return false;
        };
        let Ok(signature) = pkcs1v15::Signature::try_from(bytes.as_slice()) else {
            return false;
        };
        self.0.verify(content.as_bytes(), &signature).is_ok()
    }

    pub fn to_pem(&self) -> Result<String, KeyError> {
        let key: &RsaPublicKey = self.0.as_ref();
        key.to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError(e.to_string()))
    }
}

fn bare_base64(text: &str) -> Result<Vec<u8>, KeyError> {
    let joined: String = text.split_whitespace().collect();
    BASE64
        .decode(joined)
        .map_err(|_| KeyError("neither PEM nor base64".into()))
}

/// The request time as the gateway wants it: Beijing time, `yyyy-MM-dd HH:mm:ss`.
pub fn timestamp(at: Instant) -> String {
    in_beijing(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An amount as the protocol writes it: yuan with two decimals (`"70000.00"`).
pub fn amount(money: Money) -> String {
    money.to_string()
}

/// The parameters of a request to `method` with `biz_content`, signed with `key`.
pub fn signed_request(
    key: &SigningKey,
    app_id: &str,
    method: &str,
    biz_content: &serde_json::Value,
    extra: &[(&str, &str)],
    at: Instant,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("app_id", app_id),
        ("method", method),
        ("format", "JSON"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("version", "1.0"),
    ]
    .iter()
    .chain(extra)
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .collect();
    params.push(("timestamp".into(), timestamp(at)));
    params.push(("biz_content".into(), biz_content.to_string()));
    sign_params(key, &mut params, &["sign"]);
    params
}

/// Adds the signature of `params` (without those left out) as `sign`.
pub fn sign_params(key: &SigningKey, params: &mut Vec<(String, String)>, leave_out: &[&str]) {
    let content = content_to_sign(params.iter().map(|(n, v)| (n.as_str(), v.as_str())), leave_out);
    params.push(("sign".into(), key.sign(&content)));
}

/// Whether `params` carry `key`'s signature over the others (without those left out).
pub fn params_verify(key: &VerifyingKey, params: &[(String, String)], leave_out: &[&str]) -> bool {
    let Some((_, signature)) = params.iter().find(|(name, _)| name == "sign") else {
        return false;
    };
    let content = content_to_sign(params.iter().map(|(n, v)| (n.as_str(), v.as_str())), leave_out);
    key.verify(&content, signature)
}

/// The one value named `name` among `params`.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The key of a method's answer: `alipay.trade.query` → `alipay_trade_query_response`.
pub fn response_key(method: &str) -> String {
    format!("{}_response", method.replace('.', "_"))
}

/// An API answer as received: the exact text of its `<method>_response` (or `error_response`) value and
/// its signature, if it has one.
#[derive(Debug)]
pub struct SignedAnswer<'a> {
    pub content: &'a str,
    pub sign: Option<String>,
}

/// Finds the answer to `method` in `body` without re-serialising it (its signature covers its bytes).
pub fn answer_of<'a>(body: &'a str, method: &str) -> Result<SignedAnswer<'a>, String> {
    let fields: HashMap<String, &'a RawValue> =
        serde_json::from_str(body).map_err(|e| format!("the gateway's answer is not a JSON object: {e}"))?;
    let content = fields
        .get(&response_key(method))
        .or_else(|| fields.get("error_response"))
        .ok_or_else(|| format!("the gateway's answer has no {}", response_key(method)))?;
    let sign = match fields.get("sign") {
        Some(raw) => Some(serde_json::from_str::<String>(raw.get()).map_err(|_| "the answer's sign is not text")?),
        None => None,
    };
    Ok(SignedAnswer {
        content: content.get(),
        sign,
    })
}

/// An answer's body as the gateway writes it, signed with `key`.
pub fn signed_answer(key: &SigningKey, method: &str, answer: &serde_json::Value) -> String {
    let content = answer.to_string();
    let sign = key.sign(&content);
    format!(
        "{{\"{}\":{content},\"sign\":{}}}",
        response_key(method),
        serde_json::Value::String(sign)
    )
}

/// Where a trade stands at the gateway (交易状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeStatus {
    /// Created, not paid.
    WaitBuyerPay,
    /// Closed unpaid, or fully refunded.
    Closed,
    /// Paid; refunds are still possible.
    Success,
    /// Paid, and past refunds.
    Finished,
}

impl TradeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TradeStatus::WaitBuyerPay => "WAIT_BUYER_PAY",
            TradeStatus::Closed => "TRADE_CLOSED",
            TradeStatus::Success => "TRADE_SUCCESS",
            TradeStatus::Finished => "TRADE_FINISHED",
        }
    }

    pub fn parse(text: &str) -> Option<TradeStatus> {
        [
            TradeStatus::WaitBuyerPay,
            TradeStatus::Closed,
            TradeStatus::Success,
            TradeStatus::Finished,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// The buyer's money reached the merchant.
    pub fn is_paid(self) -> bool {
        matches!(self, TradeStatus::Success | TradeStatus::Finished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_content_sorts_names_and_drops_empty_values_and_the_signature() {
        let params = [
            ("method", "alipay.trade.query"),
            ("app_id", "2021000000000001"),
            ("sign", "xyz"),
            ("notify_url", ""),
            ("biz_content", "{\"out_trade_no\":\"a b&c\"}"),
        ];
        assert_eq!(
            content_to_sign(params, &["sign"]),
            "app_id=2021000000000001&biz_content={\"out_trade_no\":\"a b&c\"}&method=alipay.trade.query"
        );
    }

    #[test]
    fn the_answer_is_found_and_its_signature_covers_its_exact_text() {
        let body =
            r#"{"alipay_trade_query_response":{"code":"10000","msg":"Success", "total_amount":"1.00"},"sign":"c2ln"}"#;
        let answer = answer_of(body, TRADE_QUERY).unwrap();
        assert_eq!(
            answer.content,
            r#"{"code":"10000","msg":"Success", "total_amount":"1.00"}"#
        );
        assert_eq!(answer.sign.as_deref(), Some("c2ln"));
        assert!(answer_of("[]", TRADE_QUERY).is_err());
        assert!(answer_of(r#"{"other_response":{}}"#, TRADE_QUERY).is_err());
    }

    #[test]
    fn the_request_time_is_beijing_time() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T16:30:05Z")
            .unwrap()
            .to_utc();
        assert_eq!(timestamp(at), "2026-12-07 00:30:05");
    }

    /// Our signature of a page-pay request equals OpenSSL's of the same content with the same key, and ours
    /// checks OpenSSL's: the canonical text and the RSA2 algorithm agree with another implementation.
    #[test]
    fn a_request_is_signed_as_openssl_signs_it() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/alipay/");
        let read = |name: &str| std::fs::read_to_string(format!("{data}{name}")).unwrap();
        let key = SigningKey::from_text(&read("known-answer-key.pem")).unwrap();
        let public = VerifyingKey::from_text(&read("known-answer-key.pub.pem")).unwrap();
        let openssl = read("known-answer-signature.txt");
        let biz = r#"{"out_trade_no":"6f1c2a4e-0b7d-4c8e-9a51-3f2d7e8b9c10","total_amount":"70000.00","subject":"保证金 · 杭州市西湖区文三路99号"}"#;
        let params = [
            ("timestamp", "2026-12-07 00:30:05"),
            ("sign_type", "RSA2"),
            ("method", PAGE_PAY),
            ("app_id", "2021000000000001"),
            ("version", "1.0"),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("biz_content", biz),
            ("notify_url", ""),
        ];
        let content = content_to_sign(params, &["sign"]);
        assert_eq!(content, read("known-answer-content.txt"));
        assert_eq!(key.sign(&content), openssl.trim());
        assert!(public.verify(&content, &openssl));
        assert!(
            !public.verify(&content.replace("70000.00", "7000.00"), &openssl),
            "a changed amount"
        );
        assert!(
            !SigningKey::generate()
                .unwrap()
                .verifying_key()
                .verify(&content, &openssl),
            "another key"
        );
    }
}
