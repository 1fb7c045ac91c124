//! The SQL side of [`super::rest`]: conditions that keep a query to what
//! a subject may see, so lists filter and page in the database. Each
//! mirrors a pure rule, and `tests/api/visibility.rs` checks that the two
//! agree on every combination of subject, visibility and membership.

use sea_orm::sea_query::{
    Expr, ExprTrait, Func, IntoColumnRef, Query, SelectStatement, SimpleExpr,
};

use super::{Subject, Visibility};
use crate::db::entities::team_member;
use crate::db::ids::UserId;

/// The ids of the teams `user_id` belongs to, as a subquery.
pub fn teams_of(user_id: UserId) -> SelectStatement {
    Query::select()
        .column(team_member::Column::TeamId)
        .from(team_member::Entity)
        .and_where(Expr::col(team_member::Column::UserId).eq(user_id))
        .to_owned()
}

/// The condition under which `subject` may see a namespace whose
/// visibility and team are in these columns ([`super::rest::may_see_namespace`]);
/// `None` when they may see every namespace.
pub fn namespaces(
    subject: &Subject,
    visibility: impl IntoColumnRef,
    team: impl IntoColumnRef,
) -> Option<SimpleExpr> {
    match subject.user_id {
        None => Some(Expr::col(visibility).eq(Visibility::Public.as_str())),
        Some(_) if subject.admin => None,
        Some(user_id) => Some(
            Expr::col(visibility)
                .ne(Visibility::Private.as_str())
                .or(Expr::col(team).in_subquery(teams_of(user_id))),
        ),
    }
}

/// The condition under which `subject` may see a team whose id is in this
/// column ([`super::rest::may_see_team`]); `None` when they may see every
/// team. Hidden teams are the caller's to leave out.
pub fn teams(subject: &Subject, id: impl IntoColumnRef) -> Option<SimpleExpr> {
    if subject.limited() {
        return Some(Expr::value(false));
    }
    match subject.user_id {
        Some(_) if subject.admin => None,
        Some(user_id) => Some(Expr::col(id).in_subquery(teams_of(user_id))),
        None => Some(Expr::value(false)),
    }
}

/// `text` starts with `prefix`, without LIKE (whose `_` is a wildcard
/// that repository names contain).
fn starts_with(text: SimpleExpr, prefix: &str) -> SimpleExpr {
    // An int4: PostgreSQL has substr(text, int, int), not with a bigint.
    let length = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    Expr::expr(Func::cust("substr").arg(text).arg(1).arg(length)).eq(prefix)
}

/// The condition under which the subject's token covers the repository
/// whose full name (`NAMESPACE/NAME`, or `NAME` in the global namespace)
/// is `full_name` in the registry `registry`
/// ([`super::TokenScope::covers_in`]); `None` when it covers all.
pub fn token_reach(
    subject: &Subject,
    full_name: SimpleExpr,
    registry: impl IntoColumnRef,
) -> Option<SimpleExpr> {
    let scope = subject.token_scope.as_ref().filter(|s| s.limited())?;
    let covered = scope.resources.iter().map(|r| {
        full_name
            .clone()
            .eq(r.as_str())
            .or(starts_with(full_name.clone(), &format!("{r}/")))
    });
    let covered = covered.fold(Expr::value(false), |any, one| any.or(one));
    Some(in_its_registry(scope, registry).and(covered))
}

/// The condition that a row's `registry` is the one a limited token's
/// resources are in.
fn in_its_registry(scope: &super::TokenScope, registry: impl IntoColumnRef) -> SimpleExpr {
    match scope.registry_id {
        Some(id) => Expr::col(registry).eq(id),
        None => Expr::value(false),
    }
}

/// The condition under which the subject's token reaches a repository in
/// the namespace with this name and global flag
/// ([`super::TokenScope::reaches_namespace`]) in the registry `registry`;
/// `None` when it reaches all.
pub fn token_reach_namespaces(
    subject: &Subject,
    name: impl IntoColumnRef + Copy,
    global: impl IntoColumnRef,
    registry: impl IntoColumnRef,
) -> Option<SimpleExpr> {
    let scope = subject.token_scope.as_ref().filter(|s| s.limited())?;
    let named: Vec<&str> = scope
        .resources
        .iter()
        .map(|r| r.split('/').next().unwrap_or(r))
        .collect();
    let global_reached = scope.resources.iter().any(|r| !r.contains('/'));
    let mut reached = Expr::col(name).is_in(named);
    if global_reached {
        reached = reached.or(Expr::col(global).eq(true));
    }
    Some(in_its_registry(scope, registry).and(reached))
}
