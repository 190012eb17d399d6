//! Refunds that take time: a released deposit paid back through the gateway, retried until it succeeds
//! (R53), and money the court received by bank transfer, which the court pays back itself and confirms.
//! Every refund so far was completed at once through the gateway.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let refunds = [
            ColumnDef::new("method").text().not_null().default("gateway").to_owned(),
            ColumnDef::new("attempts").integer().not_null().default(1).to_owned(),
            ColumnDef::new("next_attempt_at").big_integer().null().to_owned(),
            ColumnDef::new("last_error").text().null().to_owned(),
            ColumnDef::new("due_at").big_integer().null().to_owned(),
            ColumnDef::new("payee").text().null().to_owned(),
            ColumnDef::new("payee_account").text().null().to_owned(),
            ColumnDef::new("bank_reference").text().null().to_owned(),
            ColumnDef::new("confirmed_by").uuid().null().to_owned(),
        ];
        for mut column in refunds {
            manager
                .alter_table(Table::alter().table("refunds").add_column(&mut column).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("payment_orders")
                    .add_column(ColumnDef::new("offline_payer_account").text().null())
                    .to_owned(),
            )
            .await?;
        // The worker looks for gateway refunds due for another try.
        manager
            .create_index(
                Index::create()
                    .name("refunds_pending")
                    .table("refunds")
                    .col("status")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await
    }
}
