//! Who may do what on the registry: a pure function from a subject, the
//! policy settings and the facts about a namespace to a verdict per requested
//! action, each naming the rule that decided it. No I/O here: callers load
//! the facts (`access.rs`), tests enumerate the cases.
//!
//! The rules (Portus's, with its gaps closed):
//! - pull: public namespaces: anyone, anonymous included (when anonymous
//!   pulls are enabled); protected: any signed-in user; private: admins and
//!   members of the namespace's team, in any role.
//! - push: signed-in only; admins always; others by `push_policy`:
//!   `allow-teams` (owners and contributors of the team, which includes one's
//!   personal namespace), `allow-personal` (only one's personal namespace),
//!   `admin-only`. The global namespace (names without a slash) and
//!   namespaces that do not exist yet: admins only.
//! - delete (`delete`, and `*` which means every action): deletes enabled,
//!   and admin or team owner, or contributor when contributors may delete.
//! - `registry:catalog:*`: admins only.
//! - An application token narrows all of this to its own scope.

use std::str::FromStr;

use portunus_shared::names::parse_repository_path;
use portunus_shared::scope::Scope;
use serde::{Deserialize, Serialize};

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

/// A member's role in a team; the order is the order of rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Contributor,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Contributor => "contributor",
            Role::Owner => "owner",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "contributor" => Ok(Role::Contributor),
            "owner" => Ok(Role::Owner),
            other => Err(format!(
                "unknown role {other:?}: use viewer, contributor or owner"
            )),
        }
    }
}

/// Who may pull from a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Admins and members of the namespace's team.
    Private,
    /// Every signed-in user.
    Protected,
    /// Everyone, anonymous visitors included.
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Protected => "protected",
            Visibility::Public => "public",
        }
    }
}

impl FromStr for Visibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Visibility, String> {
        match s {
            "private" => Ok(Visibility::Private),
            "protected" => Ok(Visibility::Protected),
            "public" => Ok(Visibility::Public),
            other => Err(format!(
                "unknown visibility {other:?}: use private, protected or public"
            )),
        }
    }
}

/// Who may push to namespaces they do not administer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PushPolicy {
    /// Owners and contributors of the namespace's team.
    AllowTeams,
    /// Only the user's personal namespace.
    AllowPersonal,
    /// Only administrators.
    AdminOnly,
}

/// The configurable knobs of the policy (`[policy]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `allow-teams`, `allow-personal` or `admin-only`.
    pub push_policy: PushPolicy,
    /// Whether images may be deleted at all.
    pub delete_enabled: bool,
    /// Whether team contributors (not only owners) may delete.
    pub contributors_may_delete: bool,
    /// Whether anonymous clients may pull from public namespaces.
    pub anonymous_pull: bool,
    /// Whether users (not only administrators) may create teams.
    pub users_create_teams: bool,
    /// Whether team owners (not only administrators) may create namespaces.
    pub users_create_namespaces: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            push_policy: PushPolicy::AllowTeams,
            delete_enabled: true,
            contributors_may_delete: false,
            anonymous_pull: true,
            users_create_teams: true,
            users_create_namespaces: true,
        }
    }
}

/// The part of the registry an application token may reach, and how far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenScope {
    /// Namespaces (`team`) or repositories (`team/app`); empty means all.
    pub resources: Vec<String>,
    /// The strongest action allowed: `pull` (read), `push` (write) or
    /// `delete` (write and delete).
    pub access: TokenAccess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenAccess {
    Read,
    Write,
    Delete,
}

impl TokenScope {
    fn covers(&self, repository: &str) -> bool {
        self.resources.is_empty()
            || self.resources.iter().any(|r| {
                repository == r
                    || (repository.starts_with(r.as_str())
                        && repository[r.len()..].starts_with('/'))
            })
    }

    fn allows(&self, action: Action) -> bool {
        let needed = match action {
            Action::Pull => TokenAccess::Read,
            Action::Push => TokenAccess::Write,
            Action::Delete | Action::All => TokenAccess::Delete,
        };
        self.access >= needed
    }
}

/// Who asks.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// `None` for anonymous requests.
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub admin: bool,
    /// Set when the request authenticated with a scoped application token.
    pub token_scope: Option<TokenScope>,
}

impl Subject {
    pub fn anonymous() -> Subject {
        Subject::default()
    }

    fn signed_in(&self) -> bool {
        self.user_id.is_some()
    }
}

/// What kind of namespace a repository lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceKind {
    /// Repositories without a slash.
    Global,
    /// A user's own namespace; `owner` is that user's id.
    Personal { owner: i64 },
    /// A namespace of a (visible) team.
    Team,
}

/// What the policy needs to know about the namespace of a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceFacts {
    pub kind: NamespaceKind,
    pub visibility: Visibility,
    /// The subject's role in the namespace's team, if a member.
    pub role: Option<Role>,
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
    pub fn explain(self) -> &'static str {
        match self {
            Rule::Admin => "administrators may do everything",
            Rule::PublicNamespace => "the namespace is public: everyone may pull",
            Rule::ProtectedNamespace => "the namespace is protected: every signed-in user may pull",
            Rule::TeamMember => "members of the namespace's team may pull",
            Rule::TeamWriter => "owners and contributors of the namespace's team may push",
            Rule::TeamOwnerDeletes => "owners of the namespace's team may delete",
            Rule::ContributorDeletes => "contributors may delete (delete.contributors is on)",
            Rule::OwnPersonalNamespace => "this is your personal namespace",
            Rule::AnonymousDenied => {
                "anonymous clients may only pull from public namespaces; sign in"
            }
            Rule::AnonymousPullDisabled => "anonymous pulls are disabled here; sign in",
            Rule::NotAMember => "the namespace is private and you are not a member of its team",
            Rule::ViewerCannotPush => "viewers may pull but not push or delete",
            Rule::PushPolicyPersonalOnly => {
                "the push policy allows pushing only to your personal namespace"
            }
            Rule::PushPolicyAdminOnly => "the push policy allows only administrators to push",
            Rule::GlobalNamespaceAdminsOnly => {
                "only administrators may push to repositories without a namespace"
            }
            Rule::NamespaceMissing => {
                "the namespace does not exist (or you may not see it); an administrator or team owner must create it"
            }
            Rule::DeletesDisabled => "deleting images is disabled here",
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
pub fn decide(
    subject: &Subject,
    settings: &Settings,
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
    settings: &Settings,
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
    match &subject.token_scope {
        Some(scope) if decision.0 && !(scope.covers(name) && scope.allows(action)) => {
            (false, Rule::TokenScope)
        }
        _ => decision,
    }
}

fn may_pull(subject: &Subject, settings: &Settings, facts: Option<&NamespaceFacts>) -> Decision {
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

fn may_push(subject: &Subject, settings: &Settings, facts: Option<&NamespaceFacts>) -> Decision {
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

fn may_delete(subject: &Subject, settings: &Settings, facts: Option<&NamespaceFacts>) -> Decision {
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
    settings: &Settings,
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
