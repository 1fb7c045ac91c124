//! What the database holds, for `/metrics`: registry events by state,
//! repositories, tags and users, counted at most once per
//! [`FIGURES_MAX_AGE`] and served from memory in between, so scrapes (open
//! to anyone unless `metrics_token` is set) cannot make the database count
//! on every request.

use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use crate::db::entities::{registry_event, repository, tag, user};
use crate::http::remembered::Remembered;

/// How long counted figures are served before they are counted again.
pub const FIGURES_MAX_AGE: Duration = Duration::from_secs(15);

/// What the database holds, by name.
type Figures = [(&'static str, u64); 6];

/// The last counted figures and when they were counted.
#[derive(Default)]
pub struct StoredFigures(Remembered<Figures>);

impl StoredFigures {
    /// The figures, counted again when older than [`FIGURES_MAX_AGE`] at `now`.
    pub async fn get(&self, db: &DatabaseConnection, now: Instant) -> Result<Figures, DbErr> {
        self.0.get(now, FIGURES_MAX_AGE, || count(db)).await
    }
}

async fn count(db: &DatabaseConnection) -> Result<Figures, DbErr> {
    let events = || registry_event::Entity::find();
    let waiting = events()
        .filter(registry_event::Column::ProcessedAt.is_null())
        .filter(registry_event::Column::HeldHost.is_null());
    let held = events()
        .filter(registry_event::Column::ProcessedAt.is_null())
        .filter(registry_event::Column::HeldHost.is_not_null());
    let failed = events().filter(registry_event::Column::Error.is_not_null());
    Ok([
        ("pending", waiting.count(db).await?),
        ("held_unknown_registry", held.count(db).await?),
        ("failed", failed.count(db).await?),
        ("repositories", repository::Entity::find().count(db).await?),
        ("tags", tag::Entity::find().count(db).await?),
        ("users", user::Entity::find().count(db).await?),
    ])
}
