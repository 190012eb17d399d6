//! `auction-core`: the rules of Fapai's online judicial auctions, as pure code.
//!
//! Nothing here reads a clock, touches a database or performs I/O: every function takes the state and
//! the instant it decides at, and returns a decision for the caller to persist. The rules, numbered as the
//! code cites them (`R24`), with their legal sources: `docs/rules.md`.

// The words' macro names this crate by its name, as the crates that use it do.
extern crate self as auction_core;

pub mod agency;
pub mod before_publication;
pub mod costs;
pub mod credit_code;
pub mod deal;
pub mod identity;
pub mod ledger;
pub mod money;
pub mod next_round;
pub mod objection;
pub mod payer;
pub mod payment;
pub mod reconciliation;
pub mod refund;
pub mod round;
pub mod setup;
pub mod signals;
pub mod time;
pub mod word;

pub use credit_code::CreditCode;
pub use identity::IdNumber;
pub use money::Money;
pub use round::{BidRejection, Bidder, DepositStatus, Round, RoundStatus, Transition};
pub use time::Instant;
pub use word::{UnknownWord, Word};
