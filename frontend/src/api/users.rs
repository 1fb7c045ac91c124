//! Accounts: listing, creating, changing and removing them; one's own password.

use gloo_net::http::Request;
use portunus_shared::api::{NewUser, PasswordChange, SignedUp, User, UserPage, UserUpdate};

use super::{ApiError, NO_BODY, call, call_empty, send_empty, url};

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
