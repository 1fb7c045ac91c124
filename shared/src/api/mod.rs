//! JSON bodies of the REST API under `/api/v1`, shared by the server (which
//! describes them in openapi.yaml) and the web UI (which sends and reads them),
//! one module per area as `http/rest/` has them. An optional field without a
//! value is left out of an answer, never `null`.

mod activities;
mod immutable_tags;
mod namespaces;
mod pulls;
mod registries;
mod repositories;
mod retention;
mod session;
mod teams;
mod tokens;
mod users;
mod webhooks;

pub use activities::{Activity, DayCount, Overview};
pub use immutable_tags::{ImmutableTagRule, NewImmutableTagRule};
pub use namespaces::{Namespace, NamespaceInRegistry, NamespaceUpdate, NewNamespace};
pub use pulls::{PullSummary, PullsBy};
pub use registries::{
    NewRegistry, Registry, RegistryEvent, RegistryName, RegistryStatus, RegistryUpdate,
    RegistryWithSecret,
};
pub use repositories::{
    Artifact, Comment, ExploredRepository, Image, Layer, NewComment, PlatformImage, Repository,
    RepositoryDescription, SearchResults, Tag, TagDetails,
};
pub use retention::{RetentionPreview, RetentionRule, RetentionSetting, RetentionVerdict};
pub use session::{Me, ServerInfo, SignIn, SignUp, SignedUp, WebSession};
pub use teams::{MemberRole, NewTeam, Person, Team, TeamMember, TeamUpdate};
pub use tokens::{
    ActionVerdict, ApplicationToken, CreatedApplicationToken, NewApplicationToken, Permissions,
    RefreshTokenInfo,
};
pub use users::{
    EmailConfirmation, NewUser, PasswordChange, PasswordReset, PasswordResetRequest, User,
    UserUpdate,
};
pub use webhooks::{
    NewWebhook, Webhook, WebhookAttempt, WebhookBasicAuth, WebhookDelivery, WebhookHeader,
    WebhookUpdate, WebhookWithSecret,
};

use serde::{Deserialize, Serialize};

use crate::domain::ErrorCode;

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// The body of every error answer: a stable machine-readable `code` and a
/// `message` that tells a person what was wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ErrorBody {
    /// Stable identifier such as `unauthorized`, `not_found`, `invalid_input`.
    pub code: ErrorCode,
    /// What went wrong, in words a person can act on.
    pub message: String,
}

/// A request taken; the message says what happens next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Accepted {
    pub message: String,
}

/// What a list entry must be: on the server, something OpenAPI can describe.
#[cfg(feature = "openapi")]
pub trait Listed: poem_openapi::types::ParseFromJSON + poem_openapi::types::ToJSON {}
#[cfg(feature = "openapi")]
impl<T: poem_openapi::types::ParseFromJSON + poem_openapi::types::ToJSON> Listed for T {}
/// What a list entry must be: on the server, something OpenAPI can describe.
#[cfg(not(feature = "openapi"))]
pub trait Listed {}
#[cfg(not(feature = "openapi"))]
impl<T> Listed for T {}

/// One page of a list (pages count from 1), and how many entries match in
/// all. OpenAPI names each kind `Page_ENTRY`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Page<T: Listed> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

pub type UserPage = Page<User>;
pub type ActivityPage = Page<Activity>;
pub type TeamPage = Page<Team>;
pub type NamespacePage = Page<Namespace>;
pub type RepositoryPage = Page<Repository>;
pub type RegistryEventPage = Page<RegistryEvent>;
pub type WebhookDeliveryPage = Page<WebhookDelivery>;
