//! The LDAP client: checks a user's password by binding as them (found by a
//! DN template, or by a search with a read-only service account), reads
//! their e-mail, display name and groups (`groupOfNames`/`member`,
//! `groupOfUniqueNames`, `posixGroup`/`memberUid`, or any filter), and looks
//! people up without a password for the periodic sync. TLS is rustls:
//! `ldaps://` or StartTLS, checked against the system's CAs or `ca_file`.

use std::sync::Arc;
use std::time::Duration;

use ldap3::{
    Ldap as Connection, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry, dn_escape,
    ldap_escape,
};
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::{Group, Person, Unavailable};
use crate::config::LdapSettings;

/// LDAP result code of a bind with a wrong password or an unknown DN.
const INVALID_CREDENTIALS: u32 = 49;

/// The configured LDAP directory.
pub struct Ldap {
    settings: LdapSettings,
    tls: Arc<ClientConfig>,
}

/// How each step of a trial sign-in went, and who was found.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// Each step tried, in order: what, and how it went (or why not).
    pub steps: Vec<(String, Result<String, String>)>,
    pub person: Option<Person>,
}

/// What a sign-in found out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The password is right: this is who they are.
    Accepted(Person),
    /// No such user, or a wrong password (the directory does not say which).
    Rejected,
}

