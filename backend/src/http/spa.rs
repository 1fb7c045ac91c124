//! Serving the built web UI from `web_dir`: every file is read once at
//! start, with the `.br` and `.gz` copies `just build-ui` makes beside it,
//! and each answer is the smallest encoding the browser accepts. Trunk's
//! hashed file names (`name-0123456789abcdef.wasm`) never change content, so
//! they may be cached for a year; everything else is revalidated by ETag.

use std::collections::HashMap;
use std::path::Path;

use bytes::Bytes;
use poem::http::header::{
    ACCEPT_ENCODING, ALLOW, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    ETAG, IF_NONE_MATCH, VARY,
};
use poem::http::{Method, StatusCode};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response, handler};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::http::content_policy;

/// How long browsers keep files whose names carry their content's hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files whose names stay the same across builds: ask every time.
const REVALIDATE: &str = "no-cache";

/// A content coding of a file, best (smallest) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    /// The suffix of the precompressed copy and the `Content-Encoding` token.
    fn token(self) -> Option<(&'static str, &'static str)> {
        match self {
            Coding::Brotli => Some(("br", "br")),
            Coding::Gzip => Some(("gz", "gzip")),
            Coding::Identity => None,
        }
    }
}

/// One file of the web UI in every coding it was built in.
struct Asset {
    content_type: &'static str,
    cache_control: &'static str,
    /// Hex of the identity content's SHA-256, shortened; the ETag's stem.
    version: String,
    /// The precompressed copies found beside the file, smallest first.
    compressed: Vec<(Coding, Bytes)>,
    identity: Bytes,
}

impl Asset {
    fn load(path: &Path, name: &str) -> std::io::Result<Asset> {
        let identity = std::fs::read(path)?;
        let version = data_encoding::HEXLOWER.encode(&Sha256::digest(&identity)[..12]);
        let mut compressed = Vec::new();
        for coding in [Coding::Brotli, Coding::Gzip] {
            if let Some((suffix, _)) = coding.token() {
                let mut copy = path.as_os_str().to_owned();
                copy.push(format!(".{suffix}"));
                if let Ok(bytes) = std::fs::read(&copy) {
                    compressed.push((coding, Bytes::from(bytes)));
                }
            }
        }
        Ok(Asset {
            content_type: content_type(name),
            cache_control: if has_content_hash(name) {
                IMMUTABLE
            } else {
                REVALIDATE
            },
            version,
            compressed,
            identity: Bytes::from(identity),
        })
    }

    /// The smallest copy the request's `Accept-Encoding` allows; the file
    /// as it is when it allows no compressed one.
    fn copy_for(&self, accept_encoding: &str) -> (Coding, &Bytes) {
        let accepted = accepted_codings(accept_encoding);
        self.compressed
            .iter()
            .find(|(coding, _)| accepted.contains(coding))
            .map_or((Coding::Identity, &self.identity), |(coding, bytes)| {
                (*coding, bytes)
            })
    }
}

/// The built web UI, in memory.
pub struct WebUi {
    assets: HashMap<String, Asset>,
    policy: String,
}

impl WebUi {
    /// Reads every file under `dir`; `None` when there is no `index.html`.
    pub fn load(dir: &Path) -> Option<WebUi> {
        let index = std::fs::read_to_string(dir.join("index.html")).ok()?;
        let mut assets = HashMap::new();
        let mut uncompressed = Vec::new();
        for (path, name) in files_under(dir) {
            if name.ends_with(".br") || name.ends_with(".gz") {
                continue;
            }
            match Asset::load(&path, &name) {
                Ok(asset) => {
                    if asset.compressed.is_empty() && is_compressible(&name) {
                        uncompressed.push(name.clone());
                    }
                    assets.insert(name, asset);
                }
                Err(error) => {
                    tracing::warn!(file = %path.display(), %error, "cannot read a web UI file")
                }
            }
        }
        if !uncompressed.is_empty() {
            tracing::warn!(
                files = ?uncompressed,
                "web UI files have no precompressed copies (.br, .gz); `just build-ui` makes them"
            );
        }
        Some(WebUi {
            assets,
            policy: content_policy::web_ui(&index),
        })
    }

