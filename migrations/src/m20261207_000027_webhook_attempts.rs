//! Every attempt of a webhook delivery, not only the last: when it ran,
//! the receiver's status and the start of its answer, why it failed, how
//! long it took. A receiver that failed twice and then answered shows
//! three attempts, not only the final 200. Deliveries recorded before
//! keep their last attempt as their one known attempt.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    Number,
    AttemptedAt,
    ResponseStatus,
    ResponseExcerpt,
    Error,
    DurationMs,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookAttempts::Table)
                .col(big_pk_auto(WebhookAttempts::Id))
                .col(big_integer(WebhookAttempts::DeliveryId))
                .col(integer(WebhookAttempts::Number))
                .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                .col(integer_null(WebhookAttempts::ResponseStatus))
                .col(text_null(WebhookAttempts::ResponseExcerpt))
                .col(text_null(WebhookAttempts::Error))
                .col(big_integer(WebhookAttempts::DurationMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                        .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhook_attempts_of_delivery")
                .table(WebhookAttempts::Table)
                .col(WebhookAttempts::DeliveryId)
                .col(WebhookAttempts::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO webhook_attempts \
                 (delivery_id, number, attempted_at, response_status, response_excerpt, error, duration_ms) \
                 SELECT id, attempts, last_attempt_at, response_status, response_excerpt, error, \
                 COALESCE(duration_ms, 0) FROM webhook_deliveries \
                 WHERE attempts > 0 AND last_attempt_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebhookAttempts::Table).to_owned())
            .await
    }
}
