//! A registry API path read the way Distribution reads it: percent-decoded,
//! then cleaned (`//`, `/./`, `/../`), then matched against its routes. The
//! gateway judges the path it forwards, so a rule cannot be dodged by
//! spelling a repository another way.

use std::fmt::Write;

/// What a request path names, by Distribution's routes
/// (`registry/api/v2/descriptors.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/v2/`: the version check.
    Base,
    /// `/v2/_catalog`.
    Catalog,
    /// `/v2/NAME/tags/list`.
    Tags { name: String },
    /// `/v2/NAME/manifests/REFERENCE`.
    Manifest { name: String, reference: Reference },
    /// `/v2/NAME/blobs/DIGEST`.
    Blob { name: String, digest: String },
    /// `/v2/NAME/blobs/uploads/`: starts an upload (or mounts a blob).
    Uploads { name: String },
    /// `/v2/NAME/blobs/uploads/ID`: one upload in progress.
    Upload { name: String },
    /// `/v2/NAME/referrers/DIGEST` (Distribution 3, OCI 1.1).
    Referrers { name: String, digest: String },
    /// No route of the registry: it answers 404 itself.
    Unknown,
}

/// A manifest's reference: a tag or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Tag(String),
    Digest(String),
}

impl Route {
    /// The repository the route acts on, if any.
    pub fn repository(&self) -> Option<&str> {
        match self {
            Route::Tags { name }
            | Route::Manifest { name, .. }
            | Route::Blob { name, .. }
            | Route::Uploads { name }
            | Route::Upload { name }
            | Route::Referrers { name, .. } => Some(name),
            Route::Base | Route::Catalog | Route::Unknown => None,
        }
    }
}

/// A path that cannot be read at all: bad percent-encoding, not UTF-8, or
/// a control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPath;

/// A request path as the registry will read it: `path` is the clean,
/// decoded text the route was judged on, `encoded` the form to forward
/// (which the registry decodes to `path` again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPath {
    pub path: String,
    pub encoded: String,
    pub route: Route,
}

/// Reads the raw request path (without its query).
pub fn read(raw: &str) -> Result<ReadPath, BadPath> {
    let decoded = percent_decode(raw)?;
    let path = clean(&decoded);
    Ok(ReadPath {
        encoded: encode(&path),
        route: route(&path),
        path,
    })
}

fn percent_decode(raw: &str) -> Result<String, BadPath> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(BadPath)?;
            let hex = std::str::from_utf8(hex).map_err(|_| BadPath)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| BadPath)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).map_err(|_| BadPath)?;
    if text.chars().any(char::is_control) {
        return Err(BadPath);
    }
    Ok(text)
}

/// Go's `path.Clean`, keeping a trailing slash (the registry's router
/// tells `uploads/` from `uploads` itself).
fn clean(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    let mut clean = format!("/{}", kept.join("/"));
    if path.ends_with('/') && clean != "/" {
        clean.push('/');
    }
    clean
}

/// Escapes every byte but the unreserved ones, `/`, `:` and `@`.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn route(path: &str) -> Route {
    let Some(rest) = path.strip_prefix("/v2/") else {
        return Route::Unknown;
    };
    if rest.is_empty() {
        return Route::Base;
    }
    if rest == "_catalog" {
        return Route::Catalog;
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let named = |end: usize| {
        let name = segments[..end].join("/");
        is_name(&name).then_some(name)
    };
    let n = segments.len();
    if n < 2 {
        return Route::Unknown;
    }
    let (before, last) = (segments[n - 2], segments[n - 1]);
    let found = match (before, last) {
        ("tags", "list") => named(n - 2).map(|name| Route::Tags { name }),
        ("manifests", reference) if is_tag(reference) => named(n - 2).map(|name| Route::Manifest {
            name,
            reference: Reference::Tag(reference.to_owned()),
        }),
        ("manifests", reference) if is_digest(reference) => {
            named(n - 2).map(|name| Route::Manifest {
                name,
                reference: Reference::Digest(reference.to_owned()),
            })
        }
        ("blobs", digest) if is_digest(digest) => named(n - 2).map(|name| Route::Blob {
            name,
            digest: digest.to_owned(),
        }),
        ("referrers", digest) if is_digest(digest) => named(n - 2).map(|name| Route::Referrers {
            name,
            digest: digest.to_owned(),
        }),
        ("uploads", "") if n >= 4 && segments[n - 3] == "blobs" => {
            named(n - 3).map(|name| Route::Uploads { name })
        }
        ("uploads", id) if n >= 4 && segments[n - 3] == "blobs" && !id.is_empty() => {
            named(n - 3).map(|name| Route::Upload { name })
        }
        _ => None,
    };
    found.unwrap_or(Route::Unknown)
}

/// Distribution's repository name: components of `[a-z0-9]+` joined by
/// `.`, `_`, `__` or runs of `-`, the components joined by `/`.
pub fn is_name(name: &str) -> bool {
    !name.is_empty() && name.split('/').all(is_component)
}

fn is_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !bytes.first().is_some_and(alnum) || !bytes.last().is_some_and(alnum) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(&bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(&bytes[i]) {
            i += 1;
        }
        match &component[start..i] {
            "." | "_" | "__" => {}
            dashes if dashes.bytes().all(|b| b == b'-') => {}
            _ => return false,
        }
    }
    true
}

/// `[\w][\w.-]{0,127}`.
pub fn is_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    tag.len() <= 128
        && chars.next().is_some_and(word)
        && chars.all(|c| word(c) || c == '.' || c == '-')
}