    fn answer(&self, request: &Request) -> Response {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return Response::builder()
                .status(StatusCode::METHOD_NOT_ALLOWED)
                .header(ALLOW, "GET, HEAD")
                .body("The web UI's files can only be read (GET or HEAD).");
        }
        let name = request.uri().path().trim_start_matches('/');
        if leaves_the_web_ui(name) {
            return "Paths may not leave the web UI."
                .with_status(StatusCode::FORBIDDEN)
                .into_response();
        }
        let Some(asset) = self
            .assets
            .get(name)
            .or_else(|| self.assets.get("index.html"))
        else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let accept_encoding = header(request.headers(), ACCEPT_ENCODING.as_str());
        let (coding, bytes) = asset.copy_for(accept_encoding);
        let etag = match coding.token() {
            Some((suffix, _)) => format!("\"{}-{suffix}\"", asset.version),
            None => format!("\"{}\"", asset.version),
        };
        let mut response = Response::builder()
            .header(CONTENT_TYPE, asset.content_type)
            .header(CACHE_CONTROL, asset.cache_control)
            .header(VARY, "Accept-Encoding")
            .header(CONTENT_SECURITY_POLICY, self.policy.as_str())
            .header(ETAG, etag.as_str());
        if let Some((_, token)) = coding.token() {
            response = response.header(CONTENT_ENCODING, token);
        }
        if etag_matches(header(request.headers(), IF_NONE_MATCH.as_str()), &etag) {
            return response.status(StatusCode::NOT_MODIFIED).finish();
        }
        // For HEAD the server sends the headers of this answer, not its body.
        response.body(Body::from_bytes(bytes.clone()))
    }
}

impl Endpoint for WebUi {
    type Output = Response;

    async fn call(&self, request: Request) -> poem::Result<Response> {
        Ok(self.answer(&request))
    }
}

#[handler]
fn not_built() -> Response {
    "The Portunus web UI is not built. Run `just build-ui` (or `just run`), then reload."
        .with_status(StatusCode::SERVICE_UNAVAILABLE)
        .into_response()
}

/// The endpoint for every path that is not the API or the registry
/// protocol. Any path that is not a file gets `index.html`, so deep links
/// work on reload. When the UI is not built, a plain page says how to build
/// it.
pub fn endpoint(config: &Config) -> poem::endpoint::BoxEndpoint<'static> {
    match WebUi::load(&config.web_dir) {
        Some(web_ui) => web_ui.boxed(),
        None => {
            tracing::warn!(web_dir = %config.web_dir.display(), "web UI not built; serving a notice instead");
            not_built.map_to_response().boxed()
        }
    }
}

/// Whether `path` climbs out (a `..` segment, written plainly or
/// percent-encoded): answered 403, though nothing outside is ever read.
fn leaves_the_web_ui(path: &str) -> bool {
    path.to_ascii_lowercase()
        .replace("%2e", ".")
        .replace("%2f", "/")
        .replace("%5c", "/")
        .replace('\\', "/")
        .split('/')
        .any(|segment| segment == "..")
}

