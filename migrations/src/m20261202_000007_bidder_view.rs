//! What a bidder looks for before the deposit and while watching: people watching a round (关注/提醒) with
//! the moments they were reminded of, a listing's costs, the court's contact and how to view the property
//! (R29, R67), and the smaller sizes of each photo made at upload.

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
                    .table("watches")
                    .col(pk_uuid("id"))
                    .col(uuid("auction_id"))
                    .col(uuid("user_id"))
                    .col(big_integer("created_at"))
                    // Each reminder is sent once: the moment is claimed in the transaction that queues it.
                    .col(big_integer_null("opening_reminded_at"))
                    .col(big_integer_null("ending_reminded_at"))
                    .foreign_key(ForeignKey::create().from_col("auction_id").to("auctions", "id"))
                    .foreign_key(ForeignKey::create().from_col("user_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "watches", &["auction_id", "user_id"], true).await?;
        index(manager, "watches", &["user_id"], false).await?;

        // One column a statement: SQLite adds columns one at a time.
        let columns = [
            // JSON array of {name, borne_by, kind, amount | percent}; amounts and percents as decimal strings.
            ("listings", ColumnDef::new("costs").text().null().to_owned()),
            ("listings", ColumnDef::new("contact_name").string().null().to_owned()),
            ("listings", ColumnDef::new("contact_phone").string().null().to_owned()),
            ("listings", ColumnDef::new("viewing_how").text().null().to_owned()),
            (
                "listings",
                ColumnDef::new("viewing_from").big_integer().null().to_owned(),
            ),
            (
                "listings",
                ColumnDef::new("viewing_until").big_integer().null().to_owned(),
            ),
            // The widths (px) of the smaller copies of a photo, as a JSON array, e.g. [320, 960].
            ("listing_files", ColumnDef::new("variants").string().null().to_owned()),
            // Whether a round's announcement is the generated one (then it follows the listing's facts
            // until publication) or the court's own text.
            (
                "auctions",
                ColumnDef::new("announcement_generated").boolean().null().to_owned(),
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
