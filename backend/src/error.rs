//! The one error type handlers return, and how it becomes `{"error": {code, message, details}}`.
//!
//! Which error belongs where: rule violations decided by `auction-core` arrive as its typed errors and
//! are mapped here to their stable codes (422 / 409 / 403); input the API cannot parse is 400 or 422;
//! everything unexpected (database, I/O) becomes an opaque 500 whose cause is logged, never sent.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    pub details: Option<Value>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
    /// What went wrong inside, for a 500: logged when the response is built and shown by `Display`,
    /// never sent.
    pub cause: Option<Box<str>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The same refusal again, for each of several requests one failure answers (a bid batch).
    pub fn duplicate(&self) -> ApiError {
        ApiError {
            status: self.status,
            code: self.code.clone(),
            message: self.message.clone(),
            details: self.details.clone(),
            retry_after: self.retry_after,
            cause: self.cause.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The contract's error shape.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable snake_case code, e.g. `bid_too_low`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            details: None,
            retry_after: None,
            cause: None,
        }
    }

    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn forbidden_because(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unprocessable(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// Something this request needs is not answering now: 503, to be tried again after `retry_after` seconds.
    pub fn unavailable(code: &'static str, message: impl Into<String>, retry_after: u64) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message).with_retry_after(retry_after)
    }

    pub fn too_large(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
    }

    /// A sign-in refused for its credentials: 401 with its own code, not `unauthenticated`.
    pub fn unauthorized_because(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// An unexpected failure: the cause goes to the log, the client gets a bare 500.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        ApiError {
            cause: Some(cause.to_string().into()),
            ..ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on our side; please try again",
            )
        }
    }

    /// The body of this error, for places that answer without going through `ResponseError`.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                details: self.details.clone(),
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)?;
        match &self.cause {
            Some(cause) => write!(f, " ({cause})"),
            None => Ok(()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(error.code = %self.code, error.cause = %cause, "request failed inside");
        }
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(self.body())
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> ApiError {
        if is_unavailable(&err) {
            tracing::warn!(error = %error_chain(&err), "database unavailable");
            return database_unavailable();
        }
        ApiError::internal(error_chain(&err))
    }
}

/// The answer while the database cannot be reached or cannot write — a failover, a restart, a lost
/// connection: nothing was decided, and the same request (a bid with its `request_id`) may be sent again.
pub fn database_unavailable() -> ApiError {
    ApiError::unavailable(
        "unavailable",
        "the database is not available for a moment (a failover or a restart); send the request again",
        DATABASE_RETRY_AFTER_SECONDS,
    )
}

/// How long a client waits before sending again while the database is unavailable.
pub const DATABASE_RETRY_AFTER_SECONDS: u64 = 2;

/// Whether a database error means the database cannot be reached or cannot write just now, rather than a
/// fault in the request or the code: no connection from the pool in time, a connection lost or refused, the
/// server shutting down or starting, or a primary that has become a standby (read-only) under a failover.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else {
        return matches!(runtime, RuntimeErr::Internal(_)) && matches!(err, DbErr::Conn(_));
    };
    match sqlx.as_ref() {
        Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        Sqlx::Protocol(_) => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| is_unavailable_state(&code)),
        _ => false,
    }
}

/// SQLSTATEs of a database that is going away or not yet there: connection exceptions (class 08), an
/// administrator's or a crash's shutdown and "cannot connect now" (57P01–57P03), and a write refused by a
/// read-only standby (25006) — the old primary after a failover, until the pool reconnects to the new one.
fn is_unavailable_state(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "25006")
}

