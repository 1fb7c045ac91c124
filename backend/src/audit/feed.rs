//! The dashboard's feed: recent activities that concern the reader and that
//! they may see. Administrators read every change; others read what they
//! did, what was done to their teams, their teams' namespaces and the
//! repositories in them (also after a repository is gone), and the pushes
//! to every namespace they may see (public ones, protected ones once signed
//! in). Sign-ins stay in the audit log. The rule is one SQL condition, so
//! the feed pages in the database.

use std::collections::HashMap;

use portunus_shared::api;
use portunus_shared::domain::ActivityKey;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait, Select,
};

use crate::audit::activities::{describe, newest_first};
use crate::authz::{Subject, rest, visibility};
use crate::db::Paging;
use crate::db::entities::{activity, namespace};
use crate::db::paging::{self, Window};
use crate::db::people::people_of;
use crate::error::Result;

/// How many entries the feed holds at most: 200 pages of 50.
pub const LENGTH: u64 = 10_000;

/// The activity keys of a push, which readers of a namespace see even
/// when they are not in its team.
const PUSH: ActivityKey = ActivityKey::RepositoryPush;

/// The ids of the namespaces whose team matches `condition`, or all of them.
fn namespaces_where(condition: Option<sea_orm::sea_query::SimpleExpr>) -> SelectStatement {
    let mut select = Query::select();
    select.column(namespace::Column::Id).from(namespace::Entity);
    if let Some(condition) = condition {
        select.and_where(condition);
    }
    select.to_owned()
}

fn query(who: &Subject) -> Result<Select<activity::Entity>> {
    let Some(me) = who.user_id.filter(|_| rest::may_look_up_people(who)) else {
        return Err(rest::refusal(who, "sign in to read your feed"));
    };
    let mut q = activity::Entity::find().filter(activity::Column::Key.not_like("auth.%"));
    if rest::may_administer(who) {
        return Ok(q);
    }
    let mine = namespaces_where(Some(
        Expr::col(namespace::Column::TeamId).in_subquery(visibility::teams_of(me)),
    ));
    let seen = namespaces_where(visibility::namespaces(
        who,
        namespace::Column::Visibility,
        namespace::Column::TeamId,
    ));
    let target = |kind: &str| activity::Column::TargetType.eq(kind);
    // Activities on namespaces and repositories carry their namespace
    // (`Target::namespace`, `Target::repository`).
    let in_namespaces =
        |namespaces| Expr::col(activity::Column::NamespaceId).in_subquery(namespaces);
    q =
        q.filter(
            Condition::any()
                .add(activity::Column::ActorId.eq(me))
                .add(target("user").and(activity::Column::TargetId.eq(me)))
                .add(target("team").and(
                    Expr::col(activity::Column::TargetId).in_subquery(visibility::teams_of(me)),
                ))
                .add(in_namespaces(mine))
                .add(
                    activity::Column::Key
                        .eq(PUSH.as_str())
                        .and(in_namespaces(seen)),
                ),
        );
    Ok(q)
}

/// One page of `who`'s feed, newest first. The feed is the newest
/// [`LENGTH`] entries that concern the reader; the audit log keeps the rest.
/// The database walks them once: a window count over that walk gives the
/// total beside the page's ids, so neither a second walk nor ten thousand
/// ids leave the database; the page's rows are then read by id.
pub async fn page(
    db: &DatabaseConnection,
    who: &Subject,
    paging: Paging,
) -> Result<api::ActivityPage> {
    let whole = Window {
        reversed: false,
        offset: 0,
        limit: LENGTH,
    };
    let feed = newest_first(query(who)?, whole)
        .select_only()
        .column(activity::Column::Id)
        .column(activity::Column::CreatedAt)
        .into_query();
    let in_feed = |column: activity::Column| (Alias::new("feed"), column);
    let page_ids = Query::select()
        .column(in_feed(activity::Column::Id))
        .expr(Expr::cust("COUNT(*) OVER ()"))
        .from_subquery(feed.clone(), Alias::new("feed"))
        .order_by(in_feed(activity::Column::CreatedAt), Order::Desc)
        .order_by(in_feed(activity::Column::Id), Order::Desc)
        .limit(paging.per_page)
        .offset((paging.page - 1).saturating_mul(paging.per_page))
        .to_owned();
    let mut ids = Vec::new();
    let mut total = None;
    for row in db.query_all(&page_ids).await? {
        ids.push(row.try_get_by_index::<i64>(0)?);
        total = Some(row.try_get_by_index::<i64>(1)?);
    }
    let total = match total {
        Some(total) => u64::try_from(total).unwrap_or(0),
        // A page past the end holds no row to carry the count.
        None => {
            let count = Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from_subquery(feed, Alias::new("feed"))
                .to_owned();
            paging::count(db, &count).await?
        }
    };
    let mut rows = if ids.is_empty() {
        Vec::new()
    } else {
        activity::Entity::find()
            .filter(activity::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?
    };
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|a| position.get(&a.id).copied());
    let people: HashMap<i64, api::Person> =
        people_of(db, rows.iter().filter_map(|a| a.actor_id)).await?;
    let items = rows.into_iter().map(|a| describe(a, &people)).collect();
    Ok(paging.page_of(items, total))
}
