//! Who may do what, in one place. Every decision is a pure function over
//! facts, tested exhaustively: `registry` decides registry actions for the
//! token endpoint; `rest` decides what the REST API lets people see and
//! change. `facts` loads the facts from the database, and `visibility` is
//! the SQL filter that agrees with `rest`. Handlers and domain modules ask
//! here; nothing else decides. Imports `config`, `db` and `error` only.

pub mod explain;
pub mod facts;
pub mod facts_cache;
pub mod registry;
pub mod rest;
pub mod visibility;

use serde::{Deserialize, Serialize};

pub use portunus_shared::domain::{Role, TokenAccess, Visibility};
pub use registry::{Action, Rule, Verdict, decide, granted_actions};

use crate::db::entities::user;
use crate::db::ids::{RegistryId, UserId};

/// The part of the registry an application token may reach, and how far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenScope {
    /// Namespaces (`team`) or repositories (`team/app`); empty means all.
    pub resources: Vec<String>,
    /// The strongest action allowed: `pull` (read), `push` (write) or
    /// `delete` (write and delete).
    pub access: TokenAccess,
    /// The registry (its id) whose `resources` a limited token reaches:
    /// `acme` in one registry is not `acme` in another. Tokens made before
    /// tokens named one have none stored; reading them gives the default
    /// registry's (`accounts::app_tokens`). A limited scope without one
    /// reaches nothing; an unlimited one reaches every registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<RegistryId>,
}

impl TokenScope {
    pub fn covers(&self, repository: &str) -> bool {
        self.resources.is_empty()
            || self.resources.iter().any(|r| {
                repository == r
                    || (repository.starts_with(r.as_str())
                        && repository[r.len()..].starts_with('/'))
            })
    }

    /// Whether the token reaches anything in the registry `registry_id`.
    pub fn in_registry(&self, registry_id: RegistryId) -> bool {
        !self.limited() || self.registry_id == Some(registry_id)
    }

    /// Whether the token covers the repository `repository` of the
    /// registry `registry_id`.
    pub fn covers_in(&self, registry_id: RegistryId, repository: &str) -> bool {
        self.in_registry(registry_id) && self.covers(repository)
    }

    /// Whether the token is limited to some repositories or namespaces.
    pub fn limited(&self) -> bool {
        !self.resources.is_empty()
    }

    /// Whether the token reaches some repository in the namespace `name`
    /// (None: the global namespace, whose repositories have no slash).
    pub fn reaches_namespace(&self, name: Option<&str>) -> bool {
        self.resources.is_empty()
            || self.resources.iter().any(|r| match name {
                Some(name) => {
                    r == name || (r.starts_with(name) && r[name.len()..].starts_with('/'))
                }
                None => !r.contains('/'),
            })
    }

    pub fn allows(&self, action: Action) -> bool {
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
    pub user_id: Option<UserId>,
    pub username: Option<String>,
    pub admin: bool,
    /// Bots act through application tokens only and own nothing.
    pub bot: bool,
    /// Set when the request authenticated with a scoped application token.
    pub token_scope: Option<TokenScope>,
    /// The operator at the command line (`portunus user ...`), who has the
    /// database and so every right of an administrator.
    pub operator: bool,
}

impl Subject {
    pub fn anonymous() -> Subject {
        Subject::default()
    }

    /// A signed-in user, narrowed by the application token they used, if any.
    pub fn user(user: &user::Model, token_scope: Option<TokenScope>) -> Subject {
        Subject {
            user_id: Some(UserId(user.id)),
            username: Some(user.username.clone()),
            admin: user.admin,
            bot: user.bot,
            token_scope,
            operator: false,
        }
    }

    /// The operator at the command line: an administrator without an account.
    pub fn operator() -> Subject {
        Subject {
            username: Some("portunus-cli".into()),
            admin: true,
            operator: true,
            ..Subject::default()
        }
    }

    pub fn signed_in(&self) -> bool {
        self.user_id.is_some()
    }

    /// Whether the subject came with a token limited to some repositories
    /// or namespaces: such a token reads those and nothing else.
    pub fn limited(&self) -> bool {
        self.token_scope.as_ref().is_some_and(TokenScope::limited)
    }
}

/// What kind of namespace a repository lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceKind {
    /// Repositories without a slash.
    Global,
    /// A user's own namespace; `owner` is that user's id.
    Personal { owner: UserId },
    /// A namespace of a (visible) team.
    Team,
}

/// What the policy needs to know about the namespace of a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceFacts {
    /// The registry the namespace is in.
    pub registry_id: RegistryId,
    pub kind: NamespaceKind,
    pub visibility: Visibility,
    /// The subject's role in the namespace's team, if a member.
    pub role: Option<Role>,
}
