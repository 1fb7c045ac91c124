//! Accounts as administrators manage them, passwords and their recovery, e-mail confirmation.

use serde::{Deserialize, Serialize};

use crate::domain::Directory;

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// An account as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct User {
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
    pub enabled: bool,
    pub bot: bool,
    pub namespace: Option<String>,
    /// When too many failed sign-ins locked the account (for
    /// `lockout_seconds` from then, unless an administrator unlocks it).
    pub locked_at: Option<String>,
    /// The directory the account belongs to: `ldap` or `oidc`; absent: local.
    pub directory: Option<Directory>,
    pub created_at: String,
}

/// An account created by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewUser {
    /// 1 to 64 letters, digits, `.`, `_`, `-` and `@`, starting with a
    /// letter or digit.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"))
    )]
    pub username: String,
    /// 8 to 128 characters. Required unless `bot` is set, or `[mail]` is
    /// configured and `email` given: then the person gets a link to choose
    /// their password.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 8, max_length = 128)))]
    pub password: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub admin: bool,
    /// A bot has no password and no personal namespace; it uses application tokens.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub bot: bool,
}

/// Changes to an account; absent fields stay. `admin` and `enabled` are for
/// administrators (anyone may disable their own account, but not the last
/// administrator's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct UserUpdate {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub admin: Option<bool>,
    pub enabled: Option<bool>,
    /// `true` lifts a lockout after failed sign-ins (administrators).
    pub unlock: Option<bool>,
}

/// "Forgot your password?": a link goes to the address of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PasswordResetRequest {
    /// The user name or the e-mail address of the account.
    pub user: String,
}

/// A new password, proven by the secret of a link sent by mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PasswordReset {
    /// What follows `#token=` in the link.
    pub token: String,
    pub new_password: String,
}

/// An e-mail address confirmed by the secret of a link sent to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct EmailConfirmation {
    /// What follows `#token=` in the link.
    pub token: String,
}

/// A new password, proven by the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PasswordChange {
    pub current_password: String,
    /// 8 to 128 characters.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 8, max_length = 128)))]
    pub new_password: String,
}
