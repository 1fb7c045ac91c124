//! Comments on repositories: anyone who may see a repository may read and
//! write them; authors, owners of the namespace and administrators may
//! delete them. Bodies are markdown, shown as sanitized HTML.

use chrono::Utc;
use portunus_shared::api::{self, Person};
use portunus_shared::domain::ActivityKey;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::audit::{self, Actor, Target};
use crate::authz::{Subject, rest};
use crate::catalog::repositories::{self, full_name};
use crate::db::entities::{comment, user};
use crate::db::ids::{RepositoryId, UserId};
use crate::db::people::people_of;
use crate::error::{Error, Result};

/// Longest comment accepted, in characters.
const MAX_COMMENT: usize = 10_000;

/// `author` is the account while it exists; the name as it was otherwise.
fn to_api(row: comment::Model, author: Option<Person>, may_delete: bool) -> api::Comment {
    let (author, author_display_name) = match author {
        Some(person) => (Some(person.username), person.display_name),
        None => (
            Some(row.author_name.clone()).filter(|n| !n.is_empty()),
            None,
        ),
    };
    api::Comment {
        id: row.id,
        author,
        author_display_name,
        body_html: crate::catalog::markdown::render(&row.body),
        body: row.body,
        created_at: repositories::timestamp(row.created_at),
        may_delete,
    }
}

/// The comments of a repository `who` may see, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    who: &Subject,
    id: RepositoryId,
) -> Result<Vec<api::Comment>> {
    let (_, repo, facts) = repositories::find_visible_with_facts(db, who, id).await?;
    let rows = comment::Entity::find()
        .filter(comment::Column::RepositoryId.eq(repo.id))
        .order_by_asc(comment::Column::Id)
        .all(db)
        .await?;
    let authors = people_of(db, rows.iter().filter_map(|r| r.user_id)).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let author = row.user_id.and_then(|id| authors.get(&id).cloned());
            let may_delete = rest::may_delete_comment(who, row.user_id.map(UserId), &facts);
            to_api(row, author, may_delete)
        })
        .collect())
}

/// Adds a comment by `by` to a repository they may see.
pub async fn add(
    db: &DatabaseConnection,
    by: &user::Model,
    id: RepositoryId,
    body: &str,
) -> Result<api::Comment> {
    let (ns, repo) = repositories::find_visible(db, &Subject::user(by, None), id).await?;
    let body = body.trim();
    let chars = body.chars().count();
    if chars == 0 || chars > MAX_COMMENT {
        return Err(Error::InvalidInput(format!(
            "a comment has 1 to {MAX_COMMENT} characters; this one has {chars}"
        )));
    }
    let full = full_name(&ns, &repo);
    let txn = crate::db::begin_write(db).await?;
    let row = comment::ActiveModel {
        repository_id: Set(repo.id),
        user_id: Set(Some(by.id)),
        author_name: Set(by.username.clone()),
        body: Set(body.to_owned()),
        created_at: Set(Utc::now()),
        updated_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let target = Target::repository(Some(&repo), &full);
    let params = serde_json::json!({ "comment": row.id });
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::CommentCreate,
        target,
        Some(params),
    )
    .await?;
    txn.commit().await?;
    let author = Person {
        username: by.username.clone(),
        display_name: by.display_name.clone(),
    };
    Ok(to_api(row, Some(author), true))
}

/// Deletes a comment: its author, owners of the namespace, administrators.
pub async fn delete(
    db: &DatabaseConnection,
    by: &user::Model,
    id: RepositoryId,
    comment_id: i64,
) -> Result<()> {
    let subject = Subject::user(by, None);
    let (ns, repo, facts) = repositories::find_visible_with_facts(db, &subject, id).await?;
    let row = comment::Entity::find_by_id(comment_id)
        .filter(comment::Column::RepositoryId.eq(repo.id))
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("repository {id} has no comment {comment_id}")))?;
    if !rest::may_delete_comment(&subject, row.user_id.map(UserId), &facts) {
        return Err(Error::Forbidden(format!(
            "only its author, owners of namespace {} and administrators may delete this comment",
            ns.name
        )));
    }
    let full = full_name(&ns, &repo);
    let txn = crate::db::begin_write(db).await?;
    comment::Entity::delete_by_id(row.id).exec(&txn).await?;
    let target = Target::repository(Some(&repo), &full);
    let params = serde_json::json!({ "comment": row.id, "author_id": row.user_id });
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::CommentDelete,
        target,
        Some(params),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
