//! A bank transfer whose payer is not the registrant is accepted only with the court's reason (R53, R74):
//! the reason is kept on the order, for the court's file, and never published.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("payment_orders")
                    .add_column(ColumnDef::new("payer_mismatch_reason").text().null())
                    .to_owned(),
            )
            .await
    }
}
