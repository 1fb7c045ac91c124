//! One request passed to the registry and its answer passed back, bodies
//! streamed both ways and never held whole. Hop-by-hop headers stay on
//! their hop; the registry learns the client's address and the origin the
//! client used (`X-Forwarded-*`), and URLs of the registry's own origin in
//! `Location` and `Link` are turned back into the gateway's.

use futures::TryStreamExt;
use poem::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Request, Response};

/// Headers that belong to one connection (RFC 9110, 7.6.1), plus `Host`,
/// which names the hop's target.
const HOP_BY_HOP: &[HeaderName] = &[
    header::CONNECTION,
    header::HOST,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Where a request goes and where the client thinks it went.
pub struct Hop<'a> {
    /// The registry's base URL, without a trailing slash.
    pub upstream: &'a str,
    /// The path to ask for, already in the form the registry decodes to
    /// the judged path.
    pub path: &'a str,
    /// `scheme://host[:port]` the client used.
    pub client_origin: &'a str,
    /// The client's address, for `X-Forwarded-For`.
    pub client_address: &'a str,
    /// Whether a proxy in front sets `X-Forwarded-*`: keep what it said.
    pub behind_proxy: bool,
}

/// Passes `request` on and answers what the registry answered; `Err`
/// with a 502 of its own when the registry does not answer.
pub async fn forward(
    client: &reqwest::Client,
    hop: &Hop<'_>,
    mut request: Request,
) -> Result<Response, Response> {
    let url = match request.uri().query() {
        Some(query) => format!("{}{}?{query}", hop.upstream, hop.path),
        None => format!("{}{}", hop.upstream, hop.path),
    };
    let method = request.method().clone();
    let headers = upstream_headers(request.headers(), hop);
    let mut outgoing = client.request(method.clone(), url).headers(headers);
    if has_body(request.headers()) {
        outgoing = outgoing.body(reqwest::Body::wrap_stream(
            request.take_body().into_bytes_stream(),
        ));
    }
    let answer = match outgoing.send().await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(upstream = hop.upstream, error = %e, "the registry behind the gateway does not answer");
            return Err(super::registry_error(
                StatusCode::BAD_GATEWAY,
                "UNAVAILABLE",
                "the registry behind the gateway does not answer; try again shortly",
            ));
        }
    };
    let status = answer.status();
    let headers = client_headers(answer.headers(), hop);
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from_bytes_stream(answer.bytes_stream().map_err(std::io::Error::other))
    };
    let mut response = Response::builder().status(status).body(body);
    *response.headers_mut() = headers;
    Ok(response)
}

/// Whether the client sends a body (a length above zero or chunks).
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// The client's headers without hop-by-hop ones, with `X-Forwarded-*`.
fn upstream_headers(incoming: &HeaderMap, hop: &Hop<'_>) -> HeaderMap {
    let forwarded = [
        HeaderName::from_static("x-forwarded-for"),
        HeaderName::from_static("x-forwarded-proto"),
        HeaderName::from_static("x-forwarded-host"),
        HeaderName::from_static("x-real-ip"),
        header::FORWARDED,
    ];
    let mut headers = HeaderMap::with_capacity(incoming.len() + 3);
    for (name, value) in incoming {
        let ours = forwarded.contains(name) && !hop.behind_proxy;
        if !ours && !is_hop_by_hop(name, incoming) {
            headers.append(name.clone(), value.clone());
        }
    }
    let (scheme, host) = hop
        .client_origin
        .split_once("://")
        .unwrap_or(("http", hop.client_origin));
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    let chain = match incoming
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        Some(earlier) if hop.behind_proxy => format!("{earlier}, {}", hop.client_address),
        _ => hop.client_address.to_owned(),
    };
    set("x-forwarded-for", &chain);
    set("x-forwarded-proto", scheme);
    set("x-forwarded-host", host);
    headers
}

/// The registry's headers without hop-by-hop ones, its own URLs turned
/// into the gateway's.
fn client_headers(answer: &HeaderMap, hop: &Hop<'_>) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(answer.len());
    for (name, value) in answer {
        if is_hop_by_hop(name, answer) {
            continue;
        }
        let value = if name == header::LOCATION || name == header::LINK {
            rewritten(value, hop).unwrap_or_else(|| value.clone())
        } else {
            value.clone()
        };
        headers.append(name.clone(), value);
    }
    headers
}

