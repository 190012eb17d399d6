//! The statuses stored as text that the rules' crate does not own (rounds, deals and deposits have theirs
//! in `auction-core`): one enum each, with its one spelling. Reading a value no code knows is an error,
//! never a guess.

macro_rules! vocabulary {
    // `$text` is a `tt`, not a `literal`: a literal fragment reaches the derives wrapped in an invisible
    // group, and utoipa then misses the serde rename. Each enum is a column type of its own (stored as its
    // spelling) and an enum in the API's description.
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema, sea_orm::DeriveValueType)]
        #[sea_orm(value_type = "String", from_str = "auction_core::word::stored", to_str = "auction_core::word::spelled")]
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
        }

        impl auction_core::Word for $name {
            const NAME: &'static str = stringify!($name);

            fn as_str(self) -> &'static str {
                <$name>::as_str(self)
            }

            fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|value| value.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// Where an identity claim stands (`services::identity_claims`).
    ClaimStatus { Pending = "pending", Upheld = "upheld", Rejected = "rejected" }
);

vocabulary!(
    /// Where a listing stands.
    ListingStatus {
        /// Its reference price is not fixed yet.
        Pricing = "pricing",
        Priced = "priced",
        InAuction = "in_auction",
        Sold = "sold",
        /// Its latest round failed.
        Unsold = "unsold",
        Withdrawn = "withdrawn",
        /// The buyer did not pay: a re-auction may follow.
        Defaulted = "defaulted",
        /// Its sale was set aside on an objection (R65): it may be auctioned again.
        Revoked = "revoked",
        /// Its sell-off failed and the court released it (R57): no further sale here.
        Released = "released",
    }
);

vocabulary!(
    /// A negotiation of the reference price between the parties.
    NegotiationStatus { Open = "open", Agreed = "agreed", Failed = "failed" }
);

vocabulary!(
    /// An email in the outbox.
    OutboxStatus { Pending = "pending", Sent = "sent", Failed = "failed" }
);

#[cfg(test)]
mod tests {
    use super::*;
    use auction_core::Word;

    #[test]
    fn every_value_reads_back_is_shown_as_stored_and_an_unknown_one_is_an_error() {
        fn each<W: Word + serde::Serialize>(all: &[W]) {
            for word in all {
                assert_eq!(W::parse(word.as_str()), Some(*word));
                assert_eq!(serde_json::to_value(word).unwrap(), word.as_str());
            }
        }
        each(ListingStatus::ALL);
        each(PartyKind::ALL);
        assert_eq!(NegotiationStatus::parse("closed"), None);
        assert_eq!(OutboxStatus::parse(""), None);
    }
}

vocabulary!(
    /// Who an account is (R37): a natural person, or a legal person or other organisation.
    PartyKind { Person = "person", Organisation = "organisation" }
);
