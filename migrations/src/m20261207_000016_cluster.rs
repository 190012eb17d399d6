//! What a cluster of `fapai` processes shares beyond the sales themselves: the test clock (only with
//! `FAPAI_CLOCK=manual`), so that every process behind the balancer — a restarted one too — stands at the
//! same instant and moving it through any of them moves it for all.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("test_clock")
                    // One row, id 1.
                    .col(integer("id").primary_key())
                    // The furthest instant any process's test clock was moved to, in milliseconds.
                    .col(big_integer("now_ms"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("test_clock").to_owned()).await
    }
}
