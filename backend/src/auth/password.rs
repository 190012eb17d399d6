//! Password hashing with Argon2id (the crate's default parameters: 19 MiB and about a core's worth of
//! work per hash), off the async executor and behind a gate: at most `slots` hashes run at once, the
//! rest wait their turn for a few seconds and are then told to come back (503 `busy`). So a flood of
//! sign-ins queues instead of taking all memory and every core.

use std::sync::LazyLock;
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};

/// The longest password hashed: beyond it a password is refused (sign-up) or cannot match (sign-in).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// How long a request waits for a free slot before 503.
const QUEUE_DEADLINE: Duration = Duration::from_secs(5);

pub struct Hashing {
    slots: Semaphore,
    deadline: Duration,
}

fn hash_now(password: &str) -> ApiResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// The hash of a random password nobody knows: checked for unknown accounts, so that a wrong email
/// takes as long to refuse as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_now(&uuid::Uuid::new_v4().to_string()).unwrap_or_default());

impl Hashing {
    /// `slots` hashes at once; 0 = one per core.
    pub fn new(slots: usize) -> Hashing {
        let slots = if slots == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            slots
        };
        Hashing {
            slots: Semaphore::new(slots),
            deadline: QUEUE_DEADLINE,
        }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        let permit = tokio::time::timeout(self.deadline, self.slots.acquire())
            .await
            .map_err(|_| {
                ApiError::new(
                    actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the server is busy signing people in; try again in a few seconds",
                )
                .with_retry_after(2)
            })?
            .map_err(ApiError::internal)?;
        let result = tokio::task::spawn_blocking(work).await.map_err(ApiError::internal);
        drop(permit);
        result
    }

    pub async fn hash(&self, password: String) -> ApiResult<String> {
        self.run(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `stored` (`None`: the account does not exist).
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Ok(false);
        }
        self.run(move || {
            let known = stored.is_some();
            let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return false;
            };
            Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_wait_for_a_slot_and_give_up_with_busy_past_the_deadline() {
        let hashing = Hashing {
            slots: Semaphore::new(1),
            deadline: Duration::from_millis(50),
        };
        let held = hashing.slots.acquire().await.expect("permit");
        let refused = hashing.hash("a long password".into()).await.expect_err("no slot");
        assert_eq!((refused.status.as_u16(), refused.code.as_ref()), (503, "busy"));
        assert_eq!(refused.retry_after, Some(2));
        drop(held);
        let hash = hashing.hash("a long password".into()).await.expect("a slot");
        assert!(
            hashing
                .verify("a long password".into(), Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !hashing
                .verify("x".repeat(MAX_PASSWORD_CHARS + 1), Some(hash))
                .await
                .expect("verify")
        );
    }
}
