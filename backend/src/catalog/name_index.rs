//! Finding the few repositories whose full name contains a piece of text
//! through the trigram index of repository names (migration 21), instead
//! of reading every name. The answer is a set of candidates, never the
//! final word: the listing still checks each full name, so a candidate
//! too many costs nothing but a lookup.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::db::entities::namespace;
use crate::db::filters::name_contains;
use crate::db::ids::RegistryId;
use crate::error::Result;

/// Most candidates worth looking up one by one; more and reading names in
/// order finds the first page sooner.
const MOST: usize = 1_000;

/// The ids of every repository of these registries whose full name may
/// contain `q` (and maybe of a few more), or `None` when the index cannot
/// tell for certain: the text might be part of a namespace name, it is
/// shorter than three letters, or too many repositories carry it. Then the
/// listing reads names in its own order, which finds common text soon.
pub async fn candidates(
    db: &impl ConnectionTrait,
    registry_ids: &[RegistryId],
    q: &str,
) -> Result<Option<Vec<i64>>> {
    let q = q.to_lowercase();
    // The text after the last slash lies inside the repository's own name
    // (the slash is the namespace's or one of the name's); without a slash,
    // the whole text does unless a namespace name holds it.
    let tail = q.rsplit('/').next().unwrap_or_default();
    // A trigram index needs three letters; `\` escapes in PostgreSQL's
    // LIKE. `%` and `_` may stay: as wildcards they only widen the set.
    if tail.chars().count() < 3 || tail.contains('\\') {
        return Ok(None);
    }
    if !q.contains('/') && namespace_names_hold(db, registry_ids, &q).await? {
        return Ok(None);
    }
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "SELECT id FROM repositories WHERE lower(name) LIKE $1 LIMIT $2"
        }
        _ => "SELECT rowid FROM repository_name_trigrams WHERE name LIKE ? LIMIT ?",
    };
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [format!("%{tail}%").into(), (MOST as i64 + 1).into()],
    );
    let ids: Vec<i64> = db
        .query_all_raw(statement)
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index(0))
        .collect::<std::result::Result<_, _>>()?;
    Ok((ids.len() <= MOST).then_some(ids))
}

/// Whether the name of a namespace of these registries (not the global one,
/// whose name is no part of full names) contains `q`.
async fn namespace_names_hold(
    db: &impl ConnectionTrait,
    registry_ids: &[RegistryId],
    q: &str,
) -> Result<bool> {
    let any = Query::select()
        .expr(Expr::val(1))
        .from(namespace::Entity)
        .and_where(Expr::col(namespace::Column::RegistryId).is_in(registry_ids.iter().copied()))
        .and_where(Expr::col(namespace::Column::Global).eq(false))
        .and_where(name_contains(namespace::Column::Name, q))
        .limit(1)
        .to_owned();
    Ok(db.query_one(&any).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn found(db: &sea_orm::DatabaseConnection, q: &str) -> Option<Vec<i64>> {
        let mut ids = candidates(db, &[RegistryId(1)], q).await.expect("search");
        if let Some(ids) = ids.as_mut() {
            ids.sort_unstable();
        }
        ids
    }

    #[tokio::test]
    async fn the_index_answers_only_when_it_can_and_follows_every_change() {
        let db = crate::db::connect("sqlite::memory:").await.expect("db");
        db.execute_unprepared(crate::db::fixtures::CATALOG)
            .await
            .expect("catalog");
        assert_eq!(found(&db, "api").await, Some(vec![2]));
        assert_eq!(
            found(&db, "web/ap").await,
            None,
            "two letters after the slash"
        );
        assert_eq!(
            found(&db, "b/car").await,
            Some(vec![3]),
            "whatever the namespace"
        );
        assert_eq!(found(&db, "sho").await, None, "a namespace name holds it");
        assert_eq!(
            found(&db, "ap_").await,
            Some(vec![1, 2]),
            "_ widens, never narrows"
        );
        db.execute_unprepared(
            "DELETE FROM repositories WHERE id = 3; \
             UPDATE repositories SET name = 'apt' WHERE id = 2; \
             INSERT INTO repositories (id, namespace_id, name, created_at) \
             VALUES (4, 2, 'cartography', '2026-01-01T00:00:00Z')",
        )
        .await
        .expect("changes");
        assert_eq!(found(&db, "api").await, Some(vec![]), "renamed");
        assert_eq!(found(&db, "apt").await, Some(vec![2]));
        assert_eq!(found(&db, "cart").await, Some(vec![4]), "removed and added");
    }
}