/// An error with every cause under it (`source()`), outermost first, so a logged 500 explains itself.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        // Some wrappers repeat their source's text in their own; say each thing once.
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// Whether a database error is a unique-constraint violation (e.g. a concurrent duplicate insert).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Maps actix's JSON extractor failures onto the contract: 413 for a body over the limit, 400 otherwise.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api = match &err {
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than the limit of {limit} bytes"),
        ),
        JsonPayloadError::Payload(payload) if is_late_body(payload) => late_body(),
        JsonPayloadError::ContentType => ApiError::bad_request(
            "unsupported_content_type",
            "send the body as JSON with Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(inner) if inner.is_data() => ApiError::bad_request(
            "invalid_body",
            format!("the request body does not have the expected fields: {inner}"),
        ),
        JsonPayloadError::Deserialize(inner) => {
            ApiError::bad_request("malformed_json", format!("the request body is not valid JSON: {inner}"))
        }
        other => ApiError::bad_request("malformed_json", format!("the request body could not be read: {other}")),
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Whether a body failed because it missed its deadline (`bodies.rs` ends it with a timed-out read).
fn is_late_body(err: &actix_web::error::PayloadError) -> bool {
    matches!(err, actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// A body that missed its deadline; the connection is closed after the answer.
fn late_body() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "the request body did not arrive in time",
    )
}

