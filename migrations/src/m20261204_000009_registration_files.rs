//! Files of a registration that only the selling court may read: an agent's power of attorney (授权委托书,
//! R41), which the court reads before it confirms the agency. Stored like a listing's files, under
//! `<data_dir>/files/`, by id.

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
                    .table("registration_files")
                    .col(pk_uuid("id"))
                    .col(uuid("registration_id"))
                    .col(string("file_name"))
                    .col(string("content_type"))
                    .col(big_integer("size"))
                    .col(string("sha256"))
                    .col(uuid("uploaded_by"))
                    .col(big_integer("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col("registration_id")
                            .to("registrations", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "registration_files", &["registration_id"], false).await?;
        Ok(())
    }
}
