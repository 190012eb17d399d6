//! What a committed change tells the round's watchers, built from the rows just saved.

use auction_core::Instant;

use super::{LiveHub, LiveMessage};
use crate::persistence::entities::{bid, round};
use crate::views::{AuctionView, BidView};

impl LiveHub {
    /// Tells the round's watchers that it changed status, or that its end moved.
    pub async fn round_changed(&self, round: &round::Model, now: Instant) {
        if let Ok(view) = AuctionView::of(round, now) {
            self.publish(round.id, LiveMessage::Status { auction: &view }).await;
        }
    }

    /// Tells the round's watchers about bids just committed, in order.
    pub async fn bids_committed(&self, round: &round::Model, bids: &[bid::Model], now: Instant) {
        self.batch_committed(&[(round, bids)], now).await;
    }

    /// Tells the watchers of each round about its bids just committed, in order, all in one publication
    /// (a bid batch's rounds). Each message carries the round as it stood right after that bid (its price,
    /// leader, count and end), so a watcher never sees a later bid's price beside an earlier bid.
    pub async fn batch_committed(&self, rounds: &[(&round::Model, &[bid::Model])], now: Instant) {
        let mut views = Vec::new();
        for (round, bids) in rounds {
            let status = round.status;
            // The round's long texts are not part of a live view: copy the row without them, once.
            let light = round::Model {
                announcement: None,
                bidding_instructions: None,
                special_reminders: None,
                ..(*round).clone()
            };
            for row in *bids {
                let mut as_of = light.clone();
                if row.seq < round.bid_count {
                    as_of.current_price = Some(row.amount);
                    as_of.leader_code = Some(row.bidder_code.clone());
                    as_of.bid_count = row.seq;
                    as_of.bidding_ends_at = row.ends_at_after;
                    as_of.extension_count = row.extension_count_after;
                }
                if let (Ok(view), Ok(bid_view)) =
                    (AuctionView::of(&as_of, now), BidView::of(row, as_of.bid_count, status))
                {
                    views.push((row.auction_id, bid_view, view));
                }
            }
        }
        let messages = views
            .iter()
            .map(|(auction_id, bid, auction)| (*auction_id, LiveMessage::Bid { bid, auction }))
            .collect();
        self.publish_all(messages).await;
    }
}
