//! The templates in `backend/templates/`, compiled into the binary and rendered with minijinja.
//! Names ending in `.html` are HTML-escaped; `.txt` templates are plain text.

use std::sync::LazyLock;

use minijinja::Environment;

use crate::error::{ApiError, ApiResult};

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in templates![
        "pages/document.html",
        "pages/confirmation.html",
        "pages/ruling.html",
        "email/layout.html",
        "email/negotiation_link.txt",
        "email/negotiation_link.html",
        "email/deposit_frozen.txt",
        "email/deposit_frozen.html",
        "email/bidding_opens.txt",
        "email/bidding_opens.html",
        "email/terms_notice.txt",
        "email/terms_notice.html",
        "email/won.txt",
        "email/won.html",
        "email/deposit_released.txt",
        "email/deposit_released.html",
        "email/balance_reminder.txt",
        "email/balance_reminder.html",
        "email/default_notice.txt",
        "email/default_notice.html",
        "email/court_action.txt",
        "email/court_action.html",
        "email/sale_revoked.txt",
        "email/sale_revoked.html",
        "email/watch_reminder.txt",
        "email/watch_reminder.html",
        "email/court_deadline.txt",
        "email/court_deadline.html",
        "email/agency.txt",
        "email/agency.html",
        "email/identity_claim.txt",
        "email/identity_claim.html",
        "email/account_frozen.txt",
        "email/account_frozen.html",
        "email/payment_refunded.txt",
        "email/payment_refunded.html",
    ] {
        // A syntax error is caught by the unit test that renders every template.
        if let Err(err) = env.add_template(name, source) {
            tracing::error!(template = name, error = %err, "template does not compile");
        }
    }
    env
});

/// Renders the template `name` with `context`.
pub fn render(name: &str, context: &minijinja::Value) -> ApiResult<String> {
    let template = ENVIRONMENT.get_template(name).map_err(ApiError::internal)?;
    template.render(context).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_html_is_escaped() {
        for (name, _) in ENVIRONMENT.templates() {
            assert!(ENVIRONMENT.get_template(name).is_ok(), "{name}");
        }
        // Every file under backend/templates is registered.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let files: usize = ["email", "pages"]
            .iter()
            .map(|sub| std::fs::read_dir(dir.join(sub)).map_or(0, |entries| entries.count()))
            .sum();
        assert_eq!(ENVIRONMENT.templates().count(), files);
        let context = minijinja::context! { name => "<b>张三</b>", title => "x", deposit => "1.00", outcome => "结束", outcome_en => "ended" };
        let html = render("email/deposit_released.html", &context).unwrap();
        assert!(
            html.contains("&lt;b&gt;张三&lt;&#x2f;b&gt;") || html.contains("&lt;b&gt;张三&lt;/b&gt;"),
            "{html}"
        );
        let text = render("email/deposit_released.txt", &context).unwrap();
        assert!(text.contains("<b>张三</b>"), "plain text is not escaped");
    }
}
