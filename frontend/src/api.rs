//! Calls to the Portunus REST API. Errors come back as the API's message, so
//! pages can show people what the server said.

use gloo_net::http::{Request, RequestBuilder, Response};
use portunus_shared::api::{
    Accepted, ActivityPage, ApplicationToken, Comment, CreatedApplicationToken, EmailConfirmation,
    ErrorBody, ExploredRepository, Image, Me, MemberRole, Namespace, NamespacePage,
    NamespaceUpdate, NewApplicationToken, NewComment, NewNamespace, NewTeam, NewUser, Overview,
    PasswordChange, PasswordReset, PasswordResetRequest, Permissions, Person, RefreshTokenInfo,
    RegistryEventPage, RegistryStatus, Repository, RepositoryDescription, RepositoryPage,
    RetentionPreview, RetentionRule, RetentionSetting, SearchResults, ServerInfo, SignIn, SignUp,
    SignedUp, TagDetails, Team, TeamPage, TeamUpdate, User, UserPage, UserUpdate, WebSession,
};
use portunus_shared::api::{NewRegistry, Registry, RegistryWithSecret};
use portunus_shared::api::{
    NewWebhook, Webhook, WebhookDelivery, WebhookDeliveryPage, WebhookUpdate, WebhookWithSecret,
};
use portunus_shared::domain::{EventState, RepositorySort, Role};
use serde::Serialize;
use serde::de::DeserializeOwned;

const BASE: &str = "/api/v1";

/// An API call that did not succeed, in words for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

fn network(e: gloo_net::Error) -> ApiError {
    ApiError {
        status: 0,
        message: format!("cannot reach Portunus: {e}"),
    }
}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    let message = match response.json::<ErrorBody>().await {
        Ok(body) => body.message,
        Err(_) => format!("the server answered {status}"),
    };
    ApiError { status, message }
}

/// Sends a request and reads a JSON answer. Only the encoding and decoding
/// are generic; the exchange itself is compiled once (it keeps the WASM small).
async fn call<T: DeserializeOwned>(
    request: RequestBuilder,
    body: Option<&impl Serialize>,
) -> Result<T, ApiError> {
    let body = body.map(encode_body).transpose()?;
    let (status, text) = exchange(request, body).await?;
    serde_json::from_str(&text).map_err(|e| ApiError {
        status,
        message: format!("unexpected answer from the server: {e}"),
    })
}

/// Sends a request whose success has no body.
async fn call_empty(request: RequestBuilder) -> Result<(), ApiError> {
    exchange(request, None).await.map(|_| ())
}

/// Sends a JSON body to an operation whose success has no body.
async fn send_empty(request: RequestBuilder, body: &impl Serialize) -> Result<(), ApiError> {
    exchange(request, Some(encode_body(body)?))
        .await
        .map(|_| ())
}

fn encode_body(body: &impl Serialize) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(|e| ApiError {
        status: 0,
        message: format!("cannot encode the request: {e}"),
    })
}

/// Sends `request` with an optional JSON `body`; a success's status and
/// text, or the server's error.
async fn exchange(
    request: RequestBuilder,
    body: Option<String>,
) -> Result<(u16, String), ApiError> {
    let response = match body {
        Some(body) => {
            request
                .header("Content-Type", "application/json")
                .body(body)
                .map_err(network)?
                .send()
                .await
        }
        None => request.send().await,
    }
    .map_err(network)?;
    let status = response.status();
    if !response.ok() {
        return Err(error_of(response).await);
    }
    let text = response.text().await.map_err(network)?;
    Ok((status, text))
}

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

const NO_BODY: Option<&()> = None;

/// The signed-in user, or a 401 error when nobody is signed in.
pub async fn me() -> Result<Me, ApiError> {
    call(Request::get(&url("/me")), NO_BODY).await
}

/// Public facts about this installation (the registry's host name, say).
pub async fn info() -> Result<ServerInfo, ApiError> {
    call(Request::get(&url("/info")), NO_BODY).await
}

