//! One account per person: a resident ID number belongs to at most one account, so nobody can register
//! in another person's name first, and a barred buyer cannot come back under a second account.
//! (Judges and administrators have no ID number; NULLs do not collide.) And when a bidder's real name
//! and ID number were verified.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The same statement on both databases (the schema builder's index drop differs between them).
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_users_id_number")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_id_number")
                    .table("users")
                    .col("id_number")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(ColumnDef::new("identity_verified_at").big_integer().null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
