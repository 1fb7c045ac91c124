//! Who may do what on the registry: a pure function from a subject and a
//! requested resource to a verdict per action, each naming the rule that
//! decided it. No I/O here: callers load the facts, tests enumerate cases.
//!
//! Current rules: a signed-in user may pull and push in their own personal
//! namespace; everything else is denied.

use portunus_shared::names::parse_repository_path;
use portunus_shared::scope::Scope;

/// The registry actions Portunus knows. Anything else is never granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pull,
    Push,
    Delete,
    /// `*`: every action on the resource (skopeo deletes with it).
    All,
}

impl Action {
    pub fn parse(text: &str) -> Option<Action> {
        match text {
            "pull" => Some(Action::Pull),
            "push" => Some(Action::Push),
            "delete" => Some(Action::Delete),
            "*" => Some(Action::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pull => "pull",
            Action::Push => "push",
            Action::Delete => "delete",
            Action::All => "*",
        }
    }
}

/// Who asks: `None` fields mean anonymous.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub username: Option<String>,
    pub admin: bool,
    /// The subject's personal namespace, when signed in and not a bot.
    pub personal_namespace: Option<String>,
}

impl Subject {
    pub fn anonymous() -> Subject {
        Subject::default()
    }
}

/// Why an action was allowed or denied: shown to people asking "why".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    OwnPersonalNamespace,
    AnonymousDenied,
    NotYourNamespace,
    GlobalNamespaceDenied,
    DeleteNotAllowed,
    UnknownAction,
    UnknownResourceType,
    InvalidRepositoryName,
    CatalogDenied,
}

impl Rule {
    pub fn explain(self) -> &'static str {
        match self {
            Rule::OwnPersonalNamespace => "you may pull and push in your personal namespace",
            Rule::AnonymousDenied => "anonymous access is not allowed; sign in",
            Rule::NotYourNamespace => "only the owner may use a personal namespace",
            Rule::GlobalNamespaceDenied => {
                "repositories without a namespace are not writable or readable yet"
            }
            Rule::DeleteNotAllowed => "deleting is not allowed",
            Rule::UnknownAction => "this action is unknown to Portunus",
            Rule::UnknownResourceType => "this resource type is unknown to Portunus",
            Rule::InvalidRepositoryName => "this is not a valid repository name",
            Rule::CatalogDenied => "listing the catalog is not allowed",
        }
    }
}

/// The decision on one requested action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The action as the client wrote it.
    pub action: String,
    pub allowed: bool,
    pub rule: Rule,
}

/// Decides every action requested in `scope` for `subject`.
pub fn decide(subject: &Subject, scope: &Scope) -> Vec<Verdict> {
    scope
        .actions
        .iter()
        .map(|text| {
            let (allowed, rule) = match Action::parse(text) {
                None => (false, Rule::UnknownAction),
                Some(action) => decide_action(subject, &scope.resource_type, &scope.name, action),
            };
            Verdict {
                action: text.clone(),
                allowed,
                rule,
            }
        })
        .collect()
}

fn decide_action(
    subject: &Subject,
    resource_type: &str,
    name: &str,
    action: Action,
) -> (bool, Rule) {
    match resource_type {
        "repository" => decide_repository(subject, name, action),
        "registry" => (false, Rule::CatalogDenied),
        _ => (false, Rule::UnknownResourceType),
    }
}

fn decide_repository(subject: &Subject, name: &str, action: Action) -> (bool, Rule) {
    let Ok(path) = parse_repository_path(name) else {
        return (false, Rule::InvalidRepositoryName);
    };
    if subject.username.is_none() {
        return (false, Rule::AnonymousDenied);
    }
    let Some(namespace) = path.namespace else {
        return (false, Rule::GlobalNamespaceDenied);
    };
    if subject.personal_namespace.as_deref() != Some(namespace) {
        return (false, Rule::NotYourNamespace);
    }
    match action {
        Action::Pull | Action::Push => (true, Rule::OwnPersonalNamespace),
        Action::Delete | Action::All => (false, Rule::DeleteNotAllowed),
    }
}

/// The actions of `scope` that `subject` is granted, in the client's spelling.
pub fn granted_actions(subject: &Subject, scope: &Scope) -> Vec<String> {
    decide(subject, scope)
        .into_iter()
        .filter(|v| v.allowed)
        .map(|v| v.action)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Subject {
        Subject {
            username: Some("alice".into()),
            admin: false,
            personal_namespace: Some("alice".into()),
        }
    }

    fn granted(subject: &Subject, scope: &str) -> Vec<String> {
        granted_actions(subject, &Scope::parse(scope).unwrap())
    }

    #[test]
    fn table() {
        let admin = Subject {
            username: Some("root".into()),
            admin: true,
            personal_namespace: Some("root".into()),
        };
        let bot = Subject {
            username: Some("ci".into()),
            admin: false,
            personal_namespace: None,
        };
        let anon = Subject::anonymous();
        // (subject, scope, expected granted actions)
        let cases: &[(&Subject, &str, &[&str])] = &[
            (
                &alice(),
                "repository:alice/app:pull,push",
                &["pull", "push"],
            ),
            (&alice(), "repository:alice/deep/app:pull", &["pull"]),
            (&alice(), "repository:alice/app:delete", &[]),
            (&alice(), "repository:alice/app:*", &[]),
            (&alice(), "repository:alice/app:pull,frobnicate", &["pull"]),
            (&alice(), "repository:bob/app:pull,push", &[]),
            (&alice(), "repository:alicex/app:pull", &[]),
            (&alice(), "repository:app:pull,push", &[]),
            (&alice(), "repository:Alice/app:pull", &[]),
            (&alice(), "repository:127.0.0.1:5000/alice/app:pull", &[]),
            (&alice(), "registry:catalog:*", &[]),
            (&alice(), "plugin:alice/app:pull", &[]),
            (&admin, "repository:alice/app:pull", &[]),
            (&admin, "repository:root/app:push", &["push"]),
            (&admin, "registry:catalog:*", &[]),
            (&bot, "repository:ci/app:pull", &[]),
            (&anon, "repository:alice/app:pull", &[]),
        ];
        for (subject, scope, expected) in cases {
            assert_eq!(&granted(subject, scope), expected, "{subject:?} {scope}");
        }
    }

    #[test]
    fn every_verdict_names_its_rule() {
        let verdicts = decide(
            &alice(),
            &Scope::parse("repository:bob/x:pull,push,zap").unwrap(),
        );
        assert_eq!(verdicts.len(), 3);
        assert!(verdicts.iter().all(|v| !v.allowed));
        assert!(verdicts.iter().any(|v| v.rule == Rule::UnknownAction));
        assert!(verdicts.iter().any(|v| v.rule == Rule::NotYourNamespace));
        assert!(!Rule::NotYourNamespace.explain().is_empty());
    }
}
