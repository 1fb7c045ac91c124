//! The dashboard's feed: recent activities that concern the reader and that
//! they may see. Administrators read every change; others read what they
//! did, what was done to their teams, their teams' namespaces and the
//! repositories in them, and the pushes to every namespace they may see
//! (public ones, protected ones once signed in). Sign-ins stay in the audit
//! log. The rule is one SQL condition, so the feed pages in the database.

use std::collections::HashMap;

use portunus_shared::api;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Select,
};

use crate::audit::activities::describe;
use crate::authz::{Subject, rest, visibility};
use crate::db::Paging;
use crate::db::entities::{activity, namespace, repository};
use crate::db::people::people_of;
use crate::error::Result;

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
    let mut q = activity::Entity::find()
        .filter(activity::Column::Key.not_like("auth.%"))
        .order_by_desc(activity::Column::CreatedAt)
        .order_by_desc(activity::Column::Id);
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

/// One page of `who`'s feed, newest first.
pub async fn page(
    db: &DatabaseConnection,
    who: &Subject,
    paging: Paging,
) -> Result<api::ActivityPage> {
    let paginator = query(who)?.paginate(db, paging.per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(paging.page - 1).await?;
    let people: HashMap<i64, api::Person> =
        people_of(db, rows.iter().filter_map(|a| a.actor_id)).await?;
    let items = rows.into_iter().map(|a| describe(a, &people)).collect();
    Ok(paging.page_of(items, total))
}
