//! The registries served, their status, and the registry events received.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// A registry as clients know it: its name in Portunus and its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryName {
    pub name: String,
    /// `host:port`, as used in `docker login` and image names.
    pub host: String,
}

/// A notification the registry sent, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryEvent {
    pub id: i64,
    /// The registry's own event id.
    pub event_id: String,
    /// The registry that sent it, by name.
    #[serde(default)]
    pub registry: String,
    pub action: String,
    pub repository: Option<String>,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// Who the registry says acted (the token's subject).
    pub actor: Option<String>,
    pub received_at: String,
    /// When it was applied; none while it waits.
    pub processed_at: Option<String>,
    /// Why it was not applied, if it was not.
    pub error: Option<String>,
    /// The registry host the event named when it is held because that host
    /// is not one of the registry's names (add it to `registry.hostnames`).
    pub held_host: Option<String>,
}

/// The registry as Portunus sees it, for administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryStatus {
    /// Where Portunus reaches it (`registry.url`).
    pub url: String,
    /// `host:port` as clients name it.
    pub host: String,
    /// Whether it answered Portunus's token just now.
    pub reachable: bool,
    /// What happened, in words: how long the answer took, or why it failed.
    pub answer: String,
    /// Its `Docker-Distribution-Api-Version` header (`registry/2.0`).
    pub api_version: Option<String>,
    /// When the last catalog sync ended, and how.
    pub last_sync_at: Option<String>,
    pub last_sync_outcome: Option<String>,
}

/// A registry Portunus authorizes for (administrators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Registry {
    /// Its name in Portunus (`default` is the one in the configuration file).
    pub name: String,
    /// Where Portunus reaches its HTTP API.
    pub url: String,
    /// The service name its tokens carry: its `auth.token.service`.
    pub service: String,
    /// Other names clients reach it by, besides the host of `url`.
    pub hostnames: Vec<String>,
    /// Whether it is the configured registry (`[registry]`), which only
    /// the configuration file changes.
    pub configured: bool,
    /// How it answers now, and how its last catalog sync ended.
    pub status: RegistryStatus,
}

/// A registry to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewRegistry {
    /// Lowercase letters, digits and dashes, like `europe`.
    pub name: String,
    /// Where Portunus reaches its HTTP API, like `https://registry-eu.example.org`.
    pub url: String,
    /// The service name for its tokens; its `auth.token.service` must equal it.
    pub service: String,
    /// Other names clients reach it by (`host` or `host:port`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub hostnames: Vec<String>,
    /// Add it even if it does not answer now.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub skip_check: bool,
}

/// Changes to a registry; what is absent stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryUpdate {
    pub url: Option<String>,
    pub service: Option<String>,
    pub hostnames: Option<Vec<String>>,
    /// Take a new URL even if nothing answers there now.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub skip_check: bool,
}

/// A registry with its notification secret, shown when it is made or
/// replaced; `portunus registry-config --registry NAME` prints it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryWithSecret {
    pub registry: Registry,
    pub notification_secret: String,
}
