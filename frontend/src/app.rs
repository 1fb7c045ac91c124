//! The application shell: the top bar with navigation, and the routes.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;
use portunus_shared::display::person;

use crate::pages::{
    AuditLogPage, ExplorePage, ExploredRepositoryPage, ForgotPasswordPage, Home, NamespacePage,
    NamespacesPage, PermissionsPage, ProfilePage, RegistryEventsPage, RepositoriesPage,
    RepositoryPage, ResetPasswordPage, SearchBox, SearchPage, SignInPage, SignUpPage, TagPage,
    TeamPage, TeamsPage, TokensPage, UsersPage,
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
                    <Route path=path!("/admin/activities") view=AuditLogPage />
                    <Route path=path!("/teams") view=TeamsPage />
                    <Route path=path!("/teams/:name") view=TeamPage />
                    <Route path=path!("/namespaces") view=NamespacesPage />
                    <Route path=path!("/namespaces/:name") view=NamespacePage />
                    <Route path=path!("/tokens") view=TokensPage />
                    <Route path=path!("/permissions") view=PermissionsPage />
                    <Route path=path!("/profile") view=ProfilePage />
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
    let me = Fetch::new(move || {
        location.pathname.track();
        crate::api::me()
    });
    let admin_menu = NodeRef::<leptos::html::Details>::new();
    let signed_in = move || match me.get() {
        Some(Ok(m)) => Some(m),
        _ => None,
    };
    view! {
        <header class="bar">
            <span class="brand">"Portunus"</span>
            <nav>
                <Show when=move || signed_in().is_some() fallback=|| view! {
                    <A href="/explore">"Explore"</A>
                    <A href="/signin">"Sign in"</A>
                }>
                    <A href="/">"Home"</A>
                    <A href="/repositories">"Repositories"</A>
                    <A href="/explore">"Explore"</A>
                    <A href="/teams">"Teams"</A>
                    <A href="/namespaces">"Namespaces"</A>
                    <A href="/tokens">"Tokens"</A>
                    <A href="/permissions">"Why can / can't I?"</A>
                </Show>
                // Links only administrators need, in one menu.
                <Show when=move || signed_in().is_some_and(|m| m.admin)>
                    <details class="menu" id="admin-menu" node_ref=admin_menu>
                        <summary>"Admin"</summary>
                        // Closes once a page is chosen.
                        <div class="menu-items" on:click=move |_| {
                            if let Some(menu) = admin_menu.get() {
                                let _ = menu.remove_attribute("open");
                            }
                        }>
                            <A href="/admin/users">"Users and bots"</A>
                            <A href="/admin/activities">"Audit log"</A>
                            <A href="/admin/events">"Registry events"</A>
                        </div>
                    </details>
                </Show>
            </nav>
            {move || signed_in().is_some().then(|| view! { <SearchBox /> })}
            {move || signed_in().map(|m| view! {
                <a href="/profile" id="me" class="me" title="Your profile">
                    {person(&m.username, m.display_name.as_deref())}
                </a>
                <SignOut />
            })}
        </header>
    }
}

/// Signs out and goes to the sign-in page.
#[component]
fn SignOut() -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let _ = crate::api::sign_out().await;
            navigate("/signin", Default::default());
        });
    };
    view! { <button id="signout-link" class="secondary small" on:click=sign_out>"Sign out"</button> }
}