/// Maps path and query extractor failures (a malformed UUID, a bad page number) onto 400 / 404.
pub fn path_error(err: actix_web::error::PathError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    let api = ApiError::not_found("resource");
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Maps multipart upload failures: 413 when a part or the whole body is over its limit, 400 otherwise.
pub fn multipart_error(err: actix_multipart::MultipartError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_multipart::MultipartError;
    let too_large = match &err {
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => true,
        MultipartError::Field { source, .. } => {
            source.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE
        }
        _ => false,
    };
    let api = match &err {
        MultipartError::Payload(payload) if is_late_body(payload) => late_body(),
        _ if too_large => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            "the upload is larger than allowed (photos 10 MiB, documents 20 MiB)",
        ),
        MultipartError::MissingField(field) => {
            ApiError::bad_request("invalid_body", format!("the form has no `{field}` part"))
        }
        other => ApiError::bad_request("invalid_body", format!("the upload could not be read: {other}")),
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Refusals made before a handler runs — an extractor's or actix's own (a body over its limit, a path no
/// route has, a method a route lacks) — answered in the contract's error shape like every other, with the
/// original's headers (`Allow`, `Retry-After`) kept.
pub async fn shape_refusals<B: actix_web::body::MessageBody + 'static>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::EitherBody<B>>, actix_web::Error> {
    use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
    let api = req.path().starts_with("/api/");
    let res = next.call(req).await?;
    let status = res.status();
    let shaped = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !api || !status.is_client_error() || shaped {
        return Ok(res.map_into_left_body());
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is larger than allowed"),
        StatusCode::NOT_FOUND => ("not_found", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this resource does not take that method"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "the body's content type is not accepted here")
        }
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "the request was not received in time"),
        _ => ("invalid_request", "the request could not be read"),
    };
    let (req, original) = res.into_parts();
    let (original, body) = original.into_parts();
    // Actix's own refusals say what went wrong in a short text: kept as the message's second half.
    let said = match actix_web::body::to_bytes_limited(body, 512).await {
        Ok(Ok(bytes)) => String::from_utf8(bytes.to_vec()).unwrap_or_default(),
        _ => String::new(),
    };
    let message = if said.trim().is_empty() {
        message.to_owned()
    } else {
        format!("{message}: {}", said.trim())
    };
    let mut shaped = ApiError::new(status, code, message).error_response();
    for (name, value) in original.headers() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH && !shaped.headers().contains_key(name) {
            shaped.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(actix_web::dev::ServiceResponse::new(req, shaped).map_into_right_body())
}

pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    let api = ApiError::bad_request("invalid_query", format!("the query string is not valid: {err}"));
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

// ---- the rules' refusals, each with its stable code ----

impl From<auction_core::round::BidRejection> for ApiError {
    fn from(rejection: auction_core::round::BidRejection) -> ApiError {
        use auction_core::round::BidRejection;
        let status = match &rejection {
            BidRejection::DepositUnpaid => StatusCode::FORBIDDEN,
            BidRejection::NotBidding => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let error = ApiError::new(status, rejection.code(), rejection.to_string());
        match rejection {
            BidRejection::BidTooLow { minimum } => error.with_details(serde_json::json!({ "minimum": minimum })),
            BidRejection::NotSellOffPrice { price } => error.with_details(serde_json::json!({ "price": price })),
            _ => error,
        }
    }
}

impl From<auction_core::agency::AgencyError> for ApiError {
    fn from(err: auction_core::agency::AgencyError) -> ApiError {
        use auction_core::agency::AgencyError;
        let status = match err {
            AgencyError::TooLate => StatusCode::CONFLICT,
            AgencyError::NotConfirmed => StatusCode::FORBIDDEN,
        };
        ApiError::new(status, err.code(), err.to_string())
    }
}

impl From<auction_core::setup::TermsError> for ApiError {
    fn from(err: auction_core::setup::TermsError) -> ApiError {
        use auction_core::setup::TermsError;
        let details = match &err {
            TermsError::StartingPriceBelowFloor { floor } => Some(serde_json::json!({ "floor": floor })),
            TermsError::DepositOutOfRange { min, max } => Some(serde_json::json!({ "min": min, "max": max })),
            _ => None,
        };
        let error = ApiError::unprocessable(err.code(), err.to_string());
        match details {
            Some(details) => error.with_details(details),
            None => error,
        }
    }
}

impl From<auction_core::setup::PublishError> for ApiError {
    fn from(err: auction_core::setup::PublishError) -> ApiError {
        use auction_core::setup::PublishError;
        let error = ApiError::unprocessable(err.code(), err.to_string());
        match err {
            PublishError::NoticePeriodTooShort { required, actual } => {
                error.with_details(serde_json::json!({ "required_days": required, "actual_days": actual }))
            }
            PublishError::ReferencePriceExpired { .. } => error,
        }
    }
}

impl From<auction_core::deal::AfterSaleError> for ApiError {
    fn from(err: auction_core::deal::AfterSaleError) -> ApiError {
        use auction_core::deal::AfterSaleError;
        match err {
            AfterSaleError::InvalidTime => ApiError::unprocessable(err.code(), err.to_string()),
            _ => ApiError::conflict(err.code(), err.to_string()),
        }
    }
}

impl From<auction_core::objection::ObjectionError> for ApiError {
    fn from(err: auction_core::objection::ObjectionError) -> ApiError {
        use auction_core::objection::ObjectionError;
        match err {
            ObjectionError::NoGrounds => ApiError::unprocessable(err.code(), err.to_string()),
            _ => ApiError::conflict(err.code(), err.to_string()),
        }
    }
}

impl From<auction_core::round::StatusConflict> for ApiError {
    fn from(err: auction_core::round::StatusConflict) -> ApiError {
        ApiError::conflict(err.code(), err.to_string())
    }
}

impl From<auction_core::round::HoldError> for ApiError {
    fn from(err: auction_core::round::HoldError) -> ApiError {
        ApiError::conflict(err.code(), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_server_error_logs_every_cause_under_it() {
        let io = std::io::Error::other("connection reset by peer");
        let db = sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal(format!("pool: {}", "timed out")));
        assert_eq!(super::error_chain(&db), db.to_string());
        #[derive(Debug, thiserror::Error)]
        #[error("saving the bid")]
        struct Saving(#[source] std::io::Error);
        assert_eq!(
            super::error_chain(&Saving(io)),
            "saving the bid: connection reset by peer"
        );
    }

    use super::*;

    #[test]
    fn an_internal_cause_is_kept_for_the_log_and_never_sent() {
        let error = ApiError::internal("cannot seed the demo: disk full");
        assert_eq!(error.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(error.to_string().contains("cannot seed the demo: disk full"), "{error}");
        let body = serde_json::to_string(&error.body()).unwrap();
        assert!(!body.contains("disk full"), "{body}");
        assert!(ApiError::conflict("listing_sold", "sold").cause.is_none());
    }
}
