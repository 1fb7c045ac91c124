//! Signing in and up, who is signed in, the web sessions, and what the server tells the sign-in page.

use serde::{Deserialize, Serialize};

use super::RegistryName;
use crate::domain::Directory;

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// Credentials for signing in to the web UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// The account that made the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    /// Whether `email` was confirmed by a mailed link (or vouched for by
    /// the account's directory).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub email_verified: bool,
    pub display_name: Option<String>,
    pub admin: bool,
    /// The directory the account belongs to: `ldap` (its password is the
    /// directory's) or `oidc` (it signs in through the OpenID Provider and
    /// logs in to registries with application tokens); absent: a local account.
    pub directory: Option<Directory>,
    /// Name of the personal namespace, where this user can always push.
    pub namespace: Option<String>,
}

/// A new account created through sign-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct SignUp {
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"))
    )]
    pub username: String,
    /// 8 to 128 characters.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 8, max_length = 128)))]
    pub password: String,
    pub email: Option<String>,
    /// The setup code the server printed at start while there is no
    /// administrator: with it, this account becomes the first one.
    pub setup_code: Option<String>,
}

/// What sign-up created, including how the user name was turned into a
/// namespace name when it was not one already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct SignedUp {
    pub user: Me,
    /// Set when the personal namespace name differs from the user name.
    pub namespace_notice: Option<String>,
}

/// Public facts about a Portunus installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ServerInfo {
    pub version: String,
    /// `host:port` of the registry, as used in `docker login` and image names.
    pub registry: String,
    /// Whether people may create their own accounts.
    pub signup: bool,
    /// Whether there is no administrator yet: a sign-up with the setup code
    /// from the server's log becomes the first one.
    pub setup: bool,
    /// Whether user names and passwords are checked with an LDAP directory.
    pub ldap: bool,
    /// The OpenID Provider's name, for a "Sign in with NAME" button that
    /// goes to `/api/v1/oidc/login`; absent: none is configured.
    pub oidc: Option<String>,
    /// Whether "forgot your password?" works here (mail is configured).
    pub password_reset: bool,
    /// Every registry people push to, the configured one (`default`) first.
    #[serde(default)]
    pub registries: Vec<RegistryName>,
}

/// A web UI session of yours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebSession {
    pub id: i64,
    /// Whether it is the session asking.
    pub current: bool,
    /// The browser (its User-Agent) that signed in.
    pub client: String,
    /// The client address it signed in from.
    pub address: String,
    pub created_at: String,
    /// When it was last used (to within five minutes).
    pub last_used_at: Option<String>,
    pub expires_at: String,
}
