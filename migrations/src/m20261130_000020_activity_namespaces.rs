//! Each activity on a namespace or a repository keeps the namespace it was
//! in, so the dashboard's feed decides who may read it by one namespace id
//! instead of looking the repository up, and still shows what was done to
//! a repository after it is gone. Activities of repositories deleted
//! before this migration keep none (their namespace is no longer known)
//! and stay where they were: in the audit log and their actor's feed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("ALTER TABLE activities ADD COLUMN namespace_id BIGINT NULL")
            .await?;
        db.execute_unprepared(
            "UPDATE activities SET namespace_id = \
             (SELECT r.namespace_id FROM repositories r WHERE r.id = activities.target_id) \
             WHERE target_type = 'repository'",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE activities SET namespace_id = target_id WHERE target_type = 'namespace'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE activities DROP COLUMN namespace_id")
            .await?;
        Ok(())
    }
}
