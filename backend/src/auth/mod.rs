//! Who is calling: access tokens, password hashing, and the `Caller` extractor with role checks.

mod caller;
pub mod identity;
pub mod password;
pub mod throttle;
pub mod token;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use sea_orm::EntityTrait;

use crate::error::{ApiError, ApiResult};
use crate::persistence::entities::user;
use crate::state::AppState;

pub use caller::{Caller, Role};

fn bearer(req: &HttpRequest) -> Option<&str> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn caller_from(req: &HttpRequest) -> ApiResult<Option<Caller>> {
    let Some(token) = bearer(req) else {
        if req.headers().contains_key(actix_web::http::header::AUTHORIZATION) {
            return Err(ApiError::unauthenticated(
                "the Authorization header must be `Bearer <token>`",
            ));
        }
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    state.tokens.verify(token).map(Some)
}

/// 401 for the account of a judge (or the judges of a court) the administrator has deactivated.
pub fn account_deactivated() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "account_deactivated",
        "this account has been deactivated; ask the platform's administrator",
    )
}

/// 403 for a bidder account frozen on an upheld identity claim: it held another person's ID number.
pub fn account_frozen() -> ApiError {
    ApiError::forbidden_because(
        "account_frozen",
        "this account is frozen: the ID number it was registered with belongs to someone else",
    )
}

/// Whether a judge or administrator may still act: the account and its court are active.
pub async fn is_active(state: &AppState, account: &user::Model) -> ApiResult<bool> {
    if account.deactivated_at.is_some() {
        return Ok(false);
    }
    let Some(court_id) = account.court_id else {
        return Ok(true);
    };
    let court = crate::persistence::entities::court::Entity::find_by_id(court_id)
        .one(state.db.conn())
        .await?;
    Ok(court.is_some_and(|c| c.deactivated_at.is_none()))
}

/// A judge's or administrator's token is checked against the account as it is now: a judge moved to
/// another court or an account whose role changed must sign in again, at once rather than when the token
/// expires. (Bidders' tokens carry nothing the court could take back; their bids stay one lookup lighter.)
async fn still_current(req: HttpRequest, caller: Option<Caller>) -> ApiResult<Option<Caller>> {
    let Some(caller) = caller.filter(|c| c.role != Role::Bidder) else {
        return Ok(caller);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let account = user::Entity::find_by_id(caller.user_id).one(state.db.conn()).await?;
    match account {
        Some(account) if account.role == caller.role.as_str() && account.court_id == caller.court_id => {
            if is_active(state, &account).await? {
                Ok(Some(caller))
            } else {
                Err(account_deactivated())
            }
        }
        _ => Err(ApiError::unauthenticated(
            "this account's role or court has changed; sign in again",
        )),
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = caller_from(&req)?;
            still_current(req, caller)
                .await?
                .ok_or_else(|| ApiError::unauthenticated("sign in first: send `Authorization: Bearer <token>`"))
        })
    }
}

/// A caller who may or may not be signed in (public routes that show more to a court's judge).
/// A token that is present but invalid is still refused with 401.
#[derive(Debug, Clone, Copy)]
pub struct MaybeCaller(pub Option<Caller>);

impl MaybeCaller {
    /// Where this caller's public reads come from: an anonymous visitor's from a replica that keeps up; a
    /// signed-in caller's from the primary, where its own writes are.
    pub fn read_from(&self) -> crate::persistence::ReadFrom {
        match self.0 {
            None => crate::persistence::ReadFrom::Replica,
            Some(_) => crate::persistence::ReadFrom::Primary,
        }
    }
}

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<MaybeCaller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = caller_from(&req)?;
            Ok(MaybeCaller(still_current(req, caller).await?))
        })
    }
}

/// The client's address, for throttling: the connection's peer, or — when the peer is one of
/// `trusted_proxies` — the nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(req: &HttpRequest, trusted_proxies: &[std::net::IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    if !trusted_proxies.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    // Right to left: each proxy appends the address it saw; the first untrusted one is the client.
    forwarded
        .iter()
        .rev()
        .find(|ip| !trusted_proxies.contains(ip))
        .or(forwarded.first())
        .unwrap_or(&peer)
        .to_string()
}
