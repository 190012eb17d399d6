//! The court console: judges and courts can be deactivated (their next request is refused), and a payment
//! a court received by bank transfer records who paid, when, and which judge recorded it (R54).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds columns one at a time.
        let columns = [
            (
                "users",
                ColumnDef::new("deactivated_at").big_integer().null().to_owned(),
            ),
            (
                "courts",
                ColumnDef::new("deactivated_at").big_integer().null().to_owned(),
            ),
            (
                "payment_orders",
                ColumnDef::new("offline_payer").string().null().to_owned(),
            ),
            (
                "payment_orders",
                ColumnDef::new("offline_paid_on").string().null().to_owned(),
            ),
            (
                "payment_orders",
                ColumnDef::new("offline_recorded_by").uuid().null().to_owned(),
            ),
        ];
        for (table, mut column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(&mut column).to_owned())
                .await?;
        }
        Ok(())
    }
}
