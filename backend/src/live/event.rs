//! The messages of a round's WebSocket (`GET /api/auctions/{id}/live?after_seq=N`), one JSON object each,
//! told apart by `type`:
//!
//! 1. `{"type":"snapshot","auction":Auction}` — first on every connection: the round as it is now.
//! 2. `{"type":"reset"}` — after the snapshot when more bids were missed than a catch-up sends (500):
//!    reload the bid record over HTTP.
//! 3. `{"type":"bid","bid":Bid,"auction":Auction}` — each bid with `seq > N` the client has not had, in
//!    order, then every bid as it is accepted, with the round after it. No bid is sent twice.
//! 4. `{"type":"status","auction":Auction}` — the round changed status (opened, suspended, resumed,
//!    closed, withdrawn) or its end moved.
//!
//! The server pings every 20 s; a client silent for 50 s, or that does not take a message within 10 s,
//! is dropped.

use serde::Serialize;
use serde_json::Value;

use crate::views::{AuctionView, BidView};

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage<'a> {
    Snapshot { auction: &'a AuctionView },
    Bid { bid: &'a BidView, auction: &'a AuctionView },
    Status { auction: &'a AuctionView },
    Reset,
}

impl LiveMessage<'_> {
    pub fn to_json(&self) -> Value {
        // Serializing these shapes cannot fail: strings, numbers and nested objects only.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn to_text(&self) -> String {
        self.to_json().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_names_its_type() {
        assert_eq!(LiveMessage::Reset.to_text(), r#"{"type":"reset"}"#);
    }
}
