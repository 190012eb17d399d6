//! Who may bid (R37, R9, R71, R41, R23 ¶2): organisations as accounts, each court's list of people and
//! organisations excluded from its sales, registrations made by an agent for a principal, and the
//! applicant for enforcement bidding against its claim.
//!
//! An organisation's account keeps its name and credit code (one account per code), and its legal
//! representative's (or authorised contact's) name in `real_name` and ID number in
//! `representative_id_number`: not unique, since a representative may also bid in their own name.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261124_000001_foundation::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds columns one at a time.
        let columns = [
            ColumnDef::new("kind").string().not_null().default("person").to_owned(),
            ColumnDef::new("organisation_name").string().null().to_owned(),
            ColumnDef::new("credit_code").string().null().to_owned(),
            ColumnDef::new("representative_id_number").string().null().to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(Table::alter().table("users").add_column(&mut column).to_owned())
                .await?;
        }
        // A registration made for a principal (R41): who the principal is, and the court's decision. Its
        // `identity` is then the principal's ID number or credit code.
        let agency = [
            ColumnDef::new("agent_status").string().null().to_owned(),
            ColumnDef::new("principal_kind").string().null().to_owned(),
            ColumnDef::new("principal_name").string().null().to_owned(),
            ColumnDef::new("agent_note").text().null().to_owned(),
            ColumnDef::new("agent_decided_at").big_integer().null().to_owned(),
        ];
        for mut column in agency {
            manager
                .alter_table(Table::alter().table("registrations").add_column(&mut column).to_owned())
                .await?;
        }
        // Decides a race between two sign-ups with one code (NULLs do not collide).
        index(manager, "users", &["credit_code"], true).await?;

        manager
            .create_table(
                Table::create()
                    .table("exclusions")
                    .col(pk_uuid("id"))
                    .col(uuid("court_id"))
                    // Exactly one of the two names the excluded identity.
                    .col(string_null("id_number"))
                    .col(string_null("credit_code"))
                    .col(text("reason"))
                    .col(uuid_null("created_by"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("court_id").to("courts", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "exclusions", &["court_id", "id_number"], false).await?;
        index(manager, "exclusions", &["court_id", "credit_code"], false).await?;

        // The judge's mark of a bidder as the applicant for enforcement, with its unpaid claim (分): the
        // deposit it owes and the balance of a sale to it are reduced by the claim.
        manager
            .create_table(
                Table::create()
                    .table("applicants")
                    .col(pk_uuid("id"))
                    .col(uuid("auction_id"))
                    .col(uuid("user_id"))
                    .col(big_integer("claim_amount"))
                    .col(uuid("marked_by"))
                    .col(big_integer("marked_at"))
                    .foreign_key(ForeignKey::create().from_col("auction_id").to("auctions", "id"))
                    .foreign_key(ForeignKey::create().from_col("user_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "applicants", &["auction_id", "user_id"], true).await?;
        // The part of an applicant's claim set off against the price of its purchase (分).
        manager
            .alter_table(
                Table::alter()
                    .table("deals")
                    .add_column(ColumnDef::new("claim_offset").big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