pub async fn sign_in(username: String, password: String) -> Result<Me, ApiError> {
    call(
        Request::post(&url("/session")),
        Some(&SignIn { username, password }),
    )
    .await
}

pub async fn sign_up(request: SignUp) -> Result<SignedUp, ApiError> {
    call(Request::post(&url("/signup")), Some(&request)).await
}

/// "Forgot your password?": the server's neutral answer.
pub async fn request_password_reset(user: String) -> Result<Accepted, ApiError> {
    let request = PasswordResetRequest { user };
    call(Request::post(&url("/password-reset")), Some(&request)).await
}

/// Sets a new password with the secret of a mailed link.
pub async fn complete_password_reset(token: String, new_password: String) -> Result<(), ApiError> {
    let reset = PasswordReset {
        token,
        new_password,
    };
    send_empty(Request::post(&url("/password-reset/complete")), &reset).await
}

/// Mails `username`'s address a new link that confirms it.
pub async fn send_email_confirmation(username: &str) -> Result<Accepted, ApiError> {
    let path = format!("/users/{username}/email-confirmation");
    call(Request::post(&url(&path)), NO_BODY).await
}

/// Confirms an e-mail address with the secret of a mailed link.
pub async fn confirm_email(token: String) -> Result<(), ApiError> {
    let confirmation = EmailConfirmation { token };
    send_empty(
        Request::post(&url("/email-confirmation/complete")),
        &confirmation,
    )
    .await
}

pub async fn sign_out() -> Result<(), ApiError> {
    call_empty(Request::delete(&url("/session"))).await
}

pub async fn tokens() -> Result<Vec<ApplicationToken>, ApiError> {
    call(Request::get(&url("/tokens")), NO_BODY).await
}

pub async fn create_token(new: NewApplicationToken) -> Result<CreatedApplicationToken, ApiError> {
    call(Request::post(&url("/tokens")), Some(&new)).await
}

/// The application tokens of `user` (administrators: a bot's, say).
pub async fn tokens_of(user: &str) -> Result<Vec<ApplicationToken>, ApiError> {
    call(
        Request::get(&url(&format!("/users/{user}/tokens"))),
        NO_BODY,
    )
    .await
}

/// Creates an application token for `user` (administrators).
pub async fn create_token_for(
    user: &str,
    new: NewApplicationToken,
) -> Result<CreatedApplicationToken, ApiError> {
    call(
        Request::post(&url(&format!("/users/{user}/tokens"))),
        Some(&new),
    )
    .await
}

pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/tokens/{id}")))).await
}

/// Why the signed-in user (or, for admins, `user`) may or may not act on `repository`.
pub async fn permissions(
    repository: &str,
    user: Option<&str>,
    registry: Option<&str>,
) -> Result<Permissions, ApiError> {
    let mut query = vec![("repository", repository)];
    if let Some(user) = user.filter(|u| !u.is_empty()) {
        query.push(("user", user));
    }
    if let Some(registry) = registry {
        query.push(("registry", registry));
    }
    call(Request::get(&url("/permissions")).query(query), NO_BODY).await
}

/// A page of the repositories listed at `path` (`/repositories`: those you
/// may see; `/explore`: public ones, no sign-in needed) whose name contains
/// `q`, in `sort` order.
pub async fn repository_list(
    path: &str,
    q: &str,
    sort: RepositorySort,
    page: u64,
) -> Result<RepositoryPage, ApiError> {
    let page = page.to_string();
    call(
        Request::get(&url(path)).query([
            ("q", q),
            ("sort", sort.as_str()),
            ("page", page.as_str()),
            ("per_page", "50"),
        ]),
        NO_BODY,
    )
    .await
}

/// Deletes a repository: every image its tags point at.
pub async fn delete_repository(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/repositories/{id}")))).await
}

/// Puts `text` on the clipboard.
pub fn copy(text: &str) -> bool {
    use js_sys::{Function, Reflect};
    let window = leptos::prelude::window();
    let written = Reflect::get(&window, &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"clipboard".into()))
        .and_then(|clipboard| {
            let write: Function = Reflect::get(&clipboard, &"writeText".into())?.into();
            write.call1(&clipboard, &text.into())
        });
    written.is_ok()
}

