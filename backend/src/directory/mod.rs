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
    /// Whether a mapping's `group` names this group, in any case: an LDAP
    /// group given as a DN (`cn=admins,ou=groups,dc=example,dc=org`) only
    /// by its DN, so that a group of the same name elsewhere in the tree is
    /// not taken for it; given as a bare name, by its name. OpenID Connect
    /// groups (no DN) by their name.
    pub fn is(&self, configured: &str) -> bool {
        if !self.dn.is_empty() && is_dn(configured) {
            return canonical_dn(&self.dn) == canonical_dn(configured);
        }
        self.name.eq_ignore_ascii_case(configured)
    }
}

/// Whether a configured group is written as a DN (`attribute=value,...`).
pub fn is_dn(configured: &str) -> bool {
    configured.split_once('=').is_some_and(|(attribute, _)| {
        !attribute.is_empty()
            && attribute
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// A DN as compared: each part trimmed, in lower case.
fn canonical_dn(dn: &str) -> String {
    dn.split(',')
        .map(|part| part.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
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

#[cfg(test)]
mod group_tests {
    use super::Group;

    fn ldap(name: &str, dn: &str) -> Group {
        Group {
            name: name.into(),
            dn: dn.into(),
        }
    }

    #[test]
    fn a_group_given_as_a_dn_is_that_group_only() {
        let admins = ldap("admins", "cn=admins,ou=groups,dc=example,dc=org");
        let elsewhere = ldap("admins", "cn=admins,ou=contractors,dc=example,dc=org");
        let configured = "CN=admins, ou=groups,dc=example,dc=org";
        assert!(
            admins.is(configured),
            "the same DN, another way of writing it"
        );
        assert!(
            !elsewhere.is(configured),
            "a group of the same name elsewhere"
        );
        let named_like_a_dn = ldap("cn=admins,ou=groups,dc=example,dc=org", "cn=x,dc=org");
        assert!(!named_like_a_dn.is(configured), "a name is no DN");
        assert!(
            admins.is("Admins") && elsewhere.is("admins"),
            "a bare name: by name"
        );
        let oidc = Group {
            name: "/platform/admins".into(),
            dn: String::new(),
        };
        assert!(oidc.is("/platform/admins") && !oidc.is("admins"));
    }
}
