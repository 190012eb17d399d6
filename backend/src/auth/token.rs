//! HS256 access tokens with an expiry. Only HS256 is accepted: `alg: none`, other algorithms, forged
//! signatures and expired tokens are all refused.
//!
//! Expiry is checked against real time, not the injected clock: it protects accounts, it is not a legal
//! duration, and a test that moves the manual clock a month ahead should keep its sessions.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::caller::{Caller, Role};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    court: Option<Uuid>,
    iat: i64,
    exp: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], lifetime_hours: u32) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime: Duration::hours(i64::from(lifetime_hours)),
        }
    }

    /// A token for `caller`, and when it expires.
    pub fn issue(&self, caller: &Caller) -> ApiResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires_at = now + self.lifetime;
        let claims = Claims {
            sub: caller.user_id,
            role: caller.role,
            court: caller.court_id,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)?;
        Ok((token, expires_at))
    }

    pub fn verify(&self, token: &str) -> ApiResult<Caller> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|err| {
            use jsonwebtoken::errors::ErrorKind;
            match err.kind() {
                ErrorKind::ExpiredSignature => ApiError::unauthenticated("the access token has expired; sign in again"),
                _ => ApiError::unauthenticated("the access token is not valid"),
            }
        })?;
        let claims = data.claims;
        Ok(Caller {
            user_id: claims.sub,
            role: claims.role,
            court_id: claims.court,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"a test secret that is long enough", 1)
    }

    fn caller() -> Caller {
        Caller {
            user_id: Uuid::new_v4(),
            role: Role::Judge,
            court_id: Some(Uuid::new_v4()),
        }
    }

    #[test]
    fn a_token_round_trips() {
        let who = caller();
        let (token, _) = keys().issue(&who).unwrap();
        let back = keys().verify(&token).unwrap();
        assert_eq!(
            (back.user_id, back.role, back.court_id),
            (who.user_id, who.role, who.court_id)
        );
    }

    #[test]
    fn a_forged_signature_is_refused() {
        let (token, _) = TokenKeys::new(b"another secret entirely", 1).issue(&caller()).unwrap();
        assert_eq!(keys().verify(&token).unwrap_err().status.as_u16(), 401);
    }

    #[test]
    fn alg_none_is_refused() {
        // {"alg":"none","typ":"JWT"} . {"sub":"7d444840-…","role":"admin","iat":0,"exp":9999999999} . (no signature)
        let token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI3ZDQ0NDg0MC05ZGMwLTExZDEtYjI0NS01ZmZkY2U3NGZhZDIiLCJyb2xlIjoiYWRtaW4iLCJpYXQiOjAsImV4cCI6OTk5OTk5OTk5OX0.";
        assert_eq!(keys().verify(token).unwrap_err().status.as_u16(), 401);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let keys = keys();
        let claims = Claims {
            sub: Uuid::new_v4(),
            role: Role::Admin,
            court: None,
            iat: 0,
            exp: Utc::now().timestamp() - 60,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        let err = keys.verify(&token).unwrap_err();
        assert_eq!(err.status.as_u16(), 401);
        assert!(err.message.contains("expired"));
    }
}
