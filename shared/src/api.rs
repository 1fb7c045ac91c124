//! JSON bodies of the REST API under `/api/v1`, shared by the server (which
//! describes them in openapi.yaml) and the web UI (which sends and reads them).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// The body of every error answer: a stable machine-readable `code` and a
/// `message` that tells a person what was wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct ErrorBody {
    /// Stable identifier such as `unauthorized`, `not_found`, `invalid_input`.
    pub code: String,
    /// What went wrong, in words a person can act on.
    pub message: String,
}

/// Credentials for signing in to the web UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// The account that made the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub admin: bool,
    /// Name of the personal namespace, where this user can always push.
    pub namespace: Option<String>,
}

/// A new account created through sign-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct SignUp {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

/// What sign-up created, including how the user name was turned into a
/// namespace name when it was not one already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct SignedUp {
    pub user: Me,
    /// Set when the personal namespace name differs from the user name.
    pub namespace_notice: Option<String>,
}

/// Public facts about a Portunus installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object))]
pub struct ServerInfo {
    pub version: String,
    /// `host:port` of the registry, as used in `docker login` and image names.
    pub registry: String,
    /// Whether people may create their own accounts.
    pub signup: bool,
}
