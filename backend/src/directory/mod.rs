//! The directories people may sign in with, as network clients: an LDAP
//! server (`ldap`) and an OpenID Provider (`oidc`). They answer who
//! someone is and which groups they are in; what that means for accounts
//! and teams is `accounts::directory`'s business. Imports `config`, `error`.

pub mod ldap;
pub mod oidc;

/// Who a directory says someone is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The stable key of the person in the directory: the lower-cased user
    /// name attribute for LDAP, `sub` for OpenID Connect.
    pub subject: String,
    /// The user name the directory gives them.
    pub username: String,
    pub email: Option<String>,
    /// Whether the directory vouches for the e-mail address.
    pub email_verified: bool,
    pub display_name: Option<String>,
    /// The groups they are in, by every name a mapping may use (an LDAP
    /// group's name and its DN).
    pub groups: Vec<Group>,
}

/// A group someone is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    /// The LDAP DN; empty for OpenID Connect groups.
    pub dn: String,
}

impl Group {
    /// Whether a mapping's `group` names this group (by name or DN, in any case).
    pub fn is(&self, configured: &str) -> bool {
        self.name.eq_ignore_ascii_case(configured)
            || (!self.dn.is_empty() && self.dn.eq_ignore_ascii_case(configured))
    }
}

/// A directory that could not answer: not a verdict on anyone's password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

impl From<Unavailable> for crate::error::Error {
    fn from(e: Unavailable) -> Self {
        crate::error::Error::DirectoryUnavailable(e.0)
    }
}