pub async fn repository(id: i64) -> Result<Repository, ApiError> {
    call(Request::get(&url(&format!("/repositories/{id}"))), NO_BODY).await
}

/// The images of a repository, each with its tags and artifacts.
pub async fn images(id: i64) -> Result<Vec<Image>, ApiError> {
    call(
        Request::get(&url(&format!("/repositories/{id}/images"))),
        NO_BODY,
    )
    .await
}

pub async fn tag_details(id: i64, tag: &str) -> Result<TagDetails, ApiError> {
    call(
        Request::get(&url(&format!("/repositories/{id}/tags/{tag}"))),
        NO_BODY,
    )
    .await
}

pub async fn describe(id: i64, description: String) -> Result<Repository, ApiError> {
    call(
        Request::put(&url(&format!("/repositories/{id}/description"))),
        Some(&RepositoryDescription { description }),
    )
    .await
}

pub async fn comments(id: i64) -> Result<Vec<Comment>, ApiError> {
    call(
        Request::get(&url(&format!("/repositories/{id}/comments"))),
        NO_BODY,
    )
    .await
}

pub async fn add_comment(id: i64, body: String) -> Result<Comment, ApiError> {
    call(
        Request::post(&url(&format!("/repositories/{id}/comments"))),
        Some(&NewComment { body }),
    )
    .await
}

pub async fn delete_comment(id: i64, comment: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!(
        "/repositories/{id}/comments/{comment}"
    ))))
    .await
}

pub async fn retention(id: i64) -> Result<RetentionSetting, ApiError> {
    call(
        Request::get(&url(&format!("/repositories/{id}/retention"))),
        NO_BODY,
    )
    .await
}

pub async fn set_retention(id: i64, rule: RetentionRule) -> Result<RetentionSetting, ApiError> {
    call(
        Request::put(&url(&format!("/repositories/{id}/retention"))),
        Some(&rule),
    )
    .await
}

/// What `rule` would delete now; changes nothing.
pub async fn preview_retention(id: i64, rule: RetentionRule) -> Result<RetentionPreview, ApiError> {
    call(
        Request::post(&url(&format!("/repositories/{id}/retention/preview"))),
        Some(&rule),
    )
    .await
}

pub async fn run_retention(id: i64) -> Result<RetentionPreview, ApiError> {
    call(
        Request::post(&url(&format!("/repositories/{id}/retention/run"))),
        NO_BODY,
    )
    .await
}

pub async fn explore_repository(id: i64) -> Result<ExploredRepository, ApiError> {
    call(Request::get(&url(&format!("/explore/{id}"))), NO_BODY).await
}

pub async fn delete_tag(id: i64, tag: &str) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!(
        "/repositories/{id}/tags/{tag}"
    ))))
    .await
}

/// Stars or unstars a repository.
pub async fn set_star(id: i64, on: bool) -> Result<(), ApiError> {
    let path = url(&format!("/repositories/{id}/star"));
    call_empty(if on {
        Request::put(&path)
    } else {
        Request::delete(&path)
    })
    .await
}

/// Repositories, namespaces and teams you may see whose name contains `q`.
pub async fn search(q: &str) -> Result<SearchResults, ApiError> {
    call(Request::get(&url("/search")).query([("q", q)]), NO_BODY).await
}

/// Stored registry notifications in `state` (`failed`, `held`, `pending`, `all`); administrators.
pub async fn registry_events(state: EventState) -> Result<RegistryEventPage, ApiError> {
    call(
        Request::get(&url("/registry/events"))
            .query([("state", state.as_str()), ("per_page", "200")]),
        NO_BODY,
    )
    .await
}

/// Teams you may see.
pub async fn teams() -> Result<Vec<Team>, ApiError> {
    let page: TeamPage = call(
        Request::get(&url("/teams")).query([("per_page", "500")]),
        NO_BODY,
    )
    .await?;
    Ok(page.items)
}

