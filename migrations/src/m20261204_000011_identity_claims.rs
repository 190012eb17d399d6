//! A way back for a person whose ID number someone else signed up with (the sandbox verifier checks no
//! register, so this can happen): the person files a claim with proof, the administrator decides it, and
//! an upheld claim freezes the account that held the number and frees the number for its owner.
//!
//! A frozen account's registrations keep when they were frozen (`frozen_at`): their bids are refused, and
//! before bidding opens the registration is released.

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
                    .table("identity_claims")
                    .col(pk_uuid("id"))
                    .col(string("claimant_email"))
                    .col(string("real_name"))
                    .col(string("id_number"))
                    .col(string_null("phone"))
                    .col(text("statement"))
                    // The account that held the number when the claim was filed.
                    .col(uuid("holder_id"))
                    .col(uuid("proof_file_id"))
                    .col(string("proof_file_name"))
                    .col(string("proof_content_type"))
                    .col(big_integer("proof_size"))
                    .col(string("proof_sha256"))
                    .col(string("status"))
                    .col(big_integer("filed_at"))
                    .col(uuid_null("decided_by"))
                    .col(big_integer_null("decided_at"))
                    .col(text_null("decision_note"))
                    .foreign_key(ForeignKey::create().from_col("holder_id").to("users", "id"))
                    .to_owned(),
            )
            .await?;
        index(manager, "identity_claims", &["status", "filed_at"], false).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("registrations")
                    .add_column(ColumnDef::new("frozen_at").big_integer().null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
