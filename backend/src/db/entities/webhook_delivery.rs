//! One delivery of one event to one webhook: its body, where it stands and
//! what the receiver answered last. The log of a webhook, and the queue.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub webhook_id: i64,
    /// Sent as `X-Portunus-Delivery`; a re-send gets a new one.
    #[sea_orm(unique)]
    pub delivery_id: String,
    /// `push`, `delete`, `namespace`, `team` or `ping`.
    pub event: String,
    /// The activity's key (`repository.push`, `team.add_member`, ...).
    pub action: String,
    /// The body, exactly as sent (JSON).
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i32,
    /// When the next attempt is due; None once delivered or failed.
    pub next_attempt_at: Option<DateTimeUtc>,
    /// The process sending it now, until `claimed_until`.
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTimeUtc>,
    pub response_status: Option<i32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
    /// The delivery this one sends again.
    pub resend_of: Option<i64>,
    pub created_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