pub async fn team(name: &str) -> Result<Team, ApiError> {
    call(Request::get(&url(&format!("/teams/{name}"))), NO_BODY).await
}

/// Creates a team; you become its owner.
pub async fn create_team(name: String, description: String) -> Result<Team, ApiError> {
    call(
        Request::post(&url("/teams")),
        Some(&NewTeam { name, description }),
    )
    .await
}

/// Adds a member or changes their role; returns the team.
pub async fn update_team(name: &str, change: TeamUpdate) -> Result<Team, ApiError> {
    call(
        Request::patch(&url(&format!("/teams/{name}"))),
        Some(&change),
    )
    .await
}

/// What becomes of a deleted team's namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamNamespaces {
    /// It owns none.
    None,
    MoveTo(String),
    Delete,
}

pub async fn delete_team(name: &str, namespaces: TeamNamespaces) -> Result<(), ApiError> {
    let query: Vec<(&str, String)> = match namespaces {
        TeamNamespaces::None => Vec::new(),
        TeamNamespaces::MoveTo(team) => vec![("move_namespaces_to", team)],
        TeamNamespaces::Delete => vec![("delete_namespaces", "true".to_owned())],
    };
    call_empty(Request::delete(&url(&format!("/teams/{name}"))).query(query)).await
}

/// People whose user name or display name contains `q`.
pub async fn people(q: &str) -> Result<Vec<Person>, ApiError> {
    Ok(search(q).await?.people)
}

pub async fn set_member(team: &str, username: &str, role: Role) -> Result<Team, ApiError> {
    call(
        Request::put(&url(&format!("/teams/{team}/members/{username}"))),
        Some(&MemberRole { role }),
    )
    .await
}

pub async fn remove_member(team: &str, username: &str) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!(
        "/teams/{team}/members/{username}"
    ))))
    .await
}

/// Page `page` (50 entries) of the list at `path`.
async fn page_at<T: DeserializeOwned + portunus_shared::api::Listed>(
    path: &str,
    page: u64,
) -> Result<portunus_shared::api::Page<T>, ApiError> {
    let page = page.to_string();
    call(
        Request::get(&url(path)).query([("page", page.as_str()), ("per_page", "50")]),
        NO_BODY,
    )
    .await
}

/// A page of the namespaces you may see.
pub async fn namespaces_page(page: u64) -> Result<NamespacePage, ApiError> {
    page_at("/namespaces", page).await
}

/// A page of the teams you may see.
pub async fn teams_page(page: u64) -> Result<TeamPage, ApiError> {
    page_at("/teams", page).await
}

pub async fn create_namespace(new: NewNamespace) -> Result<Namespace, ApiError> {
    call(Request::post(&url("/namespaces")), Some(&new)).await
}

/// A namespace as the API names it: its name in its registry (`None`:
/// the configured one, `default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceRef {
    pub name: String,
    pub registry: Option<String>,
}

impl NamespaceRef {
    /// The namespace `name` of registry `registry`, as the API lists it.
    pub fn of(name: &str, registry: &str) -> NamespaceRef {
        NamespaceRef {
            name: name.to_owned(),
            registry: (!registry.is_empty() && registry != "default").then(|| registry.to_owned()),
        }
    }

    /// `/namespaces/NAME{rest}`, with `?registry=` when not the default.
    fn path(&self, rest: &str) -> String {
        let registry = self
            .registry
            .as_deref()
            .map(|r| format!("?registry={}", encode(r)))
            .unwrap_or_default();
        format!("/namespaces/{}{rest}{registry}", encode(&self.name))
    }
}

pub async fn namespace(ns: &NamespaceRef) -> Result<Namespace, ApiError> {
    call(Request::get(&url(&ns.path(""))), NO_BODY).await
}

pub async fn delete_namespace(ns: &NamespaceRef) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&ns.path("")))).await
}

pub async fn update_namespace(
    ns: &NamespaceRef,
    change: NamespaceUpdate,
) -> Result<Namespace, ApiError> {
    call(Request::patch(&url(&ns.path(""))), Some(&change)).await
}

