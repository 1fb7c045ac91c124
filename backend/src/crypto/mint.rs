//! The JWT that the registry checks and the JSON answer that carries it.

use std::fmt::Write;

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

/// The token endpoint's answer. The token is sent under both names: docker
/// reads `token`, OAuth2 clients read `access_token`.
#[derive(Debug)]
pub struct TokenResponse {
    pub token: String,
    pub expires_in: u64,
    pub issued_at: String,
    /// Sent when the client asked for offline access, and on refresh grants.
    pub refresh_token: Option<String>,
    /// What was granted, space-separated (OAuth2 answers only).
    pub scope: Option<String>,
}

impl TokenResponse {
    /// The answer as JSON. The token, most of the answer, is copied as it
    /// is: [`TokenSigner::sign`] writes base64url and dots only.
    pub fn to_json(&self) -> String {
        debug_assert!(
            self.token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        let mut out = String::with_capacity(2 * self.token.len() + 256);
        for name in ["{\"token\":\"", "\",\"access_token\":\""] {
            out.push_str(name);
            out.push_str(&self.token);
        }
        // Writing into a String cannot fail.
        let _ = write!(out, "\",\"expires_in\":{},\"issued_at\":", self.expires_in);
        push_json_string(&mut out, &self.issued_at);
        for (name, value) in [
            ("refresh_token", &self.refresh_token),
            ("scope", &self.scope),
        ] {
            if let Some(value) = value {
                out.push_str(",\"");
                out.push_str(name);
                out.push_str("\":");
                push_json_string(&mut out, value);
            }
        }
        out.push('}');
        out
    }
}

/// Appends `text` as a JSON string; text with nothing to escape (no quote,
/// backslash or control character) is copied as it is.
fn push_json_string(out: &mut String, text: &str) {
    let escaped = |b: &u8| *b == b'"' || *b == b'\\' || *b < 0x20;
    if !text.as_bytes().iter().any(escaped) {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&serde_json::Value::from(text).to_string());
    }
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
        token,
        expires_in: config.lifetime_seconds,
        issued_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        refresh_token: None,
        scope: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_carries_the_token_under_both_names() {
        let mut answer = TokenResponse {
            token: "a.b_c-d".into(),
            expires_in: 300,
            issued_at: "2026-12-07T20:00:00Z".into(),
            refresh_token: None,
            scope: None,
        };
        assert_eq!(
            answer.to_json(),
            r#"{"token":"a.b_c-d","access_token":"a.b_c-d","expires_in":300,"issued_at":"2026-12-07T20:00:00Z"}"#
        );
        answer.refresh_token = Some("ptr_1".into());
        answer.scope = Some("repository:a/b:pull,push registry:catalog:*".into());
        let oauth: serde_json::Value = serde_json::from_str(&answer.to_json()).expect("JSON");
        assert_eq!(oauth["refresh_token"], "ptr_1");
        assert_eq!(
            oauth["scope"],
            "repository:a/b:pull,push registry:catalog:*"
        );
        assert_eq!(oauth["access_token"], "a.b_c-d");
    }

    #[test]
    fn text_that_needs_escaping_is_escaped() {
        let answer = TokenResponse {
            token: "a.b.c".into(),
            expires_in: 1,
            issued_at: "a\"b\\c\n\u{7f}é".into(),
            refresh_token: Some("\u{1}".into()),
            scope: None,
        };
        let read: serde_json::Value = serde_json::from_str(&answer.to_json()).expect("JSON");
        assert_eq!(read["issued_at"], "a\"b\\c\n\u{7f}é");
        assert_eq!(read["refresh_token"], "\u{1}");
    }
}
