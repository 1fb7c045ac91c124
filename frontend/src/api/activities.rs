//! The activity log, its filter and CSV export, and the start page's figures.

use gloo_net::http::Request;
use portunus_shared::api::{ActivityPage, Overview};

use super::{ApiError, NO_BODY, call, encode, url};

/// A page of the signed-in user's feed, newest first.
pub async fn feed(page: u64) -> Result<ActivityPage, ApiError> {
    let page = page.to_string();
    call(
        Request::get(&url("/feed")).query([("page", page.as_str()), ("per_page", "20")]),
        NO_BODY,
    )
    .await
}

/// The installation's figures (administrators).
pub async fn overview() -> Result<Overview, ApiError> {
    call(Request::get(&url("/overview")), NO_BODY).await
}

/// What the audit log page filters by; empty fields filter nothing. Dates
/// are `YYYY-MM-DD` (UTC), `until` included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: String,
    pub key: String,
    pub target: String,
    pub since: String,
    pub until: String,
}

impl AuditFilter {
    /// The query parameters of the activity API.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        for (name, value) in [
            ("actor", &self.actor),
            ("key", &self.key),
            ("target", &self.target),
        ] {
            if !value.trim().is_empty() {
                query.push((name, value.trim().to_owned()));
            }
        }
        if !self.since.is_empty() {
            query.push(("since", format!("{}T00:00:00Z", self.since)));
        }
        if !self.until.is_empty() {
            query.push(("until", format!("{}T23:59:59Z", self.until)));
        }
        query
    }
}

/// A page of the audit log (administrators see all, others their own).
pub async fn activities(filter: &AuditFilter, page: u64) -> Result<ActivityPage, ApiError> {
    let mut query = filter.query();
    query.push(("page", page.to_string()));
    query.push(("per_page", "50".to_owned()));
    call(Request::get(&url("/activities")).query(query), NO_BODY).await
}

/// Where the CSV of the audit log with `filter` downloads from.
pub fn activities_csv_url(filter: &AuditFilter) -> String {
    let query: Vec<String> = filter
        .query()
        .into_iter()
        .map(|(name, value)| format!("{name}={}", encode(&value)))
        .collect();
    format!("{}?{}", url("/activities.csv"), query.join("&"))
}
