//! Real-name verification (实名认证) of a bidder at sign-up, behind one interface so that a provider
//! (a bank card or public-security check) can be added here without touching the services.
//!
//! `sandbox`, the only verifier today: the ID number has passed its GB 11643 checksum already; the
//! name must look like a person's name (2–30 letters of any script, with the spaces and middle dots
//! of transliterated names). For an organisation the credit code has passed its GB 32100 check, and the
//! name must look like an organisation's (2–200 characters, at least two letters, the brackets and
//! punctuation of registered names). It checks nothing against a register, and says so in the README.

use auction_core::{CreditCode, IdNumber};

use crate::config::ConfigError;
use crate::error::{ApiError, ApiResult};

pub enum IdentityVerifier {
    Sandbox,
}

impl IdentityVerifier {
    /// The verifier `FAPAI_IDENTITY` names.
    pub fn named(name: &str) -> Result<IdentityVerifier, ConfigError> {
        match name {
            "sandbox" => Ok(IdentityVerifier::Sandbox),
            other => Err(ConfigError::Invalid(format!(
                "FAPAI_IDENTITY={other} is not supported; only `sandbox` is available"
            ))),
        }
    }

    /// Whether this person is who they say: `422 identity_not_verified` if not.
    pub async fn verify(&self, real_name: &str, id_number: &IdNumber) -> ApiResult<()> {
        let verified = match self {
            IdentityVerifier::Sandbox => plausible_name(real_name) && !id_number.as_str().is_empty(),
        };
        if verified {
            Ok(())
        } else {
            Err(ApiError::unprocessable(
                "identity_not_verified",
                "the real name and ID number could not be verified; give the name as it is on the ID card",
            ))
        }
    }

    /// Whether this organisation is registered under this name and code: `422 identity_not_verified` if not.
    pub async fn verify_organisation(&self, name: &str, credit_code: &CreditCode) -> ApiResult<()> {
        let verified = match self {
            IdentityVerifier::Sandbox => plausible_organisation_name(name) && !credit_code.as_str().is_empty(),
        };
        if verified {
            Ok(())
        } else {
            Err(ApiError::unprocessable(
                "identity_not_verified",
                "the organisation's name and credit code could not be verified; give the name as it is on the \
                 business licence",
            ))
        }
    }
}

fn plausible_organisation_name(name: &str) -> bool {
    let length = name.chars().count();
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    (2..=200).contains(&length)
        && letters >= 2
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || " ·-.,&'()（）、".contains(c))
}

fn plausible_name(name: &str) -> bool {
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    let length = name.chars().count();
    (2..=30).contains(&length)
        && letters >= 2
        && name
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '·' | '•' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_must_look_like_a_persons() {
        for good in ["陈爱丽", "欧阳娜娜", "阿卜杜·热合曼", "Li Wei", "Jean-Luc"] {
            assert!(plausible_name(good), "{good}");
        }
        for bad in ["王", "A", "12345", "陈1", "管理员@", &"长".repeat(31)] {
            assert!(!plausible_name(bad), "{bad}");
        }
    }

    #[test]
    fn an_organisation_name_must_look_like_a_registered_one() {
        for good in [
            "杭州某某科技有限公司",
            "北京市某律师事务所（特殊普通合伙）",
            "Acme Trading Co., Ltd.",
        ] {
            assert!(plausible_organisation_name(good), "{good}");
        }
        for bad in ["公", "12345678", "某公司<script>", &"长".repeat(201)] {
            assert!(!plausible_organisation_name(bad), "{bad}");
        }
    }

    #[test]
    fn only_the_sandbox_is_available() {
        assert!(IdentityVerifier::named("sandbox").is_ok());
        assert!(IdentityVerifier::named("police").is_err());
    }
}
