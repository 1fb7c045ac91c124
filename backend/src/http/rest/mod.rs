//! The REST API under `/api/v1`, described by OpenAPI (`portunus openapi`
//! prints it; `openapi.yaml` is that output). One `XxxApi` struct per tag;
//! handlers stay thin and call the domain modules.

mod activities;
pub mod allow;
pub mod auth;
mod dashboard;
mod email;
pub mod error;
mod explore;
mod immutable_tags;
mod info;
mod me;
mod namespaces;
mod oidc;
mod permissions;
mod pulls;
mod recovery;
mod registries;
mod repositories;
mod responses;
mod retention;
mod search;
mod session;
mod teams;
mod tokens;
mod users;
mod webhooks;

use poem::endpoint::BoxEndpoint;
use poem_openapi::{OpenApi, OpenApiService, Tags};

pub const API_PREFIX: &str = "/api/v1";

/// What becomes of namespaces being given up, from a pair of query
/// parameters: moved to a team, or deleted; never both.
enum GivenUp {
    Unsaid,
    MoveTo(String),
    Delete,
}

impl GivenUp {
    /// `params` names the two parameters, for the error.
    fn from_query(
        move_to: Option<String>,
        delete: Option<bool>,
        params: (&str, &str),
    ) -> Result<GivenUp, crate::error::Error> {
        match (move_to, delete.unwrap_or(false)) {
            (Some(_), true) => Err(crate::error::Error::InvalidInput(format!(
                "choose {} or {}, not both",
                params.0, params.1
            ))),
            (Some(team), false) => Ok(GivenUp::MoveTo(team)),
            (None, true) => Ok(GivenUp::Delete),
            (None, false) => Ok(GivenUp::Unsaid),
        }
    }
}

#[derive(Tags)]
pub enum ApiTags {
    /// Public facts about this installation.
    Info,
    /// Signing in and out of the web UI, and signing up.
    Session,
    /// The account making the request.
    Me,
    /// Teams and their members' roles.
    Teams,
    /// Namespaces, their teams and visibility.
    Namespaces,
    /// Application tokens for scripts, CI and bots.
    Tokens,
    /// Why a user can or cannot pull, push or delete.
    Permissions,
    /// Accounts and bots (administrators), and your password.
    Users,
    /// The audit log.
    Activities,
    /// Repositories and tags in the registry.
    Repositories,
    /// Finding repositories, namespaces and teams by name.
    Search,
    /// Public repositories, for everyone.
    Explore,
    /// The start page: your feed, and the installation's figures.
    Dashboard,
    /// Outgoing webhooks: what happens in a namespace, posted to your URL.
    Webhooks,
    /// The registries Portunus authorizes for (administrators).
    Registries,
}

/// The OpenAPI service; `server_url` goes into the spec's `servers`.
pub fn service(server_url: &str) -> OpenApiService<impl OpenApi, ()> {
    OpenApiService::new(
        (
            info::InfoApi,
            session::SessionApi,
            oidc::OidcApi,
            recovery::RecoveryApi,
            me::MeApi,
            teams::TeamsApi,
            namespaces::NamespacesApi,
            tokens::TokensApi,
            permissions::PermissionsApi,
            users::UsersApi,
            activities::ActivitiesApi,
            dashboard::DashboardApi,
            repositories::RepositoriesApi,
            (
                retention::RetentionApi,
                webhooks::WebhooksApi,
                registries::RegistriesApi,
                email::EmailApi,
                immutable_tags::ImmutableTagsApi,
                pulls::PullsApi,
            ),
            search::SearchApi,
            explore::ExploreApi,
        ),
        "Portunus",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Authorization service and web UI for Docker/OCI registries. Errors are JSON \
             `{code, message}` bodies; the message says what to change.",
    )
    .server(format!("{}{API_PREFIX}", server_url.trim_end_matches('/')))
}

/// The API's own description, served beside it: `openapi.yaml`,
/// `openapi.json` and an interactive page (`docs`, Swagger UI, which signs
/// requests with the browser's session), all under [`API_PREFIX`].
pub fn docs(api: &OpenApiService<impl OpenApi, ()>) -> [(String, BoxEndpoint<'static>); 3] {
    use poem::{EndpointExt, IntoResponse, web::Html};
    let page = api.swagger_ui_html();
    let policy = crate::http::content_policy::web_ui(&page);
    let page = poem::endpoint::make_sync(move |_| {
        Html(page.clone())
            .with_header(poem::http::header::CONTENT_SECURITY_POLICY, policy.clone())
            .into_response()
    });
    [
        (
            format!("{API_PREFIX}/openapi.yaml"),
            api.spec_endpoint_yaml().map_to_response().boxed(),
        ),
        (
            format!("{API_PREFIX}/openapi.json"),
            api.spec_endpoint().map_to_response().boxed(),
        ),
        (format!("{API_PREFIX}/docs"), page.boxed()),
    ]
}

/// The spec as YAML, exactly what `openapi.yaml` must contain.
pub fn spec_yaml() -> String {
    service("http://127.0.0.1:8080").spec_yaml()
}
