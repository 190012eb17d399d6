//! The API's JSON shapes (responses and shared inputs), as the contract names them, with their OpenAPI
//! schemas, one module per resource. Money prints as a string with exactly two decimals; instants as
//! RFC 3339 UTC milliseconds.

mod accounts;
mod bids;
mod deals;
mod input;
mod listings;
mod registrations;
mod rounds;

pub use accounts::*;
pub use bids::*;
pub use deals::*;
pub use input::*;
pub use listings::*;
pub use registrations::*;
pub use rounds::*;
