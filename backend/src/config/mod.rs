//! The configuration of a Portunus server: one typed struct, filled from
//! defaults, then a TOML file (`--config FILE` or `PORTUNUS_CONFIG`), then
//! `PORTUNUS_*` environment variables (`__` separates sections, as in
//! `PORTUNUS_TOKEN__LIFETIME_SECONDS`). Unknown keys are errors that name the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub mod directory;
pub mod hosts;
pub mod mail;
pub mod webhooks;

pub use directory::{GroupMapping, LdapSettings, LocalAccounts, OidcSettings, TeamGroup};
pub use mail::{MailSecurity, MailSettings};
pub use webhooks::WebhookSettings;

/// Environment variables with the `PORTUNUS_` prefix that are not config keys.
const NON_CONFIG_VARIABLES: &[&str] = &["config", "test_database_url", "log", "bin"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server binds to.
    pub listen: SocketAddr,
    /// URL under which clients reach Portunus; the token realm is derived from it.
    pub public_url: String,
    /// Directory for the SQLite database, the signing key and generated secrets.
    pub data_dir: PathBuf,
    /// Database URL; empty means a SQLite file `portunus.db` in `data_dir`.
    pub database_url: String,
    /// Directory holding the built web UI (`trunk build` output).
    pub web_dir: PathBuf,
    /// Whether people may create their own accounts in the web UI or API.
    pub signup: bool,
    /// Whether everyone, signed in or not, may list public repositories
    /// (`GET /api/v1/explore`, the web UI's explore page).
    pub explore: bool,
    /// How long a web UI session lasts, in seconds.
    pub session_lifetime_seconds: u64,
    /// Wrong passwords in a row after which an account is locked; 0 never locks.
    pub lockout_attempts: u32,
    /// How long such a lock lasts, in seconds.
    pub lockout_seconds: u64,
    /// Days a refresh token (docker's identity token) lives unused.
    pub refresh_token_idle_days: u32,
    /// Most refresh tokens one user holds; a new one retires the least
    /// recently used.
    pub refresh_tokens_per_user: u32,
    /// Header a trusted reverse proxy puts the client's address in
    /// (`X-Real-IP`, or `X-Forwarded-For`, whose last entry counts); empty
    /// means the address of the connection.
    pub client_address_header: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Bearer token `GET /metrics` requires; empty means it is open.
    pub metrics_token: String,
    /// How often enabled retention rules run, in seconds; 0 turns the
    /// scheduled runs off (previews and runs on demand still work).
    pub retention_interval_seconds: u64,
    pub token: TokenConfig,
    pub registry: RegistryConfig,
    /// How often one client address may try (`[rate_limits]`).
    pub rate_limits: RateLimitSettings,
    /// Who may push, pull and delete (the rules are in `authz`).
    pub policy: PolicySettings,
    /// Sign-in with an LDAP directory (`[ldap]`); off unless `url` is set.
    pub ldap: LdapSettings,
    /// Sign-in with an OpenID Provider (`[oidc]`); off unless `issuer` is set.
    pub oidc: OidcSettings,
    /// The SMTP server for password recovery (`[mail]`); off unless `host` is set.
    pub mail: MailSettings,
    /// How webhooks are delivered (`[webhooks]`).
    pub webhooks: WebhookSettings,
    /// Portunus in the path of the registry API (`[gateway]`); off unless
    /// `listen` is set.
    pub gateway: GatewaySettings,
}

/// The gateway: clients reach the registries through Portunus, which
/// forwards to each registry's `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewaySettings {
    /// Address the gateway listens on for the registry API (`/v2/...`);
    /// empty: no gateway, clients reach the registry directly.
    pub listen: String,
    /// Whether the gateway records who pulled what.
    pub record_pulls: bool,
    /// Days the record of who pulled what is kept; 0 keeps it for ever.
    pub keep_pulls_days: u32,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        GatewaySettings {
            listen: String::new(),
            record_pulls: true,
            keep_pulls_days: 90,
        }
    }
}

