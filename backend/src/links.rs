//! The public addresses of things, as emails, documents and answers link to them: one place for each,
//! so a page that moves is changed once.

use uuid::Uuid;

/// The deal confirmation (成交确认书), public (R51).
pub fn confirmation_path(deal_id: Uuid) -> String {
    format!("/api/deals/{deal_id}/confirmation")
}

/// The sale ruling (成交裁定), public once issued (R52).
pub fn ruling_path(deal_id: Uuid) -> String {
    format!("/api/deals/{deal_id}/ruling")
}

/// A round's page in the web app.
pub fn round_page(public_url: &str, round_id: Uuid) -> String {
    format!("{public_url}/auctions/{round_id}")
}

/// A deal's page in the web app, where the buyer pays the balance.
pub fn deal_page(public_url: &str, deal_id: Uuid) -> String {
    format!("{public_url}/deals/{deal_id}")
}

/// A party's personal negotiation link; the token is the only key to it.
pub fn negotiation_page(public_url: &str, token: &str) -> String {
    format!("{public_url}/negotiate/{token}")
}

/// The court console's dashboard in the web app.
pub fn court_console(public_url: &str) -> String {
    format!("{public_url}/court")
}

/// The web app's page for paying an order, where the gateway sends the payer back to, with the app page
/// to go on to afterwards (only a path of this app).
pub fn payment_page(public_url: &str, order_id: Uuid, next: Option<&str>) -> String {
    let base = format!("{public_url}/pay/{order_id}");
    match next {
        Some(next) => format!(
            "{base}?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        ),
        None => base,
    }
}

/// Where Alipay posts its notifications.
pub fn alipay_notify_url(public_url: &str) -> String {
    format!("{public_url}/api/payments/alipay/notify")
}
