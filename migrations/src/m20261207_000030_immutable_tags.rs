//! Immutable tags: rules that say which tags, once pushed, keep their
//! image. A rule belongs to one namespace, or (no namespace) to the whole
//! installation. The gateway refuses to move or delete what a rule
//! protects, and so do Portunus's own deletions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImmutableTagRules {
    Table,
    Id,
    NamespaceId,
    Pattern,
    IncludeLatest,
    CreatedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Namespaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ImmutableTagRules::Table)
                .col(big_pk_auto(ImmutableTagRules::Id))
                .col(big_integer_null(ImmutableTagRules::NamespaceId))
                .col(string(ImmutableTagRules::Pattern))
                .col(boolean(ImmutableTagRules::IncludeLatest))
                .col(big_integer_null(ImmutableTagRules::CreatedById))
                .col(timestamp_with_time_zone(ImmutableTagRules::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ImmutableTagRules::Table, ImmutableTagRules::NamespaceId)
                        .to(Namespaces::Table, Namespaces::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ImmutableTagRules::Table, ImmutableTagRules::CreatedById)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("immutable_tag_rules_of_namespace")
                .table(ImmutableTagRules::Table)
                .col(ImmutableTagRules::NamespaceId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ImmutableTagRules::Table).to_owned())
            .await
    }
}
