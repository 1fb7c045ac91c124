//! Reading a token request: query parameters (repeated `scope`, each possibly
//! holding several space-separated scopes) and the Basic credentials. Returns
//! a message for the client on malformed input; never panics.

use poem::http::HeaderValue;
use portunus_shared::names::MAX_USERNAME_LEN;
use portunus_shared::scope::{Scope, parse_scopes};

/// Most scopes one request may carry; real clients send a handful.
const MAX_SCOPES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Default)]
pub struct TokenRequest {
    pub service: Option<String>,
    pub account: Option<String>,
    pub scopes: Vec<Scope>,
    pub offline_token: bool,
    pub client_id: Option<String>,
    pub credentials: Option<Credentials>,
}

impl TokenRequest {
    pub fn parse(query: &str, authorization: Option<&HeaderValue>) -> Result<TokenRequest, String> {
        let mut request = TokenRequest::default();
        let mut scope_params = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "scope" => scope_params.push(value.into_owned()),
                "service" => set_once(&mut request.service, "service", value.into_owned())?,
                "account" => set_once(&mut request.account, "account", value.into_owned())?,
                "client_id" => set_once(&mut request.client_id, "client_id", value.into_owned())?,
                "offline_token" => request.offline_token = value == "true",
                _ => {}
            }
        }
        let (scopes, rejected) = parse_scopes(scope_params.iter().map(String::as_str));
        for (text, reason) in rejected {
            tracing::debug!(scope = %text, ?reason, "ignoring a malformed scope");
        }
        if scopes.len() > MAX_SCOPES {
            return Err(format!("too many scopes: at most {MAX_SCOPES} per request"));
        }
        request.scopes = scopes;
        request.credentials = authorization.map(parse_basic).transpose()?;
        Ok(request)
    }
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
        let r = TokenRequest::parse(q, Some(&basic("alice:pw"))).unwrap();
        assert_eq!(r.scopes.len(), 2);
        assert_eq!(r.service.as_deref(), Some("registry"));
        assert_eq!(r.account.as_deref(), Some("alice"));
        assert_eq!(r.credentials.unwrap().password, "pw");
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
        assert!(TokenRequest::parse("service=a&service=b", None).is_err());
        assert!(TokenRequest::parse("service=a&service=a", None).is_ok());
        let many: String = (0..100)
            .map(|i| format!("scope=repository:a/r{i}:pull&"))
            .collect();
        assert!(TokenRequest::parse(&many, None).is_err());
    }

    #[test]
    fn garbage_query_does_not_fail() {
        let r = TokenRequest::parse("scope=%ZZ&scope=:::&&=&offline_token=true", None).unwrap();
        assert!(r.scopes.is_empty());
        assert!(r.offline_token);
    }
}
