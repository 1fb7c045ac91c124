//! One module per page, and what pages share.

mod comments;
mod events;
mod explore;
mod home;
mod images;
mod namespaces;
mod permissions;
mod repositories;
mod retention;
mod search;
mod sign_in;
mod sign_up;
mod tag;
mod teams;
mod tokens;
mod users;

pub use events::RegistryEventsPage;
pub use explore::{ExplorePage, ExploredRepositoryPage};
pub use home::Home;
pub use namespaces::NamespacesPage;
pub use permissions::PermissionsPage;
pub use repositories::{RepositoriesPage, RepositoryPage};
pub use search::{SearchBox, SearchPage};
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use tag::TagPage;
pub use teams::{TeamPage, TeamsPage};
pub use tokens::TokensPage;
pub use users::UsersPage;

use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;

/// Sends visitors who are not signed in to the sign-in page.
pub fn require_sign_in() {
    let navigate = use_navigate();
    spawn_local(async move {
        if let Err(e) = api::me().await
            && e.status == 401
        {
            navigate("/signin", Default::default());
        }
    });
}

/// The last error a page met, in words, announced to screen readers; nothing
/// while there is none.
#[leptos::component]
pub fn ErrorNote(error: leptos::prelude::RwSignal<Option<String>>) -> impl leptos::IntoView {
    use leptos::prelude::*;
    view! {
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </Show>
    }
}
