//! The statuses stored as text that the rules' crate does not own (rounds, deals and deposits have theirs
//! in `auction-core`): one enum each, with its one spelling. Reading a value no code knows is an error,
//! never a guess.

use sea_orm::DbErr;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Result<$name, DbErr> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| DbErr::Custom(format!(concat!("unknown ", stringify!($name), " {}"), text)))
            }
        }
    };
}

vocabulary!(
    /// A payment order's state.
    PaymentStatus { Pending = "pending", Paid = "paid", Rejected = "rejected" }
);

vocabulary!(
    /// Where an identity claim stands (`services::identity_claims`).
    ClaimStatus { Pending = "pending", Upheld = "upheld", Rejected = "rejected" }
);

vocabulary!(
    /// What a payment order pays.
    PaymentPurpose { Deposit = "deposit", Balance = "balance" }
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
    /// What a refund pays back.
    RefundPurpose { Deposit = "deposit", Prepayment = "prepayment", Balance = "balance" }
);

vocabulary!(
    /// Why money is paid back.
    RefundReason {
        /// The sale was set aside on an upheld objection (R65).
        Revocation = "revocation",
        /// A defaulting sell-off buyer gets back what exceeds the deposit (R58).
        Default = "default",
        /// The money arrived when what it paid for was gone: registration closed, the deal revoked.
        LatePayment = "late_payment",
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

    #[test]
    fn every_value_reads_back_and_an_unknown_one_is_an_error() {
        for status in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(status.as_str()).unwrap(), *status);
        }
        for status in ListingStatus::ALL {
            assert_eq!(ListingStatus::parse(status.as_str()).unwrap(), *status);
        }
        assert!(NegotiationStatus::parse("closed").is_err());
        assert!(OutboxStatus::parse("").is_err());
        assert!(PaymentPurpose::parse("refund").is_err());
    }
}

vocabulary!(
    /// Who an account is (R37): a natural person, or a legal person or other organisation.
    PartyKind { Person = "person", Organisation = "organisation" }
);