/// `value` with the registry's origin replaced by the client's where a URL
/// starts with it (at the start, or after `<` in a `Link`).
fn rewritten(value: &HeaderValue, hop: &Hop<'_>) -> Option<HeaderValue> {
    let text = value.to_str().ok()?;
    let origin = origin_of(hop.upstream);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    loop {
        let at = rest
            .match_indices(origin)
            .find(|(i, _)| {
                let before = &rest[..*i];
                (before.is_empty() && out.is_empty()) || before.ends_with('<')
            })
            .map(|(i, _)| i);
        let Some(at) = at else { break };
        let after = &rest[at + origin.len()..];
        // The origin ends where the path begins, not inside a longer host.
        if !(after.is_empty() || after.starts_with(['/', '?', '>'])) {
            out.push_str(&rest[..at + origin.len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..at]);
        out.push_str(hop.client_origin);
        rest = after;
        changed = true;
    }
    if !changed {
        return None;
    }
    out.push_str(rest);
    HeaderValue::from_str(&out).ok()
}

/// `scheme://host[:port]` of a base URL (which may carry a path).
fn origin_of(base: &str) -> &str {
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    }
}

/// A hop-by-hop header, or one the `Connection` header names.
fn is_hop_by_hop(name: &HeaderName, headers: &HeaderMap) -> bool {
    HOP_BY_HOP.contains(name)
        || name.as_str() == "keep-alive"
        || headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|listed| listed.trim().eq_ignore_ascii_case(name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop<'a>(behind_proxy: bool) -> Hop<'a> {
        Hop {
            upstream: "http://127.0.0.1:5001",
            path: "/v2/",
            client_origin: "https://registry.example.org",
            client_address: "203.0.113.9",
            behind_proxy,
        }
    }

    fn value(text: &str) -> HeaderValue {
        HeaderValue::from_str(text).unwrap()
    }

    #[test]
    fn urls_of_the_registry_point_back_at_the_gateway() {
        let location = value("http://127.0.0.1:5001/v2/acme/app/blobs/uploads/1?_state=x");
        assert_eq!(
            rewritten(&location, &hop(false)).unwrap(),
            "https://registry.example.org/v2/acme/app/blobs/uploads/1?_state=x"
        );
        let link = value("<http://127.0.0.1:5001/v2/_catalog?last=b&n=2>; rel=\"next\"");
        assert_eq!(
            rewritten(&link, &hop(false)).unwrap(),
            "<https://registry.example.org/v2/_catalog?last=b&n=2>; rel=\"next\""
        );
        for unchanged in [
            "/v2/acme/app/blobs/uploads/1",
            "https://storage.example.org/blob?sig=http://127.0.0.1:5001/",
            "http://127.0.0.1:50011/v2/",
        ] {
            assert_eq!(
                rewritten(&value(unchanged), &hop(false)),
                None,
                "{unchanged}"
            );
        }
    }

    #[test]
    fn the_registry_learns_who_asked_and_by_which_origin() {
        let mut incoming = HeaderMap::new();
        incoming.insert(header::HOST, value("registry.example.org"));
        incoming.insert(header::AUTHORIZATION, value("Bearer t"));
        incoming.insert(header::CONNECTION, value("keep-alive, x-private"));
        incoming.insert("x-private", value("1"));
        incoming.insert("x-forwarded-for", value("10.0.0.1"));
        let out = upstream_headers(&incoming, &hop(false));
        assert_eq!(out.get(header::AUTHORIZATION).unwrap(), "Bearer t");
        assert_eq!(out.get("x-forwarded-for").unwrap(), "203.0.113.9");
        assert_eq!(out.get("x-forwarded-proto").unwrap(), "https");
        assert_eq!(out.get("x-forwarded-host").unwrap(), "registry.example.org");
        for gone in ["host", "connection", "x-private"] {
            assert!(!out.contains_key(gone), "{gone} was passed on");
        }
        let behind = upstream_headers(&incoming, &hop(true));
        assert_eq!(
            behind.get("x-forwarded-for").unwrap(),
            "10.0.0.1, 203.0.113.9"
        );
    }

    #[test]
    fn bodies_are_seen_by_length_or_chunks() {
        let mut headers = HeaderMap::new();
        assert!(!has_body(&headers));
        headers.insert(header::CONTENT_LENGTH, value("0"));
        assert!(!has_body(&headers));
        headers.insert(header::CONTENT_LENGTH, value("12"));
        assert!(has_body(&headers));
        let mut chunked = HeaderMap::new();
        chunked.insert(header::TRANSFER_ENCODING, value("chunked"));
        assert!(has_body(&chunked));
    }
}
