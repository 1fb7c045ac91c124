//! What registry events and catalog syncs write: repository rows (and the
//! namespaces a push creates), tags and the images they point at, pulls,
//! and the clean-up of what the registry no longer holds. People read it
//! back through `repositories`.

use chrono::{DateTime, Utc};
use portunus_shared::names::parse_repository_path;
use sea_orm::sea_query::{Condition, Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::accounts::namespaces;
use crate::authz::facts;
use crate::db::entities::{artifact, namespace, repository, tag, user};
use crate::db::ids::RegistryId;
use crate::error::{Error, Result};
use crate::registry::ImageMetadata;

/// Whether Portunus records any repository in registry `registry_id`.
pub async fn any_in_registry(db: &impl ConnectionTrait, registry_id: RegistryId) -> Result<bool> {
    use sea_orm::sea_query::ExprTrait;
    let of_registry = sea_orm::sea_query::Query::select()
        .column(namespace::Column::Id)
        .from(namespace::Entity)
        .and_where(sea_orm::sea_query::Expr::col(namespace::Column::RegistryId).eq(registry_id))
        .to_owned();
    Ok(repository::Entity::find()
        .filter(repository::Column::NamespaceId.in_subquery(of_registry))
        .one(db)
        .await?
        .is_some())
}

/// The repository row for a registry path, creating it (and its namespace,
/// when an administrator pushed into a new one) if needed.
pub async fn ensure(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    path: &str,
    pusher: Option<&user::Model>,
) -> Result<repository::Model> {
    let parsed = parse_repository_path(path).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let ns = match facts::namespace_of(db, registry_id, path).await? {
        Some(ns) => ns,
        None => {
            let name = parsed.namespace.unwrap_or_default();
            namespaces::create_for_push(db, registry_id, name, pusher).await?
        }
    };
    let name = if parsed.namespace.is_some() {
        parsed.name
    } else {
        path
    };
    let found = repository::Entity::find()
        .filter(repository::Column::NamespaceId.eq(ns.id))
        .filter(repository::Column::Name.eq(name))
        .one(db)
        .await?;
    if let Some(repo) = found {
        return Ok(repo);
    }
    repository::Entity::insert(repository::ActiveModel {
        namespace_id: Set(ns.id),
        name: Set(name.to_owned()),
        description: Set(String::new()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([repository::Column::NamespaceId, repository::Column::Name])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    repository::Entity::find()
        .filter(repository::Column::NamespaceId.eq(ns.id))
        .filter(repository::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| Error::Internal(format!("repository {path} vanished while being created")))
}

/// The repository row for a registry path, if Portunus knows it.
pub async fn find(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    path: &str,
) -> Result<Option<repository::Model>> {
    let Some(ns) = facts::namespace_of(db, registry_id, path).await? else {
        return Ok(None);
    };
    let name = match parse_repository_path(path) {
        Ok(p) if p.namespace.is_some() => p.name,
        Ok(_) => path,
        Err(_) => return Ok(None),
    };
    Ok(repository::Entity::find()
        .filter(repository::Column::NamespaceId.eq(ns.id))
        .filter(repository::Column::Name.eq(name))
        .one(db)
        .await?)
}

/// The repository row for a registry path with its tags, if Portunus knows it.
pub async fn with_tags(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    path: &str,
) -> Result<(Option<repository::Model>, Vec<tag::Model>)> {
    let Some(repo) = find(db, registry_id, path).await? else {
        return Ok((None, Vec::new()));
    };
    let tags = tag::Entity::find()
        .filter(tag::Column::RepositoryId.eq(repo.id))
        .all(db)
        .await?;
    Ok((Some(repo), tags))
}

/// Records that `tag` now points at `meta` (a push, or a sync).
pub async fn record_tag(
    db: &impl ConnectionTrait,
    repo: &repository::Model,
    tag_name: &str,
    meta: &ImageMetadata,
    pushed_by: Option<i64>,
    pushed_at: DateTime<Utc>,
    generation: i64,
) -> Result<()> {
    let platforms = (!meta.platforms.is_empty())
        .then(|| serde_json::to_value(&meta.platforms).unwrap_or_default());
    let existing = tag::Entity::find()
        .filter(tag::Column::RepositoryId.eq(repo.id))
        .filter(tag::Column::Name.eq(tag_name))
        .one(db)
        .await?;
    let mut row = match existing {
        Some(existing) => {
            let unchanged = existing.digest == meta.digest;
            let mut row: tag::ActiveModel = existing.into();
            if !unchanged {
                row.pushed_by_id = Set(pushed_by);
                row.pushed_at = Set(pushed_at);
            }
            row
        }
        None => tag::ActiveModel {
            repository_id: Set(repo.id),
            name: Set(tag_name.to_owned()),
            pushed_by_id: Set(pushed_by),
            pushed_at: Set(pushed_at),
            pulled_at: Set(None),
            ..Default::default()
        },
    };
    row.digest = Set(meta.digest.clone());
    row.image_id = Set(meta.image_id.clone());
    row.size = Set(meta.size);
    row.media_type = Set(meta.media_type.clone());
    row.layers = Set(meta.layers);
    row.created_at = Set(meta.created);
    row.labels = Set(meta.labels.clone());
    row.platforms = Set(platforms);
    row.updated_at = Set(Some(Utc::now()));
    row.sync_generation = Set(generation);
    let pushed_at = sea_orm::TryIntoModel::try_into_model(row.save(db).await?)?.pushed_at;
    // A tag's push time only moves forward, so the latest push does too:
    // one update by id, not a look at every tag (the sync records
    // thousands). Forgetting tags recomputes it ([`refresh_last_push`]).
    repository::Entity::update_many()
        .col_expr(repository::Column::LastPushedAt, Expr::value(pushed_at))
        .filter(repository::Column::Id.eq(repo.id))
        .filter(
            Condition::any()
                .add(repository::Column::LastPushedAt.is_null())
                .add(repository::Column::LastPushedAt.lt(pushed_at)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Sets the latest push of repository `only` (or of every repository)
/// from its tags again, after tags changed.
pub async fn refresh_last_push(db: &impl ConnectionTrait, only: Option<i64>) -> Result<()> {
    use sea_orm::sea_query::Expr;
    let mut update = repository::Entity::update_many().col_expr(
        repository::Column::LastPushedAt,
        Expr::cust("(SELECT MAX(t.pushed_at) FROM tags t WHERE t.repository_id = repositories.id)"),
    );
    if let Some(id) = only {
        update = update.filter(repository::Column::Id.eq(id));
    }
    update.exec(db).await?;
    Ok(())
}

/// Records an artifact (signature, SBOM) against the manifest it refers
/// to; recording the same digest again changes nothing.
pub async fn record_artifact(
    db: &impl ConnectionTrait,
    repo: &repository::Model,
    meta: &ImageMetadata,
    pushed_by: Option<i64>,
    pushed_at: DateTime<Utc>,
) -> Result<()> {
    let Some(subject) = &meta.subject else {
        return Ok(());
    };
    artifact::Entity::insert(artifact::ActiveModel {
        repository_id: Set(repo.id),
        digest: Set(meta.digest.clone()),
        subject_digest: Set(subject.clone()),
        artifact_type: Set(meta.artifact_type.clone().unwrap_or_default()),
        media_type: Set(meta.media_type.clone()),
        size: Set(meta.size),
        pushed_by_id: Set(pushed_by),
        pushed_at: Set(pushed_at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([artifact::Column::RepositoryId, artifact::Column::Digest])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records a pull of `reference` (a tag or a digest) at `at`, unless a
/// later one is recorded: the latest pull stays, in whatever order pulls
/// are recorded.
pub async fn record_pull(
    db: &impl ConnectionTrait,
    repo: &repository::Model,
    reference: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let column = if reference.contains(':') {
        tag::Column::Digest
    } else {
        tag::Column::Name
    };
    tag::Entity::update_many()
        .col_expr(tag::Column::PulledAt, sea_orm::sea_query::Expr::value(at))
        .filter(tag::Column::RepositoryId.eq(repo.id))
        .filter(column.eq(reference))
        .filter(
            Condition::any()
                .add(tag::Column::PulledAt.is_null())
                .add(tag::Column::PulledAt.lt(at)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets tags of a repository by digest or name; then the repository
/// itself if nothing is left. Returns how many tags went.
pub async fn forget_tags(
    db: &impl ConnectionTrait,
    repo: &repository::Model,
    digest: Option<&str>,
    tag_name: Option<&str>,
) -> Result<u64> {
    let mut query = tag::Entity::delete_many().filter(tag::Column::RepositoryId.eq(repo.id));
    if let Some(digest) = digest {
        query = query.filter(tag::Column::Digest.eq(digest));
    }
    if let Some(name) = tag_name {
        query = query.filter(tag::Column::Name.eq(name));
    }
    let removed = query.exec(db).await?.rows_affected;
    if let (Some(digest), None) = (digest, tag_name) {
        artifact::Entity::delete_many()
            .filter(artifact::Column::RepositoryId.eq(repo.id))
            .filter(artifact::Column::Digest.eq(digest))
            .exec(db)
            .await?;
    }
    refresh_last_push(db, Some(repo.id)).await?;
    prune_empty(db, Some(repo.id)).await?;
    Ok(removed)
}

/// Forgets repositories (all, or just `only`) that have no tags left and
/// nothing people wrote or chose about them: no description, comments,
/// retention rule or stars. Those stay, so that pushing again finds them.
pub async fn prune_empty(db: &impl ConnectionTrait, only: Option<i64>) -> Result<u64> {
    use sea_orm::sea_query::{Alias, Query};
    let unused_in = |table: &str| {
        repository::Column::Id.not_in_subquery(
            Query::select()
                .column(Alias::new("repository_id"))
                .from(Alias::new(table))
                .to_owned(),
        )
    };
    let mut query = repository::Entity::delete_many()
        .filter(repository::Column::Description.eq(""))
        .filter(unused_in("tags"))
        .filter(unused_in("comments"))
        .filter(unused_in("retention_rules"))
        .filter(unused_in("stars"));
    if let Some(id) = only {
        query = query.filter(repository::Column::Id.eq(id));
    }
    Ok(query.exec(db).await?.rows_affected)
}
