//! The registry's scope grammar, `type[(class)]:name:actions`, as clients send
//! it in token requests. Parsing is forgiving where clients differ (repeated or
//! space-separated scopes, deprecated resource classes, `host:port/` inside a
//! name) and strict where it matters (empty parts are malformed).

use std::collections::BTreeSet;

/// One requested resource and the actions asked for on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `repository` or `registry`, without any `(class)` suffix.
    pub resource_type: String,
    pub name: String,
    /// Action names as sent (`pull`, `push`, `delete`, `*`, ...), deduplicated.
    pub actions: BTreeSet<String>,
}

/// Why one scope could not be parsed. Callers ignore malformed scopes rather
/// than failing the whole request; this says why for the logs and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeError {
    MissingParts,
    EmptyType,
    BadClass,
    EmptyName,
    EmptyActions,
    TooLong,
}

/// Longest scope we read; real ones are far shorter.
pub const MAX_SCOPE_LEN: usize = 1024;

impl Scope {
    /// Parses one scope. The name sits between the FIRST and the LAST colon,
    /// so `repository:localhost:5000/a/b:pull` names `localhost:5000/a/b`.
    pub fn parse(text: &str) -> Result<Scope, ScopeError> {
        if text.len() > MAX_SCOPE_LEN {
            return Err(ScopeError::TooLong);
        }
        let (type_part, rest) = text.split_once(':').ok_or(ScopeError::MissingParts)?;
        let (name, actions) = rest.rsplit_once(':').ok_or(ScopeError::MissingParts)?;
        let resource_type = match type_part.split_once('(') {
            Some((ty, class)) => {
                let class_ok = class
                    .strip_suffix(')')
                    .is_some_and(|c| !c.is_empty() && !c.contains(['(', ')']));
                if !class_ok {
                    return Err(ScopeError::BadClass);
                }
                ty
            }
            None => type_part,
        };
        if resource_type.is_empty() {
            return Err(ScopeError::EmptyType);
        }
        if name.is_empty() {
            return Err(ScopeError::EmptyName);
        }
        let actions: BTreeSet<String> = actions
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        if actions.is_empty() {
            return Err(ScopeError::EmptyActions);
        }
        Ok(Scope {
            resource_type: resource_type.to_owned(),
            name: name.to_owned(),
            actions,
        })
    }
}

/// Parses every `scope` parameter of a request: each may hold several scopes
/// separated by spaces. Scopes on the same resource are merged; malformed ones
/// are returned apart so the caller can log and skip them.
pub fn parse_scopes<'a>(
    params: impl IntoIterator<Item = &'a str>,
) -> (Vec<Scope>, Vec<(String, ScopeError)>) {
    let mut scopes: Vec<Scope> = Vec::new();
    let mut rejected = Vec::new();
    for text in params.into_iter().flat_map(str::split_whitespace) {
        match Scope::parse(text) {
            Ok(scope) => match scopes
                .iter_mut()
                .find(|s| s.resource_type == scope.resource_type && s.name == scope.name)
            {
                Some(existing) => existing.actions.extend(scope.actions),
                None => scopes.push(scope),
            },
            Err(e) => rejected.push((text.chars().take(200).collect(), e)),
        }
    }
    (scopes, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plain_scope() {
        let s = Scope::parse("repository:alice/app:pull,push").unwrap();
        assert_eq!(s.resource_type, "repository");
        assert_eq!(s.name, "alice/app");
        assert_eq!(s.actions, actions(&["pull", "push"]));
    }

    #[test]
    fn name_with_port_splits_on_first_and_last_colon() {
        let s = Scope::parse("repository:localhost:5000/alice/app:pull").unwrap();
        assert_eq!(s.name, "localhost:5000/alice/app");
        assert_eq!(s.actions, actions(&["pull"]));
    }

    #[test]
    fn deprecated_class_is_ignored() {
        let s = Scope::parse("repository(plugin):alice/p:pull").unwrap();
        assert_eq!(s.resource_type, "repository");
        assert_eq!(
            Scope::parse("repository(:a:pull"),
            Err(ScopeError::BadClass)
        );
        assert_eq!(
            Scope::parse("repository():a:pull"),
            Err(ScopeError::BadClass)
        );
    }

    #[test]
    fn catalog_and_star() {
        let s = Scope::parse("registry:catalog:*").unwrap();
        assert_eq!(
            (s.resource_type.as_str(), s.name.as_str()),
            ("registry", "catalog")
        );
        assert_eq!(s.actions, actions(&["*"]));
    }

    #[test]
    fn malformed() {
        assert_eq!(Scope::parse(""), Err(ScopeError::MissingParts));
        assert_eq!(Scope::parse("repository"), Err(ScopeError::MissingParts));
        assert_eq!(Scope::parse("repository:a"), Err(ScopeError::MissingParts));
        assert_eq!(Scope::parse(":a:pull"), Err(ScopeError::EmptyType));
        assert_eq!(Scope::parse("repository::pull"), Err(ScopeError::EmptyName));
        assert_eq!(Scope::parse("repository:a:"), Err(ScopeError::EmptyActions));
        assert_eq!(
            Scope::parse("repository:a:,,"),
            Err(ScopeError::EmptyActions)
        );
        let long = format!("repository:{}:pull", "a".repeat(2000));
        assert_eq!(Scope::parse(&long), Err(ScopeError::TooLong));
    }

    #[test]
    fn repeated_and_space_separated_are_merged() {
        let (scopes, rejected) = parse_scopes([
            "repository:a/b:pull repository:c/d:push",
            "repository:a/b:push",
            "garbage",
        ]);
        assert_eq!(scopes.len(), 2);
        assert_eq!(scopes[0].actions, actions(&["pull", "push"]));
        assert_eq!(scopes[1].name, "c/d");
        assert_eq!(rejected.len(), 1);
    }
}