/// `algorithm:hex`, the algorithm's components joined by `-_+.`, at least
/// 32 hex digits.
pub fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric())
    });
    algorithm_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

    fn route_of(raw: &str) -> Route {
        read(raw).unwrap().route
    }

    fn manifest(name: &str, tag: &str) -> Route {
        Route::Manifest {
            name: name.into(),
            reference: Reference::Tag(tag.into()),
        }
    }

    #[test]
    fn every_route_of_the_registry_is_told_apart() {
        assert_eq!(route_of("/v2/"), Route::Base);
        assert_eq!(route_of("/v2/_catalog"), Route::Catalog);
        assert_eq!(
            route_of("/v2/acme/app/tags/list"),
            Route::Tags {
                name: "acme/app".into()
            }
        );
        assert_eq!(
            route_of("/v2/acme/app/manifests/v1.2.3"),
            manifest("acme/app", "v1.2.3")
        );
        assert_eq!(
            route_of(&format!("/v2/acme/app/manifests/{DIGEST}")),
            Route::Manifest {
                name: "acme/app".into(),
                reference: Reference::Digest(DIGEST.into())
            }
        );
        assert_eq!(
            route_of(&format!("/v2/acme/app/blobs/{DIGEST}")),
            Route::Blob {
                name: "acme/app".into(),
                digest: DIGEST.into()
            }
        );
        assert_eq!(
            route_of("/v2/acme/app/blobs/uploads/"),
            Route::Uploads {
                name: "acme/app".into()
            }
        );
        assert_eq!(
            route_of("/v2/acme/app/blobs/uploads/4f2a-99"),
            Route::Upload {
                name: "acme/app".into()
            }
        );
        assert_eq!(
            route_of(&format!("/v2/acme/app/referrers/{DIGEST}")),
            Route::Referrers {
                name: "acme/app".into(),
                digest: DIGEST.into()
            }
        );
    }

    #[test]
    fn route_words_inside_a_name_belong_to_the_name() {
        assert_eq!(
            route_of("/v2/acme/manifests/manifests/latest"),
            manifest("acme/manifests", "latest")
        );
        assert_eq!(
            route_of("/v2/blobs/uploads/manifests/v1"),
            manifest("blobs/uploads", "v1")
        );
    }

    #[test]
    fn other_spellings_of_a_path_are_read_as_the_registry_reads_them() {
        for spelling in [
            "/v2/acme%2Fapp/manifests/v1",
            "/v2/acme//app/manifests/v1",
            "/v2/acme/./app/manifests/v1",
            "/v2/other/../acme/app/manifests/v1",
            "/v2/%61cme/app/manifests/%761",
            "//v2/acme/app/manifests/v1",
            "/v2/acme/app/x/../manifests/v1",
        ] {
            let read = read(spelling).unwrap();
            assert_eq!(read.route, manifest("acme/app", "v1"), "{spelling}");
            assert_eq!(read.encoded, "/v2/acme/app/manifests/v1", "{spelling}");
        }
        assert_eq!(read("/v2/../../v2/").unwrap().route, Route::Base);
    }

    #[test]
    fn what_the_registry_does_not_route_is_unknown() {
        for path in [
            "/v2/Acme/app/manifests/v1",
            "/v2/acme/app/manifests/-v1",
            "/v2/acme/app/manifests/",
            "/v2/acme/app/blobs/latest",
            "/v2/acme/app/blobs/sha256:abc",
            "/v2/acme-/app/tags/list",
            "/v2/ac..me/app/tags/list",
            "/v2/tags/list",
            "/v2/acme/app/blobs/uploads",
            "/v2",
            "/v1/acme/app/manifests/v1",
            "/",
        ] {
            assert_eq!(route_of(path), Route::Unknown, "{path}");
        }
    }

    #[test]
    fn unreadable_paths_are_refused() {
        for path in [
            "/v2/%zz/tags/list",
            "/v2/%c3%28/tags/list",
            "/v2/a%00b/tags/list",
            "/v2/%4",
        ] {
            assert_eq!(read(path), Err(BadPath), "{path}");
        }
    }

    #[test]
    fn what_is_forwarded_decodes_to_what_was_judged() {
        let read = read("/v2/acme/app/manifests/a%252Fb").unwrap();
        assert_eq!(read.path, "/v2/acme/app/manifests/a%2Fb");
        assert_eq!(read.encoded, "/v2/acme/app/manifests/a%252Fb");
        assert_eq!(read.route, Route::Unknown);
        assert_eq!(percent_decode(&read.encoded).unwrap(), read.path);
        assert_eq!(encode("/v2/a b+c"), "/v2/a%20b%2Bc");
    }

    #[test]
    fn names_tags_and_digests_follow_distribution() {
        for good in ["a", "a0/b_c", "a__b", "a---b", "a.b/c-d"] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", "A", "a_", "_a", "a___b", "a.-b", "a//b", "a/", "a..b"] {
            assert!(!is_name(bad), "{bad}");
        }
        assert!(is_tag("_x") && is_tag("V1.2-rc") && is_tag(&"a".repeat(128)));
        assert!(!is_tag(".x") && !is_tag("a:b") && !is_tag(&"a".repeat(129)));
        assert!(is_digest(DIGEST) && is_digest(&format!("sha256+b64:{}", "a".repeat(32))));
        assert!(!is_digest("sha256:abc") && !is_digest(&format!("256:{}", "a".repeat(32))));
    }
}
