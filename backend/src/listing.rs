//! Pages of repositories straight from the database: who may see what, the
//! name filter, the order and the page are all SQL, so a page costs about
//! the same with a hundred repositories or a million.

use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoColumnRef, JoinType, LikeExpr, Order, Query, SelectStatement,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::db::entities::{namespace, repository, star, user};
use crate::error::Result;
use crate::policy::Visibility;
use crate::repositories::Sort;
use crate::users::Paging;

/// Who the list is for.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// Someone signed in: their teams' namespaces and every protected and
    /// public one (administrators: everything).
    User(&'a user::Model),
    /// Anyone: public namespaces only.
    Everyone,
}

/// What to list.
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    pub registry_id: i64,
    pub audience: Audience<'a>,
    /// Only repositories whose full name contains this.
    pub q: Option<&'a str>,
    /// Only repositories this user starred.
    pub starred_by: Option<i64>,
    pub sort: Sort,
    pub paging: Paging,
}

/// `NAMESPACE/NAME`, or `NAME` in the global namespace, in SQL.
const FULL_NAME: &str = "(CASE WHEN n.global THEN r.name ELSE n.name || '/' || r.name END)";

fn r() -> Alias {
    Alias::new("r")
}

fn n() -> Alias {
    Alias::new("n")
}

/// A `LIKE` pattern for names containing `q` as typed (`%`, `_` and `\`
/// escaped), in lower case: compare it with a lower-cased column.
fn contains(q: &str) -> LikeExpr {
    let escaped: String = q
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `column` contains `q`, whatever the case of either.
pub fn name_contains(column: impl IntoColumnRef, q: &str) -> Expr {
    Expr::expr(Func::lower(Expr::col(column))).like(contains(q))
}

/// The repositories of `listing` without order or page: `SELECT` and `FROM`
/// are for the caller.
fn filtered(listing: &Listing, mut select: SelectStatement) -> SelectStatement {
    select
        .from_as(repository::Entity, r())
        .join_as(
            JoinType::InnerJoin,
            namespace::Entity,
            n(),
            Expr::col((n(), namespace::Column::Id)).equals((r(), repository::Column::NamespaceId)),
        )
        .and_where(Expr::col((n(), namespace::Column::RegistryId)).eq(listing.registry_id));
    match listing.audience {
        Audience::User(u) if u.admin => {}
        Audience::User(u) => {
            select.and_where(
                Expr::col((n(), namespace::Column::Visibility))
                    .ne(Visibility::Private.as_str())
                    .or(Expr::col((n(), namespace::Column::TeamId))
                        .in_subquery(crate::teams::teams_of(u.id))),
            );
        }
        Audience::Everyone => {
            select.and_where(
                Expr::col((n(), namespace::Column::Visibility)).eq(Visibility::Public.as_str()),
            );
        }
    }
    if let Some(user_id) = listing.starred_by {
        let starred = Query::select()
            .column(star::Column::RepositoryId)
            .from(star::Entity)
            .and_where(Expr::col(star::Column::UserId).eq(user_id))
            .to_owned();
        select.and_where(Expr::col((r(), repository::Column::Id)).in_subquery(starred));
    }
    if let Some(q) = listing.q.filter(|q| !q.is_empty()) {
        select.and_where(Expr::expr(Func::lower(Expr::cust(FULL_NAME))).like(contains(q)));
    }
    select
}

/// One page of `listing` with the namespace of each repository, and how
/// many repositories match in all.
pub async fn page(
    db: &DatabaseConnection,
    listing: &Listing<'_>,
) -> Result<(Vec<(namespace::Model, repository::Model)>, u64)> {
    let count = filtered(
        listing,
        Query::select().expr(Expr::cust("COUNT(*)")).to_owned(),
    );
    let total: i64 = db
        .query_one(&count)
        .await?
        .map(|row| row.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);

    let mut ids = filtered(
        listing,
        Query::select()
            .column((r(), repository::Column::Id))
            .to_owned(),
    );
    match listing.sort {
        Sort::Name => {}
        Sort::Recent => {
            ids.order_by_expr(
                Expr::cust(
                    "(SELECT MAX(t.pushed_at) FROM tags t WHERE t.repository_id = r.id) IS NULL",
                ),
                Order::Asc,
            )
            .order_by_expr(
                Expr::cust("(SELECT MAX(t.pushed_at) FROM tags t WHERE t.repository_id = r.id)"),
                Order::Desc,
            );
        }
        Sort::Stars => {
            ids.order_by_expr(
                Expr::cust("(SELECT COUNT(*) FROM stars s WHERE s.repository_id = r.id)"),
                Order::Desc,
            );
        }
    }
    let paging = listing.paging;
    ids.order_by_expr(Expr::cust(FULL_NAME), Order::Asc)
        .limit(paging.per_page)
        .offset((paging.page - 1).saturating_mul(paging.per_page));
    let ids: Vec<i64> = db
        .query_all(&ids)
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index(0))
        .collect::<std::result::Result<_, _>>()?;

    let repos = repository::Entity::find()
        .filter(repository::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    let spaces = namespace::Entity::find()
        .filter(namespace::Column::Id.is_in(repos.iter().map(|r| r.namespace_id)))
        .all(db)
        .await?;
    let found = ids
        .into_iter()
        .filter_map(|id| {
            let repo = repos.iter().find(|r| r.id == id)?.clone();
            let ns = spaces.iter().find(|n| n.id == repo.namespace_id)?.clone();
            Some((ns, repo))
        })
        .collect();
    Ok((found, u64::try_from(total).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_what_was_typed() {
        let like = contains("a_b%c\\d");
        let sql = Query::select()
            .expr(Expr::cust("x").like(like))
            .to_string(sea_orm::sea_query::SqliteQueryBuilder);
        assert!(sql.contains(r"'%a\_b\%c\\d%' ESCAPE '\'"), "{sql}");
    }
}
