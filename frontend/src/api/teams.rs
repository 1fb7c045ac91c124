//! Teams, their members, and the people one can add.

use gloo_net::http::Request;
use portunus_shared::api::{MemberRole, NewTeam, Person, Team, TeamPage, TeamUpdate};
use portunus_shared::domain::Role;

use super::{ApiError, NO_BODY, call, call_empty, page_at, search, url};

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

/// A page of the teams you may see.
pub async fn teams_page(page: u64) -> Result<TeamPage, ApiError> {
    page_at("/teams", page).await
}
