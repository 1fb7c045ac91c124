//! One module per page; what pages are built from is `components`.

mod activities;
mod comments;
mod events;
mod explore;
mod home;
mod immutable_tags;
mod namespace;
mod namespaces;
mod permissions;
mod profile;
mod recovery;
mod registries;
mod repositories;
mod retention;
mod search;
mod sign_in;
mod sign_up;
mod tag;
mod teams;
mod tokens;
mod users;
mod webhooks;

pub use activities::AuditLogPage;
pub use events::RegistryEventsPage;
pub use explore::{ExplorePage, ExploredRepositoryPage};
pub use home::Home;
pub use immutable_tags::InstallationImmutableTagsPage;
pub use namespace::NamespacePage;
pub use namespaces::NamespacesPage;
pub use permissions::PermissionsPage;
pub use profile::ProfilePage;
pub use recovery::{ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage};
pub use registries::RegistriesPage;
pub use repositories::{RepositoriesPage, RepositoryPage};
pub use search::{SearchBox, SearchPage};
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use tag::TagPage;
pub use teams::{TeamPage, TeamsPage};
pub use tokens::TokensPage;
pub use users::UsersPage;
pub use webhooks::GlobalWebhooksPage;

pub use crate::session::require_sign_in;
