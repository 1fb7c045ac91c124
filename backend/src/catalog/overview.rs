//! The installation at a glance, for the administrators' dashboard: how
//! many accounts, teams, namespaces, repositories and tags there are, how
//! many registry events wait for an unknown host, and pushes per day over
//! the last [`DAYS`] days, counted in the database.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use portunus_shared::api::{DayCount, Overview};
use portunus_shared::domain::ActivityKey;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use crate::authz::{Subject, rest};
use crate::db::entities::{activity, namespace, registry_event, repository, tag, team, user};
use crate::error::Result;

/// Days the push chart covers, today included.
pub const DAYS: i64 = 30;

/// The overview as of `now` (administrators only).
pub async fn overview(
    db: &DatabaseConnection,
    who: &Subject,
    now: DateTime<Utc>,
) -> Result<Overview> {
    if !rest::may_administer(who) {
        return Err(rest::refusal(
            who,
            "only administrators see the installation's figures",
        ));
    }
    Ok(Overview {
        users: user::Entity::find().count(db).await?,
        teams: team::Entity::find()
            .filter(team::Column::Hidden.eq(false))
            .count(db)
            .await?,
        namespaces: namespace::Entity::find().count(db).await?,
        repositories: repository::Entity::find().count(db).await?,
        tags: tag::Entity::find().count(db).await?,
        held_events: registry_event::Entity::find()
            .filter(registry_event::Column::ProcessedAt.is_null())
            .filter(registry_event::Column::HeldHost.is_not_null())
            .count(db)
            .await?,
        pushes: pushes_per_day(db, now).await?,
    })
}

/// Pushes per UTC day from [`DAYS`] - 1 days before `now` to `now`,
/// oldest first, days without pushes as zero.
async fn pushes_per_day(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<DayCount>> {
    let first = (now - Duration::days(DAYS - 1)).date_naive();
    let since = first.and_time(NaiveTime::MIN).and_utc();
    // The day as YYYY-MM-DD, in each backend's words.
    let day = match db.get_database_backend() {
        DatabaseBackend::Postgres => "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        _ => "substr(created_at, 1, 10)",
    };
    let counted: Vec<(String, i64)> = activity::Entity::find()
        .select_only()
        .column_as(Expr::cust(day), "day")
        .column_as(Expr::col(activity::Column::Id).count(), "pushes")
        .filter(activity::Column::Key.eq(ActivityKey::RepositoryPush.as_str()))
        .filter(activity::Column::CreatedAt.gte(since))
        .group_by(Expr::cust(day))
        .into_tuple()
        .all(db)
        .await?;
    Ok((0..DAYS)
        .map(|offset| {
            let day = (first + Duration::days(offset))
                .format("%Y-%m-%d")
                .to_string();
            let count = counted
                .iter()
                .find(|(d, _)| *d == day)
                .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0));
            DayCount { day, count }
        })
        .collect())
}
