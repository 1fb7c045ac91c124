//! Reading a token request: query parameters (repeated `scope`, each may
//! hold several space-separated scopes) with Basic credentials, or an OAuth2
//! form. Malformed input is refused with a message; never a panic.

use poem::http::HeaderValue;
use portunus_shared::names::MAX_USERNAME_LEN;
use portunus_shared::scope::{Scope, parse_scopes};

use crate::issuing::{Credentials, Grant, Refusal, TokenRequest};

/// Most scopes one request may carry; real clients send a handful.
const MAX_SCOPES: usize = 64;

/// The parameters both forms share, read from URL-encoded pairs.
#[derive(Default)]
struct Params {
    service: Option<String>,
    account: Option<String>,
    client_id: Option<String>,
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
    offline: bool,
    scopes: Vec<String>,
}

impl Params {
    fn read(encoded: &[u8]) -> Result<Params, Refusal> {
        let mut p = Params::default();
        for (key, value) in form_urlencoded::parse(encoded) {
            let value = value.into_owned();
            let slot = match key.as_ref() {
                "scope" => {
                    p.scopes.push(value);
                    continue;
                }
                "offline_token" => {
                    p.offline |= value == "true";
                    continue;
                }
                "access_type" => {
                    p.offline |= value == "offline";
                    continue;
                }
                "service" => &mut p.service,
                "account" => &mut p.account,
                "client_id" => &mut p.client_id,
                "grant_type" => &mut p.grant_type,
                "username" => &mut p.username,
                "password" => &mut p.password,
                "refresh_token" => &mut p.refresh_token,
                _ => continue,
            };
            set_once(slot, &key, value).map_err(Refusal::invalid)?;
        }
        Ok(p)
    }

    fn scopes(&self) -> Result<Vec<Scope>, Refusal> {
        let (scopes, rejected) = parse_scopes(self.scopes.iter().map(String::as_str));
        for (text, reason) in rejected {
            tracing::debug!(scope = %text, ?reason, "ignoring a malformed scope");
        }
        if scopes.len() > MAX_SCOPES {
            return Err(Refusal::invalid(format!(
                "too many scopes: at most {MAX_SCOPES} per request"
            )));
        }
        Ok(scopes)
    }
}

/// A GET request: query parameters and the Authorization header.
pub fn parse_query(
    query: &str,
    authorization: Option<&HeaderValue>,
) -> Result<TokenRequest, Refusal> {
    let p = Params::read(query.as_bytes())?;
    let credentials = authorization.map(parse_basic).transpose();
    Ok(TokenRequest {
        scopes: p.scopes()?,
        service: p.service,
        account: p.account,
        offline: p.offline,
        client_id: p.client_id,
        grant: Grant::Basic(credentials.map_err(Refusal::invalid)?),
    })
}

/// A POST request (OAuth2): a form body with `grant_type`.
pub fn parse_form(body: &[u8]) -> Result<TokenRequest, Refusal> {
    let p = Params::read(body)?;
    if p.service.is_none() || p.client_id.is_none() {
        return Err(Refusal::invalid("service and client_id are required"));
    }
    let grant = match p.grant_type.as_deref() {
        Some("password") => match (&p.username, &p.password) {
            (Some(name), Some(password)) => {
                Grant::Password(credentials(name, password).map_err(Refusal::invalid)?)
            }
            _ => {
                let message = "grant_type=password needs username and password";
                return Err(Refusal::invalid(message));
            }
        },
        Some("refresh_token") => match &p.refresh_token {
            Some(token) => Grant::Refresh(token.clone()),
            None => {
                let message = "grant_type=refresh_token needs refresh_token";
                return Err(Refusal::invalid(message));
            }
        },
        Some(other) => {
            let other: String = other.chars().take(40).collect();
            return Err(Refusal::BadRequest {
                oauth: "unsupported_grant_type",
                message: format!(
                    "grant_type {other:?} is not supported: use password or refresh_token"
                ),
            });
        }
        None => {
            let message = "grant_type is required (password or refresh_token)";
            return Err(Refusal::invalid(message));
        }
    };
    Ok(TokenRequest {
        scopes: p.scopes()?,
        service: p.service,
        account: p.account,
        offline: p.offline,
        client_id: p.client_id,
        grant,
    })
}

fn set_once(slot: &mut Option<String>, name: &str, value: String) -> Result<(), String> {
    match slot {
        Some(existing) if *existing != value => Err(format!(
            "the {name} parameter is given twice with different values"
        )),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// Parses `Authorization: Basic base64(user:password)`.
pub fn parse_basic(header: &HeaderValue) -> Result<Credentials, String> {
    let text = header
        .to_str()
        .map_err(|_| "the Authorization header is not ASCII".to_owned())?;
    let (scheme, encoded) = text.trim().split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(format!(
            "unsupported Authorization scheme {:?}: use Basic with a user name and password",
            scheme.chars().take(20).collect::<String>()
        ));
    }
    let decoded = data_encoding::BASE64
        .decode(encoded.trim().as_bytes())
        .map_err(|_| "the Basic credentials are not valid base64".to_owned())?;
    let decoded =
        String::from_utf8(decoded).map_err(|_| "the Basic credentials are not UTF-8".to_owned())?;
    let (username, password) = decoded.split_once(':').ok_or_else(|| {
        "the Basic credentials lack the ':' between user name and password".to_owned()
    })?;
    credentials(username, password)
}

/// A user name and password, refused when longer than any real one.
fn credentials(username: &str, password: &str) -> Result<Credentials, String> {
    if username.len() > 4 * MAX_USERNAME_LEN || password.len() > 1024 {
        return Err("the user name or password is too long".into());
    }
    let (username, password) = (username.to_owned(), password.to_owned());
    Ok(Credentials { username, password })
}
