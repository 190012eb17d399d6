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

/// Declares a closed vocabulary: the enum with its one spelling per variant, `ALL`, `as_str`, `parse`,
/// [`Word`] and `Display` — and, when this crate is built with `sea-orm` and `openapi` (the backend turns
/// both on), its column type and its API schema. The rules' words and the backend's use the one macro
/// (`auction_core::words!`).
///
/// `$text` is a `tt`, not a `literal`: a literal fragment reaches the derives wrapped in an invisible group,
/// and utoipa then misses the serde rename.
#[macro_export]
macro_rules! words {
    ($(#[$meta:meta])* $name:ident ($vocabulary:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $crate::__stored_word! {
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
            pub enum $name {
                $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
            }
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

        impl $crate::Word for $name {
            const NAME: &'static str = $vocabulary;
            fn as_str(self) -> &'static str {
                <$name>::as_str(self)
            }
            fn parse(text: &str) -> Option<Self> {
                <$name>::parse(text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

// The derives a word gets from this crate's features, decided where the crate is built: an exported macro's
// own `cfg_attr` would be read in the crate that uses it.
#[cfg(all(feature = "sea-orm", feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __stored_word {
    ($(#[$meta:meta])* pub enum $($rest:tt)*) => {
        $(#[$meta])*
        #[derive(utoipa::ToSchema, sea_orm::DeriveValueType)]
        #[sea_orm(value_type = "String", from_str = "auction_core::word::stored", to_str = "auction_core::word::spelled")]
        pub enum $($rest)*
    };
}

#[cfg(all(feature = "sea-orm", not(feature = "openapi")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __stored_word {
    ($(#[$meta:meta])* pub enum $($rest:tt)*) => {
        $(#[$meta])*
        #[derive(sea_orm::DeriveValueType)]
        #[sea_orm(value_type = "String", from_str = "auction_core::word::stored", to_str = "auction_core::word::spelled")]
        pub enum $($rest)*
    };
}

#[cfg(all(feature = "openapi", not(feature = "sea-orm")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __stored_word {
    ($(#[$meta:meta])* pub enum $($rest:tt)*) => {
        $(#[$meta])*
        #[derive(utoipa::ToSchema)]
        pub enum $($rest)*
    };
}

#[cfg(not(any(feature = "sea-orm", feature = "openapi")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __stored_word {
    ($($item:tt)*) => { $($item)* };
}

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
        spelled_alike(RoundStatus::ALL);
        spelled_alike(DealStatus::ALL);
        spelled_alike(ObjectionStatus::ALL);
        spelled_alike(ObjectorRole::ALL);
        spelled_alike(Ground::ALL);
        spelled_alike(Category::ALL);
        spelled_alike(AgencyStatus::ALL);
        spelled_alike(DepositStatus::ALL);
        spelled_alike(ReferenceMethod::ALL);
        spelled_alike(crate::ledger::LedgerKind::ALL);
        spelled_alike(crate::payment::PaymentStatus::ALL);
        spelled_alike(crate::payment::PaymentPurpose::ALL);
        spelled_alike(crate::refund::RefundStatus::ALL);
        spelled_alike(crate::refund::RefundReason::ALL);
        spelled_alike(crate::refund::RefundPurpose::ALL);
        spelled_alike(crate::refund::RefundMethod::ALL);
        spelled_alike(crate::reconciliation::DifferenceKind::ALL);
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
