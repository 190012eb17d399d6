//! The account a gateway payment came from, as the gateway names it (Alipay's `buyer_id`): compared by the
//! court's signals with the other registrants' paying accounts (`docs/signals.md`), as a bank transfer's
//! account (`offline_payer_account`) is.

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
                    .add_column(ColumnDef::new("gateway_payer").string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("payment_orders")
                    .drop_column("gateway_payer")
                    .to_owned(),
            )
            .await
    }
}
