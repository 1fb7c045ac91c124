//! Settings of the directories people may sign in with: an LDAP server
//! (`[ldap]`) and an OpenID Provider (`[oidc]`), and how their groups map
//! to teams, roles and the administrator flag.

use portunus_shared::domain::Role;
use serde::{Deserialize, Serialize};

/// `[ldap]`: sign-in with directory credentials. Off while `url` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LdapSettings {
    /// `ldap://HOST:PORT` or `ldaps://HOST:PORT`; empty turns LDAP off.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    pub start_tls: bool,
    /// Allow `ldap://` without StartTLS: passwords cross the network in
    /// clear. Refused at start unless this says so (a directory on the same
    /// machine, or a network trusted for it).
    pub allow_plaintext: bool,
    /// PEM file of the CA(s) that sign the server's certificate; empty
    /// means the system's trusted CAs.
    pub ca_file: String,
    /// Whether the server's certificate is checked. Turn off only to try
    /// a setup out: anyone on the path could read the passwords.
    pub verify_certificates: bool,
    /// How long to wait for the server to connect or answer.
    pub timeout_seconds: u64,
    /// Direct bind: the DN of a user, `{username}` standing for the name
    /// typed. Empty: search-then-bind with the service account.
    pub bind_dn: String,
    /// Service account that searches for users and groups (read-only).
    pub service_dn: String,
    pub service_password: String,
    /// Where users are searched (and the base of direct-bind searches).
    pub user_base: String,
    /// Filter that finds one user; `{username}` is the name typed.
    pub user_filter: String,
    /// The attribute whose value becomes the Portunus user name.
    pub username_attribute: String,
    pub email_attribute: String,
    pub display_name_attribute: String,
    /// Where groups are searched; empty: groups are not read.
    pub group_base: String,
    /// Filter that finds a user's groups: `{dn}` is the user's DN,
    /// `{username}` their user name (for posixGroup's memberUid).
    pub group_filter: String,
    /// The attribute that names a group (the mapping also accepts its DN).
    pub group_name_attribute: String,
    /// Groups, teams and the administrator flag (`[ldap.groups]`).
    pub groups: GroupMapping,
    /// Which accounts that are not in the directory may still sign in with
    /// a password: `all`, or `admins` (the break-glass administrators).
    pub local_accounts: LocalAccounts,
    /// Whether a first directory sign-in may take over a local account of
    /// the same name (its password is removed). Off: such a sign-in is
    /// refused until an administrator renames or removes the local account.
    pub link_local_accounts: bool,
    /// How long a checked directory password is trusted for registry
    /// logins before the directory is asked again, in seconds.
    pub cache_seconds: u64,
    /// How often every directory account is checked against the directory
    /// (still there, groups), in seconds; 0: only at sign-in.
    pub sync_interval_seconds: u64,
}

impl Default for LdapSettings {
    fn default() -> Self {
        LdapSettings {
            url: String::new(),
            start_tls: false,
            allow_plaintext: false,
            ca_file: String::new(),
            verify_certificates: true,
            timeout_seconds: 5,
            bind_dn: String::new(),
            service_dn: String::new(),
            service_password: String::new(),
            user_base: String::new(),
            user_filter: "(uid={username})".into(),
            username_attribute: "uid".into(),
            email_attribute: "mail".into(),
            display_name_attribute: "cn".into(),
            group_base: String::new(),
            group_filter: "(|(member={dn})(uniqueMember={dn})(memberUid={username}))".into(),
            group_name_attribute: "cn".into(),
            groups: GroupMapping::default(),
            local_accounts: LocalAccounts::All,
            link_local_accounts: false,
            cache_seconds: 120,
            sync_interval_seconds: 3600,
        }
    }
}

impl LdapSettings {
    pub fn enabled(&self) -> bool {
        !self.url.is_empty()
    }

