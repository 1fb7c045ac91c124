//! Outgoing webhooks: where to post what happens in a namespace (or, with
//! no namespace, everywhere), and the log of every delivery. Secrets,
//! extra headers and passwords are stored sealed (see `crypto::sealing`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    NamespaceId,
    Name,
    Url,
    Events,
    Enabled,
    SecretSealed,
    HeadersSealed,
    BasicUsername,
    BasicPasswordSealed,
    CreatedById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    DeliveryId,
    Event,
    Action,
    Payload,
    State,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    ResponseStatus,
    ResponseExcerpt,
    Error,
    DurationMs,
    ResendOf,
    CreatedAt,
    LastAttemptAt,
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
                .table(Webhooks::Table)
                .col(big_pk_auto(Webhooks::Id))
                .col(big_integer_null(Webhooks::NamespaceId))
                .col(string(Webhooks::Name))
                .col(string(Webhooks::Url))
                // Comma-separated: push,delete,namespace,team.
                .col(string(Webhooks::Events))
                .col(boolean(Webhooks::Enabled))
                .col(string(Webhooks::SecretSealed))
                .col(text_null(Webhooks::HeadersSealed))
                .col(string_null(Webhooks::BasicUsername))
                .col(string_null(Webhooks::BasicPasswordSealed))
                .col(big_integer_null(Webhooks::CreatedById))
                .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Webhooks::Table, Webhooks::NamespaceId)
                        .to(Namespaces::Table, Namespaces::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Webhooks::Table, Webhooks::CreatedById)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhooks_namespace")
                .table(Webhooks::Table)
                .col(Webhooks::NamespaceId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(big_pk_auto(WebhookDeliveries::Id))
                .col(big_integer(WebhookDeliveries::WebhookId))
                .col(string_uniq(WebhookDeliveries::DeliveryId))
                .col(string(WebhookDeliveries::Event))
                .col(string(WebhookDeliveries::Action))
                .col(text(WebhookDeliveries::Payload))
                .col(string(WebhookDeliveries::State).check(
                    Expr::col(WebhookDeliveries::State).is_in(["pending", "delivered", "failed"]),
                ))
                .col(integer(WebhookDeliveries::Attempts))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::NextAttemptAt,
                ))
                .col(string_null(WebhookDeliveries::ClaimedBy))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::ClaimedUntil,
                ))
                .col(integer_null(WebhookDeliveries::ResponseStatus))
                .col(text_null(WebhookDeliveries::ResponseExcerpt))
                .col(text_null(WebhookDeliveries::Error))
                .col(big_integer_null(WebhookDeliveries::DurationMs))
                .col(big_integer_null(WebhookDeliveries::ResendOf))
                .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::LastAttemptAt,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                        .to(Webhooks::Table, Webhooks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The sender asks for what is due, soonest first.
        m.create_index(
            Index::create()
                .name("webhook_deliveries_due")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::State)
                .col(WebhookDeliveries::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        // A webhook's log, newest first.
        m.create_index(
            Index::create()
                .name("webhook_deliveries_log")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::WebhookId)
                .col(WebhookDeliveries::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}
