//! The court's duties before an announcement, and the ways out after it (issue 21): the notices to the
//! parties and the known priority holders (R31), the collegial panel's decision (R7), the valuation report's
//! delivery and the objections to the reference price (R16, R17), what the announcement must carry (R29:
//! the legal document's number, the nature of each priority right, the court's accounts), the court's own
//! settings (the panel's size, the sell-off's window), a late round's reason, objections by kind with their
//! reconsideration (R64), and the liabilities of a buyer who faked their qualification (R32).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261124_000001_foundation::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(manager: &SchemaManager<'_>, table: &str, mut column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table.to_owned())
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("round_notices")
                    .col(pk_uuid("id"))
                    .col(uuid("auction_id"))
                    .col(string("party"))
                    .col(string("name"))
                    .col(string("method"))
                    // When it was sent, served, published or waived.
                    .col(big_integer("at"))
                    .col(string_null("sent_to"))
                    .col(uuid_null("file_id"))
                    .col(uuid("recorded_by"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "round_notices", &["auction_id"], false).await?;

        add(
            manager,
            "auctions",
            ColumnDef::new("panel_members").text().null().to_owned(),
        )
        .await?;
        add(
            manager,
            "auctions",
            ColumnDef::new("panel_decided_at").big_integer().null().to_owned(),
        )
        .await?;
        add(
            manager,
            "auctions",
            ColumnDef::new("late_reason").text().null().to_owned(),
        )
        .await?;

        add(
            manager,
            "courts",
            ColumnDef::new("panel_min_members")
                .integer()
                .not_null()
                .default(3)
                .to_owned(),
        )
        .await?;
        add(
            manager,
            "courts",
            ColumnDef::new("sell_off_window_days")
                .integer()
                .not_null()
                .default(15)
                .to_owned(),
        )
        .await?;
        add(
            manager,
            "courts",
            ColumnDef::new("payment_account").text().null().to_owned(),
        )
        .await?;

        add(
            manager,
            "cases",
            ColumnDef::new("enforcement_basis").text().null().to_owned(),
        )
        .await?;
        add(
            manager,
            "priority_holders",
            ColumnDef::new("right_nature").text().null().to_owned(),
        )
        .await?;

        add(
            manager,
            "valuations",
            ColumnDef::new("report_file_id").uuid().null().to_owned(),
        )
        .await?;
        add(
            manager,
            "valuations",
            ColumnDef::new("delivered_at").big_integer().null().to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("price_objections")
                    .col(pk_uuid("id"))
                    .col(uuid("listing_id"))
                    .col(uuid("valuation_id"))
                    .col(uuid("court_id"))
                    .col(string("objector_name"))
                    .col(string("objector_email"))
                    .col(string("objector_role"))
                    .col(text("grounds"))
                    .col(text("statement"))
                    .col(string("status"))
                    .col(uuid("filed_by"))
                    .col(big_integer("filed_at"))
                    .col(big_integer_null("decided_at"))
                    .col(uuid_null("decided_by"))
                    .col(text_null("reasoning"))
                    .to_owned(),
            )
            .await?;
        index(manager, "price_objections", &["listing_id", "status"], false).await?;

        add(
            manager,
            "objections",
            ColumnDef::new("kind")
                .string()
                .not_null()
                .default("procedural")
                .to_owned(),
        )
        .await?;
        add(
            manager,
            "objections",
            ColumnDef::new("reconsideration_requested_at")
                .big_integer()
                .null()
                .to_owned(),
        )
        .await?;
        add(
            manager,
            "objections",
            ColumnDef::new("reconsideration_outcome").string().null().to_owned(),
        )
        .await?;
        add(
            manager,
            "objections",
            ColumnDef::new("reconsideration_decided_at")
                .big_integer()
                .null()
                .to_owned(),
        )
        .await?;

        add(manager, "deals", ColumnDef::new("void_reason").text().null().to_owned()).await?;
        add(manager, "deals", ColumnDef::new("liabilities").text().null().to_owned()).await?;
        Ok(())
    }
}