impl Ldap {
    /// The directory of `settings`, with its CA file read; `None` when
    /// LDAP is off.
    pub fn from_settings(settings: &LdapSettings) -> Result<Option<Ldap>, String> {
        if !settings.enabled() {
            return Ok(None);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        if settings.ca_file.is_empty() {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        } else {
            let certs = CertificateDer::pem_file_iter(&settings.ca_file)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("ldap.ca_file {:?}: {e}", settings.ca_file))?;
            if certs.is_empty() {
                return Err(format!(
                    "ldap.ca_file {:?} holds no PEM certificate",
                    settings.ca_file
                ));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| format!("ldap.ca_file {:?}: {e}", settings.ca_file))?;
            }
        }
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS for LDAP: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Some(Ldap {
            settings: settings.clone(),
            tls: Arc::new(tls),
        }))
    }

    /// The directory as people should read it in messages.
    pub fn name(&self) -> String {
        format!("the LDAP directory {}", self.settings.url)
    }

    pub fn settings(&self) -> &LdapSettings {
        &self.settings
    }

    fn unavailable(&self, what: &str, e: impl std::fmt::Display) -> Unavailable {
        Unavailable(format!("{} could not {what}: {e}", self.name()))
    }

    async fn connect(&self) -> Result<Connection, Unavailable> {
        let timeout = Duration::from_secs(self.settings.timeout_seconds);
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(timeout)
            .set_starttls(self.settings.start_tls);
        if self.settings.verify_certificates {
            settings = settings.set_config(self.tls.clone());
        } else {
            // ldap3 builds its own unchecking configuration from the
            // process's default provider.
            let _ = rustls::crypto::ring::default_provider().install_default();
            settings = settings.set_no_tls_verify(true);
        }
        let connecting = LdapConnAsync::with_settings(settings, &self.settings.url);
        let (conn, mut ldap) = tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| self.unavailable("be reached", "no answer in time"))?
            .map_err(|e| self.unavailable("be reached", explain(&e)))?;
        ldap3::drive!(conn);
        ldap.with_timeout(timeout);
        Ok(ldap)
    }

    /// Checks `username`'s `password` by binding as them.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Verdict, Unavailable> {
        // An empty password would be an unauthenticated bind, which servers
        // answer with success.
        if password.is_empty() || username.is_empty() {
            return Ok(Verdict::Rejected);
        }
        let mut ldap = self.connect().await?;
        let verdict = self.sign_in_on(&mut ldap, username, password).await;
        let _ = ldap.unbind().await;
        verdict
    }

    async fn sign_in_on(
        &self,
        ldap: &mut Connection,
        username: &str,
        password: &str,
    ) -> Result<Verdict, Unavailable> {
        if self.settings.searches() {
            self.bind_service(ldap).await?;
            let Some(entry) = self.find(ldap, username).await? else {
                return Ok(Verdict::Rejected);
            };
            let person = self.person(ldap, entry).await?;
            if !self.bind(ldap, &person.1, password).await? {
                return Ok(Verdict::Rejected);
            }
            Ok(Verdict::Accepted(person.0))
        } else {
            let dn = self.template_dn(username);
            if !self.bind(ldap, &dn, password).await? {
                return Ok(Verdict::Rejected);
            }
            let Some(entry) = self.read(ldap, &dn).await? else {
                return Ok(Verdict::Rejected);
            };
            Ok(Verdict::Accepted(self.person(ldap, entry).await?.0))
        }
    }

    /// Finds `username` without their password, with the service account
    /// (or anonymously when there is none): for the periodic sync and
    /// `portunus ldap check`. `Ok(None)`: the directory does not know them.
    pub async fn look_up(&self, username: &str) -> Result<Option<Person>, Unavailable> {
        if !self.settings.searches() && self.settings.service_dn.is_empty() {
            return Err(Unavailable(format!(
                "{} is used with direct binds only (ldap.bind_dn) and no service account (ldap.service_dn), so Portunus cannot look anyone up without their password",
                self.name()
            )));
        }
        let mut ldap = self.connect().await?;
        let found = async {
            self.bind_service(&mut ldap).await?;
            let entry = match self.settings.searches() {
                true => self.find(&mut ldap, username).await?,
                false => self.read(&mut ldap, &self.template_dn(username)).await?,
            };
            match entry {
                Some(entry) => Ok(Some(self.person(&mut ldap, entry).await?.0)),
                None => Ok(None),
            }
        }
        .await;
        let _ = ldap.unbind().await;
        found
    }

    /// Tries each step of a sign-in of `username` (with `password`, or
    /// without binding as them when there is none) and says how each went,
    /// stopping at the first that fails: for `portunus ldap check`.
    pub async fn diagnose(&self, username: &str, password: Option<&str>) -> Diagnosis {
        let mut steps = Vec::new();
        let mut step = |what: &str, outcome: Result<String, String>| {
            let ok = outcome.is_ok();
            steps.push((what.to_owned(), outcome));
            ok
        };
        let tls = match (
            self.settings.url.starts_with("ldaps:"),
            self.settings.start_tls,
        ) {
            (true, _) => "TLS",
            (false, true) => "StartTLS",
            (false, false) => "no TLS: passwords cross the network readable",
        };
        let mut ldap = match self.connect().await {
            Ok(ldap) => ldap,
            Err(e) => {
                step("connect", Err(e.0));
                return Diagnosis {
                    steps,
                    person: None,
                };
            }
        };
        step("connect", Ok(format!("{} ({tls})", self.settings.url)));
        let mut person = None;
        let outcome: Result<(), ()> = async {
            if !self.settings.service_dn.is_empty() || self.settings.searches() {
                let who = match self.settings.service_dn.as_str() {
                    "" => "anonymous".to_owned(),
                    dn => dn.to_owned(),
                };
                let bound = self.bind_service(&mut ldap).await.map(|_| who).map_err(|e| e.0);
                step("bind the service account", bound).then_some(()).ok_or(())?;
            }
            let found = match self.settings.searches() {
                true => self.find(&mut ldap, username).await,
                false => self.read(&mut ldap, &self.template_dn(username)).await,
            };
            let entry = match found {
                Ok(Some(entry)) => entry,
                Ok(None) => {
                    let why = match self.settings.searches() {
                        true => format!("no entry under {:?} matches {:?}", self.settings.user_base, self.settings.user_filter),
                        false => format!("no entry {:?} (or it may not be read without the user's password: give --password)", self.template_dn(username)),
                    };
                    step("find the user", Err(why));
                    return Err(());
                }
                Err(e) => {
                    step("find the user", Err(e.0));
                    return Err(());
                }
            };
            let dn = entry.dn.clone();
            let found = self.person(&mut ldap, entry).await.map_err(|e| e.0);
            let (found, dn) = match found {
                Ok((found, _)) => (found, dn),
                Err(e) => {
                    step("read the user", Err(e));
                    return Err(());
                }
            };
            step("find the user", Ok(dn.clone()));
            if let Some(password) = password {
                let checked = match self.bind(&mut ldap, &dn, password).await {
                    Ok(true) => Ok("the password is right".to_owned()),
                    Ok(false) => Err("the directory refused the password (invalid credentials)".to_owned()),
                    Err(e) => Err(e.0),
                };
                step("bind as the user", checked).then_some(()).ok_or(())?;
            }
            person = Some(found);
            Ok(())
        }
        .await;
        let _ = outcome;
        let _ = ldap.unbind().await;
        Diagnosis { steps, person }
    }

    fn template_dn(&self, username: &str) -> String {
        self.settings
            .bind_dn
            .replace("{username}", &dn_escape(username))
    }

    async fn bind_service(&self, ldap: &mut Connection) -> Result<(), Unavailable> {
        if self.settings.service_dn.is_empty() {
            return Ok(());
        }
        let result = ldap
            .simple_bind(&self.settings.service_dn, &self.settings.service_password)
            .await
            .map_err(|e| self.unavailable("be asked", explain(&e)))?;
        match result.rc {
            0 => Ok(()),
            INVALID_CREDENTIALS => Err(Unavailable(format!(
                "{} refused the service account {:?}: check ldap.service_dn and ldap.service_password",
                self.name(),
                self.settings.service_dn
            ))),
            rc => Err(self.unavailable(
                "bind the service account",
                format!("result code {rc} {}", result.text),
            )),
        }
    }

    /// Binds as `dn`; whether the password was right.
    async fn bind(
        &self,
        ldap: &mut Connection,
        dn: &str,
        password: &str,
    ) -> Result<bool, Unavailable> {
        let result = ldap
            .simple_bind(dn, password)
            .await
            .map_err(|e| self.unavailable("check a password", explain(&e)))?;
        match result.rc {
            0 => Ok(true),
            INVALID_CREDENTIALS => Ok(false),
            rc => Err(self.unavailable(
                "check a password",
                format!("result code {rc} {}", result.text),
            )),
        }
    }

    fn attributes(&self) -> Vec<&str> {
        let s = &self.settings;
        let mut attributes = vec![s.username_attribute.as_str(), s.email_attribute.as_str()];
        if !s.display_name_attribute.is_empty() {
            attributes.push(s.display_name_attribute.as_str());
        }
        attributes
    }

    /// The one entry the user filter finds for `username`.
    async fn find(
        &self,
        ldap: &mut Connection,
        username: &str,
    ) -> Result<Option<SearchEntry>, Unavailable> {
        let filter = self
            .settings
            .user_filter
            .replace("{username}", &ldap_escape(username));
        let mut entries = self
            .search(
                ldap,
                &self.settings.user_base,
                Scope::Subtree,
                &filter,
                self.attributes(),
            )
            .await?;
        match entries.len() {
            0 | 1 => Ok(entries.pop()),
            n => Err(Unavailable(format!(
                "{}: the user filter {filter:?} finds {n} entries under {:?}; it must find one (check ldap.user_filter)",
                self.name(),
                self.settings.user_base
            ))),
        }
    }

    /// The entry `dn` itself.
    async fn read(
        &self,
        ldap: &mut Connection,
        dn: &str,
    ) -> Result<Option<SearchEntry>, Unavailable> {
        Ok(self
            .search(ldap, dn, Scope::Base, "(objectClass=*)", self.attributes())
            .await?
            .pop())
    }

    async fn search(
        &self,
        ldap: &mut Connection,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: Vec<&str>,
    ) -> Result<Vec<SearchEntry>, Unavailable> {
        let result = ldap
            .search(base, scope, filter, attributes)
            .await
            .map_err(|e| self.unavailable("search", explain(&e)))?;
        match result.1.rc {
            // 32: the base does not exist (or may not be read).
            0 | 32 => Ok(result.0.into_iter().map(SearchEntry::construct).collect()),
            rc => Err(self.unavailable(
                "search",
                format!(
                    "result code {rc} {} (base {base:?}, filter {filter:?})",
                    result.1.text
                ),
            )),
        }
    }

    /// The person of `entry`, with their groups, and their DN.
    async fn person(
        &self,
        ldap: &mut Connection,
        entry: SearchEntry,
    ) -> Result<(Person, String), Unavailable> {
        let s = &self.settings;
        let username = first(&entry, &s.username_attribute).ok_or_else(|| {
            Unavailable(format!(
                "{}: the entry {:?} has no {:?} attribute (ldap.username_attribute)",
                self.name(),
                entry.dn,
                s.username_attribute
            ))
        })?;
        let groups = self.groups(ldap, &entry.dn, &username).await?;
        let person = Person {
            subject: username.to_lowercase(),
            email: first(&entry, &s.email_attribute),
            email_verified: true,
            display_name: first(&entry, &s.display_name_attribute),
            username,
            groups,
        };
        Ok((person, entry.dn))
    }

    /// The mapped groups (`ldap.groups`) written as a bare name that name
    /// more than one group under `ldap.group_base`, with the DNs of each:
    /// such a name grants what it maps to through any of them.
    pub async fn ambiguous_groups(&self) -> Result<Vec<(String, Vec<String>)>, Unavailable> {
        let s = &self.settings;
        let mapping = &s.groups;
        let mut bare: Vec<&str> = std::iter::once(mapping.admin_group.as_str())
            .chain(mapping.teams.iter().map(|t| t.group.as_str()))
            .filter(|g| !g.is_empty() && !super::is_dn(g))
            .collect();
        bare.sort_unstable();
        bare.dedup();
        if bare.is_empty() || s.group_base.is_empty() {
            return Ok(Vec::new());
        }
        let mut ldap = self.connect().await?;
        self.bind_service(&mut ldap).await?;
        let mut ambiguous = Vec::new();
        for name in bare {
            let filter = format!("({}={})", s.group_name_attribute, ldap_escape(name));
            let found = self
                .search(
                    &mut ldap,
                    &s.group_base,
                    Scope::Subtree,
                    &filter,
                    vec![s.group_name_attribute.as_str()],
                )
                .await?;
            if found.len() > 1 {
                let mut dns: Vec<String> = found.into_iter().map(|e| e.dn).collect();
                dns.sort();
                ambiguous.push((name.to_owned(), dns));
            }
        }
        let _ = ldap.unbind().await;
        Ok(ambiguous)
    }

    /// What to tell an operator of a bare group name (`ambiguous_groups`).
    pub fn ambiguity(name: &str, dns: &[String]) -> String {
        format!(
            "ldap.groups names {name:?} by its name alone, and {} groups of the directory have it ({}): members of any of them get what it maps to; write the DN of the one you mean",
            dns.len(),
            dns.join("; ")
        )
    }

    async fn groups(
        &self,
        ldap: &mut Connection,
        dn: &str,
        username: &str,
    ) -> Result<Vec<Group>, Unavailable> {
        let s = &self.settings;
        if s.group_base.is_empty() {
            return Ok(Vec::new());
        }
        let filter = s
            .group_filter
            .replace("{dn}", &ldap_escape(dn))
            .replace("{username}", &ldap_escape(username));
        let entries = self
            .search(
                ldap,
                &s.group_base,
                Scope::Subtree,
                &filter,
                vec![s.group_name_attribute.as_str()],
            )
            .await?;
        let mut groups: Vec<Group> = entries
            .into_iter()
            .map(|e| Group {
                name: first(&e, &s.group_name_attribute).unwrap_or_default(),
                dn: e.dn,
            })
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(groups)
    }
}

/// The first value of `attribute` (names compare in any case, as LDAP's do).
fn first(entry: &SearchEntry, attribute: &str) -> Option<String> {
    entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .and_then(|(_, values)| values.first())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// An LDAP client error in words, with a hint where the cause is likely ours.
fn explain(e: &LdapError) -> String {
    let text = e.to_string();
    if text.contains("certificate") || text.contains("UnknownIssuer") {
        format!("{text} (the server's certificate is not trusted: check ldap.ca_file)")
    } else {
        text
    }
}
