//! A real gateway and its books (issue 20): which gateway took each order; which order each refund pays
//! back (a refund goes back the way its money came, and a partial one needs its order); the notifications
//! from the gateway that the platform could not act on; and the daily reconciliation of the platform's
//! orders and refunds with the gateway's, with every difference it found.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261124_000001_foundation::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("payment_orders")
                    .add_column(ColumnDef::new("provider").string().not_null().default("sandbox"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("refunds")
                    .add_column(ColumnDef::new("payment_order_id").uuid().null())
                    .to_owned(),
            )
            .await?;
        // Every refund so far repaid its registration's deposit (or prepayment) order, or its deal's
        // balance order.
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE refunds SET payment_order_id = (SELECT o.id FROM payment_orders o \
             WHERE o.registration_id = refunds.registration_id AND o.purpose = 'deposit' \
             AND o.status IN ('paid', 'rejected') ORDER BY o.created_at LIMIT 1) \
             WHERE purpose IN ('deposit', 'prepayment') AND payment_order_id IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE refunds SET payment_order_id = (SELECT o.id FROM payment_orders o \
             WHERE o.deal_id = refunds.deal_id AND o.purpose = 'balance' \
             AND o.status IN ('paid', 'rejected') ORDER BY o.created_at LIMIT 1) \
             WHERE purpose = 'balance' AND payment_order_id IS NULL",
        )
        .await?;
        index(manager, "refunds", &["payment_order_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("gateway_notices")
                    .col(pk_uuid("id"))
                    .col(string("provider"))
                    .col(big_integer("received_at"))
                    // The gateway sends a notification again under the same id until it is answered.
                    .col(string("notify_id"))
                    .col(string("out_trade_no"))
                    .col(string_null("trade_no"))
                    .col(string_null("trade_status"))
                    .col(big_integer_null("amount"))
                    .col(string("problem"))
                    .col(text("detail"))
                    .to_owned(),
            )
            .await?;
        index(manager, "gateway_notices", &["provider", "notify_id", "problem"], true).await?;
        index(manager, "gateway_notices", &["received_at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table("reconciliations")
                    .col(pk_uuid("id"))
                    .col(string("provider"))
                    // The Beijing day whose orders and refunds were compared.
                    .col(string("day"))
                    .col(big_integer("started_at"))
                    .col(big_integer_null("finished_at"))
                    .col(integer("orders_checked"))
                    .col(integer("refunds_checked"))
                    .col(integer("differences"))
                    .col(text_null("failure"))
                    .col(uuid_null("requested_by"))
                    .to_owned(),
            )
            .await?;
        index(manager, "reconciliations", &["provider", "day"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table("reconciliation_differences")
                    .col(pk_uuid("id"))
                    .col(uuid("reconciliation_id"))
                    .col(string("kind"))
                    .col(uuid_null("order_id"))
                    .col(uuid_null("refund_id"))
                    .col(uuid_null("auction_id"))
                    .col(string_null("out_trade_no"))
                    .col(big_integer_null("platform_amount"))
                    .col(big_integer_null("gateway_amount"))
                    .col(string_null("platform_state"))
                    .col(string_null("gateway_state"))
                    .col(text("detail"))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col("reconciliation_id")
                            .to("reconciliations", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "reconciliation_differences", &["reconciliation_id"], false).await
    }
}
