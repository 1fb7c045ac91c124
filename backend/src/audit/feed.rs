//! The dashboard's feed: recent activities that concern the reader and that
//! they may see. Administrators read every change; others read what they
//! did, what was done to their teams, their teams' namespaces and the
//! repositories in them, and the pushes to every namespace they may see
//! (public ones, protected ones once signed in). Sign-ins stay in the audit
//! log. The rule is one SQL condition, so the feed pages in the database.

use std::collections::HashMap;

use portunus_shared::api;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select,
};

use crate::audit::activities::{describe, newest_first};
use crate::authz::{Subject, rest, visibility};
use crate::db::Paging;
use crate::db::entities::{activity, namespace, repository};
use crate::db::paging::{self, Window};
use crate::db::people::people_of;
use crate::error::Result;

/// How many entries the feed holds at most: 200 pages of 50.
pub const LENGTH: u64 = 10_000;

/// The activity keys of a push, which readers of a namespace see even
/// when they are not in its team.
const PUSH: &str = "repository.push";

/// The ids of the repositories in the namespaces `namespaces` selects.
fn repositories_in(namespaces: SelectStatement) -> SelectStatement {
    Query::select()
        .column(repository::Column::Id)
        .from(repository::Entity)
        .and_where(Expr::col(repository::Column::NamespaceId).in_subquery(namespaces))
        .to_owned()
}

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
    let mine = || {
        namespaces_where(Some(
            Expr::col(namespace::Column::TeamId).in_subquery(visibility::teams_of(me)),
        ))
    };
    let seen = namespaces_where(visibility::namespaces(
        who,
        namespace::Column::Visibility,
        namespace::Column::TeamId,
    ));
    let target = |kind: &str| activity::Column::TargetType.eq(kind);
    q = q.filter(
        Condition::any()
            .add(activity::Column::ActorId.eq(me))
            .add(target("user").and(activity::Column::TargetId.eq(me)))
            .add(
                target("team").and(
                    Expr::col(activity::Column::TargetId).in_subquery(visibility::teams_of(me)),
                ),
            )
            .add(target("namespace").and(Expr::col(activity::Column::TargetId).in_subquery(mine())))
            .add(
                target("repository").and(
                    Expr::col(activity::Column::TargetId).in_subquery(repositories_in(mine())),
                ),
            )
            .add(
                target("repository")
                    .and(activity::Column::Key.eq(PUSH))
                    .and(Expr::col(activity::Column::TargetId).in_subquery(repositories_in(seen))),
            ),
    );
    Ok(q)
}

/// One page of `who`'s feed, newest first. The feed is the newest
/// [`LENGTH`] entries that concern the reader; the audit log keeps the rest.
pub async fn page(
    db: &DatabaseConnection,
    who: &Subject,
    paging: Paging,
) -> Result<api::ActivityPage> {
    let query = query(who)?;
    // Counting stops at the feed's length: a million matching rows are not
    // walked to say "more than anyone will page through".
    let newest = newest_first(
        query.clone(),
        Window {
            reversed: false,
            offset: 0,
            limit: LENGTH,
        },
    )
    .select_only()
    .column(activity::Column::Id)
    .into_query();
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(newest, Alias::new("feed"))
        .to_owned();
    let total = paging::count(db, &count).await?;
    let start = (paging.page - 1).saturating_mul(paging.per_page);
    let window = Window {
        reversed: false,
        offset: start,
        limit: Ord::min(paging.per_page, total.saturating_sub(start)),
    };
    let rows = if window.limit == 0 {
        Vec::new()
    } else {
        newest_first(query, window).all(db).await?
    };
    let people: HashMap<i64, api::Person> =
        people_of(db, rows.iter().filter_map(|a| a.actor_id)).await?;
    let items = rows.into_iter().map(|a| describe(a, &people)).collect();
    Ok(paging.page_of(items, total))
}