/// A page of the accounts whose name contains `q` (administrators).
pub async fn users(q: &str, page: u64) -> Result<UserPage, ApiError> {
    let page = page.to_string();
    call(
        Request::get(&url("/users")).query([("q", q), ("page", page.as_str()), ("per_page", "50")]),
        NO_BODY,
    )
    .await
}

/// Creates an account or a bot (administrators).
pub async fn create_user(new: NewUser) -> Result<SignedUp, ApiError> {
    call(Request::post(&url("/users")), Some(&new)).await
}

/// What becomes of the personal namespace of a removed account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonalNamespace {
    /// It goes with the account if empty; otherwise the removal is refused.
    OnlyIfEmpty,
    EraseImages,
    MoveTo(String),
}

/// Removes an account (administrators).
pub async fn remove_user(name: &str, namespace: PersonalNamespace) -> Result<(), ApiError> {
    let query: Vec<(&str, String)> = match namespace {
        PersonalNamespace::OnlyIfEmpty => Vec::new(),
        PersonalNamespace::EraseImages => vec![("delete_images", "true".to_owned())],
        PersonalNamespace::MoveTo(team) => vec![("move_namespace_to", team)],
    };
    call_empty(Request::delete(&url(&format!("/users/{name}"))).query(query)).await
}

pub async fn update_user(username: &str, change: UserUpdate) -> Result<User, ApiError> {
    call(
        Request::patch(&url(&format!("/users/{username}"))),
        Some(&change),
    )
    .await
}

/// Changes the signed-in user's password (other sessions and docker logins end).
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    let change = PasswordChange {
        current_password,
        new_password,
    };
    send_empty(Request::put(&url("/me/password")), &change).await
}

/// The signed-in user's web sessions, newest first.
pub async fn my_sessions() -> Result<Vec<WebSession>, ApiError> {
    call(Request::get(&url("/me/sessions")), NO_BODY).await
}

pub async fn end_session(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/me/sessions/{id}")))).await
}

/// The signed-in user's registry logins (refresh tokens).
pub async fn refresh_tokens() -> Result<Vec<RefreshTokenInfo>, ApiError> {
    call(Request::get(&url("/refresh-tokens")), NO_BODY).await
}

pub async fn revoke_refresh_token(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/refresh-tokens/{id}")))).await
}

/// A page of the signed-in user's feed, newest first.
pub async fn feed(page: u64) -> Result<ActivityPage, ApiError> {
    let page = page.to_string();
    call(
        Request::get(&url("/feed")).query([("page", page.as_str()), ("per_page", "20")]),
        NO_BODY,
    )
    .await
}

/// The registry's status (administrators).
pub async fn registry_status() -> Result<RegistryStatus, ApiError> {
    call(Request::get(&url("/registry")), NO_BODY).await
}

/// Every registry with how it answers now (administrators).
pub async fn registries() -> Result<Vec<Registry>, ApiError> {
    call(Request::get(&url("/registries")), NO_BODY).await
}

pub async fn create_registry(new: NewRegistry) -> Result<RegistryWithSecret, ApiError> {
    call(Request::post(&url("/registries")), Some(&new)).await
}

pub async fn delete_registry(name: &str) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!(
        "/registries/{}",
        encode(name)
    ))))
    .await
}

pub async fn replace_registry_secret(name: &str) -> Result<RegistryWithSecret, ApiError> {
    let path = format!("/registries/{}/secret", encode(name));
    call(Request::post(&url(&path)), NO_BODY).await
}

/// The installation's figures (administrators).
pub async fn overview() -> Result<Overview, ApiError> {
    call(Request::get(&url("/overview")), NO_BODY).await
}

/// Which repositories a panel lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shelf {
    All,
    Starred,
    /// Those in the namespace named beside it (the start page: your own).
    InNamespace,
}

