//! The activity log, and the start page's figures.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Activity {
    pub id: i64,
    /// Who did it (a user name, or `portunus-cli`).
    pub actor: String,
    /// The actor's display name, while their account exists.
    pub actor_display_name: Option<String>,
    /// What was done, e.g. `team.add_member` or `auth.sign_in_failed`.
    pub key: String,
    pub target_type: String,
    pub target: String,
    /// The target's id (a repository's for `repository`), while known.
    pub target_id: Option<i64>,
    pub parameters: Option<String>,
    pub created_at: String,
}

/// The installation at a glance, for administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Overview {
    pub users: u64,
    pub teams: u64,
    pub namespaces: u64,
    pub repositories: u64,
    pub tags: u64,
    /// Registry events held because they name an unknown registry host.
    pub held_events: u64,
    /// Pushes per day (UTC) over the last 30 days, oldest first, today last.
    pub pushes: Vec<DayCount>,
}

/// How many of something happened on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub count: u64,
}
