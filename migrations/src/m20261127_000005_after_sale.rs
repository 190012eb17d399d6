//! After payment: a housing buyer's purchase qualification (R32), the sale ruling, its service on the buyer
//! and the hand-over of the property (R52).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds columns one at a time.
        let columns = [
            ColumnDef::new("qualification").string().null().to_owned(),
            ColumnDef::new("qualification_evidence").string().null().to_owned(),
            ColumnDef::new("ruling_issued_at").big_integer().null().to_owned(),
            ColumnDef::new("served_at").big_integer().null().to_owned(),
            ColumnDef::new("handed_over_at").big_integer().null().to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(Table::alter().table("deals").add_column(&mut column).to_owned())
                .await?;
        }
        Ok(())
    }
}
