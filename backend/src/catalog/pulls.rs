//! Who pulled what through the gateway: pulls written in batches, summed up
//! per repository and tag over the last days, exported as CSV, and
//! forgotten after `gateway.keep_pulls_days`. Everyone who sees a
//! repository sees how often it was pulled and by how many; who exactly,
//! those who manage its namespace.

use chrono::{DateTime, Duration, Utc};
use portunus_shared::api;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::audit::activities::csv_field;
use crate::authz::{Subject, rest};
use crate::catalog::repositories::{find_visible_with_facts, full_name, timestamp};
use crate::db::entities::{pull, tag};
use crate::db::ids::{RegistryId, RepositoryId};
use crate::error::{Error, Result};

/// The longest window a summary covers.
pub const MAX_DAYS: u32 = 3650;

/// Most rows one CSV export holds.
const EXPORT_LIMIT: u64 = 100_000;

/// One pull, as the gateway saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pull {
    pub registry_id: RegistryId,
    pub repository: String,
    /// The tag or digest asked for.
    pub reference: String,
    /// The digest answered.
    pub digest: Option<String>,
    /// The account; `None` for an anonymous pull.
    pub account: Option<String>,
    pub address: String,
    /// The client's program (`User-Agent`), shortened.
    pub client: String,
    pub at: DateTime<Utc>,
    /// Whether it only asked whether the manifest is there (HEAD); such
    /// a look followed by a GET of the same image is one pull.
    pub head: bool,
}

/// Writes `pulls` in one statement.
pub async fn record(db: &impl ConnectionTrait, pulls: &[Pull]) -> Result<()> {
    if pulls.is_empty() {
        return Ok(());
    }
    let rows = pulls.iter().map(|p| pull::ActiveModel {
        registry_id: Set(p.registry_id.0),
        repository: Set(p.repository.clone()),
        reference: Set(p.reference.clone()),
        digest: Set(p.digest.clone()),
        account: Set(p.account.clone()),
        address: Set(p.address.clone()),
        client: Set(p.client.clone()),
        pulled_at: Set(p.at),
        ..Default::default()
    });
    pull::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Forgets the pulls before `before`; how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64> {
    let deleted = pull::Entity::delete_many()
        .filter(pull::Column::PulledAt.lt(before))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

fn days_out_of_range(days: u32) -> Error {
    Error::InvalidInput(format!("days is {days}; give 1 to {MAX_DAYS}"))
}

#[derive(FromQueryResult)]
struct Group {
    account: Option<String>,
    address: String,
    pulls: i64,
    last: DateTime<Utc>,
}

/// How often the repository `id` (or its tag `tag`: asked by that name or
/// by the digest it names now) was pulled in the `days` before `now`, by
/// how many accounts; with who, for those who manage its namespace.
/// (`recorded` is for the caller, who knows whether a gateway records.)
pub async fn summary(
    db: &DatabaseConnection,
    who: &Subject,
    id: RepositoryId,
    tag_name: Option<&str>,
    days: u32,
    now: DateTime<Utc>,
) -> Result<api::PullSummary> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(days_out_of_range(days));
    }
    let (ns, repo, facts) = find_visible_with_facts(db, who, id).await?;
    let full = full_name(&ns, &repo);
    let since = now - Duration::days(i64::from(days));
    let mut query = pull::Entity::find()
        .filter(pull::Column::RegistryId.eq(ns.registry_id))
        .filter(pull::Column::Repository.eq(&full))
        .filter(pull::Column::PulledAt.gte(since));
    if let Some(tag_name) = tag_name {
        let current = tag::Entity::find()
            .filter(tag::Column::RepositoryId.eq(repo.id))
            .filter(tag::Column::Name.eq(tag_name))
            .one(db)
            .await?
            .ok_or_else(|| Error::NotFound(format!("{full} has no tag {tag_name:?}")))?;
        query = query.filter(
            Expr::col(pull::Column::Reference)
                .eq(tag_name)
                .or(Expr::col(pull::Column::Digest).eq(current.digest)),
        );
    }
    let groups = query
        .select_only()
        .column(pull::Column::Account)
        .column(pull::Column::Address)
        .column_as(pull::Column::Id.count(), "pulls")
        .column_as(pull::Column::PulledAt.max(), "last")
        .group_by(pull::Column::Account)
        .group_by(pull::Column::Address)
        .into_model::<Group>()
        .all(db)
        .await?;
    let mut by: Vec<api::PullsBy> = Vec::new();
    for group in groups {
        // An account counts once over its addresses; anonymous pulls by address.
        let same = |b: &api::PullsBy| match &group.account {
            Some(account) => b.account.as_deref() == Some(account),
            None => b.account.is_none() && b.address.as_deref() == Some(&group.address),
        };
        let last = timestamp(group.last);
        match by.iter_mut().find(|b| same(b)) {
            Some(known) => {
                known.pulls += group.pulls as u64;
                if last > known.last_pulled_at {
                    known.last_pulled_at = last;
                }
            }
            None => by.push(api::PullsBy {
                address: group.account.is_none().then(|| group.address.clone()),
                account: group.account,
                pulls: group.pulls as u64,
                last_pulled_at: last,
            }),
        }
    }
    by.sort_by(|a, b| b.pulls.cmp(&a.pulls).then(a.account.cmp(&b.account)));
    Ok(api::PullSummary {
        recorded: false,
        days,
        pulls: by.iter().map(|b| b.pulls).sum(),
        people: by.iter().filter(|b| b.account.is_some()).count() as u64,
        anonymous: by
            .iter()
            .filter(|b| b.account.is_none())
            .map(|b| b.pulls)
            .sum(),
        by: rest::may_manage_namespace(who, &facts).then_some(by),
    })
}

/// Every pull of the repository `id` in the `days` before `now`, newest
/// first, as CSV (those who manage its namespace; at most 100,000 rows).
pub async fn csv(
    db: &DatabaseConnection,
    who: &Subject,
    id: RepositoryId,
    days: u32,
    now: DateTime<Utc>,
) -> Result<String> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(days_out_of_range(days));
    }
    let (ns, repo, facts) = find_visible_with_facts(db, who, id).await?;
    if !rest::may_manage_namespace(who, &facts) {
        return Err(rest::refusal(
            who,
            "only those who manage the namespace see who pulled",
        ));
    }
    let full = full_name(&ns, &repo);
    let rows = pull::Entity::find()
        .filter(pull::Column::RegistryId.eq(ns.registry_id))
        .filter(pull::Column::Repository.eq(&full))
        .filter(pull::Column::PulledAt.gte(now - Duration::days(i64::from(days))))
        .order_by_desc(pull::Column::PulledAt)
        .limit(EXPORT_LIMIT)
        .all(db)
        .await?;
    let mut out = String::from("pulled_at,repository,reference,digest,account,address,client\n");
    for row in rows {
        let fields = [
            timestamp(row.pulled_at),
            row.repository,
            row.reference,
            row.digest.unwrap_or_default(),
            row.account.unwrap_or_default(),
            row.address,
            row.client,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok(out)
}
