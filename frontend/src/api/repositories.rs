//! Repositories, tags, images, comments, stars, search, and the start page's shelves.

use gloo_net::http::Request;
use portunus_shared::api::{
    Comment, ExploredRepository, Image, NewComment, PullSummary, Repository, RepositoryDescription,
    RepositoryPage, SearchResults, TagDetails,
};
use portunus_shared::domain::RepositorySort;

use super::{ApiError, NO_BODY, call, call_empty, url};

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

/// How often a tag was pulled through the gateway in the last 30 days.
pub async fn tag_pulls(id: i64, tag: &str) -> Result<PullSummary, ApiError> {
    call(
        Request::get(&url(&format!("/repositories/{id}/tags/{tag}/pulls"))),
        NO_BODY,
    )
    .await
}
