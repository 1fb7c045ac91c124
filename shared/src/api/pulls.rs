//! Who pulled what through the gateway, summed up.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// How often a repository or tag was pulled through the gateway in the
/// last `days`, and by how many accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PullSummary {
    /// Whether this installation records pulls (its gateway is on); when
    /// not, the counts are those of an earlier time it was on.
    pub recorded: bool,
    pub days: u32,
    /// Manifest pulls (a client's HEAD and GET of one image count once).
    pub pulls: u64,
    /// Accounts that pulled.
    pub people: u64,
    /// Pulls without an account.
    pub anonymous: u64,
    /// Who pulled, most pulls first (those who manage the namespace only).
    pub by: Option<Vec<PullsBy>>,
}

/// The pulls of one account, or of one address without an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PullsBy {
    pub account: Option<String>,
    /// The address, for anonymous pulls.
    pub address: Option<String>,
    pub pulls: u64,
    pub last_pulled_at: String,
}
