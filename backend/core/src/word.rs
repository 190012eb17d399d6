//! A closed vocabulary spelled one way — a status, a kind — as the rules' enums are: one trait, so that
//! storage and the API read and write every such word the same way. A word no variant spells is an
//! error, never a guess.
//!
//! With the `sea-orm` feature each of them is a column type of its own (stored as its spelling); with
//! `openapi` each is a schema of its own (an enum of its spellings). Neither adds I/O to the rules.

/// A word of a closed vocabulary.
pub trait Word: Copy + PartialEq + std::fmt::Debug + 'static {
    /// The vocabulary's name, for errors.
    const NAME: &'static str;
    fn as_str(self) -> &'static str;
    fn parse(text: &str) -> Option<Self>;
}

/// A stored or received word that no variant spells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} {text:?}")]
pub struct UnknownWord {
    pub vocabulary: &'static str,
    pub text: String,
}

/// `text` read as a word of `W`'s vocabulary (storage reads through it).
pub fn stored<W: Word>(text: &str) -> Result<W, UnknownWord> {
    W::parse(text).ok_or_else(|| UnknownWord {
        vocabulary: W::NAME,
        text: text.to_owned(),
    })
}

/// `word`'s one spelling (storage writes through it).
pub fn spelled<W: Word>(word: &W) -> &'static str {
    word.as_str()
}

/// Implements [`Word`] for an enum with inherent `as_str` and `parse`.
macro_rules! word {
    ($type:ty, $name:literal) => {
        impl $crate::word::Word for $type {
            const NAME: &'static str = $name;
            fn as_str(self) -> &'static str {
                <$type>::as_str(self)
            }
            fn parse(text: &str) -> Option<Self> {
                <$type>::parse(text)
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use word;

/// Declares a closed vocabulary: the enum with its one spelling per variant, `ALL`, `as_str`, `parse`,
/// [`Word`] and `Display`, and — with the crate's features — its column type and API schema.
///
/// `$text` is a `tt`, not a `literal`: a literal fragment reaches the derives wrapped in an invisible group,
/// and utoipa then misses the serde rename.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident ($vocabulary:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(
            feature = "sea-orm",
            derive(sea_orm::DeriveValueType),
            sea_orm(value_type = "String", from_str = "crate::word::stored", to_str = "crate::word::spelled")
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|value| value.as_str() == text)
            }
        }

        $crate::word::word!($name, $vocabulary);
    };
}
pub(crate) use words;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RoundStatus;

    /// The API shows a word by its serde name, storage by `as_str`: they must be the same spelling.
    fn spelled_alike<W: Word + serde::Serialize>(words: &[W]) {
        for word in words {
            assert_eq!(serde_json::to_value(word).unwrap(), word.as_str(), "{}", W::NAME);
            assert_eq!(W::parse(word.as_str()), Some(*word));
        }
    }

    #[test]
    fn every_word_is_shown_as_it_is_stored() {
        use crate::DepositStatus;
        use crate::agency::AgencyStatus;
        use crate::deal::DealStatus;
        use crate::objection::{Ground, ObjectionStatus, ObjectorRole};
        use crate::setup::{Category, ReferenceMethod};
        spelled_alike(&RoundStatus::ALL);
        spelled_alike(&DealStatus::ALL);
        spelled_alike(&ObjectionStatus::ALL);
        spelled_alike(&ObjectorRole::ALL);
        spelled_alike(&Ground::ALL);
        spelled_alike(&Category::ALL);
        spelled_alike(&[AgencyStatus::Pending, AgencyStatus::Confirmed, AgencyStatus::Refused]);
        spelled_alike(&[
            DepositStatus::Unpaid,
            DepositStatus::Frozen,
            DepositStatus::Released,
            DepositStatus::Applied,
            DepositStatus::Forfeited,
            DepositStatus::Refunded,
        ]);
        spelled_alike(&[
            ReferenceMethod::Negotiation,
            ReferenceMethod::TargetedInquiry,
            ReferenceMethod::OnlineInquiry,
            ReferenceMethod::Appraisal,
        ]);
    }

    #[test]
    fn a_word_reads_back_and_an_unknown_one_is_named_in_the_error() {
        assert_eq!(
            stored::<RoundStatus>(spelled(&RoundStatus::Bidding)),
            Ok(RoundStatus::Bidding)
        );
        assert_eq!(
            stored::<RoundStatus>("closed").unwrap_err().to_string(),
            "unknown round status \"closed\""
        );
    }
}
