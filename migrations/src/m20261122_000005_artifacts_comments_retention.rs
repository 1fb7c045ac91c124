//! Artifacts that refer to a manifest (signatures, SBOMs), comments on
//! repositories, per-repository retention rules, events held because they
//! named a registry host Portunus does not know, where an interrupted
//! catalog sync resumes, and an index for the events that wait.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Artifacts {
    Table,
    Id,
    RepositoryId,
    Digest,
    SubjectDigest,
    ArtifactType,
    MediaType,
    Size,
    PushedById,
    PushedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    RepositoryId,
    UserId,
    Body,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RetentionRules {
    Table,
    Id,
    RepositoryId,
    Enabled,
    KeepNewest,
    OlderThanDays,
    TagPattern,
    KeepPulledWithinDays,
    UpdatedAt,
    UpdatedById,
    LastRunAt,
}

#[derive(DeriveIden)]
enum RegistryEvents {
    Table,
    Id,
    HeldHost,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum Registries {
    Table,
    SyncCheckpoint,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
}

fn to_repository<T: IntoIden>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Repositories::Table, Repositories::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn to_user<T: IntoIden>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Artifacts::Table)
                .col(big_pk_auto(Artifacts::Id))
                .col(big_integer(Artifacts::RepositoryId))
                .col(string(Artifacts::Digest))
                .col(string(Artifacts::SubjectDigest))
                .col(string(Artifacts::ArtifactType))
                .col(string(Artifacts::MediaType))
                .col(big_integer(Artifacts::Size))
                .col(big_integer_null(Artifacts::PushedById))
                .col(timestamp_with_time_zone(Artifacts::PushedAt))
                .foreign_key(&mut to_repository(
                    Artifacts::Table,
                    Artifacts::RepositoryId,
                ))
                .foreign_key(&mut to_user(Artifacts::Table, Artifacts::PushedById))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("artifacts_repository_digest")
                .table(Artifacts::Table)
                .col(Artifacts::RepositoryId)
                .col(Artifacts::Digest)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Comments::Table)
                .col(big_pk_auto(Comments::Id))
                .col(big_integer(Comments::RepositoryId))
                .col(big_integer_null(Comments::UserId))
                .col(text(Comments::Body))
                .col(timestamp_with_time_zone(Comments::CreatedAt))
                .col(timestamp_with_time_zone_null(Comments::UpdatedAt))
                .foreign_key(&mut to_repository(Comments::Table, Comments::RepositoryId))
                .foreign_key(&mut to_user(Comments::Table, Comments::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("comments_repository")
                .table(Comments::Table)
                .col(Comments::RepositoryId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RetentionRules::Table)
                .col(big_pk_auto(RetentionRules::Id))
                .col(big_integer_uniq(RetentionRules::RepositoryId))
                .col(boolean(RetentionRules::Enabled))
                .col(integer_null(RetentionRules::KeepNewest))
                .col(integer_null(RetentionRules::OlderThanDays))
                .col(string_null(RetentionRules::TagPattern))
                .col(integer_null(RetentionRules::KeepPulledWithinDays))
                .col(timestamp_with_time_zone(RetentionRules::UpdatedAt))
                .col(big_integer_null(RetentionRules::UpdatedById))
                .col(timestamp_with_time_zone_null(RetentionRules::LastRunAt))
                .foreign_key(&mut to_repository(
                    RetentionRules::Table,
                    RetentionRules::RepositoryId,
                ))
                .foreign_key(&mut to_user(
                    RetentionRules::Table,
                    RetentionRules::UpdatedById,
                ))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RegistryEvents::Table)
                .add_column(string_null(RegistryEvents::HeldHost))
                .to_owned(),
        )
        .await?;
        // The processor asks every few seconds for what waits, oldest first.
        m.create_index(
            Index::create()
                .name("registry_events_waiting")
                .table(RegistryEvents::Table)
                .col(RegistryEvents::ProcessedAt)
                .col(RegistryEvents::Id)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Registries::Table)
                .add_column(text_null(Registries::SyncCheckpoint))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("registry_events_waiting")
                .table(RegistryEvents::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Registries::Table)
                .drop_column(Registries::SyncCheckpoint)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RegistryEvents::Table)
                .drop_column(RegistryEvents::HeldHost)
                .to_owned(),
        )
        .await?;
        for table in [
            RetentionRules::Table.into_iden(),
            Comments::Table.into_iden(),
            Artifacts::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