impl GatewaySettings {
    /// The address to listen on, when the gateway is on.
    pub fn address(&self) -> Option<SocketAddr> {
        self.listen.trim().parse().ok()
    }
}

/// How often one client address may try things that guessing would use;
/// 0 turns a limit off. Kept per Portunus process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Web UI and API sign-ins (`POST /api/v1/session`), right or wrong.
    pub sign_ins_per_minute: u32,
    /// Sign-up attempts (`POST /api/v1/signup`).
    pub sign_ups_per_hour: u32,
    /// Failed logins, at the token endpoint and in the web UI alike.
    pub failed_logins_per_minute: u32,
    /// "Forgot your password?" requests (`POST /api/v1/password-reset`).
    pub password_resets_per_hour: u32,
    /// Changes of one's own e-mail address (`PATCH /api/v1/users/NAME`,
    /// not by administrators): each says whether an address is taken.
    pub email_changes_per_hour: u32,
    /// Manifest pulls (GET) through the gateway per account.
    pub pulls_per_minute: u32,
    /// Manifest pulls (GET) through the gateway without an account, per
    /// client address.
    pub anonymous_pulls_per_minute: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            sign_ins_per_minute: 20,
            sign_ups_per_hour: 10,
            failed_logins_per_minute: 30,
            password_resets_per_hour: 5,
            email_changes_per_hour: 20,
            pulls_per_minute: 0,
            anonymous_pulls_per_minute: 0,
        }
    }
}

/// Who may push to namespaces they do not administer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PushPolicy {
    /// Owners and contributors of the namespace's team.
    AllowTeams,
    /// Only the user's personal namespace.
    AllowPersonal,
    /// Only administrators.
    AdminOnly,
}

/// The configurable knobs of the policy (`[policy]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySettings {
    /// `allow-teams`, `allow-personal` or `admin-only`.
    pub push_policy: PushPolicy,
    /// Whether images may be deleted at all.
    pub delete_enabled: bool,
    /// Whether team contributors (not only owners) may delete.
    pub contributors_may_delete: bool,
    /// Whether anonymous clients may pull from public namespaces.
    pub anonymous_pull: bool,
    /// Whether users (not only administrators) may create teams.
    pub users_create_teams: bool,
    /// Whether team owners (not only administrators) may create namespaces.
    pub users_create_namespaces: bool,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            push_policy: PushPolicy::AllowTeams,
            delete_enabled: true,
            contributors_may_delete: false,
            anonymous_pull: true,
            users_create_teams: true,
            users_create_namespaces: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    /// `iss` of issued tokens; the registry's `auth.token.issuer` must equal it.
    pub issuer: String,
    /// Service name (`aud`); the registry's `auth.token.service` must equal it.
    pub service: String,
    /// Lifetime of registry tokens in seconds (at least 60).
    pub lifetime_seconds: u64,
    /// PEM private key that signs tokens. Empty means one generated once,
    /// kept in the database for every process on it, and written to
    /// `token-signing.key` in `data_dir`.
    pub key_path: String,
    /// Self-signed certificate of the key, beside it unless set.
    pub certificate_path: String,
    /// Algorithm of a generated key: `es256` (ECDSA P-256, the default: ten
    /// times cheaper to sign) or `rs256` (RSA-2048). An existing key keeps
    /// its own algorithm.
    pub algorithm: KeyAlgorithm,
    /// Milliseconds within which a change made through another process (a
    /// replica, the command line) reaches this one's token answers, which
    /// reuse what they read until something changes; changes made through
    /// this process count at once. 0 asks the database on every request.
    pub changes_elsewhere_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyAlgorithm {
    Rs256,
    Es256,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistryConfig {
    /// Where Portunus reaches the registry's HTTP API.
    pub url: String,
    /// Shared secret the registry sends with notifications. Empty means a
    /// random secret generated once, kept in the database for every process
    /// on it, and written to `notification-secret` in `data_dir`.
    pub notification_secret: String,
    /// When to compare Portunus with each registry's catalog: `initial` (at
    /// start, for a registry it knows no repositories of), `on-start` (at every start),
    /// `update` (at start and every `sync_interval_seconds`, never deleting),
    /// `update-delete` (the same, also forgetting what the registry lost), or `off`.
    pub sync: SyncStrategy,
    /// Seconds between periodic syncs (`update` and `update-delete`).
    pub sync_interval_seconds: u64,
    /// The periodic passes ask the registry about a known tag only when
    /// nothing (an event, an earlier pass) confirmed it for this many
    /// hours; new and vanished tags are found in every pass. 0: every pass
    /// asks about every tag.
    pub recheck_tags_hours: u64,
    /// Other names clients reach the registry by (a proxy's host name, a
    /// LAN address), besides the host of `url`.
    pub hostnames: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncStrategy {
    Initial,
    OnStart,
    Update,
    UpdateDelete,
    Off,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            web_dir: PathBuf::from("frontend/dist"),
            signup: true,
            explore: true,
            session_lifetime_seconds: 12 * 3600,
            lockout_attempts: 10,
            lockout_seconds: 900,
            client_address_header: String::new(),
            refresh_token_idle_days: 90,
            refresh_tokens_per_user: 50,
            max_body_bytes: 1024 * 1024,
            retention_interval_seconds: 86_400,
            metrics_token: String::new(),
            token: TokenConfig::default(),
            registry: RegistryConfig::default(),
            rate_limits: RateLimitSettings::default(),
            policy: PolicySettings::default(),
            ldap: LdapSettings::default(),
            oidc: OidcSettings::default(),
            mail: MailSettings::default(),
            webhooks: WebhookSettings::default(),
            gateway: GatewaySettings::default(),
        }
    }
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            issuer: "portunus".into(),
            service: "registry".into(),
            lifetime_seconds: 900,
            key_path: String::new(),
            certificate_path: String::new(),
            algorithm: KeyAlgorithm::Es256,
            changes_elsewhere_ms: 100,
        }
    }
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            url: "http://127.0.0.1:5000".into(),
            notification_secret: String::new(),
            sync: SyncStrategy::Initial,
            sync_interval_seconds: 3600,
            recheck_tags_hours: 24,
            hostnames: Vec::new(),
        }
    }
}

