//! Portunus's own cookies: the web UI's session ([`SESSION`]) and the
//! browser binding of an OpenID sign-in ([`OIDC_BROWSER`]), taken by their
//! exact names.
//!
//! When `public_url` is https they go out with the `__Host-` prefix, so no
//! page of a sibling subdomain can plant or overwrite one; [`canonical`]
//! hands them on under their plain names, so handlers read one name
//! whatever the scheme.

use std::sync::Arc;

use poem::http::HeaderValue;
use poem::http::header::COOKIE;
use poem::{Endpoint, IntoResponse, Request, Response};

/// The web UI's session cookie.
pub const SESSION: &str = "portunus_session";
/// The browser binding of an OpenID sign-in under way.
pub const OIDC_BROWSER: &str = "portunus_oidc";

/// Portunus's cookie names.
const OURS: [&str; 2] = [SESSION, OIDC_BROWSER];

/// The prefix that pins a cookie to this very host, over https: a browser
/// keeps it only for a `Secure` cookie of path `/` without `Domain`.
const HOST_PREFIX: &str = "__Host-";

/// How Portunus names and sets its cookies: prefixed and `Secure` behind
/// https.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookies {
    https: bool,
}

impl Cookies {
    pub fn of(public_url: &str) -> Cookies {
        Cookies {
            https: public_url.starts_with("https://"),
        }
    }

    /// The `Set-Cookie` value that sets `name` (one of Portunus's) to
    /// `value` for `max_age` seconds (0 clears it), sent along on requests
    /// as `same_site` says (`Strict` or `Lax`).
    pub fn set(&self, name: &str, value: &str, max_age: u64, same_site: &str) -> String {
        let (prefix, secure) = match self.https {
            true => (HOST_PREFIX, "; Secure"),
            false => ("", ""),
        };
        format!(
            "{prefix}{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}"
        )
    }

    /// The `Cookie` header `header` as handlers read it: behind https,
    /// Portunus's cookies only from their prefixed form.
    fn canonical_header(&self, header: &str) -> String {
        header
            .split(';')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .filter_map(|pair| {
                let name = pair.split_once('=').map_or(pair, |(name, _)| name.trim());
                match (self.https, name.strip_prefix(HOST_PREFIX)) {
                    (true, Some(plain)) if OURS.contains(&plain) => {
                        Some(pair.trim_start_matches(HOST_PREFIX))
                    }
                    (true, None) if OURS.contains(&name) => None,
                    _ => Some(pair),
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The value of cookie `name` in `request`, taken by its exact name.
pub fn value<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (given, value) = pair.split_once('=')?;
            (given.trim() == name).then(|| value.trim())
        })
}

/// Middleware: passes `request` on with its `Cookie` headers made one, as
/// [`Cookies`] reads them. Around every route. Behind https it keeps only
/// the prefixed ones of Portunus's names, drops an unprefixed one of the
/// same name (whoever set it), and hands them on under their plain names.
pub async fn canonical<E: Endpoint>(
    endpoint: Arc<E>,
    mut request: Request,
    cookies: Cookies,
) -> poem::Result<Response> {
    let given: Vec<String> = request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    if !given.is_empty() {
        let headers = request.headers_mut();
        headers.remove(COOKIE);
        let canonical = cookies.canonical_header(&given.join("; "));
        if let Ok(value) = HeaderValue::from_str(&canonical)
            && !canonical.is_empty()
        {
            headers.insert(COOKIE, value);
        }
    }
    endpoint
        .call(request)
        .await
        .map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTPS: Cookies = Cookies { https: true };
    const HTTP: Cookies = Cookies { https: false };

    #[test]
    fn behind_https_cookies_are_pinned_to_the_host() {
        assert_eq!(
            HTTPS.set(SESSION, "abc", 3600, "Strict"),
            "__Host-portunus_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure"
        );
        assert_eq!(
            HTTP.set(OIDC_BROWSER, "abc", 600, "Lax"),
            "portunus_oidc=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=600"
        );
    }

    #[test]
    fn behind_https_only_the_prefixed_cookies_count() {
        assert_eq!(
            HTTPS.canonical_header(
                "portunus_session=planted; theme=dark; __Host-portunus_session=real"
            ),
            "theme=dark; portunus_session=real"
        );
        assert_eq!(
            HTTPS.canonical_header("portunus_oidc=planted; portunus_session=planted"),
            "",
            "unprefixed ones are dropped"
        );
        assert_eq!(
            HTTPS.canonical_header("__Host-other=1; x_portunus_session=2"),
            "__Host-other=1; x_portunus_session=2",
            "other cookies pass as they are"
        );
        assert_eq!(
            HTTP.canonical_header("portunus_session=abc; __Host-portunus_session=x"),
            "portunus_session=abc; __Host-portunus_session=x",
            "over http nothing changes"
        );
    }
}
