//! The lifecycle: negotiation between the parties, the email outbox, listing files, each round's
//! announcement texts and public reason, and the deal's reminder and default stamps.

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
                    .table("negotiations")
                    .col(pk_uuid("id"))
                    .col(uuid("listing_id"))
                    .col(string("status"))
                    .col(big_integer("deadline"))
                    .col(big_integer_null("agreed_amount"))
                    .col(uuid("opened_by"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("closed_at"))
                    .foreign_key(ForeignKey::create().from_col("listing_id").to("listings", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "negotiations", &["listing_id"], false).await?;
        index(manager, "negotiations", &["status", "deadline"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("negotiation_parties")
                    .col(pk_uuid("id"))
                    .col(uuid("negotiation_id"))
                    .col(string("party"))
                    .col(string("name"))
                    .col(string("email"))
                    // sha256 of the link's token: the token itself is only ever in the party's email.
                    .col(string_len_uniq("token_hash", 64))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("negotiation_id").to("negotiations", "id"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("negotiation_offers")
                    .col(pk_uuid("id"))
                    .col(uuid("negotiation_id"))
                    // The order offers were made in (several may share an instant).
                    .col(integer("seq"))
                    .col(string("party"))
                    .col(big_integer("amount"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("negotiation_id").to("negotiations", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "negotiation_offers", &["negotiation_id", "seq"], true).await?;

        manager
            .create_table(
                Table::create()
                    .table("outbox_emails")
                    .col(pk_uuid("id"))
                    .col(string("kind"))
                    .col(string("to_address"))
                    .col(string("subject"))
                    .col(text("text_body"))
                    .col(text("html_body"))
                    // pending → sent, or failed after the last attempt; a claim marks a send in progress.
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(big_integer("next_attempt_at"))
                    .col(big_integer_null("claimed_until"))
                    .col(text_null("last_error"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("sent_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "outbox_emails", &["status", "next_attempt_at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("listing_files")
                    .col(pk_uuid("id"))
                    .col(uuid("listing_id"))
                    .col(string("kind"))
                    .col(string("file_name"))
                    .col(string("content_type"))
                    .col(big_integer("size"))
                    .col(string("sha256"))
                    .col(uuid("uploaded_by"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("listing_id").to("listings", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "listing_files", &["listing_id"], false).await?;

        // A round's timeline reads its status changes without reading its bids.
        index(manager, "ledger_entries", &["auction_id", "kind", "seq"], false).await?;

        // SQLite alters one column per statement.
        for column in [
            text_null("announcement"),
            text_null("bidding_instructions"),
            text_null("special_reminders"),
            string_null("terms_version"),
            text_null("status_reason"),
        ] {
            manager
                .alter_table(Table::alter().table("auctions").add_column(column).to_owned())
                .await?;
        }
        for column in [big_integer_null("reminder_sent_at"), big_integer_null("defaulted_at")] {
            manager
                .alter_table(Table::alter().table("deals").add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// An index named `ix_<table>_<columns>` — this migration's own copy, so that it never changes with
/// another migration.
async fn index(manager: &SchemaManager<'_>, table: &str, columns: &[&str], unique: bool) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table.to_owned());
    for column in columns {
        statement.col(String::from(*column));
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement).await
}
