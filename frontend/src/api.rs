//! Calls to the Portunus REST API. Errors come back as the API's message, so
//! pages can show people what the server said.

use gloo_net::http::{Request, RequestBuilder, Response};
use portunus_shared::api::{
    Accepted, ApplicationToken, Comment, CreatedApplicationToken, ErrorBody, ExploredRepository,
    Image, Me, MemberRole, Namespace, NamespacePage, NamespaceUpdate, NewApplicationToken,
    NewComment, NewNamespace, NewTeam, PasswordReset, PasswordResetRequest, Permissions,
    RegistryEventPage, Repository, RepositoryDescription, RepositoryPage, RetentionPreview,
    RetentionRule, RetentionSetting, SearchResults, ServerInfo, SignIn, SignUp, SignedUp,
    TagDetails, Team, TeamPage, User, UserPage, UserUpdate,
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

/// Sends a request and reads a JSON answer.
async fn call<T: DeserializeOwned>(
    request: RequestBuilder,
    body: Option<&impl Serialize>,
) -> Result<T, ApiError> {
    let response = match body {
        Some(body) => request.json(body).map_err(network)?.send().await,
        None => request.send().await,
    }
    .map_err(network)?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    let status = response.status();
    response.json::<T>().await.map_err(|e| ApiError {
        status,
        message: format!("unexpected answer from the server: {e}"),
    })
}

/// Sends a request whose success has no body.
async fn call_empty(request: RequestBuilder) -> Result<(), ApiError> {
    empty_answer(request.send().await.map_err(network)?).await
}

/// Sends a JSON body to an operation whose success has no body.
async fn send_empty(request: RequestBuilder, body: &impl Serialize) -> Result<(), ApiError> {
    let response = request.json(body).map_err(network)?.send().await;
    empty_answer(response.map_err(network)?).await
}

async fn empty_answer(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(response).await)
    }
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

pub async fn sign_out() -> Result<(), ApiError> {
    call_empty(Request::delete(&url("/session"))).await
}

pub async fn tokens() -> Result<Vec<ApplicationToken>, ApiError> {
    call(Request::get(&url("/tokens")), NO_BODY).await
}

pub async fn create_token(new: NewApplicationToken) -> Result<CreatedApplicationToken, ApiError> {
    call(Request::post(&url("/tokens")), Some(&new)).await
}

pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/tokens/{id}")))).await
}

/// Why the signed-in user (or, for admins, `user`) may or may not act on `repository`.
pub async fn permissions(repository: &str, user: Option<&str>) -> Result<Permissions, ApiError> {
    let mut query = vec![("repository", repository)];
    if let Some(user) = user.filter(|u| !u.is_empty()) {
        query.push(("user", user));
    }
    call(Request::get(&url("/permissions")).query(query), NO_BODY).await
}

/// Repositories you may see whose name contains `q`, in `sort` order.
pub async fn repositories(q: &str, sort: RepositorySort) -> Result<RepositoryPage, ApiError> {
    call(
        Request::get(&url("/repositories")).query([
            ("q", q),
            ("sort", sort.as_str()),
            ("per_page", "500"),
        ]),
        NO_BODY,
    )
    .await
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

/// Public repositories whose name contains `q`; no sign-in needed.
pub async fn explore(q: &str, sort: RepositorySort) -> Result<RepositoryPage, ApiError> {
    call(
        Request::get(&url("/explore")).query([
            ("q", q),
            ("sort", sort.as_str()),
            ("per_page", "500"),
        ]),
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

/// Namespaces you may see.
pub async fn namespaces() -> Result<Vec<Namespace>, ApiError> {
    let page: NamespacePage = call(
        Request::get(&url("/namespaces")).query([("per_page", "500")]),
        NO_BODY,
    )
    .await?;
    Ok(page.items)
}

pub async fn create_namespace(new: NewNamespace) -> Result<Namespace, ApiError> {
    call(Request::post(&url("/namespaces")), Some(&new)).await
}

pub async fn update_namespace(name: &str, change: NamespaceUpdate) -> Result<Namespace, ApiError> {
    call(
        Request::patch(&url(&format!("/namespaces/{name}"))),
        Some(&change),
    )
    .await
}

/// Accounts (administrators see all).
pub async fn users() -> Result<UserPage, ApiError> {
    call(
        Request::get(&url("/users")).query([("per_page", "500")]),
        NO_BODY,
    )
    .await
}

pub async fn update_user(username: &str, change: UserUpdate) -> Result<User, ApiError> {
    call(
        Request::patch(&url(&format!("/users/{username}"))),
        Some(&change),
    )
    .await
}
