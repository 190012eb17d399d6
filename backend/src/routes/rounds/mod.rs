//! Rounds (`/api/auctions`: the API's word for a round, see `docs/glossary.md`): the court's actions, the
//! public views, registration, bidding, the ledger, the result and, for the court, the signals.

mod bids;
mod court;
mod ledger;
mod public;
mod registrations;
mod signals;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiResult;
use crate::persistence::entities::round;
use crate::state::AppState;
use crate::views::AuctionView;

pub use bids::*;
pub use court::*;
pub use ledger::*;
pub use public::*;
pub use registrations::*;
pub use signals::*;

pub(super) fn view(state: &AppState, row: &round::Model) -> ApiResult<AuctionView> {
    AuctionView::of(row, state.clock.now())
}

pub fn config(cfg: &mut ServiceConfig) {
    // The hottest first: bids, the round, its record (see `routes::configure`).
    cfg.service(place_bid)
        .service(get_auction)
        .service(list_bids)
        .service(create_auction)
        .service(round_limits)
        .service(send_notices)
        .service(record_offline_notice)
        .service(record_panel)
        .service(publish_auction)
        .service(suspend_auction)
        .service(resume_auction)
        .service(withdraw_auction)
        .service(add_priority_holder)
        .service(mark_applicant)
        .service(list_agencies)
        .service(decide_agency)
        .service(attach_power_of_attorney)
        .service(get_registration_file)
        .service(list_auctions)
        .service(register_for_auction)
        .service(get_ledger)
        .service(get_result)
        .service(round_signals);
}
