//! Application tokens, refresh tokens, and what a person or token may do where.

use serde::{Deserialize, Serialize};

use crate::domain::TokenAccess;

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// A new application token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewApplicationToken {
    /// A name to recognise it by, unique per user (e.g. `ci-deploy`): at
    /// most 80 characters, not only spaces.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(max_length = 80, pattern = r"[^\s\u0085]"))
    )]
    pub name: String,
    /// Namespaces (`team`) or repositories (`team/app`) it may reach; empty
    /// or absent: everything its user may reach.
    pub resources: Option<Vec<String>>,
    /// The registry those resources are in (its name, as `/info` lists
    /// them; absent: `default`). Only with `resources`: a token of a
    /// namespace reaches it in that registry alone.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 255)))]
    pub registry: Option<String>,
    /// `read` (pull), `write` (pull, push) or `delete` (the default: everything).
    pub access: Option<TokenAccess>,
    /// When it stops working (RFC 3339); absent: never.
    pub expires_at: Option<String>,
}

/// An application token as listed: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ApplicationToken {
    pub id: i64,
    pub name: String,
    /// The user it acts as.
    pub user: String,
    pub resources: Vec<String>,
    /// The registry `resources` are in; absent when it reaches everything.
    pub registry: Option<String>,
    pub access: TokenAccess,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub created_at: String,
}

/// A token just created: `secret` is shown this once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct CreatedApplicationToken {
    pub token: ApplicationToken,
    /// Use it as the password in `docker login`, or as `Authorization: Bearer` on the API.
    pub secret: String,
}

/// Which registry actions a user may take on a repository, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Permissions {
    pub user: Option<String>,
    pub repository: String,
    /// The namespace the repository belongs to, when it exists and is visible.
    pub namespace: Option<String>,
    pub actions: Vec<ActionVerdict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ActionVerdict {
    /// `pull`, `push`, `delete` or `*`.
    pub action: String,
    pub allowed: bool,
    /// Stable identifier of the deciding rule, e.g. `team_writer`.
    pub rule: String,
    /// The rule in words.
    pub explanation: String,
}

/// A refresh token (the long-lived login of `docker login` and other OAuth2
/// clients) as its user sees it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RefreshTokenInfo {
    pub id: i64,
    pub service: String,
    /// The client that asked for it (`docker`, `containerd-client`, ...).
    pub client_id: String,
    /// The client address it was issued to.
    pub address: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}
