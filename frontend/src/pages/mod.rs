//! One module per page, and what pages share.

mod comments;
mod events;
mod explore;
mod home;
mod images;
mod permissions;
mod repositories;
mod retention;
mod search;
mod sign_in;
mod sign_up;
mod tag;
mod tokens;

pub use events::RegistryEventsPage;
pub use explore::{ExplorePage, ExploredRepositoryPage};
pub use home::Home;
pub use permissions::PermissionsPage;
pub use repositories::{RepositoriesPage, RepositoryPage};
pub use search::{SearchBox, SearchPage};
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use tag::TagPage;
pub use tokens::TokensPage;

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