/// A configuration that could not be loaded, with the reason in words.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist (given by --config or PORTUNUS_CONFIG)")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads defaults, then `file` if given, then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(file, Env::prefixed("PORTUNUS_"))
    }

    fn load_from(file: Option<&Path>, env: Env) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::MissingFile(path.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let env = env.split("__").ignore(NON_CONFIG_VARIABLES);
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|e| ConfigError::Invalid(describe_figment_error(e)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if self.token.lifetime_seconds < 60 {
            return invalid(format!(
                "token.lifetime_seconds is {}, it must be at least 60 (the registry allows 60 s of clock skew)",
                self.token.lifetime_seconds
            ));
        }
        for (key, value) in [
            ("public_url", &self.public_url),
            ("registry.url", &self.registry.url),
        ] {
            match url::Url::parse(value) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => return invalid(format!("{key} {value:?} is not an http(s) URL")),
            }
        }
        // Far beyond any sensible value, and still safe for time arithmetic.
        if self.lockout_seconds > 10 * 365 * 86_400 {
            return invalid(format!(
                "lockout_seconds is {}; at most 315360000 (ten years) is allowed",
                self.lockout_seconds
            ));
        }
        if self.refresh_token_idle_days > 36_500 {
            return invalid(format!(
                "refresh_token_idle_days is {}; at most 36500 (a hundred years) is allowed",
                self.refresh_token_idle_days
            ));
        }
        self.ldap.validate().map_err(ConfigError::Invalid)?;
        self.oidc.validate().map_err(ConfigError::Invalid)?;
        self.mail.validate().map_err(ConfigError::Invalid)?;
        // Only addresses proven by a mailed link may be linked by; without
        // mail none is, and the rule would link nothing (or, before
        // addresses were confirmed, whoever typed the address in).
        if self.oidc.enabled() && self.oidc.link_by_verified_email && !self.mail.enabled() {
            return invalid(
                "oidc.link_by_verified_email links only to local accounts whose e-mail address was confirmed by a mailed link, and without [mail] none can be: configure [mail] (mail.host), or set oidc.link_by_verified_email = false".into(),
            );
        }
        self.webhooks.validate().map_err(ConfigError::Invalid)?;
        if !self.gateway.listen.trim().is_empty() && self.gateway.address().is_none() {
            return invalid(format!(
                "gateway.listen {:?} is not an address to listen on: give IP:PORT, like \"0.0.0.0:5000\", or leave it empty for no gateway",
                self.gateway.listen
            ));
        }
        for name in &self.registry.hostnames {
            hosts::check(name).map_err(ConfigError::Invalid)?;
        }
        for (key, value) in [
            ("token.issuer", &self.token.issuer),
            ("token.service", &self.token.service),
        ] {
            if value.trim().is_empty() {
                return invalid(format!("{key} cannot be empty"));
            }
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("portunus.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    pub fn key_path(&self) -> PathBuf {
        self.data_path(&self.token.key_path, "token-signing.key")
    }

    pub fn certificate_path(&self) -> PathBuf {
        self.data_path(&self.token.certificate_path, "token-signing.crt")
    }

    /// The key that seals webhook secrets in the database.
    pub fn webhook_key_path(&self) -> PathBuf {
        self.data_path(&self.webhooks.key_path, "webhook-key")
    }

    pub fn notification_secret_path(&self) -> PathBuf {
        self.data_dir.join("notification-secret")
    }

    fn data_path(&self, configured: &str, default_name: &str) -> PathBuf {
        if configured.is_empty() {
            self.data_dir.join(default_name)
        } else {
            PathBuf::from(configured)
        }
    }

    /// The token endpoint URL that registries send clients to.
    pub fn token_realm(&self) -> String {
        format!("{}/v2/token", self.public_url.trim_end_matches('/'))
    }

    /// The URL registries post their notifications to.
    pub fn events_url(&self) -> String {
        format!(
            "{}/v2/webhooks/events",
            self.public_url.trim_end_matches('/')
        )
    }

    /// Every name the registry is known by: the host of `registry.url`
    /// and `registry.hostnames`.
    pub fn registry_hostnames(&self) -> Vec<String> {
        let mut names = vec![self.registry_host()];
        names.extend(self.registry.hostnames.iter().cloned());
        names
    }

    /// `host:port` of `registry.url`, where Portunus reaches the registry.
    pub fn registry_host(&self) -> String {
        hosts::of_url(&self.registry.url)
    }

    /// `host:port` clients use for the configured registry, as people type
    /// it in `docker login`: without the gateway, the registry's own; with
    /// it, the first of `registry.hostnames`, else the gateway's address
    /// (with the host of `public_url` when it listens on every address).
    pub fn client_registry_host(&self) -> String {
        let Some(gateway) = self.gateway.address() else {
            return self.registry_host();
        };
        if let Some(first) = self.registry.hostnames.first() {
            return first.clone();
        }
        if !gateway.ip().is_unspecified() {
            return gateway.to_string();
        }
        let host = url::Url::parse(&self.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".into());
        format!("{host}:{}", gateway.port())
    }
}

/// Figment's messages name the offending key and its source; keep them but
/// drop its internal "default." profile prefix, which means nothing to people.
fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| e.to_string().replace("\"default.", "\""))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn no_env() -> Env {
        Env::prefixed("PORTUNUS_TEST_NOTHING_")
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::load_from(None, no_env()).unwrap();
        assert_eq!(c.token.lifetime_seconds, 900);
        assert_eq!(c.token_realm(), "http://127.0.0.1:8080/v2/token");
        assert_eq!(c.registry_host(), "127.0.0.1:5000");
        assert_eq!(c.client_registry_host(), "127.0.0.1:5000");
        assert!(c.database_url().starts_with("sqlite://data/portunus.db"));
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's signature
    fn file_then_environment() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            f,
            "listen = \"0.0.0.0:9000\"\n[token]\nissuer = \"from-file\"\nservice = \"svc\""
        )
        .unwrap();
        figment::Jail::expect_with(|jail| {
            jail.set_env("PORTUNUS_TOKEN__ISSUER", "from-env");
            jail.set_env("PORTUNUS_CONFIG", "ignored");
            let c = Config::load_from(Some(f.path()), Env::prefixed("PORTUNUS_")).unwrap();
            assert_eq!(c.listen.port(), 9000);
            assert_eq!(c.token.issuer, "from-env");
            assert_eq!(c.token.service, "svc");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's signature
    fn unknown_keys_are_named() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "[token]\nlifetme_seconds = 600").unwrap();
        let err = Config::load_from(Some(f.path()), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("lifetme_seconds"), "{err}");

        figment::Jail::expect_with(|jail| {
            jail.set_env("PORTUNUS_LISTN", "x");
            let err = Config::load_from(None, Env::prefixed("PORTUNUS_"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("listn"), "{err}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's signature
    fn linking_by_e_mail_needs_mail_to_confirm_addresses() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("PORTUNUS_OIDC__ISSUER", "https://id.example.org");
            jail.set_env("PORTUNUS_OIDC__CLIENT_ID", "portunus");
            jail.set_env("PORTUNUS_OIDC__CLIENT_SECRET", "secret");
            jail.set_env("PORTUNUS_OIDC__LINK_BY_VERIFIED_EMAIL", "true");
            let err = Config::load_from(None, Env::prefixed("PORTUNUS_"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("oidc.link_by_verified_email") && err.contains("[mail]"),
                "{err}"
            );
            jail.set_env("PORTUNUS_MAIL__HOST", "127.0.0.1");
            let c = Config::load_from(None, Env::prefixed("PORTUNUS_")).unwrap();
            assert!(c.oidc.link_by_verified_email);
            Ok(())
        });
    }

    #[test]
    fn example_file_documents_every_key_with_its_default() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config.example.toml");
        let example = Config::load_from(Some(&path), no_env()).unwrap();
        let as_json = |c: &Config| serde_json::to_value(c).unwrap();
        assert_eq!(
            as_json(&example),
            as_json(&Config::default()),
            "example values are the defaults"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        fn leaf_keys(value: serde_json::Value, into: &mut Vec<String>) {
            if let serde_json::Value::Object(section) = value {
                for (key, value) in section {
                    match value {
                        serde_json::Value::Object(_) => leaf_keys(value, into),
                        _ => into.push(key),
                    }
                }
            }
        }
        let mut keys = Vec::new();
        leaf_keys(as_json(&Config::default()), &mut keys);
        for key in keys {
            assert!(
                text.contains(&format!("\n{key} = ")),
                "config.example.toml lacks {key}"
            );
        }
    }

    #[test]
    fn behind_the_gateway_clients_name_the_gateway() {
        let mut c = Config::default();
        c.registry.url = "http://127.0.0.1:5001".into();
        c.gateway.listen = "0.0.0.0:5000".into();
        c.public_url = "https://portunus.example.org".into();
        assert_eq!(c.client_registry_host(), "portunus.example.org:5000");
        c.gateway.listen = "10.0.0.2:5000".into();
        assert_eq!(c.client_registry_host(), "10.0.0.2:5000");
        c.registry.hostnames = vec!["registry.example.org".into()];
        assert_eq!(c.client_registry_host(), "registry.example.org");
        assert_eq!(c.registry_host(), "127.0.0.1:5001");
    }

    #[test]
    fn bad_values_are_explained() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "[token]\nlifetime_seconds = 30").unwrap();
        let err = Config::load_from(Some(f.path()), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 60"), "{err}");
        let missing = Config::load_from(Some(Path::new("/nonexistent.toml")), no_env());
        assert!(matches!(missing, Err(ConfigError::MissingFile(_))));
    }
}
