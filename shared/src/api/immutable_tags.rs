//! Immutable tags: rules that keep matching tags on the image first pushed
//! under them (enforced by the gateway and Portunus's own deletions).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// A rule: tags matching `pattern` keep their image once pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ImmutableTagRule {
    pub id: i64,
    /// The namespace it protects; absent for a rule of the whole
    /// installation.
    pub namespace: Option<String>,
    /// A glob (`v*`, `release-?`) matched against the whole tag, or,
    /// starting with `^`, a regular expression (`^\d+\.\d+\.\d+$`).
    pub pattern: String,
    /// Whether `latest` is protected too when the pattern matches it
    /// (`latest` is meant to move, so by default it is not).
    pub include_latest: bool,
    /// Who made it.
    pub created_by: Option<String>,
    pub created_at: String,
}

/// A new rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct NewImmutableTagRule {
    /// A glob (`v*`, `release-?`) matched against the whole tag, or,
    /// starting with `^`, a regular expression; at most 200 characters.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 200)))]
    pub pattern: String,
    /// Whether `latest` is protected too when the pattern matches it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub include_latest: bool,
}
