//! The bid, from request to answer: one serial order per round, the rules decided by `auction-core` under
//! that order, and the bid, the new price, the new end and the ledger entries written in a transaction that
//! commits before the bid is acknowledged (R46, R47, c.1–c.3, c.22).
//!
//! - `queue`: what a bid is and where it waits for its round's next batch (a leaf);
//! - `decide`: one bid decided under the round's lock, and its answer;
//! - `batch`: a round's waiting bids decided in arrival order and committed together (the default path);
//! - `record`: what the bids leave behind, read back: the bid record, the timeline, the ledger.
//!
//! After the commit, `live::LiveHub::bids_committed` tells the round's watchers.
//!
//! Work per bid is constant: a primary-key lock of the round, one statement for two unique-index lookups
//! (registration, request id), one bid insert, and per transaction one ledger insert and one row update —
//! none of it scans earlier bids.

mod batch;
mod decide;
pub mod queue;
mod record;

use std::sync::Arc;

use uuid::Uuid;

use crate::auth::Caller;
use crate::config::BidPath;
use crate::error::ApiResult;
use crate::hooks::HoldPoint;
use crate::services::rounds::{Access, update_round};
use crate::state::AppState;

pub use decide::{BidWrites, decide};
pub use queue::{PlaceBid, Placed};
pub use record::{ledger_page, list, list_mine, timeline_entries};

/// Places a bid by the path the settings choose: grouped with the round's other waiting bids into one
/// transaction (`batch`, the default), or one transaction per bid (`bid_path = "single"`, the
/// reference). Both decide each bid with [`decide`] and acknowledge it only after its commit.
pub async fn place_bid(state: &Arc<AppState>, caller: &Caller, command: PlaceBid) -> ApiResult<Placed> {
    match state.settings.bid_path {
        BidPath::Group => batch::submit(Arc::clone(state), caller.user_id, command).await,
        BidPath::Single => place_one(state, caller.user_id, command).await,
    }
}

/// One bid in its own transaction: lock, decide, save, commit, then acknowledge and announce.
pub async fn place_one(state: &AppState, bidder_id: Uuid, command: PlaceBid) -> ApiResult<Placed> {
    let t = command.received_at;
    // Until it is decided, a close of its round waits for it (`workers::apply_due_transitions`).
    let undecided = state.bid_queue.enter_single(command.auction_id);
    state.hooks.pass(HoldPoint::SingleBidEntered).await;
    let updated = update_round(state, command.auction_id, t, Access::Public, async |locked, tx| {
        let mut writes = BidWrites::default();
        let placed = decide(state, bidder_id, &command, locked, tx, &mut writes).await?;
        writes.write(tx).await?;
        Ok(placed)
    })
    .await;
    drop(undecided);
    let updated = updated?;
    if let Placed::Accepted(row) = &updated.value {
        state.hooks.pass(HoldPoint::BidsCommittedBeforeAnnounce).await;
        state
            .live
            .bids_committed(&updated.row, std::slice::from_ref(row), state.clock.now())
            .await;
    }
    Ok(updated.value)
}
