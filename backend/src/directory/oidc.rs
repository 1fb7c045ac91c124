//! The OpenID Connect client: discovery from the issuer URL (kept for a few
//! minutes), the authorization URL with PKCE, `state` and `nonce`, and the
//! code exchange with the ID token checked (signature, issuer, audience,
//! expiry, nonce). Claims the mapping needs (a configurable user name
//! claim, the groups claim) are read from the checked ID token, or from
//! the userinfo endpoint when the token lacks them.

use std::time::{Duration, Instant};

use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::{Group, Person, Unavailable};
use crate::config::OidcSettings;

/// How long discovered metadata (endpoints and signing keys) is reused.
const METADATA_LIFETIME: Duration = Duration::from_secs(300);

/// The configured OpenID Provider.
pub struct Oidc {
    settings: OidcSettings,
    redirect_url: RedirectUrl,
    http: reqwest::Client,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

/// A sign-in begun: where to send the browser, and what to keep for the
/// callback.
#[derive(Debug, Clone)]
pub struct Started {
    pub authorize_url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Why a sign-in could not be finished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The provider could not be reached or answered nonsense.
    #[error("{0}")]
    Unavailable(String),
    /// The provider's answer does not prove who this is.
    #[error("{0}")]
    Invalid(String),
}

impl From<Unavailable> for Refused {
    fn from(e: Unavailable) -> Self {
        Refused::Unavailable(e.0)
    }
}

impl Oidc {
    /// The provider of `settings`, calling back to `PUBLIC_URL/api/v1/oidc/callback`;
    /// `None` when OpenID Connect is off.
    pub fn from_settings(
        settings: &OidcSettings,
        public_url: &str,
    ) -> Result<Option<Oidc>, String> {
        if !settings.enabled() {
            return Ok(None);
        }
        let redirect_url = RedirectUrl::new(Self::callback_url(public_url))
            .map_err(|e| format!("public_url: {e}"))?;
        // No redirects: a provider's endpoints answer directly (and a
        // redirect could point the server anywhere).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("HTTP client for OpenID Connect: {e}"))?;
        Ok(Some(Oidc {
            settings: settings.clone(),
            redirect_url,
            http,
            metadata: Mutex::new(None),
        }))
    }

    /// Where the provider sends the browser back to.
    pub fn callback_url(public_url: &str) -> String {
        format!("{}/api/v1/oidc/callback", public_url.trim_end_matches('/'))
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The provider as people should read it in messages.
    pub fn name(&self) -> String {
        format!("the OpenID Provider {}", self.settings.issuer)
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, Unavailable> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, at)) = cached.as_ref()
            && at.elapsed() < METADATA_LIFETIME
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| Unavailable(format!("oidc.issuer: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                Unavailable(format!(
                    "{} could not be reached for its configuration: {}",
                    self.name(),
                    chain(&e)
                ))
            })?;
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    async fn client(
        &self,
    ) -> Result<
        openidconnect::core::CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        Unavailable,
    > {
        let secret = Some(self.settings.client_secret.clone())
            .filter(|s| !s.is_empty())
            .map(ClientSecret::new);
        Ok(CoreClient::from_provider_metadata(
            self.metadata().await?,
            ClientId::new(self.settings.client_id.clone()),
            secret,
        )
        .set_redirect_uri(self.redirect_url.clone()))
    }

    /// Begins a sign-in: the provider's authorization URL with a fresh
    /// `state`, `nonce` and PKCE challenge (S256).
    pub async fn begin(&self) -> Result<Started, Unavailable> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        let mut scopes = self.settings.scopes.clone();
        if !self.settings.groups.is_empty() && !self.settings.groups_claim.is_empty() {
            scopes.push(self.settings.groups_claim.clone());
        }
        scopes.sort();
        scopes.dedup();
        for scope in scopes.into_iter().filter(|s| s != "openid") {
            request = request.add_scope(Scope::new(scope));
        }
        let (url, state, nonce) = request.url();
        Ok(Started {
            authorize_url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in: exchanges `code` and checks the ID token against
    /// `nonce`. Returns who the provider says signed in.
    pub async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Person, Refused> {
        let client = self.client().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Refused::Unavailable(format!("{}: {e}", self.name())))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                Refused::Invalid(format!(
                    "{} did not accept the sign-in: {}",
                    self.name(),
                    chain(&e)
                ))
            })?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| Refused::Invalid(format!("{} sent no ID token", self.name())))?;
        let verifier = client.id_token_verifier();
        id_token
            .claims(&verifier, &Nonce::new(nonce.to_owned()))
            .map_err(|e| {
                Refused::Invalid(format!(
                    "the ID token from {} is not valid: {}",
                    self.name(),
                    chain(&e)
                ))
            })?;
        // Checked above: its payload is the provider's word.
        let mut claims = payload(&id_token.to_string()).ok_or_else(|| {
            Refused::Invalid(format!("the ID token from {} cannot be read", self.name()))
        })?;
        let wanted = [&self.settings.username_claim, &self.settings.groups_claim];
        if wanted
            .iter()
            .any(|c| !c.is_empty() && !claims.contains_key(c.as_str()))
            && let Some(url) = client.user_info_url()
        {
            let info = self
                .user_info(url.as_str(), response.access_token().secret())
                .await?;
            if info.get("sub") != claims.get("sub") {
                return Err(Refused::Invalid(format!(
                    "{} answered userinfo for another subject",
                    self.name()
                )));
            }
            for (key, value) in info {
                claims.entry(key).or_insert(value);
            }
        }
        self.person(&claims)
    }

    async fn user_info(
        &self,
        url: &str,
        access_token: &str,
    ) -> Result<Map<String, Value>, Refused> {
        let unreachable =
            |e: reqwest::Error| Refused::Unavailable(format!("{} userinfo: {e}", self.name()));
        self.http
            .get(url)
            .bearer_auth(access_token)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(unreachable)?
            .json()
            .await
            .map_err(unreachable)
    }

    fn person(&self, claims: &Map<String, Value>) -> Result<Person, Refused> {
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let subject = text("sub")
            .ok_or_else(|| Refused::Invalid(format!("{} gave no subject", self.name())))?;
        let username = text(&self.settings.username_claim).ok_or_else(|| {
            Refused::Invalid(format!(
                "{} gave no {:?} claim to name the account by (oidc.username_claim)",
                self.name(),
                self.settings.username_claim
            ))
        })?;
        let groups = match claims.get(&self.settings.groups_claim) {
            Some(Value::Array(values)) => values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
        let mut groups: Vec<Group> = groups
            .into_iter()
            .map(|name| Group {
                name,
                dn: String::new(),
            })
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Person {
            subject,
            username,
            email: text("email"),
            email_verified: claims.get("email_verified") == Some(&Value::Bool(true)),
            display_name: text("name"),
            groups,
        })
    }
}

/// The claims of a JWT whose signature was checked already.
fn payload(jwt: &str) -> Option<Map<String, Value>> {
    let part = jwt.split('.').nth(1)?;
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(part.trim_end_matches('=').as_bytes())
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// An error with its causes, as one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
