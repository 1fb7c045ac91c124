//! The application shell: the top bar with navigation, and the routes.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;
use portunus_shared::display::person;

use crate::pages::{
    ExplorePage, ExploredRepositoryPage, ForgotPasswordPage, Home, NamespacesPage, PermissionsPage,
    RegistryEventsPage, RepositoriesPage, RepositoryPage, ResetPasswordPage, SearchBox, SearchPage,
    SignInPage, SignUpPage, TagPage, TeamPage, TeamsPage, TokensPage, UsersPage,
};

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <TopBar />
            <main>
                <Routes fallback=|| view! { <div class="card"><h1>"Page not found"</h1><a href="/">"Go to the start page"</a></div> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/signin") view=SignInPage />
                    <Route path=path!("/signup") view=SignUpPage />
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                    <Route path=path!("/reset-password") view=ResetPasswordPage />
                    <Route path=path!("/repositories") view=RepositoriesPage />
                    <Route path=path!("/repositories/:id") view=RepositoryPage />
                    <Route path=path!("/repositories/:id/tags/:tag") view=TagPage />
                    <Route path=path!("/explore") view=ExplorePage />
                    <Route path=path!("/explore/:id") view=ExploredRepositoryPage />
                    <Route path=path!("/search") view=SearchPage />
                    <Route path=path!("/admin/events") view=RegistryEventsPage />
                    <Route path=path!("/admin/users") view=UsersPage />
                    <Route path=path!("/teams") view=TeamsPage />
                    <Route path=path!("/teams/:name") view=TeamPage />
                    <Route path=path!("/namespaces") view=NamespacesPage />
                    <Route path=path!("/tokens") view=TokensPage />
                    <Route path=path!("/permissions") view=PermissionsPage />
                </Routes>
            </main>
        </Router>
    }
}

/// The top bar. Who is signed in is asked again on every navigation, so
/// the bar changes right after signing in or out.
#[component]
fn TopBar() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let me = LocalResource::new(move || {
        location.pathname.track();
        crate::api::me()
    });
    let signed_in = move || match me.get() {
        Some(Ok(m)) => Some(m),
        _ => None,
    };
    view! {
        <header class="bar">
            <span class="brand">"Portunus"</span>
            <nav>
                <A href="/">"Home"</A>
                <A href="/repositories">"Repositories"</A>
                <A href="/explore">"Explore"</A>
                <A href="/teams">"Teams"</A>
                <A href="/namespaces">"Namespaces"</A>
                <A href="/tokens">"Tokens"</A>
                <A href="/permissions">"Why can / can't I?"</A>
                // Links only administrators need.
                <Show when=move || signed_in().is_some_and(|m| m.admin)>
                    <A href="/admin/users">"Users"</A>
                    <A href="/admin/events">"Registry events"</A>
                </Show>
            </nav>
            <SearchBox />
            {move || signed_in().map(|m| view! {
                <span id="me" class="me" title=format!("signed in as {}", m.username)>
                    {person(&m.username, m.display_name.as_deref())}
                </span>
            })}
        </header>
    }
}