/// A page of the repositories on `shelf`, last pushed first.
/// `registry` narrows it to one registry (by name).
pub async fn shelf(
    shelf: Shelf,
    namespace: &str,
    registry: Option<&str>,
    page: u64,
) -> Result<RepositoryPage, ApiError> {
    let page = page.to_string();
    let mut query = vec![
        ("sort", "recent"),
        ("per_page", "10"),
        ("page", page.as_str()),
    ];
    match shelf {
        Shelf::All => {}
        Shelf::Starred => query.push(("starred", "true")),
        Shelf::InNamespace => query.push(("namespace", namespace)),
    }
    if let Some(registry) = registry {
        query.push(("registry", registry));
    }
    call(Request::get(&url("/repositories")).query(query), NO_BODY).await
}

/// What the audit log page filters by; empty fields filter nothing. Dates
/// are `YYYY-MM-DD` (UTC), `until` included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: String,
    pub key: String,
    pub target: String,
    pub since: String,
    pub until: String,
}

impl AuditFilter {
    /// The query parameters of the activity API.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        for (name, value) in [
            ("actor", &self.actor),
            ("key", &self.key),
            ("target", &self.target),
        ] {
            if !value.trim().is_empty() {
                query.push((name, value.trim().to_owned()));
            }
        }
        if !self.since.is_empty() {
            query.push(("since", format!("{}T00:00:00Z", self.since)));
        }
        if !self.until.is_empty() {
            query.push(("until", format!("{}T23:59:59Z", self.until)));
        }
        query
    }
}

/// A page of the audit log (administrators see all, others their own).
pub async fn activities(filter: &AuditFilter, page: u64) -> Result<ActivityPage, ApiError> {
    let mut query = filter.query();
    query.push(("page", page.to_string()));
    query.push(("per_page", "50".to_owned()));
    call(Request::get(&url("/activities")).query(query), NO_BODY).await
}

/// Where the CSV of the audit log with `filter` downloads from.
pub fn activities_csv_url(filter: &AuditFilter) -> String {
    let query: Vec<String> = filter
        .query()
        .into_iter()
        .map(|(name, value)| format!("{name}={}", encode(&value)))
        .collect();
    format!("{}?{}", url("/activities.csv"), query.join("&"))
}

/// Percent-encodes a query parameter value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where a list of webhooks lives: a namespace's, or the global ones.
fn webhooks_path(namespace: Option<&NamespaceRef>) -> String {
    match namespace {
        Some(ns) => ns.path("/webhooks"),
        None => "/webhooks".to_owned(),
    }
}

pub async fn webhooks(namespace: Option<NamespaceRef>) -> Result<Vec<Webhook>, ApiError> {
    let path = webhooks_path(namespace.as_ref());
    call(Request::get(&url(&path)), NO_BODY).await
}

pub async fn create_webhook(
    namespace: Option<NamespaceRef>,
    new: NewWebhook,
) -> Result<WebhookWithSecret, ApiError> {
    let path = webhooks_path(namespace.as_ref());
    call(Request::post(&url(&path)), Some(&new)).await
}

pub async fn update_webhook(id: i64, change: WebhookUpdate) -> Result<Webhook, ApiError> {
    call(
        Request::patch(&url(&format!("/webhooks/{id}"))),
        Some(&change),
    )
    .await
}

pub async fn delete_webhook(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/webhooks/{id}")))).await
}

pub async fn replace_webhook_secret(id: i64) -> Result<WebhookWithSecret, ApiError> {
    call(
        Request::post(&url(&format!("/webhooks/{id}/secret"))),
        NO_BODY,
    )
    .await
}

pub async fn ping_webhook(id: i64) -> Result<WebhookDelivery, ApiError> {
    call(
        Request::post(&url(&format!("/webhooks/{id}/ping"))),
        NO_BODY,
    )
    .await
}

pub async fn webhook_deliveries(id: i64) -> Result<WebhookDeliveryPage, ApiError> {
    call(
        Request::get(&url(&format!("/webhooks/{id}/deliveries"))).query([("per_page", "20")]),
        NO_BODY,
    )
    .await
}

pub async fn resend_delivery(id: i64, delivery: i64) -> Result<WebhookDelivery, ApiError> {
    let path = format!("/webhooks/{id}/deliveries/{delivery}/resend");
    call(Request::post(&url(&path)), NO_BODY).await
}
