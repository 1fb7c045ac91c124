//! The JWT that the registry checks and the JSON answer that carries it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::TokenConfig;
use crate::crypto::secrets::random_hex;
use crate::crypto::signing::{SigningError, TokenSigner};

/// Tokens are valid from a little before they are issued, for clock skew.
const NOT_BEFORE_SKEW_SECONDS: i64 = 5;

/// One entry of the `access` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AccessEntry {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    pub actions: Vec<String>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    /// A plain string: distribution 2.8 rejects an array.
    aud: &'a str,
    exp: i64,
    nbf: i64,
    iat: i64,
    jti: String,
    access: Vec<AccessEntry>,
}

/// The token endpoint's answer. Both token fields are sent: docker reads
/// `token`, OAuth2 clients read `access_token`.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub token: String,
    pub access_token: String,
    pub expires_in: u64,
    pub issued_at: String,
    /// Sent when the client asked for offline access, and on refresh grants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// What was granted, space-separated (OAuth2 answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Signs a token for `subject` ("" when anonymous) granting `access`.
pub fn issue(
    signer: &TokenSigner,
    config: &TokenConfig,
    subject: &str,
    access: Vec<AccessEntry>,
    now: DateTime<Utc>,
) -> Result<TokenResponse, SigningError> {
    let iat = now.timestamp();
    let lifetime = i64::try_from(config.lifetime_seconds).unwrap_or(i64::MAX / 2);
    let claims = Claims {
        iss: &config.issuer,
        sub: subject,
        aud: &config.service,
        exp: iat + lifetime,
        nbf: iat - NOT_BEFORE_SKEW_SECONDS,
        iat,
        jti: random_hex(16),
        access,
    };
    let token = signer.sign(&claims)?;
    Ok(TokenResponse {
        access_token: token.clone(),
        token,
        expires_in: config.lifetime_seconds,
        issued_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        refresh_token: None,
        scope: None,
    })
}
