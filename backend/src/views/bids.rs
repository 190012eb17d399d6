//! Bids, the answer to a bid, the ledger and a round's result.

use auction_core::deal::DealStatus;
use auction_core::round::BidStanding;
use auction_core::time::rfc3339;
use auction_core::{Money, RoundStatus};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::persistence::convert::{instant, money};
use crate::persistence::entities::bid;

/// One bid of the public record (R47): a code, never a name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidView {
    pub seq: i32,
    pub bidder_code: String,
    #[schema(value_type = String)]
    pub amount: Money,
    pub placed_at: String,
    /// Placed under a priority code (优先购买权人).
    pub priority: bool,
    /// A priority holder matching the current price.
    pub priority_match: bool,
    /// `leading`, `outbid` or `winning`.
    pub status: String,
}

impl BidView {
    pub fn of(b: &bid::Model, last_seq: i32, status: RoundStatus) -> ApiResult<BidView> {
        let standing = BidStanding::of(
            u32::try_from(b.seq).unwrap_or(0),
            u32::try_from(last_seq).unwrap_or(0),
            status,
        );
        Ok(BidView {
            seq: b.seq,
            bidder_code: b.bidder_code.clone(),
            amount: money(b.amount)?,
            placed_at: rfc3339(instant(b.placed_at)),
            priority: b.priority,
            priority_match: b.priority_match,
            status: standing.as_str().to_owned(),
        })
    }
}

/// One of the caller's own bids, with the round it was placed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyBidView {
    pub auction_id: Uuid,
    pub auction_title: String,
    /// The round's status now.
    pub auction_status: RoundStatus,
    #[serde(flatten)]
    pub bid: BidView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlacedBid {
    pub seq: i32,
    pub bidder_code: String,
    #[schema(value_type = String)]
    pub amount: Money,
    pub placed_at: String,
    pub priority: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuctionAfterBid {
    #[schema(value_type = String)]
    pub current_price: Money,
    pub leader_code: String,
    pub bidding_ends_at: String,
    pub extension_count: i32,
}

/// The answer to an accepted bid; a retry with the same `request_id` gets the same body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaceBidResponse {
    pub bid: PlacedBid,
    pub auction: AuctionAfterBid,
}

impl PlaceBidResponse {
    pub fn of(b: &bid::Model) -> ApiResult<PlaceBidResponse> {
        let amount = money(b.amount)?;
        Ok(PlaceBidResponse {
            bid: PlacedBid {
                seq: b.seq,
                bidder_code: b.bidder_code.clone(),
                amount,
                placed_at: rfc3339(instant(b.placed_at)),
                priority: b.priority,
            },
            // Every accepted bid takes the lead, so the round right after it is fully described by it.
            auction: AuctionAfterBid {
                current_price: amount,
                leader_code: b.bidder_code.clone(),
                bidding_ends_at: rfc3339(instant(b.ends_at_after)),
                extension_count: b.extension_count_after,
            },
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub seq: i64,
    pub kind: auction_core::ledger::LedgerKind,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerView {
    pub entries: Vec<LedgerEntryView>,
    /// The last entry's hash (64 zeros for an empty ledger).
    pub head: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultView {
    /// `sold`, `failed`, `withdrawn`, or `revoked` (a sale set aside on an objection, R65).
    pub status: RoundStatus,
    #[schema(value_type = Option<String>)]
    pub final_price: Option<Money>,
    pub winner_code: Option<String>,
    /// The buyer's real name, published after the sale (R51); withheld once the buyer defaulted or the
    /// sale was set aside, since they are no longer the buyer.
    pub buyer_name: Option<String>,
    pub deal_id: Option<Uuid>,
    pub confirmation_url: Option<String>,
    /// The deal's status when there is one (`defaulted` after 悔拍).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_status: Option<DealStatus>,
}
