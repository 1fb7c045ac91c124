//! Pages of repositories straight from the database: who may see what, the
//! name filter, the order and the page are all SQL, so a page costs about
//! the same with a hundred repositories or a million.

use portunus_shared::domain::RepositorySort;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, JoinType, NullOrdering, Order, Query, SelectStatement,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::authz::{Subject, visibility};
use crate::catalog::name_index;
use crate::db::entities::{namespace, repository, star};
use crate::db::filters::contains;
use crate::db::ids::RegistryId;
use crate::db::paging::{self, Paging, Window};
use crate::error::Result;

/// What to list.
#[derive(Debug, Clone)]
pub struct Listing<'a> {
    /// The registries whose repositories are listed.
    pub registry_ids: &'a [RegistryId],
    /// Who the list is for: they see what [`visibility::namespaces`] lets
    /// them (anonymous visitors: public namespaces only), narrowed to what
    /// their token reaches ([`visibility::token_reach`]).
    pub audience: &'a Subject,
    /// Only repositories whose full name contains this.
    pub q: Option<&'a str>,
    /// Only repositories in the namespace of this name.
    pub namespace: Option<&'a str>,
    /// Only repositories this user starred.
    pub starred_by: Option<i64>,
    pub sort: RepositorySort,
    pub paging: Paging,
}

impl Listing<'_> {
    /// The text full names must contain, if any (an empty one is none).
    fn name_filter(&self) -> Option<&str> {
        self.q.filter(|q| !q.is_empty())
    }
}

/// `NAMESPACE/NAME`, or `NAME` in the global namespace, in SQL.
const FULL_NAME: &str = "(CASE WHEN n.global THEN r.name ELSE n.name || '/' || r.name END)";

fn r() -> Alias {
    Alias::new("r")
}

fn n() -> Alias {
    Alias::new("n")
}

/// The namespaces whose repositories `listing` may show, from `n`: this
/// registry's that its audience may see, or the one it names. `SELECT` and
/// `FROM` are for the caller.
fn namespaces_of(listing: &Listing, select: &mut SelectStatement) {
    // The id as a literal, not a parameter: SQLite plans a statement
    // before it sees parameters, and not knowing that every namespace is
    // in this registry, it would walk namespaces first and sort all
    // repositories for an order by last push.
    let registry = Expr::col((n(), namespace::Column::RegistryId));
    select.and_where(match listing.registry_ids {
        [one] => registry.eq(Expr::cust(one.to_string())),
        several => registry.is_in(several.iter().map(|id| Expr::cust(id.to_string()))),
    });
    if let Some(visible) = visibility::namespaces(
        listing.audience,
        (n(), namespace::Column::Visibility),
        (n(), namespace::Column::TeamId),
    ) {
        select.and_where(visible);
    }
    if let Some(name) = listing.namespace {
        select.and_where(Expr::col((n(), namespace::Column::Name)).eq(name));
    }
}

/// Whether `listing` holds every repository of the namespaces it may
/// show, so counting their kept repository counts counts it.
fn whole_namespaces(listing: &Listing) -> bool {
    listing.name_filter().is_none() && listing.starred_by.is_none() && !listing.audience.limited()
}

/// The repositories of `listing` without order or page: `SELECT` and `FROM`
/// are for the caller. `candidates`, when known, hold every repository
/// whose name matches ([`name_index::candidates`]).
fn filtered(
    listing: &Listing,
    candidates: Option<&[i64]>,
    mut select: SelectStatement,
) -> SelectStatement {
    select
        .from_as(repository::Entity, r())
        .join_as(
            JoinType::InnerJoin,
            namespace::Entity,
            n(),
            Expr::col((n(), namespace::Column::Id)).equals((r(), repository::Column::NamespaceId)),
        )
        // True of every namespace that has a row here; said, so a walk in
        // name order passes over empty namespaces by their count alone.
        .and_where(Expr::col((n(), namespace::Column::RepositoryCount)).gt(0));
    namespaces_of(listing, &mut select);
    if let Some(reached) = visibility::token_reach(
        listing.audience,
        Expr::cust(FULL_NAME),
        (n(), namespace::Column::RegistryId),
    ) {
        select.and_where(reached);
    }
    if let Some(user_id) = listing.starred_by {
        let starred = Query::select()
            .column(star::Column::RepositoryId)
            .from(star::Entity)
            .and_where(Expr::col(star::Column::UserId).eq(user_id))
            .to_owned();
        select.and_where(Expr::col((r(), repository::Column::Id)).in_subquery(starred));
    }
    if let Some(q) = listing.name_filter() {
        if let Some(ids) = candidates {
            select.and_where(Expr::col((r(), repository::Column::Id)).is_in(ids.iter().copied()));
        }
        select.and_where(Expr::expr(Func::lower(Expr::cust(FULL_NAME))).like(contains(q)));
    }
    select
}

