//! Who is calling: the role and court a token carries, and the checks every operation asks of them.

use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Bidder,
    Judge,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Bidder => "bidder",
            Role::Judge => "judge",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [Role::Bidder, Role::Judge, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// An authenticated caller, taken from a valid bearer token. Missing or invalid token → 401.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: Uuid,
    pub role: Role,
    pub court_id: Option<Uuid>,
}

impl Caller {
    /// The court a judge acts for; anyone else is refused.
    pub fn judge_court(&self) -> ApiResult<Uuid> {
        match (self.role, self.court_id) {
            (Role::Judge, Some(court)) => Ok(court),
            _ => Err(ApiError::forbidden("only a judge of the court may do this")),
        }
    }

    /// A judge of `court`, and no one else.
    pub fn require_judge_of(&self, court: Uuid) -> ApiResult<()> {
        if self.judge_court()? == court {
            Ok(())
        } else {
            Err(ApiError::forbidden("this belongs to another court"))
        }
    }

    pub fn is_judge_of(&self, court: Uuid) -> bool {
        self.role == Role::Judge && self.court_id == Some(court)
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::forbidden("only an administrator may do this")),
        }
    }

    pub fn require_bidder(&self) -> ApiResult<()> {
        match self.role {
            Role::Bidder => Ok(()),
            _ => Err(ApiError::forbidden("only a bidder account may do this")),
        }
    }
}
