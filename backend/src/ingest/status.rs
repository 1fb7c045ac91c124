//! The registry as administrators see it: whether it answers Portunus now,
//! which API it speaks, and how the last catalog sync ended.

use chrono::SecondsFormat;
use portunus_shared::api::RegistryStatus;

use crate::authz::{Subject, rest};
use crate::catalog::Catalog;
use crate::error::Result;
use crate::ingest::sync;

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
    let last = sync::last_outcome(catalog).await?;
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