/// How many repositories `listing` holds: from the namespaces' kept counts
/// when it holds whole namespaces, else by counting its rows.
async fn count(
    db: &DatabaseConnection,
    listing: &Listing<'_>,
    candidates: Option<&[i64]>,
) -> Result<u64> {
    let count = if whole_namespaces(listing) {
        let mut sum = Query::select()
            .expr(Expr::cust(
                "CAST(COALESCE(SUM(n.repository_count), 0) AS BIGINT)",
            ))
            .from_as(namespace::Entity, n())
            .to_owned();
        namespaces_of(listing, &mut sum);
        sum
    } else {
        filtered(
            listing,
            candidates,
            Query::select().expr(Expr::cust("COUNT(*)")).to_owned(),
        )
    };
    Ok(paging::count(db, &count).await?)
}

/// The candidates of `listing`'s name filter, if it has one the index
/// can answer.
async fn candidates(db: &DatabaseConnection, listing: &Listing<'_>) -> Result<Option<Vec<i64>>> {
    match listing.name_filter() {
        Some(q) => name_index::candidates(db, listing.registry_ids, q).await,
        None => Ok(None),
    }
}

/// One key of an order: an expression, its direction, and where NULL goes
/// for the one expression that may be NULL (names and counts never are,
/// and a NULLS clause would keep SQLite from reading them in index order).
type SortKey = (&'static str, Order, Option<NullOrdering>);

/// The order of `sort`, most significant key first. Names order by
/// namespace, then repository, and the latest push and the star count are
/// kept beside each repository: the indexes hold these orders, so a page is
/// read without sorting every repository.
fn sort_keys(sort: RepositorySort) -> Vec<SortKey> {
    let mut keys = match sort {
        RepositorySort::Name => vec![],
        // Never pushed last; ties by the newer repository: the index on
        // the latest push holds this whole order, so SQLite reads it.
        RepositorySort::Recent => {
            return vec![
                ("r.last_pushed_at", Order::Desc, Some(NullOrdering::Last)),
                ("r.id", Order::Desc, None),
            ];
        }
        // Ties by the newer repository: the index on the star count
        // holds this whole order.
        RepositorySort::Stars => {
            return vec![
                ("r.star_count", Order::Desc, None),
                ("r.id", Order::Desc, None),
            ];
        }
    };
    keys.extend([("n.name", Order::Asc, None), ("r.name", Order::Asc, None)]);
    keys
}

/// `key` read backwards.
fn reversed((key, order, nulls): SortKey) -> SortKey {
    let order = match order {
        Order::Asc => Order::Desc,
        _ => Order::Asc,
    };
    let nulls = nulls.map(|n| match n {
        NullOrdering::Last => NullOrdering::First,
        NullOrdering::First => NullOrdering::Last,
    });
    (key, order, nulls)
}

/// One page of `listing` with the namespace of each repository, and how
/// many repositories match in all.
pub async fn page(
    db: &DatabaseConnection,
    listing: &Listing<'_>,
) -> Result<(Vec<(namespace::Model, repository::Model)>, u64)> {
    let candidates = candidates(db, listing).await?;
    let total = count(db, listing, candidates.as_deref()).await?;
    let window = listing.paging.window(total);
    let found = rows(db, listing, candidates.as_deref(), window).await?;
    Ok((found, total))
}

/// The first `limit` repositories of `listing`, without counting them all
/// (for search, which shows the best few).
pub async fn first(
    db: &DatabaseConnection,
    listing: &Listing<'_>,
    limit: u64,
) -> Result<Vec<(namespace::Model, repository::Model)>> {
    let window = Window {
        reversed: false,
        offset: 0,
        limit,
    };
    let candidates = candidates(db, listing).await?;
    rows(db, listing, candidates.as_deref(), window).await
}

/// The repositories of `listing` in `window`, with their namespaces.
async fn rows(
    db: &DatabaseConnection,
    listing: &Listing<'_>,
    candidates: Option<&[i64]>,
    window: Window,
) -> Result<Vec<(namespace::Model, repository::Model)>> {
    let mut ids = filtered(
        listing,
        candidates,
        Query::select()
            .column((r(), repository::Column::Id))
            .to_owned(),
    );
    for key in sort_keys(listing.sort) {
        let (key, order, nulls) = if window.reversed { reversed(key) } else { key };
        match nulls {
            Some(nulls) => ids.order_by_expr_with_nulls(Expr::cust(key), order, nulls),
            None => ids.order_by_expr(Expr::cust(key), order),
        };
    }
    ids.limit(window.limit).offset(window.offset);
    let ids: Vec<i64> = db
        .query_all(&ids)
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index(0))
        .collect::<std::result::Result<_, _>>()?;
    let ids = window.in_order(ids);

    let repos = repository::Entity::find()
        .filter(repository::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    let spaces = namespace::Entity::find()
        .filter(namespace::Column::Id.is_in(repos.iter().map(|r| r.namespace_id)))
        .all(db)
        .await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            let repo = repos.iter().find(|r| r.id == id)?.clone();
            let ns = spaces.iter().find(|n| n.id == repo.namespace_id)?.clone();
            Some((ns, repo))
        })
        .collect())
}
