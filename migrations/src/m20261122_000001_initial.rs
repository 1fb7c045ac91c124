//! The initial schema: registries, users, teams and their members, namespaces,
//! repositories, tags, application tokens, web sessions, stored registry
//! events and the activity log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registries {
    Table,
    Id,
    Name,
    Hostname,
    ExternalHostname,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    DisplayName,
    PasswordHash,
    Admin,
    Enabled,
    Bot,
    FailedAttempts,
    LockedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    Name,
    Description,
    Hidden,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    Id,
    TeamId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Namespaces {
    Table,
    Id,
    RegistryId,
    Name,
    TeamId,
    Visibility,
    Description,
    Global,
    PersonalUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
    NamespaceId,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    RepositoryId,
    Name,
    Digest,
    ImageId,
    Size,
    PushedById,
    PushedAt,
    PulledAt,
}

#[derive(DeriveIden)]
enum ApplicationTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Scope,
    ExpiresAt,
    LastUsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum RegistryEvents {
    Table,
    Id,
    EventId,
    RegistryId,
    Action,
    Payload,
    ReceivedAt,
    ProcessedAt,
    Error,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    ActorId,
    ActorName,
    Key,
    TargetType,
    TargetId,
    TargetName,
    Parameters,
    CreatedAt,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

fn unique_index(
    name: &str,
    table: impl IntoIden,
    columns: impl IntoIterator<Item = impl IntoIden>,
) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(table).unique().to_owned();
    for column in columns {
        index.col(column);
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Registries::Table)
                .col(big_pk_auto(Registries::Id))
                .col(string_uniq(Registries::Name))
                .col(string(Registries::Hostname))
                .col(string_null(Registries::ExternalHostname))
                .col(timestamp_with_time_zone(Registries::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(big_pk_auto(Users::Id))
                .col(string_uniq(Users::Username))
                .col(string_null(Users::Email).unique_key())
                .col(string_null(Users::DisplayName))
                .col(string_null(Users::PasswordHash))
                .col(boolean(Users::Admin).default(false))
                .col(boolean(Users::Enabled).default(true))
                .col(boolean(Users::Bot).default(false))
                .col(integer(Users::FailedAttempts).default(0))
                .col(timestamp_with_time_zone_null(Users::LockedAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Teams::Table)
                .col(big_pk_auto(Teams::Id))
                .col(string_uniq(Teams::Name))
                .col(text(Teams::Description).default(""))
                .col(boolean(Teams::Hidden).default(false))
                .col(timestamp_with_time_zone(Teams::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TeamMembers::Table)
                .col(big_pk_auto(TeamMembers::Id))
                .col(big_integer(TeamMembers::TeamId))
                .col(big_integer(TeamMembers::UserId))
                .col(string(TeamMembers::Role))
                .col(timestamp_with_time_zone(TeamMembers::CreatedAt))
                .foreign_key(&mut fk(
                    (TeamMembers::Table, TeamMembers::TeamId),
                    (Teams::Table, Teams::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (TeamMembers::Table, TeamMembers::UserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique_index(
            "team_members_team_user",
            TeamMembers::Table,
            [TeamMembers::TeamId, TeamMembers::UserId],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Namespaces::Table)
                .col(big_pk_auto(Namespaces::Id))
                .col(big_integer(Namespaces::RegistryId))
                .col(string(Namespaces::Name))
                .col(big_integer(Namespaces::TeamId))
                .col(string(Namespaces::Visibility))
                .col(text(Namespaces::Description).default(""))
                .col(boolean(Namespaces::Global).default(false))
                .col(big_integer_null(Namespaces::PersonalUserId).unique_key())
                .col(timestamp_with_time_zone(Namespaces::CreatedAt))
                .foreign_key(&mut fk(
                    (Namespaces::Table, Namespaces::RegistryId),
                    (Registries::Table, Registries::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (Namespaces::Table, Namespaces::TeamId),
                    (Teams::Table, Teams::Id),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    (Namespaces::Table, Namespaces::PersonalUserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique_index(
            "namespaces_registry_name",
            Namespaces::Table,
            [Namespaces::RegistryId, Namespaces::Name],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Repositories::Table)
                .col(big_pk_auto(Repositories::Id))
                .col(big_integer(Repositories::NamespaceId))
                .col(string(Repositories::Name))
                .col(text(Repositories::Description).default(""))
                .col(timestamp_with_time_zone(Repositories::CreatedAt))
                .foreign_key(&mut fk(
                    (Repositories::Table, Repositories::NamespaceId),
                    (Namespaces::Table, Namespaces::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique_index(
            "repositories_namespace_name",
            Repositories::Table,
            [Repositories::NamespaceId, Repositories::Name],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Tags::Table)
                .col(big_pk_auto(Tags::Id))
                .col(big_integer(Tags::RepositoryId))
                .col(string(Tags::Name))
                .col(string(Tags::Digest))
                .col(string_null(Tags::ImageId))
                .col(big_integer(Tags::Size).default(0))
                .col(big_integer_null(Tags::PushedById))
                .col(timestamp_with_time_zone(Tags::PushedAt))
                .col(timestamp_with_time_zone_null(Tags::PulledAt))
                .foreign_key(&mut fk(
                    (Tags::Table, Tags::RepositoryId),
                    (Repositories::Table, Repositories::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (Tags::Table, Tags::PushedById),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique_index(
            "tags_repository_name",
            Tags::Table,
            [Tags::RepositoryId, Tags::Name],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ApplicationTokens::Table)
                .col(big_pk_auto(ApplicationTokens::Id))
                .col(big_integer(ApplicationTokens::UserId))
                .col(string(ApplicationTokens::Name))
                .col(string_uniq(ApplicationTokens::TokenHash))
                .col(json_null(ApplicationTokens::Scope))
                .col(timestamp_with_time_zone_null(ApplicationTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApplicationTokens::LastUsedAt))
                .col(timestamp_with_time_zone(ApplicationTokens::CreatedAt))
                .foreign_key(&mut fk(
                    (ApplicationTokens::Table, ApplicationTokens::UserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique_index(
            "application_tokens_user_name",
            ApplicationTokens::Table,
            [ApplicationTokens::UserId, ApplicationTokens::Name],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(big_pk_auto(Sessions::Id))
                .col(big_integer(Sessions::UserId))
                .col(string_uniq(Sessions::TokenHash))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .foreign_key(&mut fk(
                    (Sessions::Table, Sessions::UserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RegistryEvents::Table)
                .col(big_pk_auto(RegistryEvents::Id))
                .col(string_uniq(RegistryEvents::EventId))
                .col(big_integer_null(RegistryEvents::RegistryId))
                .col(string(RegistryEvents::Action))
                .col(text(RegistryEvents::Payload))
                .col(timestamp_with_time_zone(RegistryEvents::ReceivedAt))
                .col(timestamp_with_time_zone_null(RegistryEvents::ProcessedAt))
                .col(text_null(RegistryEvents::Error))
                .foreign_key(&mut fk(
                    (RegistryEvents::Table, RegistryEvents::RegistryId),
                    (Registries::Table, Registries::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Activities::Table)
                .col(big_pk_auto(Activities::Id))
                .col(big_integer_null(Activities::ActorId))
                .col(string(Activities::ActorName))
                .col(string(Activities::Key))
                .col(string(Activities::TargetType))
                .col(big_integer_null(Activities::TargetId))
                .col(string(Activities::TargetName))
                .col(json_null(Activities::Parameters))
                .col(timestamp_with_time_zone(Activities::CreatedAt))
                .foreign_key(&mut fk(
                    (Activities::Table, Activities::ActorId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("activities_created_at")
                .table(Activities::Table)
                .col(Activities::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Activities::Table.into_iden(),
            RegistryEvents::Table.into_iden(),
            Sessions::Table.into_iden(),
            ApplicationTokens::Table.into_iden(),
            Tags::Table.into_iden(),
            Repositories::Table.into_iden(),
            Namespaces::Table.into_iden(),
            TeamMembers::Table.into_iden(),
            Teams::Table.into_iden(),
            Users::Table.into_iden(),
            Registries::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
