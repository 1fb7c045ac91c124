//! The application shell: the top bar with navigation, and the routes.

use leptos::prelude::*;
use leptos_router::components::{A, Router};
use leptos_router::location::{BrowserUrl, LocationProvider};
use portunus_shared::display::person;

use crate::pages::{
    AuditLogPage, ConfirmEmailPage, ExplorePage, ExploredRepositoryPage, ForgotPasswordPage,
    GlobalWebhooksPage, Home, InstallationImmutableTagsPage, NamespacePage, NamespacesPage,
    PermissionsPage, ProfilePage, RegistriesPage, RegistryEventsPage, RepositoriesPage,
    RepositoryPage, ResetPasswordPage, SearchBox, SearchPage, SignInPage, SignUpPage, TagPage,
    TeamPage, TeamsPage, TokensPage, UsersPage,
};
use crate::routes::Route;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Shell />
        </Router>
    }
}

/// The top bar and the page, with who is signed in in their context.
#[component]
fn Shell() -> impl IntoView {
    crate::session::provide();
    view! {
        <TopBar />
        <main>
            <Pages />
        </main>
    }
}

/// The page the address names, replaced whenever the path changes. The
/// router puts a followed link's address into the browser's history only
/// once told that the new page is there.
#[component]
fn Pages() -> impl IntoView {
    let path = leptos_router::hooks::use_location().pathname;
    let history = use_context::<BrowserUrl>();
    move || {
        let shown = page(Route::of(&path.get()));
        if let Some(history) = &history {
            history.ready_to_complete();
        }
        shown
    }
}

/// The page `route` shows.
fn page(route: Route) -> AnyView {
    match route {
        Route::Home => view! { <Home /> }.into_any(),
        Route::SignIn => view! { <SignInPage /> }.into_any(),
        Route::SignUp => view! { <SignUpPage /> }.into_any(),
        Route::ForgotPassword => view! { <ForgotPasswordPage /> }.into_any(),
        Route::ResetPassword => view! { <ResetPasswordPage /> }.into_any(),
        Route::ConfirmEmail => view! { <ConfirmEmailPage /> }.into_any(),
        Route::Repositories => view! { <RepositoriesPage /> }.into_any(),
        Route::Repository(id) => view! { <RepositoryPage id /> }.into_any(),
        Route::Tag(id, tag) => view! { <TagPage id tag /> }.into_any(),
        Route::Explore => view! { <ExplorePage /> }.into_any(),
        Route::ExploredRepository(id) => view! { <ExploredRepositoryPage id /> }.into_any(),
        Route::Search => view! { <SearchPage /> }.into_any(),
        Route::RegistryEvents => view! { <RegistryEventsPage /> }.into_any(),
        Route::Registries => view! { <RegistriesPage /> }.into_any(),
        Route::Users => view! { <UsersPage /> }.into_any(),
        Route::AuditLog => view! { <AuditLogPage /> }.into_any(),
        Route::GlobalWebhooks => view! { <GlobalWebhooksPage /> }.into_any(),
        Route::InstallationImmutableTags => view! { <InstallationImmutableTagsPage /> }.into_any(),
        Route::Teams => view! { <TeamsPage /> }.into_any(),
        Route::Team(name) => view! { <TeamPage name /> }.into_any(),
        Route::Namespaces => view! { <NamespacesPage /> }.into_any(),
        Route::Namespace(name) => view! { <NamespacePage name registry=None /> }.into_any(),
        Route::RegistryNamespace(registry, name) => {
            view! { <NamespacePage name registry=Some(registry) /> }.into_any()
        }
        Route::Tokens => view! { <TokensPage /> }.into_any(),
        Route::Permissions => view! { <PermissionsPage /> }.into_any(),
        Route::Profile => view! { <ProfilePage /> }.into_any(),
        Route::NotFound => view! {
            <div class="card">
                <h1>"Page not found"</h1>
                <a href="/">"Go to the start page"</a>
            </div>
        }
        .into_any(),
    }
}

/// The top bar, with who is signed in (`session`: asked again on every
/// navigation).
#[component]
fn TopBar() -> impl IntoView {
    let me = crate::session::me();
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
                            <A href="/admin/registries">"Registries"</A>
                            <A href="/admin/events">"Registry events"</A>
                            <A href="/admin/webhooks">"Webhooks"</A>
                            <A href="/admin/immutable-tags">"Immutable tags"</A>
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
