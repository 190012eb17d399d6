//! Where outbox messages go, chosen by `FAPAI_MAIL`.

use lettre::message::header::{ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;
use crate::persistence::entities::outbox_email;

/// `X-Fapai-Kind: negotiation_link` — what a message is about, for operators and tests.
#[derive(Clone)]
struct FapaiKind(String);

impl Header for FapaiKind {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Fapai-Kind")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(FapaiKind(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// The longest line 8-bit MIME allows is 998 octets (RFC 2045 §2.8); stay well below it.
const MAX_LINE_OCTETS: usize = 900;

/// A UTF-8 body sent as 8-bit: CRLF line endings, no line over the limit (split at a character
/// boundary if one ever were). lettre would otherwise pick quoted-printable for any line of 76 bytes
/// or more, which wraps long links in the `file:` outbox.
fn eight_bit(text: &str) -> Body {
    let mut out = String::with_capacity(text.len() + text.len() / 40);
    for line in text.lines() {
        let mut rest = line;
        while rest.len() > MAX_LINE_OCTETS {
            let mut cut = MAX_LINE_OCTETS;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n");
            rest = &rest[cut..];
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
    Body::dangerous_pre_encoded(out.into_bytes(), ContentTransferEncoding::EightBit)
}

/// Where messages go.
enum Transport {
    /// One `.eml` file per message in a directory (the embedded default; tests read it).
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Logs the recipient and subject only (bodies may hold personal links).
    Log,
}

/// Sends the outbox's messages from the configured sender through the configured transport.
pub struct Mailer {
    transport: Transport,
    pub from: Mailbox,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Mailer, String> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| format!("FAPAI_MAIL_FROM: {e}"))?;
        let target = settings.mail.trim();
        let transport = if target == "log" {
            Transport::Log
        } else if let Some(dir) = target.strip_prefix("file:") {
            std::fs::create_dir_all(dir).map_err(|e| format!("FAPAI_MAIL directory {dir}: {e}"))?;
            Transport::File(AsyncFileTransport::<Tokio1Executor>::new(dir))
        } else if let Some(address) = target.strip_prefix("smtp://") {
            let (host, port) = address.rsplit_once(':').unwrap_or((address, "25"));
            let port: u16 = port
                .trim_end_matches('/')
                .parse()
                .map_err(|_| format!("FAPAI_MAIL: bad port in {target}"))?;
            let tls_parameters = || TlsParameters::new(host.to_owned()).map_err(|e| format!("FAPAI_SMTP_TLS: {e}"));
            let tls = match settings.smtp_tls.as_str() {
                "none" => Tls::None,
                "starttls" => Tls::Required(tls_parameters()?),
                "tls" => Tls::Wrapper(tls_parameters()?),
                other => return Err(format!("FAPAI_SMTP_TLS must be none, starttls or tls, not {other}")),
            };
            let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .tls(tls)
                .timeout(Some(std::time::Duration::from_secs(20)));
            if !settings.smtp_username.is_empty() {
                builder = builder.credentials(Credentials::new(
                    settings.smtp_username.clone(),
                    settings.smtp_password.clone(),
                ));
            }
            Transport::Smtp(builder.build())
        } else {
            return Err(format!(
                "FAPAI_MAIL must be file:DIR, smtp://host:port or log, not {target}"
            ));
        };
        Ok(Mailer { transport, from })
    }

    /// Sends one outbox message as multipart plain text + HTML.
    pub async fn send(&self, message: &outbox_email::Model) -> Result<(), String> {
        let to: Mailbox = message.to_address.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .message_id(Some(format!("<{}@fapai>", message.id)))
            .header(FapaiKind(message.kind.clone()))
            // 8-bit UTF-8 bodies: readable as they are, and links are never wrapped by an encoding.
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(eight_bit(&message.text_body)),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(eight_bit(&message.html_body)),
                    ),
            )
            .map_err(|e| format!("cannot build the message: {e}"))?;
        match &self.transport {
            Transport::File(transport) => transport.send(email).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Smtp(transport) => transport.send(email).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Log => {
                tracing::info!(email.kind = %message.kind, email.subject = %message.subject, "email (log transport)");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_bit_bodies_keep_long_lines_and_stay_within_the_limit() {
        let link = format!("http://127.0.0.1:8080/negotiate/{}", "a".repeat(64));
        let body = eight_bit(&format!("您好：\n{link}\n{}", "长".repeat(400)));
        let text = String::from_utf8(body.into_vec()).unwrap();
        assert!(text.contains(&link), "the link is on one line");
        assert!(text.split("\r\n").all(|line| line.len() <= MAX_LINE_OCTETS));
        assert!(text.starts_with("您好：\r\n"));
        assert!(
            String::from_utf8(text.into_bytes()).is_ok(),
            "split at character boundaries"
        );
    }
}