    /// Whether users are found by a search (rather than a DN template).
    pub fn searches(&self) -> bool {
        self.bind_dn.is_empty()
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        if !self.enabled() {
            return Ok(());
        }
        let url = url::Url::parse(&self.url)
            .ok()
            .filter(|u| matches!(u.scheme(), "ldap" | "ldaps") && u.host_str().is_some())
            .ok_or_else(|| {
                format!(
                    "ldap.url {:?} is not an LDAP URL (ldap://HOST:389 or ldaps://HOST:636)",
                    self.url
                )
            })?;
        if self.start_tls && url.scheme() == "ldaps" {
            return Err(
                "ldap.start_tls is for ldap:// URLs; an ldaps:// URL is TLS already".into(),
            );
        }
        if url.scheme() == "ldap" && !self.start_tls && !self.allow_plaintext {
            return Err(format!(
                "ldap.url {:?} without ldap.start_tls sends passwords in clear: set ldap.start_tls = true (or use ldaps://), or ldap.allow_plaintext = true for a directory on this machine or a network you trust",
                self.url
            ));
        }
        if !self.ca_file.is_empty() && !std::path::Path::new(&self.ca_file).is_file() {
            return Err(format!("ldap.ca_file {:?} does not exist", self.ca_file));
        }
        if self.searches() {
            if self.user_base.is_empty() {
                return Err("ldap.user_base is needed to search for users (or set ldap.bind_dn for direct bind)".into());
            }
            if !self.user_filter.contains("{username}") {
                return Err("ldap.user_filter must contain {username}".into());
            }
        } else if !self.bind_dn.contains("{username}") {
            return Err("ldap.bind_dn must contain {username}, e.g. uid={username},ou=people,dc=example,dc=org".into());
        }
        if self.service_dn.is_empty() != self.service_password.is_empty() {
            return Err("ldap.service_dn and ldap.service_password go together".into());
        }
        if !(1..=300).contains(&self.timeout_seconds) {
            return Err(format!(
                "ldap.timeout_seconds is {}; 1 to 300 is allowed",
                self.timeout_seconds
            ));
        }
        if self.cache_seconds > 86_400 {
            return Err(format!(
                "ldap.cache_seconds is {}; at most 86400 (a day) is allowed",
                self.cache_seconds
            ));
        }
        for key in [
            &self.username_attribute,
            &self.group_name_attribute,
            &self.email_attribute,
        ] {
            if key.trim().is_empty() {
                return Err("ldap.username_attribute, email_attribute and group_name_attribute cannot be empty".into());
            }
        }
        self.groups.validate("ldap.groups")
    }
}

/// Which local accounts may sign in with a password while a directory is
/// configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalAccounts {
    All,
    Admins,
}

/// How a directory's groups decide team membership and administrators.
/// Memberships in the mapped teams follow the groups for directory
/// accounts, both ways; other teams are left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupMapping {
    /// Members of this group are administrators, others are not. Empty:
    /// the administrator flag is managed in Portunus only.
    pub admin_group: String,
    /// Group → team with a role; a team missing in Portunus is created.
    pub teams: Vec<TeamGroup>,
}

/// One group's members become members of `team` with `role` (the highest
/// role wins when several of a user's groups name the same team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamGroup {
    /// The group's name (or, for LDAP, its DN).
    pub group: String,
    pub team: String,
    pub role: Role,
}

impl GroupMapping {
    fn validate(&self, key: &str) -> Result<(), String> {
        for mapping in &self.teams {
            if mapping.group.trim().is_empty() {
                return Err(format!("{key}.teams: a group cannot be empty"));
            }
            portunus_shared::names::validate_team_name(&mapping.team)
                .map_err(|e| format!("{key}.teams: {e}"))?;
        }
        Ok(())
    }

    /// Whether the mapping manages anything at all.
    pub fn is_empty(&self) -> bool {
        self.admin_group.is_empty() && self.teams.is_empty()
    }
}

