//! Courts, accounts, cases, listings, valuations, rounds, registrations, payments, bids, the ledger and deals.

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
                    .table("courts")
                    .col(pk_uuid("id"))
                    .col(string("name"))
                    .col(big_integer("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string_uniq("email"))
                    .col(string("password_hash"))
                    .col(string("role"))
                    .col(string("real_name"))
                    // Not unique: a person may hold several accounts; bars apply by this number (R55).
                    .col(string_null("id_number"))
                    .col(string_null("phone"))
                    .col(uuid_null("court_id"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("court_id").to("courts", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "users", &["id_number"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("cases")
                    .col(pk_uuid("id"))
                    .col(uuid("court_id"))
                    .col(string("case_number"))
                    .col(string("applicant_name"))
                    .col(string("applicant_email"))
                    .col(string("respondent_name"))
                    .col(string("respondent_email"))
                    .col(uuid("created_by"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("court_id").to("courts", "id"))
                    .foreign_key(ForeignKey::create().from_col("created_by").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "cases", &["court_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("listings")
                    .col(pk_uuid("id"))
                    .col(uuid("case_id"))
                    .col(uuid("court_id"))
                    .col(string("title"))
                    .col(string("category"))
                    .col(text("description"))
                    .col(string("location"))
                    .col(text_null("encumbrances"))
                    .col(boolean("is_housing"))
                    .col(string("status"))
                    .col(big_integer_null("reference_price"))
                    .col(string_null("reference_method"))
                    .col(big_integer_null("reference_fixed_at"))
                    .col(big_integer_null("reference_valid_until"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(ForeignKey::create().from_col("case_id").to("cases", "id"))
                    .foreign_key(ForeignKey::create().from_col("court_id").to("courts", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "listings", &["court_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("valuations")
                    .col(pk_uuid("id"))
                    .col(uuid("listing_id"))
                    .col(string("method"))
                    // JSON array of {source, amount}; amounts as decimal strings.
                    .col(text("quotes"))
                    .col(big_integer("result"))
                    .col(uuid("created_by"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("listing_id").to("listings", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "valuations", &["listing_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("auctions")
                    .col(pk_uuid("id"))
                    .col(uuid("listing_id"))
                    .col(uuid("court_id"))
                    // Copied from the listing: the public list filters and shows them on every request.
                    .col(string("title"))
                    .col(string("category"))
                    .col(integer("round"))
                    .col(string("round_kind"))
                    .col(string("status"))
                    .col(big_integer("reference_price"))
                    .col(big_integer("starting_price"))
                    .col(big_integer("deposit"))
                    .col(big_integer("increment"))
                    .col(big_integer("bidding_starts_at"))
                    .col(big_integer("scheduled_ends_at"))
                    .col(big_integer("bidding_ends_at"))
                    .col(integer("balance_due_days"))
                    .col(big_integer_null("current_price"))
                    .col(uuid_null("leader_registration_id"))
                    .col(string_null("leader_code"))
                    .col(integer_null("leader_priority_rank"))
                    .col(integer("bid_count"))
                    .col(integer("extension_count"))
                    .col(integer("registrations_count"))
                    .col(big_integer_null("suspended_at"))
                    .col(string_null("suspended_from"))
                    .col(big_integer_null("suspended_remaining_ms"))
                    .col(big_integer_null("published_at"))
                    .col(big_integer_null("closed_at"))
                    .col(big_integer("ledger_seq"))
                    .col(string("ledger_head"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(ForeignKey::create().from_col("listing_id").to("listings", "id"))
                    .foreign_key(ForeignKey::create().from_col("court_id").to("courts", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "auctions", &["listing_id"], false).await?;
        // The transition worker's two questions: which rounds open, and which close, by now.
        index(manager, "auctions", &["status", "bidding_starts_at"], false).await?;
        index(manager, "auctions", &["status", "bidding_ends_at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("registrations")
                    .col(pk_uuid("id"))
                    .col(uuid("auction_id"))
                    .col(uuid("user_id"))
                    // The person's ID number: one code per person per round, whatever the account (R39, c.9).
                    .col(string("identity"))
                    .col(string("bidder_code"))
                    .col(integer_null("priority_rank"))
                    .col(big_integer("deposit_amount"))
                    .col(string("deposit_status"))
                    .col(string("terms_version"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(ForeignKey::create().from_col("auction_id").to("auctions", "id"))
                    .foreign_key(ForeignKey::create().from_col("user_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "registrations", &["auction_id", "user_id"], true).await?;
        index(manager, "registrations", &["auction_id", "bidder_code"], true).await?;
        index(manager, "registrations", &["auction_id", "identity"], true).await?;
        index(manager, "registrations", &["user_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("priority_holders")
                    .col(pk_uuid("id"))
                    .col(uuid("auction_id"))
                    .col(uuid("user_id"))
                    .col(integer("rank"))
                    .col(uuid("confirmed_by"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("auction_id").to("auctions", "id"))
                    .foreign_key(ForeignKey::create().from_col("user_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "priority_holders", &["auction_id", "user_id"], true).await?;

        manager
            .create_table(
                Table::create()
                    .table("deals")
                    .col(pk_uuid("id"))
                    .col(uuid_uniq("auction_id"))
                    .col(uuid("listing_id"))
                    .col(uuid("buyer_id"))
                    .col(uuid("registration_id"))
                    .col(string("winner_code"))
                    .col(string("buyer_name"))
                    .col(big_integer("final_price"))
                    .col(big_integer("deposit_applied"))
                    .col(big_integer("balance_due"))
                    .col(big_integer("balance_due_at"))
                    .col(string("status"))
                    .col(big_integer_null("paid_at"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(ForeignKey::create().from_col("auction_id").to("auctions", "id"))
                    .foreign_key(ForeignKey::create().from_col("buyer_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "deals", &["buyer_id"], false).await?;
        index(manager, "deals", &["status", "balance_due_at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("payment_orders")
                    .col(pk_uuid("id"))
                    .col(string("purpose"))
                    .col(uuid_null("registration_id"))
                    .col(uuid_null("deal_id"))
                    .col(uuid("payer_id"))
                    .col(big_integer("amount"))
                    .col(string("status"))
                    .col(string_null("gateway_reference"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("paid_at"))
                    .foreign_key(ForeignKey::create().from_col("payer_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "payment_orders", &["registration_id"], false).await?;
        index(manager, "payment_orders", &["deal_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("bids")
                    .col(pk_uuid("id"))
                    .col(uuid("auction_id"))
                    .col(integer("seq"))
                    .col(uuid("registration_id"))
                    .col(string("bidder_code"))
                    .col(big_integer("amount"))
                    .col(big_integer("placed_at"))
                    .col(boolean("priority"))
                    .col(boolean("priority_match"))
                    // The round's end and extension count right after this bid, to answer a retry identically.
                    .col(big_integer("ends_at_after"))
                    .col(integer("extension_count_after"))
                    .col(uuid("request_id"))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("auction_id").to("auctions", "id"))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col("registration_id")
                            .to("registrations", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "bids", &["auction_id", "seq"], true).await?;
        index(manager, "bids", &["auction_id", "request_id"], true).await?;

        manager
            .create_table(
                Table::create()
                    .table("ledger_entries")
                    .col(pk_uuid("id"))
                    .col(uuid("auction_id"))
                    .col(big_integer("seq"))
                    .col(string("kind"))
                    .col(text("payload"))
                    .col(string_len("prev_hash", 64))
                    .col(string_len("hash", 64))
                    .col(big_integer("created_at"))
                    .foreign_key(ForeignKey::create().from_col("auction_id").to("auctions", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "ledger_entries", &["auction_id", "seq"], true).await?;
        Ok(())
    }
}

/// `CREATE [UNIQUE] INDEX ix_<table>_<cols> ON table (cols)`.
pub(crate) async fn index(
    manager: &SchemaManager<'_>,
    table: &str,
    columns: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
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
