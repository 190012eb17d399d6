//! sea-orm entities, one module per table. Money columns are integer 分, instants epoch milliseconds
//! (see the migrations crate); `convert` turns them into `auction-core` types.

pub mod applicant;
pub mod bid;
pub mod case;
pub mod court;
pub mod deal;
pub mod exclusion;
pub mod gateway_notice;
pub mod identity_claim;
pub mod ledger_entry;
pub mod listing;
pub mod listing_file;
pub mod negotiation;
pub mod negotiation_offer;
pub mod negotiation_party;
pub mod objection;
pub mod outbox_email;
pub mod payment_order;
pub mod price_objection;
pub mod priority_holder;
pub mod reconciliation;
pub mod reconciliation_difference;
pub mod refund;
pub mod registration;
pub mod registration_file;
pub mod registration_trace;
pub mod round;
pub mod round_notice;
pub mod user;
pub mod valuation;
pub mod watch;
