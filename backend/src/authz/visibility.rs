//! The SQL side of [`super::rest`]: conditions that keep a query to what
//! a subject may see, so lists filter and page in the database. Each
//! mirrors a pure rule, and `tests/api/visibility.rs` checks that the two
//! agree on every combination of subject, visibility and membership.

use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SelectStatement, SimpleExpr};

use super::{Subject, Visibility};
use crate::db::entities::team_member;

/// The ids of the teams `user_id` belongs to, as a subquery.
pub fn teams_of(user_id: i64) -> SelectStatement {
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
    match subject.user_id {
        Some(_) if subject.admin => None,
        Some(user_id) => Some(Expr::col(id).in_subquery(teams_of(user_id))),
        None => Some(Expr::value(false)),
    }
}
