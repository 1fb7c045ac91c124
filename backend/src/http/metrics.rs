//! `GET /metrics`: counters of this process and figures from the database in
//! the Prometheus text format. Counts only, never names; open unless
//! `metrics_token` is set. The database figures are counted at most once
//! per [`FIGURES_MAX_AGE`], however often anyone asks.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use crate::db::entities::{registry_event, repository, tag, user};
use crate::http::state::SharedState;

/// How long counted figures are served before they are counted again.
pub const FIGURES_MAX_AGE: Duration = Duration::from_secs(15);

/// What the database holds, by name.
type Figures = [(&'static str, u64); 6];

/// The last counted figures and when they were counted.
#[derive(Default)]
pub struct StoredFigures(tokio::sync::Mutex<Option<(Instant, Figures)>>);

impl StoredFigures {
    /// The figures, counted again when older than [`FIGURES_MAX_AGE`] at `now`.
    pub async fn get(&self, db: &DatabaseConnection, now: Instant) -> Result<Figures, DbErr> {
        // Held across the count, so parallel scrapes count once.
        let mut last = self.0.lock().await;
        if let Some((at, figures)) = *last
            && now.saturating_duration_since(at) < FIGURES_MAX_AGE
        {
            return Ok(figures);
        }
        let figures = count(db).await?;
        *last = Some((now, figures));
        Ok(figures)
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

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// `GET /metrics`
#[handler]
pub async fn render(req: &Request, Data(state): Data<&SharedState>) -> Response {
    let token = &state.config.metrics_token;
    if !token.is_empty() {
        let given = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !crate::crypto::secrets::same(given.as_bytes(), token.as_bytes()) {
            return poem::web::Json(serde_json::json!({
                "code": "unauthorized",
                "message": "metrics need Authorization: Bearer METRICS_TOKEN (metrics_token in the configuration)"
            }))
            .with_status(poem::http::StatusCode::UNAUTHORIZED)
            .into_response();
        }
    }
    let m = &state.events.counters;
    let mut out = String::new();
    family(
        &mut out,
        "portunus_registry_events_total",
        "counter",
        "Registry events handled by this process, by outcome.",
    );
    for (outcome, counter) in [
        ("stored", &m.events_stored),
        ("duplicate", &m.events_duplicate),
        ("refused", &m.events_refused),
        ("applied", &m.events_applied),
        ("failed", &m.events_failed),
        ("held_unknown_registry", &m.events_held),
    ] {
        let _ = writeln!(
            out,
            "portunus_registry_events_total{{outcome=\"{outcome}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    match state.stored_figures.get(&state.db, Instant::now()).await {
        Ok(figures) => {
            family(
                &mut out,
                "portunus_stored",
                "gauge",
                "What the database holds: registry events by state, repositories, tags, users (refreshed at most every 15 s).",
            );
            for (what, n) in figures {
                let _ = writeln!(out, "portunus_stored{{what=\"{what}\"}} {n}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: the database did not answer"),
    }
    out.with_content_type("text/plain; version=0.0.4")
        .into_response()
}
