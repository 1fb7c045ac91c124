//! Namespaces: creating them, their visibility and team, naming one with its registry.

use serde::{Deserialize, Serialize};

use crate::domain::{Role, Visibility};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// A namespace named with its registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NamespaceInRegistry {
    pub name: String,
    /// The registry's name (`default` is `[registry]`).
    pub registry: String,
}

/// A namespace: the first part of repository names (`NAMESPACE/app`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Namespace {
    pub id: i64,
    pub name: String,
    /// The registry it belongs to, by name (`default` is `[registry]`).
    #[serde(default)]
    pub registry: String,
    /// The owning team.
    pub team: String,
    pub visibility: Visibility,
    /// Markdown, as written.
    pub description: String,
    /// The description rendered as sanitized HTML (empty in lists).
    pub description_html: String,
    /// True for the namespace of repositories without a slash.
    pub global: bool,
    /// Set for a user's personal namespace: that user's name.
    pub personal_of: Option<String>,
    /// Your role in its team, if you are a member.
    pub role: Option<Role>,
    /// Whether you may change or delete it (its team's owners, administrators).
    pub may_manage: bool,
}

/// A new namespace, owned by a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewNamespace {
    /// Lowercase letters and digits, joined by single `.`, `_` or `-`.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(max_length = 255, pattern = r"^[a-z0-9]+([._-][a-z0-9]+)*$"))
    )]
    pub name: String,
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$"))
    )]
    pub team: String,
    /// The registry it belongs to, by name; default: the configured one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 255)))]
    pub registry: Option<String>,
    /// Default: `private`.
    pub visibility: Option<Visibility>,
    pub description: Option<String>,
}

/// Changes to a namespace; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NamespaceUpdate {
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$"))
    )]
    pub team: Option<String>,
    pub visibility: Option<Visibility>,
    pub description: Option<String>,
}