/// `[oidc]`: "Sign in with NAME" through an OpenID Provider. Off while
/// `issuer` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcSettings {
    /// The provider's issuer URL (discovery at ISSUER/.well-known/openid-configuration).
    pub issuer: String,
    /// What the sign-in button says: "Sign in with NAME".
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The claim whose value becomes the user name of a new account.
    pub username_claim: String,
    /// The claim that lists the user's groups.
    pub groups_claim: String,
    /// Groups, teams and the administrator flag (`[oidc.groups]`).
    pub groups: GroupMapping,
    /// Whether a first sign-in may take over a local account with the same
    /// e-mail address, when the provider says the address is verified.
    pub link_by_verified_email: bool,
}

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            issuer: String::new(),
            name: "OpenID Connect".into(),
            client_id: String::new(),
            client_secret: String::new(),
            scopes: vec!["email".into(), "profile".into()],
            username_claim: "preferred_username".into(),
            groups_claim: "groups".into(),
            groups: GroupMapping::default(),
            link_by_verified_email: false,
        }
    }
}

impl OidcSettings {
    pub fn enabled(&self) -> bool {
        !self.issuer.is_empty()
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        if !self.enabled() {
            return Ok(());
        }
        match url::Url::parse(&self.issuer) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => {
                return Err(format!(
                    "oidc.issuer {:?} is not an http(s) URL",
                    self.issuer
                ));
            }
        }
        if self.client_id.is_empty() {
            return Err(
                "oidc.client_id is needed (register Portunus as a client with the provider)".into(),
            );
        }
        if self.name.trim().is_empty() {
            return Err("oidc.name cannot be empty (the button says \"Sign in with NAME\")".into());
        }
        if self.username_claim.trim().is_empty() {
            return Err("oidc.username_claim cannot be empty".into());
        }
        self.groups.validate("oidc.groups")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ldap(change: impl FnOnce(&mut LdapSettings)) -> Result<(), String> {
        let mut settings = LdapSettings {
            url: "ldap://127.0.0.1:389".into(),
            start_tls: true,
            user_base: "ou=people,dc=example,dc=org".into(),
            ..LdapSettings::default()
        };
        change(&mut settings);
        settings.validate()
    }

    #[test]
    fn ldap_settings_that_cannot_work_are_explained() {
        assert_eq!(ldap(|_| {}), Ok(()));
        assert_eq!(LdapSettings::default().validate(), Ok(()), "off");
        type Case = (fn(&mut LdapSettings), &'static str);
        let cases: [Case; 7] = [
            (|s| s.url = "http://x".into(), "is not an LDAP URL"),
            (|s| s.start_tls = false, "sends passwords in clear"),
            (
                |s| {
                    s.url = "ldaps://x:636".into();
                    s.start_tls = true
                },
                "is TLS already",
            ),
            (|s| s.user_base = String::new(), "ldap.user_base is needed"),
            (
                |s| s.bind_dn = "uid=x,dc=org".into(),
                "must contain {username}",
            ),
            (|s| s.service_dn = "cn=x".into(), "go together"),
            (
                |s| {
                    s.groups.teams = vec![TeamGroup {
                        group: "g".into(),
                        team: "_x".into(),
                        role: Role::Viewer,
                    }]
                },
                "team name",
            ),
        ];
        for (change, expected) in cases {
            let error = ldap(change).expect_err(expected);
            assert!(error.contains(expected), "{error} (expected {expected})");
        }
    }

    #[test]
    fn oidc_settings_need_a_client() {
        let mut settings = OidcSettings {
            issuer: "https://id.example.org".into(),
            ..OidcSettings::default()
        };
        assert!(settings.validate().is_err_and(|e| e.contains("client_id")));
        settings.client_id = "portunus".into();
        assert_eq!(settings.validate(), Ok(()));
        settings.issuer = "id.example.org".into();
        assert!(
            settings
                .validate()
                .is_err_and(|e| e.contains("not an http(s) URL"))
        );
    }
}
