//! Reading a token request: query parameters (repeated `scope`, each possibly
//! holding several space-separated scopes) and the Basic credentials, or an
//! OAuth2 form. Returns a message for the client on malformed input; never
//! panics.

use poem::http::HeaderValue;
use portunus_shared::names::MAX_USERNAME_LEN;
use portunus_shared::scope::{Scope, parse_scopes};

use crate::issuing::{Credentials, Grant, TokenRequest};

/// Most scopes one request may carry; real clients send a handful.
const MAX_SCOPES: usize = 64;

/// A malformed request: the OAuth2 error code and a message for people.
pub type Malformed = (&'static str, String);

fn invalid(message: impl Into<String>) -> Malformed {
    ("invalid_request", message.into())
}

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
    fn read(encoded: &[u8]) -> Result<Params, Malformed> {
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
            set_once(slot, &key, value).map_err(invalid)?;
        }
        Ok(p)
    }

    fn scopes(&self) -> Result<Vec<Scope>, Malformed> {
        let (scopes, rejected) = parse_scopes(self.scopes.iter().map(String::as_str));
        for (text, reason) in rejected {
            tracing::debug!(scope = %text, ?reason, "ignoring a malformed scope");
        }
        if scopes.len() > MAX_SCOPES {
            return Err(invalid(format!(
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
) -> Result<TokenRequest, String> {
    let p = Params::read(query.as_bytes()).map_err(|(_, m)| m)?;
    let credentials = authorization.map(parse_basic).transpose()?;
    Ok(TokenRequest {
        scopes: p.scopes().map_err(|(_, m)| m)?,
        service: p.service,
        account: p.account,
        offline: p.offline,
        client_id: p.client_id,
        grant: Grant::Basic(credentials),
    })
}

/// A POST request (OAuth2): a form body with `grant_type`.
pub fn parse_form(body: &[u8]) -> Result<TokenRequest, Malformed> {
    let p = Params::read(body)?;
    if p.service.is_none() || p.client_id.is_none() {
        return Err(invalid("service and client_id are required"));
    }
    let grant = match p.grant_type.as_deref() {
        Some("password") => match (&p.username, &p.password) {
            (Some(username), Some(password))
                if username.len() <= 4 * MAX_USERNAME_LEN && password.len() <= 1024 =>
            {
                Grant::Password(Credentials {
                    username: username.clone(),
                    password: password.clone(),
                })
            }
            _ => return Err(invalid("grant_type=password needs username and password")),
        },
        Some("refresh_token") => match &p.refresh_token {
            Some(token) => Grant::Refresh(token.clone()),
            None => return Err(invalid("grant_type=refresh_token needs refresh_token")),
        },
        Some(other) => {
            return Err((
                "unsupported_grant_type",
                format!(
                    "grant_type {:?} is not supported: use password or refresh_token",
                    other.chars().take(40).collect::<String>()
                ),
            ));
        }
        None => {
            return Err(invalid(
                "grant_type is required (password or refresh_token)",
            ));
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
    if username.len() > 4 * MAX_USERNAME_LEN || password.len() > 1024 {
        return Err("the user name or password is too long".into());
    }
    Ok(Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user_pass: &str) -> HeaderValue {
        HeaderValue::from_str(&format!(
            "Basic {}",
            data_encoding::BASE64.encode(user_pass.as_bytes())
        ))
        .unwrap()
    }

    #[test]
    fn repeated_and_space_separated_scopes() {
        let q = "service=registry&scope=repository%3Aa%2Fb%3Apull&scope=repository:c/d:push%20repository:a/b:push&account=alice";
        let r = parse_query(q, Some(&basic("alice:pw"))).unwrap();
        assert_eq!(r.scopes.len(), 2);
        assert_eq!(r.service.as_deref(), Some("registry"));
        assert_eq!(r.account.as_deref(), Some("alice"));
        let Grant::Basic(Some(credentials)) = r.grant else {
            panic!("credentials")
        };
        assert_eq!(credentials.password, "pw");
    }

    #[test]
    fn password_may_contain_colons() {
        let c = parse_basic(&basic("alice:a:b:c")).unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("alice", "a:b:c")
        );
    }

    #[test]
    fn malformed_authorization() {
        for header in ["Bearer abc", "Basic !!!", "Basic", "Digest x"] {
            let value = HeaderValue::from_str(header).unwrap();
            assert!(parse_basic(&value).is_err(), "{header}");
        }
        assert!(parse_basic(&basic("no-colon")).is_err());
        assert!(parse_basic(&basic(&format!("{}:pw", "a".repeat(1000)))).is_err());
        let non_utf8 = HeaderValue::from_str(&format!(
            "Basic {}",
            data_encoding::BASE64.encode(&[0xff, b':', b'a'])
        ))
        .unwrap();
        assert!(parse_basic(&non_utf8).is_err());
    }

    #[test]
    fn conflicting_parameters() {
        assert!(parse_query("service=a&service=b", None).is_err());
        assert!(parse_query("service=a&service=a", None).is_ok());
        let many: String = (0..100)
            .map(|i| format!("scope=repository:a/r{i}:pull&"))
            .collect();
        assert!(parse_query(&many, None).is_err());
    }

    #[test]
    fn garbage_query_does_not_fail() {
        let r = parse_query("scope=%ZZ&scope=:::&&=&offline_token=true", None).unwrap();
        assert!(r.scopes.is_empty());
        assert!(r.offline);
    }

    #[test]
    fn oauth2_forms() {
        let r = parse_form(b"grant_type=password&username=a&password=p%3Aw&service=registry&client_id=containerd-client&scope=repository:a/b:pull%20repository:a/c:push&access_type=offline").unwrap();
        assert_eq!(
            r.grant,
            Grant::Password(Credentials {
                username: "a".into(),
                password: "p:w".into()
            })
        );
        assert_eq!(r.scopes.len(), 2);
        assert!(r.offline);
        let r = parse_form(
            b"grant_type=refresh_token&refresh_token=ptr_x&service=registry&client_id=docker",
        )
        .unwrap();
        assert_eq!(r.grant, Grant::Refresh("ptr_x".into()));
        for (body, code) in [
            (
                &b"grant_type=password&username=a&password=b&service=registry"[..],
                "invalid_request",
            ),
            (
                b"grant_type=password&service=registry&client_id=x",
                "invalid_request",
            ),
            (
                b"grant_type=refresh_token&service=registry&client_id=x",
                "invalid_request",
            ),
            (
                b"grant_type=magic&service=registry&client_id=x",
                "unsupported_grant_type",
            ),
            (b"service=registry&client_id=x", "invalid_request"),
            (b"\xff\xfe=\x00", "invalid_request"),
        ] {
            assert_eq!(
                parse_form(body).unwrap_err().0,
                code,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