/// A header's value as text; empty when absent or not text.
fn header<'a>(headers: &'a poem::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// The codings an `Accept-Encoding` value allows, by RFC 9110: listed with a
/// weight above zero (or by `*`); identity unless refused.
fn accepted_codings(accept_encoding: &str) -> Vec<Coding> {
    let mut weights: HashMap<String, bool> = HashMap::new();
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if token.is_empty() {
            continue;
        }
        let refused = parts.any(|param| {
            let param = param.trim();
            param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        weights.insert(token, !refused);
    }
    let star = weights.get("*").copied();
    [Coding::Brotli, Coding::Gzip, Coding::Identity]
        .into_iter()
        .filter(|coding| {
            let token = coding.token().map_or("identity", |(_, token)| token);
            match weights.get(token) {
                Some(allowed) => *allowed,
                None if *coding == Coding::Identity => star.unwrap_or(true),
                None => star.unwrap_or(false),
            }
        })
        .collect()
}

fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// Trunk names built files `stem-<16 hex digits>.ext`, the WebAssembly
/// `stem-<16 hex digits>_bg.wasm`.
fn has_content_hash(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    stem.rsplit_once('-').is_some_and(|(_, tail)| {
        let hash = tail.split('_').next().unwrap_or("");
        hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, extension)| extension)
}

fn content_type(name: &str) -> &'static str {
    match extension(name) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "webmanifest" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn is_compressible(name: &str) -> bool {
    matches!(
        extension(name),
        "html" | "js" | "mjs" | "wasm" | "css" | "svg" | "json" | "txt"
    )
}

/// Every file under `dir`, with its path relative to `dir` using `/`.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let name = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((path, name));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_weights_and_wildcards() {
        use Coding::*;
        assert_eq!(
            accepted_codings("gzip, deflate, br, zstd"),
            vec![Brotli, Gzip, Identity]
        );
        assert_eq!(accepted_codings("gzip"), vec![Gzip, Identity]);
        assert_eq!(accepted_codings(""), vec![Identity]);
        assert_eq!(accepted_codings("br;q=0, gzip;q=0.5"), vec![Gzip, Identity]);
        assert_eq!(accepted_codings("*"), vec![Brotli, Gzip, Identity]);
        assert_eq!(accepted_codings("*;q=0, gzip"), vec![Gzip]);
        assert_eq!(accepted_codings("identity;q=0, BR"), vec![Brotli]);
    }

    #[test]
    fn only_trunk_hashed_names_are_immutable() {
        assert!(has_content_hash(
            "portunus-frontend-2abb710719af2e03_bg.wasm"
        ));
        assert!(has_content_hash("portunus-frontend-2abb710719af2e03.js"));
        assert!(has_content_hash("style-f8a72c667fd46f1e.css"));
        assert!(!has_content_hash("index.html"));
        assert!(!has_content_hash("style-f8a72c.css"));
        assert!(!has_content_hash("my-namespace"));
    }

    /// A built UI: an index, a hashed WebAssembly file with its compressed
    /// copies (their contents name them, to see which one is sent).
    fn built() -> (tempfile::TempDir, WebUi) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let files = [
            ("index.html", "<html>index</html>"),
            ("app-0123456789abcdef_bg.wasm", "identity"),
            ("app-0123456789abcdef_bg.wasm.br", "brotli"),
            ("app-0123456789abcdef_bg.wasm.gz", "gzip"),
        ];
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write a file");
        }
        let web_ui = WebUi::load(dir.path()).expect("the index is there");
        (dir, web_ui)
    }

    async fn get(web_ui: &WebUi, path: &str, headers: &[(&str, &str)]) -> (Response, String) {
        get_with(web_ui, Method::GET, path, headers).await
    }

    async fn get_with(
        web_ui: &WebUi,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (Response, String) {
        let mut request = Request::builder()
            .method(method)
            .uri(path.parse().expect("uri"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = web_ui.answer(&request.finish());
        let body = response.take_body().into_string().await.expect("text body");
        (response, body)
    }

    fn header_of<'a>(response: &'a Response, name: &str) -> &'a str {
        header(response.headers(), name)
    }

    #[tokio::test]
    async fn the_smallest_accepted_copy_is_sent_and_hashed_files_are_cached_for_a_year() {
        let (_dir, web_ui) = built();
        let wasm = "/app-0123456789abcdef_bg.wasm";
        for (accept, body, encoding) in [
            ("gzip, deflate, br", "brotli", "br"),
            ("gzip", "gzip", "gzip"),
            ("br;q=0, gzip;q=1", "gzip", "gzip"),
            ("", "identity", ""),
        ] {
            let (response, text) = get(&web_ui, wasm, &[("accept-encoding", accept)]).await;
            assert_eq!(response.status(), StatusCode::OK, "{accept}");
            assert_eq!(text, body, "{accept}");
            assert_eq!(
                header_of(&response, "content-encoding"),
                encoding,
                "{accept}"
            );
            assert_eq!(header_of(&response, "content-type"), "application/wasm");
            assert_eq!(header_of(&response, "cache-control"), IMMUTABLE);
            assert_eq!(header_of(&response, "vary"), "Accept-Encoding");
        }
    }

    #[tokio::test]
    async fn an_unchanged_file_is_not_sent_again() {
        let (_dir, web_ui) = built();
        let (first, _) = get(&web_ui, "/", &[("accept-encoding", "gzip")]).await;
        let etag = header_of(&first, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.ends_with("\""), "{etag}");
        let (again, body) = get(&web_ui, "/", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(body, "");
        // Another coding is another representation: sent in full.
        let (brotli, body) = get(
            &web_ui,
            "/app-0123456789abcdef_bg.wasm",
            &[("accept-encoding", "br"), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(brotli.status(), StatusCode::OK);
        assert_eq!(body, "brotli");
    }

    #[tokio::test]
    async fn deep_links_get_the_index_and_nothing_can_be_written() {
        let (_dir, web_ui) = built();
        let (response, body) = get(&web_ui, "/namespaces/my.team", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(body, "<html>index</html>");
        assert_eq!(header_of(&response, "cache-control"), REVALIDATE);
        assert!(header_of(&response, "content-security-policy").contains("default-src 'self'"));
        for climbing in [
            "/../etc/passwd",
            "/%2e%2e/%2E%2E/etc/passwd",
            "/a/..%2fb",
            "/..%5c..",
        ] {
            let (refused, _) = get(&web_ui, climbing, &[]).await;
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{climbing}");
        }
        let (refused, _) = get_with(&web_ui, Method::POST, "/index.html", &[]).await;
        assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(header_of(&refused, "allow"), "GET, HEAD");
    }

    #[test]
    fn if_none_match_compares_each_tag() {
        assert!(etag_matches("\"a\", W/\"b\"", "\"b\""));
        assert!(etag_matches("*", "\"b\""));
        assert!(!etag_matches("\"a\"", "\"b\""));
        assert!(!etag_matches("", "\"b\""));
    }
}
