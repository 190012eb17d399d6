//! A round held under its lock for one transaction: "lock, decide, save".
//!
//! Every operation on a round goes through [`update_round`] (or [`update_round_in`] inside a transaction
//! the caller holds): it locks the row `FOR UPDATE` (PostgreSQL; on SQLite the `IMMEDIATE` transaction
//! already holds the write lock), checks who may change it, applies every transition that became due,
//! runs the operation's decision, and saves, commits and announces what changed — the due transitions
//! even when the decision refuses. Decisions come from `auction_core::Round`; each transition is recorded
//! here with its effects (ledger entry, deposits, deal, listing status), and `save` writes the row and the
//! new ledger entries in the same transaction.
//!
//! - [`update`]: the lock engine — lock, advance, decide, save — and [`commit_and_announce`], the one tail
//!   of every change, so watchers never hear of a change that has not committed;
//! - [`effects`]: what each transition does beyond the row (deposits, the deal, refunds, the listing's
//!   status, the notices);
//! - [`new_round`]: a round as the court proposes it, its kind and terms checked;
//! - [`court`]: what the court does with a round: publish, suspend, resume, withdraw, priority holders, and
//!   the release of a listing whose sell-off failed;
//! - [`queries`]: reads about rounds that decide nothing.

mod before_publication;
mod court;
mod effects;
mod new_round;
mod queries;
mod update;

pub use before_publication::{
    Duties, OfflineNotice, PartyToTell, duties, notices_of, panel_of, parties_of, record_offline, record_panel,
    send_notices, valuation_report,
};
pub use court::{
    CourtAction, PriorityHolderAdded, Settlement, add_priority_holder, court_action, publish, release, settle_debt,
};
pub use effects::set_listing_status;
pub use new_round::{MAX_REMINDER_CHARS, NewRound, RoundLimits, create, limits};
pub use queries::{
    Aftermath, ListFilter, ListOrder, aftermath, applicant_claim, cover_photos, find_visible, list,
    public_round_stamps, recent_announcements, registrants,
};
pub use update::{
    Access, Decided, LockedRound, SavedRound, Updated, commit_and_announce, insert_ledger_entries, lock_next_due,
    update_round, update_round_in, write_rounds,
};
