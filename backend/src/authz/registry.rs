//! Who may do what on the registry: a pure function from a subject, the
//! policy settings and the facts about a namespace to a verdict per requested
//! action, each naming the rule that decided it. The rules are Portus's, with
//! its gaps closed. No I/O here: callers load the facts (`facts`), tests
//! enumerate the cases.

use portunus_shared::names::parse_repository_path;
use portunus_shared::scope::Scope;
use serde::Serialize;

use super::{NamespaceFacts, NamespaceKind, Role, Subject, TokenScope, Visibility};
use crate::config::{PolicySettings, PushPolicy};

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

/// Why an action was allowed or denied: shown to people asking "why".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Admin,
    PublicNamespace,
    ProtectedNamespace,
    TeamMember,
    TeamWriter,
    TeamOwnerDeletes,
    ContributorDeletes,
    OwnPersonalNamespace,
    AnonymousDenied,
    AnonymousPullDisabled,
    NotAMember,
    ViewerCannotPush,
    PushPolicyPersonalOnly,
    PushPolicyAdminOnly,
    GlobalNamespaceAdminsOnly,
    NamespaceMissing,
    DeletesDisabled,
    DeleteNeedsOwner,
    TokenScope,
    UnknownAction,
    UnknownResourceType,
    InvalidRepositoryName,
    CatalogAdminsOnly,
}

