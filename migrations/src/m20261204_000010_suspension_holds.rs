//! A suspended round keeps why it is suspended, not a flag: the court's own reason, and how many pending
//! objections hold it (R60, R61). It resumes only when none remains.
//!
//! Rounds already suspended are given their reasons from the record: each pending objection that stopped
//! the round holds it, and the court holds any that no objection does.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new("suspended_by_court").boolean().null().to_owned(),
            ColumnDef::new("suspended_objections").integer().null().to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(Table::alter().table("auctions").add_column(&mut column).to_owned())
                .await?;
        }
        let holding = "(SELECT COUNT(*) FROM objections o WHERE o.auction_id = auctions.id \
                       AND o.status = 'pending' AND o.suspended_round = TRUE)";
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE auctions SET suspended_objections = {holding}, suspended_by_court = ({holding} = 0) \
                 WHERE suspended_at IS NOT NULL"
            ))
            .await?;
        Ok(())
    }
}
