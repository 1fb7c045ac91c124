//! Reading the audit log: filtered by actor, target, key and time, newest
//! first, paginated or as CSV. Administrators read everything; others read
//! what they did themselves.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use portunus_shared::api::{self, Person};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::authz::{Subject, rest};
use crate::db::Paging;
use crate::db::entities::activity;
use crate::db::paging::Window;
use crate::db::people::people_of;
use crate::error::{Error, Result};

/// Which activities to read; every field narrows.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor: Option<String>,
    pub target_type: Option<String>,
    pub target: Option<String>,
    /// A key (`team.create`) or a key prefix ending in `.` (`team.`).
    pub key: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

fn parse_time(name: &str, text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Error::InvalidInput(format!(
                "{name} {text:?} is not an RFC 3339 time like 2026-11-22T00:00:00Z"
            ))
        })
}

fn query(who: &Subject, filter: &Filter) -> Result<Select<activity::Entity>> {
    let mut q = activity::Entity::find();
    if !rest::may_administer(who) {
        let Some(user_id) = who.user_id.filter(|id| rest::may_see_account(who, *id)) else {
            return Err(rest::refusal(who, "sign in to read your activities"));
        };
        q = q.filter(activity::Column::ActorId.eq(user_id));
    }
    if let Some(actor) = &filter.actor {
        q = q.filter(activity::Column::ActorName.eq(actor.as_str()));
    }
    if let Some(kind) = &filter.target_type {
        q = q.filter(activity::Column::TargetType.eq(kind.as_str()));
    }
    if let Some(target) = &filter.target {
        q = q.filter(activity::Column::TargetName.eq(target.as_str()));
    }
    if let Some(key) = &filter.key {
        q = if key.ends_with('.') {
            q.filter(activity::Column::Key.starts_with(key.as_str()))
        } else {
            q.filter(activity::Column::Key.eq(key.as_str()))
        };
    }
    if let Some(since) = &filter.since {
        q = q.filter(activity::Column::CreatedAt.gte(parse_time("since", since)?));
    }
    if let Some(until) = &filter.until {
        q = q.filter(activity::Column::CreatedAt.lt(parse_time("until", until)?));
    }
    Ok(q)
}

/// The wire form of `a`; `people` holds its actor, while their account exists.
pub(crate) fn describe(a: activity::Model, people: &HashMap<i64, Person>) -> api::Activity {
    api::Activity {
        id: a.id,
        actor_display_name: a
            .actor_id
            .and_then(|id| people.get(&id))
            .and_then(|p| p.display_name.clone()),
        actor: a.actor_name,
        key: a.key,
        target_type: a.target_type,
        target: a.target_name,
        target_id: a.target_id,
        parameters: a.parameters.map(|p| p.to_string()),
        created_at: a.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// The rows of `window` among the activities `query` selects, newest first
/// (the window's rows come in its order: see [`Window::in_order`]).
pub(crate) fn newest_first(
    query: Select<activity::Entity>,
    window: Window,
) -> Select<activity::Entity> {
    let query = if window.reversed {
        query
            .order_by_asc(activity::Column::CreatedAt)
            .order_by_asc(activity::Column::Id)
    } else {
        query
            .order_by_desc(activity::Column::CreatedAt)
            .order_by_desc(activity::Column::Id)
    };
    query.limit(window.limit).offset(window.offset)
}

/// One page of matching activities, newest first.
pub async fn page(
    db: &DatabaseConnection,
    who: &Subject,
    filter: &Filter,
    paging: Paging,
) -> Result<api::ActivityPage> {
    let query = query(who, filter)?;
    let total = query.clone().count(db).await?;
    let window = paging.window(total);
    let rows = window.in_order(newest_first(query, window).all(db).await?);
    let people = people_of(db, rows.iter().filter_map(|a| a.actor_id)).await?;
    let items = rows.into_iter().map(|a| describe(a, &people)).collect();
    Ok(paging.page_of(items, total))
}

/// Every matching activity as CSV (RFC 4180), newest first.
pub async fn csv(db: &DatabaseConnection, who: &Subject, filter: &Filter) -> Result<String> {
    let mut out = String::from("id,created_at,actor,key,target_type,target,parameters\r\n");
    let mut pages = query(who, filter)?
        .order_by_desc(activity::Column::CreatedAt)
        .order_by_desc(activity::Column::Id)
        .paginate(db, 1000);
    while let Some(rows) = pages.fetch_and_next().await? {
        for a in rows.into_iter().map(|a| describe(a, &HashMap::new())) {
            let fields = [
                a.id.to_string(),
                a.created_at,
                a.actor,
                a.key,
                a.target_type,
                a.target,
                a.parameters.unwrap_or_default(),
            ];
            let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    Ok(out)
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
pub fn csv_field(text: &str) -> String {
    // Spreadsheets run cells that start with these (OWASP's list).
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("\t=cmd()"), "'\t=cmd()");
        assert_eq!(csv_field("\r=cmd()"), "\"'\r=cmd()\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
    }
}
