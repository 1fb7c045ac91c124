//! Names of users, namespaces and repositories: what is valid, and how a user
//! name becomes the name of that user's personal namespace.

use std::fmt;

/// Longest namespace name the registry accepts (Portus used the same bound).
pub const MAX_NAMESPACE_LEN: usize = 255;
/// Longest user name; also bounds what an attacker can make the server hash.
pub const MAX_USERNAME_LEN: usize = 64;
/// Longest full repository path (`namespace/name`), as in Docker Distribution.
pub const MAX_REPOSITORY_LEN: usize = 255;

/// Why a name was refused, worded so a person knows what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError(pub String);

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NameError {}

fn is_separator(c: char) -> bool {
    matches!(c, '.' | '_' | '-')
}

fn is_alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A namespace name: `[a-z0-9]+(?:[._-][a-z0-9]+)*`, at most 255 characters.
pub fn validate_namespace(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError("a namespace name cannot be empty".into()));
    }
    if name.len() > MAX_NAMESPACE_LEN {
        return Err(NameError(format!(
            "a namespace name has at most {MAX_NAMESPACE_LEN} characters, this one has {}",
            name.len()
        )));
    }
    let mut previous_was_separator = true;
    for c in name.chars() {
        if is_alnum_lower(c) {
            previous_was_separator = false;
        } else if is_separator(c) {
            if previous_was_separator {
                return Err(NameError(format!(
                    "namespace name {name:?}: '.', '_' and '-' must stand between letters or digits"
                )));
            }
            previous_was_separator = true;
        } else {
            return Err(NameError(format!(
                "namespace name {name:?}: only lowercase letters, digits, '.', '_' and '-' are allowed, not {c:?}"
            )));
        }
    }
    if previous_was_separator {
        return Err(NameError(format!(
            "namespace name {name:?} must end with a letter or digit"
        )));
    }
    Ok(())
}

/// A user name: 1 to 64 of ASCII letters, digits, `.`, `_`, `-` and `@`,
/// starting with a letter or digit. No `:` (it separates Basic credentials).
pub fn validate_username(name: &str) -> Result<(), NameError> {
    let Some(first) = name.chars().next() else {
        return Err(NameError("a user name cannot be empty".into()));
    };
    if name.len() > MAX_USERNAME_LEN {
        return Err(NameError(format!(
            "a user name has at most {MAX_USERNAME_LEN} characters"
        )));
    }
    if !first.is_ascii_alphanumeric() {
        return Err(NameError(format!(
            "user name {name:?} must start with a letter or digit"
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
    {
        return Err(NameError(format!(
            "user name {name:?}: only letters, digits, '.', '_', '-' and '@' are allowed, not {bad:?}"
        )));
    }
    Ok(())
}

/// A team name: 1 to 80 letters, digits, spaces, `.`, `_` and `-`,
/// starting with a letter or digit (names starting with `_` are Portunus's own).
pub fn validate_team_name(name: &str) -> Result<(), NameError> {
    let ok = !name.is_empty()
        && name.chars().count() <= 80
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(NameError(format!(
            "team name {name:?}: use 1 to 80 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit"
        )))
    }
}

/// Names Portunus acts under itself (its registry identity, and the actors
/// of the activity log): no account may take one, in any case.
pub const RESERVED_USERNAMES: &[&str] = &[
    "portunus",
    "portunus-cli",
    "portunus-directory",
    "portunus-retention",
    "registry",
];

/// Whether `name` is one of [`RESERVED_USERNAMES`], whatever its case.
pub fn is_reserved_username(name: &str) -> bool {
    RESERVED_USERNAMES
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(name))
}

/// The personal namespace name for a valid user name: lowercased, every run of
/// other characters turned into one `-`, separators trimmed from the ends.
/// Returns `None` when nothing usable is left.
pub fn namespace_for_username(username: &str) -> Option<String> {
    let mut out = String::with_capacity(username.len());
    let mut pending_separator: Option<char> = None;
    for c in username.chars() {
        let c = c.to_ascii_lowercase();
        if is_alnum_lower(c) {
            if let Some(sep) = pending_separator.take()
                && !out.is_empty()
            {
                out.push(sep);
            }
            out.push(c);
        } else {
            let sep = if is_separator(c) { c } else { '-' };
            pending_separator.get_or_insert(sep);
        }
    }
    out.truncate(MAX_NAMESPACE_LEN);
    while out.ends_with(is_separator) {
        out.pop();
    }
    (!out.is_empty()).then_some(out)
}

/// A repository path as the registry names it, split into its namespace and
/// the rest: `ns/a/b` is namespace `ns`, name `a/b`; `busybox` has no
/// namespace (the global one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryPath<'a> {
    pub namespace: Option<&'a str>,
    pub name: &'a str,
}

/// Parses a full repository path with Docker Distribution's grammar: path
/// components of `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*` joined by `/`.
pub fn parse_repository_path(path: &str) -> Result<RepositoryPath<'_>, NameError> {
    if path.is_empty() || path.len() > MAX_REPOSITORY_LEN {
        return Err(NameError(format!(
            "a repository name has 1 to {MAX_REPOSITORY_LEN} characters"
        )));
    }
    for component in path.split('/') {
        if !is_path_component(component) {
            return Err(NameError(format!(
                "repository name {path:?}: each part between slashes is lowercase letters and digits, joined by '.', '_', '__' or dashes"
            )));
        }
    }
    Ok(match path.split_once('/') {
        Some((namespace, name)) => RepositoryPath {
            namespace: Some(namespace),
            name,
        },
        None => RepositoryPath {
            namespace: None,
            name: path,
        },
    })
}

fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.first().is_none_or(|b| !alnum(*b)) || bytes.last().is_none_or(|b| !alnum(*b)) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let valid = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !valid {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names() {
        for ok in ["a", "alice", "a.b", "a_b-c", "team9", "0"] {
            assert_eq!(validate_namespace(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Alice", "-a", "a-", "a..b", "a/b", "a b", "é"] {
            assert!(validate_namespace(bad).is_err(), "{bad}");
        }
        assert!(validate_namespace(&"a".repeat(255)).is_ok());
        assert!(validate_namespace(&"a".repeat(256)).is_err());
    }

    #[test]
    fn usernames() {
        for ok in ["alice", "Alice.Smith", "bob@example.com", "x_1"] {
            assert_eq!(validate_username(ok), Ok(()), "{ok}");
        }
        for bad in ["", ".alice", "al:ice", "al ice", "al/ice", "ålice"] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
        assert!(validate_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn username_to_namespace() {
        let cases = [
            ("alice", "alice"),
            ("Alice.Smith", "alice.smith"),
            ("bob@example.com", "bob-example.com"),
            ("x__y", "x_y"),
            ("a-.b", "a-b"),
            ("trail_", "trail"),
            ("9lives", "9lives"),
        ];
        for (user, ns) in cases {
            let got = namespace_for_username(user);
            assert_eq!(got.as_deref(), Some(ns), "{user}");
            assert_eq!(validate_namespace(ns), Ok(()));
        }
        assert_eq!(namespace_for_username("@@"), None);
    }

    #[test]
    fn repository_paths() {
        let p = parse_repository_path("alice/app/web").unwrap();
        assert_eq!(p.namespace, Some("alice"));
        assert_eq!(p.name, "app/web");
        let g = parse_repository_path("busybox").unwrap();
        assert_eq!(g.namespace, None);
        for ok in ["a__b/c", "a---b/c", "a.b_c/d"] {
            assert!(parse_repository_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "A/b", "a//b", "/a", "a/", "a/b:c", "a._b", "a___b", "a/-b",
        ] {
            assert!(parse_repository_path(bad).is_err(), "{bad}");
        }
    }
}
