//! The statuses stored as text that the rules' crate does not own (rounds, deals and deposits have theirs
//! in `auction-core`): one enum each, with its one spelling. Reading a value no code knows is an error,
//! never a guess.

auction_core::words!(
    /// Where an identity claim stands (`services::identity_claims`).
    ClaimStatus("claim status") { Pending = "pending", Upheld = "upheld", Rejected = "rejected" }
);

auction_core::words!(
    /// Where a listing stands.
    ListingStatus("listing status") {
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
        /// A creditor took it in settlement of the debt (以物抵债): no further sale.
        Settled = "settled",
    }
);

auction_core::words!(
    /// A negotiation of the reference price between the parties.
    NegotiationStatus("negotiation status") { Open = "open", Agreed = "agreed", Failed = "failed" }
);

auction_core::words!(
    /// An email in the outbox.
    OutboxStatus("outbox status") { Pending = "pending", Sent = "sent", Failed = "failed" }
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

auction_core::words!(
    /// Who an account is (R37): a natural person, or a legal person or other organisation.
    PartyKind("party kind") { Person = "person", Organisation = "organisation" }
);
