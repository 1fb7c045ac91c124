//! Refuses cross-site requests that ride on the web UI's session cookie. A
//! POST, PUT, PATCH or DELETE to the API that carries the cookie (and no
//! bearer token) must come from Portunus's own pages; anything else gets
//! 403 saying so, before any handler runs. Clients that send neither
//! `Origin` nor `Sec-Fetch-Site` are no browser a forged page could drive
//! (scripts, registry clients) and pass.

use std::sync::Arc;

use poem::http::{Method, StatusCode, header};
use poem::web::Json;
use poem::{Endpoint, IntoResponse, Request, Response};
use portunus_shared::api::ErrorBody;
use portunus_shared::domain::ErrorCode;

use crate::http::rest::auth::presented_session;

/// The origin of `public_url` as browsers send it (`https://host[:port]`).
pub fn own_origin(public_url: &str) -> Arc<str> {
    url::Url::parse(public_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
        .into()
}

/// Why a request is refused as cross-site, if it is. Its `Origin` must be
/// the origin of `public_url`, or name the very host the request was sent
/// to (`Host`: the page was loaded from where it posts, as when Portunus is
/// opened as `localhost` rather than `127.0.0.1`); when a browser sent no
/// `Origin`, its `Sec-Fetch-Site` must say the same origin. Anything else
/// (another site, a sibling subdomain) is cross-site.
fn cross_site(request: &Request, own: &str) -> Option<String> {
    let safe = [Method::GET, Method::HEAD, Method::OPTIONS].contains(request.method());
    let bearer = request.headers().contains_key(header::AUTHORIZATION);
    if safe || bearer || presented_session(request).is_none() {
        return None;
    }
    let text = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let host = text("host");
    match (text("origin"), text("sec-fetch-site")) {
        (Some(origin), _) if origin == own || names_host(origin, host) => None,
        (Some(origin), _) => Some(format!(
            "refused: this request came from a page of {origin}, not of Portunus ({own}); changes with the session cookie are taken only from Portunus's own pages (use an application token from elsewhere)"
        )),
        (None, Some("same-origin" | "none") | None) => None,
        (None, Some(site)) => Some(format!(
            "refused: the browser says this request came from another site ({site}); changes with the session cookie are taken only from Portunus's own pages"
        )),
    }
}

/// Whether `origin` (`scheme://host[:port]`) names `host` (the `Host`
/// header: `host[:port]`), in any case.
fn names_host(origin: &str, host: Option<&str>) -> bool {
    let authority = origin.split_once("://").map_or("", |(_, rest)| rest);
    host.is_some_and(|host| !host.is_empty() && authority.eq_ignore_ascii_case(host))
}

/// The middleware: [`cross_site`] requests get 403, others go on.
pub async fn refuse_cross_site<E: Endpoint>(
    endpoint: Arc<E>,
    request: Request,
    own: Arc<str>,
) -> poem::Result<Response> {
    if let Some(message) = cross_site(&request, &own) {
        let body = ErrorBody {
            code: ErrorCode::Forbidden,
            message,
        };
        return Ok(Json(body)
            .with_status(StatusCode::FORBIDDEN)
            .into_response());
    }
    endpoint
        .call(request)
        .await
        .map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "https://registry.example.org";

    fn request(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(method).uri_str("/api/v1/teams");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.finish()
    }

    const COOKIE: (&str, &str) = ("cookie", "theme=dark; portunus_session=abc");

    #[test]
    fn changes_with_the_cookie_come_only_from_portunus_pages() {
        let refused =
            |headers: &[(&str, &str)]| cross_site(&request(Method::POST, headers), OWN).is_some();
        assert!(!refused(&[COOKIE, ("origin", OWN)]), "its own page");
        assert!(
            !refused(&[COOKIE, ("sec-fetch-site", "same-origin")]),
            "its own page, no Origin"
        );
        assert!(!refused(&[COOKIE]), "no browser");
        assert!(
            !refused(&[
                COOKIE,
                ("origin", "http://localhost:8080"),
                ("host", "localhost:8080")
            ]),
            "a page of the host the request went to (not public_url's name for it)"
        );
        assert!(
            refused(&[
                COOKIE,
                ("origin", "https://evil.example"),
                ("host", "registry.example.org")
            ]),
            "another host's page"
        );
        assert!(
            refused(&[
                COOKIE,
                ("origin", "http://localhost:8081"),
                ("host", "localhost:8080")
            ]),
            "another port is another origin"
        );
        assert!(refused(&[COOKIE, ("origin", "https://evil.example")]));
        assert!(
            refused(&[COOKIE, ("origin", "https://other.registry.example.org")]),
            "a sibling subdomain"
        );
        assert!(
            refused(&[COOKIE, ("origin", "http://registry.example.org")]),
            "another scheme"
        );
        assert!(refused(&[COOKIE, ("sec-fetch-site", "same-site")]));
        assert!(refused(&[COOKIE, ("sec-fetch-site", "cross-site")]));
        assert!(
            !refused(&[
                COOKIE,
                ("origin", "https://evil.example"),
                ("authorization", "Bearer ptn_x")
            ]),
            "a bearer token is no ambient credential"
        );
        assert!(
            !refused(&[
                ("cookie", "not_portunus_session=abc"),
                ("origin", "https://evil.example")
            ]),
            "cookies by exact name"
        );
        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(
                cross_site(
                    &request(
                        method.clone(),
                        &[COOKIE, ("origin", "https://evil.example")]
                    ),
                    OWN
                )
                .is_some(),
                "{method}"
            );
        }
        assert!(
            cross_site(
                &request(Method::GET, &[COOKIE, ("origin", "https://evil.example")]),
                OWN
            )
            .is_none(),
            "reads change nothing"
        );
    }

    #[test]
    fn the_own_origin_is_public_urls() {
        assert_eq!(
            &*own_origin("https://registry.example.org/portunus/"),
            "https://registry.example.org"
        );
        assert_eq!(
            &*own_origin("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }
}
