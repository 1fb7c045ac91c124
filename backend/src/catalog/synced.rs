//! What a catalog sync saw of one repository, recorded in bulk: all its new
//! and moved tags in one statement per few hundred, with the rule that
//! events win (a tag an event touched after the pass began keeps what the
//! event recorded) written into the statement itself.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, OnConflict};
use sea_orm::{ConnectionTrait, EntityTrait, ExprTrait, Set};

use crate::catalog::recording;
use crate::db::entities::{repository, tag};
use crate::error::Result;
use crate::registry::ImageMetadata;

/// Rows per statement: 14 values each keeps well under the bind limits of
/// SQLite (32,766) and PostgreSQL (65,535).
const ROWS_PER_STATEMENT: usize = 500;

/// Records the tags a pass read (`name`, what it points at) in `repo`,
/// marked with the pass's `generation`, unless an event touched the tag
/// after the pass `started`. A tag whose digest moved counts as pushed
/// now, by nobody known; one that did not keep its push.
pub async fn record(
    db: &impl ConnectionTrait,
    repo: &repository::Model,
    tags: &[(String, ImageMetadata)],
    generation: i64,
    started: DateTime<Utc>,
) -> Result<()> {
    let now = Utc::now();
    for chunk in tags.chunks(ROWS_PER_STATEMENT) {
        let rows = chunk.iter().map(|(name, meta)| tag::ActiveModel {
            repository_id: Set(repo.id),
            name: Set(name.clone()),
            digest: Set(meta.digest.clone()),
            image_id: Set(meta.image_id.clone()),
            size: Set(meta.size),
            pushed_by_id: Set(None),
            pushed_at: Set(now),
            pulled_at: Set(None),
            media_type: Set(meta.media_type.clone()),
            layers: Set(meta.layers),
            created_at: Set(meta.created),
            labels: Set(meta.labels.clone()),
            platforms: Set((!meta.platforms.is_empty())
                .then(|| serde_json::to_value(&meta.platforms).unwrap_or_default())),
            updated_at: Set(Some(now)),
            sync_generation: Set(generation),
            ..Default::default()
        });
        let moved = "tags.digest <> excluded.digest";
        let upsert = OnConflict::columns([tag::Column::RepositoryId, tag::Column::Name])
            .update_columns([
                tag::Column::Digest,
                tag::Column::ImageId,
                tag::Column::Size,
                tag::Column::MediaType,
                tag::Column::Layers,
                tag::Column::CreatedAt,
                tag::Column::Labels,
                tag::Column::Platforms,
                tag::Column::UpdatedAt,
                tag::Column::SyncGeneration,
            ])
            .value(
                tag::Column::PushedAt,
                Expr::cust(format!(
                    "CASE WHEN {moved} THEN excluded.pushed_at ELSE tags.pushed_at END"
                )),
            )
            .value(
                tag::Column::PushedById,
                Expr::cust(format!(
                    "CASE WHEN {moved} THEN NULL ELSE tags.pushed_by_id END"
                )),
            )
            // Events win: what an event recorded after the pass began stays.
            .action_cond_where(
                Condition::any()
                    .add(Expr::col((tag::Entity, tag::Column::UpdatedAt)).is_null())
                    .add(Expr::col((tag::Entity, tag::Column::UpdatedAt)).lte(started)),
            )
            .to_owned();
        tag::Entity::insert_many(rows)
            .on_conflict(upsert)
            .exec_without_returning(db)
            .await?;
    }
    if !tags.is_empty() {
        recording::refresh_last_push(db, Some(repo.id)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder};

    use super::*;
    use crate::db::entities::user;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("a time")
    }

    fn image(digest: &str, size: i64) -> ImageMetadata {
        ImageMetadata {
            digest: digest.into(),
            size,
            ..Default::default()
        }
    }

    /// Events win, a moved tag counts as pushed now by nobody known, an
    /// unmoved one keeps its push, a new one is added: on both databases.
    #[tokio::test]
    async fn a_pass_records_what_moved_and_leaves_what_events_wrote_after_it_began() {
        for (backend, db) in crate::db::fixtures::databases().await {
            db.execute_unprepared(crate::db::fixtures::CATALOG)
                .await
                .expect("catalog");
            let pusher = user::ActiveModel {
                username: Set("alice".into()),
                created_at: Set(at("2026-01-01T00:00:00Z")),
                updated_at: Set(at("2026-01-01T00:00:00Z")),
                ..Default::default()
            }
            .insert(&db)
            .await
            .expect("a pusher");
            let old = at("2026-01-01T00:00:00Z");
            let started = at("2026-06-01T00:00:00Z");
            let by_event = at("2026-06-01T00:00:01Z");
            for (name, digest, updated) in [
                ("same", "sha256:a", old),
                ("moved", "sha256:a", old),
                ("by-event", "sha256:c", by_event),
            ] {
                tag::ActiveModel {
                    repository_id: Set(1),
                    name: Set(name.into()),
                    digest: Set(digest.into()),
                    size: Set(1),
                    pushed_by_id: Set(Some(pusher.id)),
                    pushed_at: Set(updated),
                    media_type: Set(String::new()),
                    updated_at: Set(Some(updated)),
                    ..Default::default()
                }
                .insert(&db)
                .await
                .expect("a tag");
            }
            let repo = repository::Entity::find_by_id(1)
                .one(&db)
                .await
                .expect("read")
                .expect("repository 1");
            let seen = [
                ("same".to_owned(), image("sha256:a", 2)),
                ("moved".to_owned(), image("sha256:b", 3)),
                ("by-event".to_owned(), image("sha256:b", 4)),
                ("new".to_owned(), image("sha256:b", 5)),
            ];
            record(&db, &repo, &seen, 7, started).await.expect("record");

            let tags = tag::Entity::find()
                .filter(tag::Column::RepositoryId.eq(1))
                .order_by_asc(tag::Column::Name)
                .all(&db)
                .await
                .expect("tags");
            let facts: Vec<_> = tags
                .iter()
                .map(|t| {
                    (
                        t.name.as_str(),
                        t.digest.as_str(),
                        t.size,
                        t.pushed_by_id,
                        t.pushed_at > started,
                        t.sync_generation,
                    )
                })
                .collect();
            let alice = Some(pusher.id);
            assert_eq!(
                facts,
                [
                    ("by-event", "sha256:c", 1, alice, true, 0),
                    ("moved", "sha256:b", 3, None, true, 7),
                    ("new", "sha256:b", 5, None, true, 7),
                    ("same", "sha256:a", 2, alice, false, 7),
                ],
                "{backend}"
            );
            assert_eq!(
                tags[3].pushed_at, old,
                "{backend}: an unmoved tag keeps its push"
            );
            let newest = tags.iter().map(|t| t.pushed_at).max();
            let repo = repository::Entity::find_by_id(1)
                .one(&db)
                .await
                .expect("read")
                .expect("repository 1");
            assert_eq!(repo.last_pushed_at, newest, "{backend}");
        }
    }
}
