//! After a failure and after a sale: refunds paid back through the gateway (a revoked sale, the rest of a
//! defaulted sell-off prepayment), objections and their decisions (R61–R65), the forfeitable part of a
//! sell-off prepayment (R58), a housing bidder's purchase commitment (R32), and the judges' deadline
//! reminders for the ruling and the hand-over (R52).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261124_000001_foundation::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("refunds")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(uuid("auction_id"))
                    .col(uuid_null("deal_id"))
                    .col(uuid_null("registration_id"))
                    // What is paid back (`deposit`, `prepayment`, `balance`) and why (`revocation`, `default`).
                    .col(string("purpose"))
                    .col(string("reason"))
                    .col(big_integer("amount"))
                    .col(string("status"))
                    .col(string("gateway_reference"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("completed_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "refunds", &["user_id"], false).await?;
        index(manager, "refunds", &["deal_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("objections")
                    .col(pk_uuid("id"))
                    .col(uuid("auction_id"))
                    .col(uuid("court_id"))
                    .col(string("objector_name"))
                    .col(string("objector_email"))
                    .col(string("objector_role"))
                    // The R65 ground codes, as a JSON array.
                    .col(string("grounds"))
                    .col(text("statement"))
                    .col(string("status"))
                    .col(uuid("filed_by"))
                    .col(big_integer("filed_at"))
                    .col(big_integer("decide_by"))
                    // Whether filing it suspended the round (R61).
                    .col(boolean("suspended_round"))
                    .col(big_integer_null("decided_at"))
                    .col(uuid_null("decided_by"))
                    .col(text_null("reasoning"))
                    .col(big_integer_null("reminder_sent_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "objections", &["auction_id"], false).await?;
        index(manager, "objections", &["court_id", "status"], false).await?;

        // One column a statement: SQLite adds columns one at a time.
        let columns = [
            (
                "registrations",
                ColumnDef::new("deposit_forfeitable").big_integer().null().to_owned(),
            ),
            (
                "registrations",
                ColumnDef::new("housing_commitment_at").big_integer().null().to_owned(),
            ),
            ("deals", ColumnDef::new("revoked_at").big_integer().null().to_owned()),
            (
                "deals",
                ColumnDef::new("ruling_reminder_sent_at")
                    .big_integer()
                    .null()
                    .to_owned(),
            ),
            (
                "deals",
                ColumnDef::new("handover_reminder_sent_at")
                    .big_integer()
                    .null()
                    .to_owned(),
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
