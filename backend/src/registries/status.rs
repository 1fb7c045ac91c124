//! A registry as administrators see it: whether it answers Portunus now,
//! which API it speaks, and how the last catalog sync ended.

use chrono::SecondsFormat;
use portunus_shared::api::RegistryStatus;

use crate::authz::{Subject, rest};
use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;

use crate::catalog::Catalog;
use crate::db::entities::registry;
use crate::error::Result;

/// The status of `catalog`'s registry, which clients know as `host`
/// (administrators only). Asks the registry once.
pub async fn of(catalog: &Catalog, who: &Subject, host: &str) -> Result<RegistryStatus> {
    if !rest::may_administer(who) {
        return Err(rest::refusal(
            who,
            "only administrators see the registry's status",
        ));
    }
    let (reachable, answer, api_version) = match catalog.registry.probe().await {
        Ok((version, took)) => (
            true,
            format!("answered in {} ms", took.as_millis()),
            version,
        ),
        Err(e) => (false, e.to_string(), None),
    };
    let last = last_sync(catalog).await?;
    Ok(RegistryStatus {
        url: catalog.registry.base().to_owned(),
        host: host.to_owned(),
        reachable,
        answer,
        api_version,
        last_sync_at: last
            .as_ref()
            .map(|(at, _)| at.to_rfc3339_opts(SecondsFormat::Secs, true)),
        last_sync_outcome: last.map(|(_, outcome)| outcome),
    })
}

/// When the last recorded catalog sync of `catalog`'s registry ended, and how.
pub async fn last_sync(catalog: &Catalog) -> Result<Option<(DateTime<Utc>, String)>> {
    let row = registry::Entity::find_by_id(catalog.registry_id)
        .one(&catalog.db)
        .await?;
    Ok(row.and_then(|r| Some((r.last_sync_at?, r.last_sync_outcome?))))
}
