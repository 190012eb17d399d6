//! Fapai's schema, forward-only, for SQLite and PostgreSQL alike.
//!
//! Two conventions hold in every table: money is integer 分 (`BIGINT`), because sea-orm's decimal column
//! is a float on SQLite; instants are integer milliseconds since the Unix epoch, UTC (`BIGINT`), so they
//! compare and sort the same way on both databases. Migrations are self-contained: no entity imports.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_lifecycle;
mod m20261127_000003_identity;
mod m20261127_000004_court_console;
mod m20261127_000005_after_sale;
mod m20261127_000006_after_failure;
mod m20261202_000007_bidder_view;
mod m20261203_000008_who_may_bid;
mod m20261204_000009_registration_files;
mod m20261204_000010_suspension_holds;
mod m20261204_000011_identity_claims;
mod m20261204_000012_payer_check;
mod m20261204_000013_refund_tasks;
mod m20261206_000014_gateway_books;
mod m20261207_000015_before_publication;
mod m20261207_000016_cluster;
mod m20261207_000017_registration_traces;
mod m20261207_000018_gateway_payer;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_lifecycle::Migration),
            Box::new(m20261127_000003_identity::Migration),
            Box::new(m20261127_000004_court_console::Migration),
            Box::new(m20261127_000005_after_sale::Migration),
            Box::new(m20261127_000006_after_failure::Migration),
            Box::new(m20261202_000007_bidder_view::Migration),
            Box::new(m20261203_000008_who_may_bid::Migration),
            Box::new(m20261204_000009_registration_files::Migration),
            Box::new(m20261204_000010_suspension_holds::Migration),
            Box::new(m20261204_000011_identity_claims::Migration),
            Box::new(m20261204_000012_payer_check::Migration),
            Box::new(m20261204_000013_refund_tasks::Migration),
            Box::new(m20261206_000014_gateway_books::Migration),
            Box::new(m20261207_000015_before_publication::Migration),
            Box::new(m20261207_000016_cluster::Migration),
            Box::new(m20261207_000017_registration_traces::Migration),
            Box::new(m20261207_000018_gateway_payer::Migration),
        ]
    }
}
