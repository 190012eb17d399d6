//! What a registration leaves for the court's signals of shill bidding (`docs/signals.md`): the client's
//! network address and the web app's device id, each only as a keyed hash, so equal values can be compared
//! and neither can be read back. Kept with the registration, for its court only.

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
                    .table("registration_traces")
                    .col(pk_uuid("registration_id"))
                    .col(uuid("auction_id"))
                    .col(string_null("network"))
                    .col(string_null("device"))
                    .col(big_integer("recorded_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("registration_traces_by_round")
                    .table("registration_traces")
                    .col("auction_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("registration_traces").to_owned())
            .await
    }
}