impl Rule {
    /// The rule's stable name, as the API reports it (`team_member`).
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            _ => format!("{self:?}"),
        }
    }

    /// Every rule, for tests that check what the explanations say.
    pub const ALL: &'static [Rule] = &[
        Rule::Admin,
        Rule::PublicNamespace,
        Rule::ProtectedNamespace,
        Rule::TeamMember,
        Rule::TeamWriter,
        Rule::TeamOwnerDeletes,
        Rule::ContributorDeletes,
        Rule::OwnPersonalNamespace,
        Rule::AnonymousDenied,
        Rule::AnonymousPullDisabled,
        Rule::NotAMember,
        Rule::ViewerCannotPush,
        Rule::PushPolicyPersonalOnly,
        Rule::PushPolicyAdminOnly,
        Rule::GlobalNamespaceAdminsOnly,
        Rule::NamespaceMissing,
        Rule::DeletesDisabled,
        Rule::DeleteNeedsOwner,
        Rule::TokenScope,
        Rule::UnknownAction,
        Rule::UnknownResourceType,
        Rule::InvalidRepositoryName,
        Rule::CatalogAdminsOnly,
    ];

    pub fn explain(self) -> &'static str {
        match self {
            Rule::Admin => "administrators may do everything",
            Rule::PublicNamespace => "the namespace is public: everyone may pull",
            Rule::ProtectedNamespace => "the namespace is protected: every signed-in user may pull",
            Rule::TeamMember => "members of the namespace's team may pull",
            Rule::TeamWriter => "owners and contributors of the namespace's team may push",
            Rule::TeamOwnerDeletes => "owners of the namespace's team may delete",
            Rule::ContributorDeletes => {
                "contributors may delete (policy.contributors_may_delete is on)"
            }
            Rule::OwnPersonalNamespace => "this is your personal namespace",
            Rule::AnonymousDenied => {
                "anonymous clients may only pull from public namespaces; sign in"
            }
            Rule::AnonymousPullDisabled => {
                "anonymous pulls are disabled here (policy.anonymous_pull); sign in"
            }
            Rule::NotAMember => "the namespace is private and you are not a member of its team",
            Rule::ViewerCannotPush => "viewers may pull but not push or delete",
            Rule::PushPolicyPersonalOnly => {
                "the push policy (policy.push_policy) allows pushing only to your personal namespace"
            }
            Rule::PushPolicyAdminOnly => {
                "the push policy (policy.push_policy) allows only administrators to push"
            }
            Rule::GlobalNamespaceAdminsOnly => {
                "only administrators may push to repositories without a namespace"
            }
            Rule::NamespaceMissing => {
                "the namespace does not exist (or you may not see it); an administrator or team owner must create it"
            }
            Rule::DeletesDisabled => "deleting images is disabled here (policy.delete_enabled)",
            Rule::DeleteNeedsOwner => "only team owners (or administrators) may delete",
            Rule::TokenScope => "the application token used does not cover this",
            Rule::UnknownAction => "this action is unknown to Portunus",
            Rule::UnknownResourceType => "this resource type is unknown to Portunus",
            Rule::InvalidRepositoryName => "this is not a valid repository name",
            Rule::CatalogAdminsOnly => "only administrators may list the whole catalog",
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

type Decision = (bool, Rule);

/// Decides every action requested in `scope`. `facts` describes the
/// namespace of a `repository` scope (`None`: it does not exist).
/// `registry:catalog:*` is for admins only. An application token narrows
/// every rule to its own scope.
pub fn decide(
    subject: &Subject,
    settings: &PolicySettings,
    scope: &Scope,
    facts: Option<&NamespaceFacts>,
) -> Vec<Verdict> {
    scope
        .actions
        .iter()
        .map(|text| {
            let (allowed, rule) = match Action::parse(text) {
                None => (false, Rule::UnknownAction),
                Some(action) => match scope.resource_type.as_str() {
                    "repository" => {
                        decide_repository(subject, settings, &scope.name, facts, action)
                    }
                    "registry" if scope.name == "catalog" => {
                        if subject.admin
                            && subject
                                .token_scope
                                .as_ref()
                                .is_none_or(|t| t.resources.is_empty())
                        {
                            (true, Rule::Admin)
                        } else {
                            (false, Rule::CatalogAdminsOnly)
                        }
                    }
                    _ => (false, Rule::UnknownResourceType),
                },
            };
            Verdict {
                action: text.clone(),
                allowed,
                rule,
            }
        })
        .collect()
}

fn decide_repository(
    subject: &Subject,
    settings: &PolicySettings,
    name: &str,
    facts: Option<&NamespaceFacts>,
    action: Action,
) -> Decision {
    if parse_repository_path(name).is_err() {
        return (false, Rule::InvalidRepositoryName);
    }
    let decision = match action {
        Action::Pull => may_pull(subject, settings, facts),
        Action::Push => may_push(subject, settings, facts),
        Action::Delete => may_delete(subject, settings, facts),
        Action::All => {
            // `*` is every action at once: granted only when each one is.
            [may_pull, may_push, may_delete]
                .iter()
                .map(|rule| rule(subject, settings, facts))
                .find(|(allowed, _)| !allowed)
                .unwrap_or_else(|| may_delete(subject, settings, facts))
        }
    };
    // A limited token reaches its resources in its own registry: a
    // namespace not there (or in another registry) is out of it.
    let reached = |scope: &TokenScope| match facts {
        Some(facts) => scope.covers_in(facts.registry_id, name),
        None => !scope.limited(),
    };
    match &subject.token_scope {
        Some(scope) if decision.0 && !(reached(scope) && scope.allows(action)) => {
            (false, Rule::TokenScope)
        }
        _ => decision,
    }
}

/// Public namespaces: anyone, anonymous included (when anonymous pulls are
/// enabled); protected: any signed-in user; private: admins and members of
/// the namespace's team, in any role.
fn may_pull(
    subject: &Subject,
    settings: &PolicySettings,
    facts: Option<&NamespaceFacts>,
) -> Decision {
    if subject.admin {
        return (true, Rule::Admin);
    }
    let Some(facts) = facts else {
        return (
            false,
            if subject.signed_in() {
                Rule::NamespaceMissing
            } else {
                Rule::AnonymousDenied
            },
        );
    };
    match (facts.visibility, subject.signed_in()) {
        (Visibility::Public, true) => (true, Rule::PublicNamespace),
        (Visibility::Public, false) if settings.anonymous_pull => (true, Rule::PublicNamespace),
        (Visibility::Public, false) => (false, Rule::AnonymousPullDisabled),
        (_, false) => (false, Rule::AnonymousDenied),
        (Visibility::Protected, true) => (true, Rule::ProtectedNamespace),
        (Visibility::Private, true) if facts.role.is_some() => (true, Rule::TeamMember),
        (Visibility::Private, true) => (false, Rule::NotAMember),
    }
}

/// Signed-in only; admins always; others by `push_policy`: `allow-teams`
/// (owners and contributors of the team, which includes one's personal
/// namespace), `allow-personal` (only one's personal namespace),
/// `admin-only`. The global namespace (names without a slash) and
/// namespaces that do not exist yet: admins only.
fn may_push(
    subject: &Subject,
    settings: &PolicySettings,
    facts: Option<&NamespaceFacts>,
) -> Decision {
    if !subject.signed_in() {
        return (false, Rule::AnonymousDenied);
    }
    if subject.admin {
        return (true, Rule::Admin);
    }
    let Some(facts) = facts else {
        return (false, Rule::NamespaceMissing);
    };
    let own_personal =
        matches!(facts.kind, NamespaceKind::Personal { owner } if Some(owner) == subject.user_id);
    match (facts.kind, settings.push_policy) {
        (NamespaceKind::Global, _) => (false, Rule::GlobalNamespaceAdminsOnly),
        (_, PushPolicy::AdminOnly) => (false, Rule::PushPolicyAdminOnly),
        _ if own_personal => (true, Rule::OwnPersonalNamespace),
        (_, PushPolicy::AllowPersonal) => (false, Rule::PushPolicyPersonalOnly),
        (_, PushPolicy::AllowTeams) => match facts.role {
            Some(Role::Owner | Role::Contributor) => (true, Rule::TeamWriter),
            Some(Role::Viewer) => (false, Rule::ViewerCannotPush),
            None => (false, Rule::NotAMember),
        },
    }
}

/// For `delete`, and `*` which means every action: deletes enabled, and
/// admin or team owner, or contributor when contributors may delete.
fn may_delete(
    subject: &Subject,
    settings: &PolicySettings,
    facts: Option<&NamespaceFacts>,
) -> Decision {
    if !settings.delete_enabled {
        return (false, Rule::DeletesDisabled);
    }
    if !subject.signed_in() {
        return (false, Rule::AnonymousDenied);
    }
    if subject.admin {
        return (true, Rule::Admin);
    }
    let Some(facts) = facts else {
        return (false, Rule::NamespaceMissing);
    };
    match facts.role {
        Some(Role::Owner) => (true, Rule::TeamOwnerDeletes),
        Some(Role::Contributor) if settings.contributors_may_delete => {
            (true, Rule::ContributorDeletes)
        }
        Some(Role::Contributor) => (false, Rule::DeleteNeedsOwner),
        Some(Role::Viewer) => (false, Rule::ViewerCannotPush),
        None => (
            false,
            if facts.visibility == Visibility::Private {
                Rule::NotAMember
            } else {
                Rule::DeleteNeedsOwner
            },
        ),
    }
}

/// The actions of `scope` that are granted, in the client's spelling.
pub fn granted_actions(
    subject: &Subject,
    settings: &PolicySettings,
    scope: &Scope,
    facts: Option<&NamespaceFacts>,
) -> Vec<String> {
    decide(subject, settings, scope, facts)
        .into_iter()
        .filter(|v| v.allowed)
        .map(|v| v.action)
        .collect()
}

#[cfg(test)]
mod tests;
