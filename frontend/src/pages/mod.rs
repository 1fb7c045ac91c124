//! One module per page, and what pages share.

mod activities;
mod comments;
mod events;
mod explore;
mod home;
mod images;
mod namespace;
mod namespaces;
mod permissions;
mod profile;
mod recovery;
mod registries;
mod repositories;
mod retention;
mod search;
mod sign_in;
mod sign_up;
mod tag;
mod teams;
mod tokens;
mod users;
mod webhooks;

pub use activities::AuditLogPage;
pub use events::RegistryEventsPage;
pub use explore::{ExplorePage, ExploredRepositoryPage};
pub use home::Home;
pub use namespace::NamespacePage;
pub use namespaces::NamespacesPage;
pub use permissions::PermissionsPage;
pub use profile::ProfilePage;
pub use recovery::{ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage};
pub use registries::RegistriesPage;
pub use repositories::{RepositoriesPage, RepositoryPage};
pub use search::{SearchBox, SearchPage};
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use tag::TagPage;
pub use teams::{TeamPage, TeamsPage};
pub use tokens::TokensPage;
pub use users::UsersPage;
pub use webhooks::GlobalWebhooksPage;

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

/// What `resource` loaded, shown by `show` once it is there: "Loading…" (or
/// `waiting`) before, the server's message if it failed.
#[leptos::component]
pub fn Loaded<T, F>(
    resource: crate::fetch::Fetch<T>,
    show: F,
    #[prop(optional)] waiting: Option<&'static str>,
) -> impl leptos::IntoView
where
    T: Clone + 'static,
    F: Fn(T) -> leptos::prelude::AnyView + Send + Sync + 'static,
{
    let content = move || {
        resource.get().map(|result| match result {
            Ok(value) => show(value),
            Err(e) => failed(e.message),
        })
    };
    suspended(waiting.unwrap_or("Loading…"), std::sync::Arc::new(content))
}

/// What a page shows when its data did not load.
fn failed(message: String) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    view! { <p class="error">{message}</p> }.into_any()
}

/// `content` once its resources have loaded, `waiting` until then: one
/// non-generic body for every [`Loaded`] (it keeps the WASM small).
fn suspended(
    waiting: &'static str,
    content: std::sync::Arc<dyn Fn() -> Option<leptos::prelude::AnyView> + Send + Sync>,
) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    view! {
        <Suspense fallback=move || view! { <p class="muted">{waiting}</p> }>
            {move || content()}
        </Suspense>
    }
    .into_any()
}

/// The options of a menu of `T`'s values, each by its label; `selected`
/// is marked.
pub fn choices<T: portunus_shared::domain::ClosedSet>(
    selected: Option<T>,
) -> impl leptos::IntoView {
    use leptos::prelude::*;
    T::ALL
        .iter()
        .map(|value| {
            view! { <option value=value.as_str() selected=selected == Some(*value)>{value.label()}</option> }
        })
        .collect_view()
}

/// Previous and next for a list served a page at a time: page `page` (from
/// 1) of `pages`; nothing when everything fits on one page.
#[leptos::component]
pub fn Pager(page: leptos::prelude::RwSignal<u64>, pages: u64) -> impl leptos::IntoView {
    use leptos::prelude::*;
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="pages">
                <button class="small pager-previous" disabled=move || page.get() <= 1
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>"← Previous"</button>
                <span class="muted">{move || format!(" Page {} of {pages} ", page.get())}</span>
                <button class="small pager-next" disabled=move || page.get() >= pages
                    on:click=move |_| page.update(|p| *p = (*p + 1).min(pages))>"Next →"</button>
            </nav>
        }
    })
}

/// Seconds from the RFC 3339 time `at` until now, by the browser's clock.
pub fn seconds_since(at: &str) -> i64 {
    let then = js_sys::Date::parse(at);
    if then.is_nan() {
        return 0;
    }
    ((js_sys::Date::now() - then) / 1000.0).max(0.0) as i64
}

/// A time as people say it (`3 hours ago`), the exact time on hover.
#[leptos::component]
pub fn When(at: String) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let said = portunus_shared::display::ago(seconds_since(&at), &at);
    view! { <time datetime=at.clone() title=at>{said}</time> }
}

/// Sends a paged list back to its first page whenever what `filter` reads
/// changes (not when it is there already: a set notifies even unchanged).
pub fn first_page_when(
    page: leptos::prelude::RwSignal<u64>,
    filter: impl Fn() + Send + Sync + 'static,
) {
    use leptos::prelude::*;
    Effect::new(move |_| {
        filter();
        if page.get_untracked() != 1 {
            page.set(1);
        }
    });
}

/// An activity's icon, and what it did in words, linked to the page of what
/// it was done to (unless it deleted that).
pub fn activity_words(
    activity: &portunus_shared::api::Activity,
) -> (&'static str, leptos::prelude::AnyView) {
    use leptos::prelude::*;
    let (kind, text) = portunus_shared::display::activity(
        &activity.key,
        &activity.target,
        activity.parameters.as_deref(),
    );
    let words = match crate::routes::Route::of_activity(activity) {
        Some(route) => view! { <a href=route.path()>{text}</a> }.into_any(),
        None => text.into_any(),
    };
    (kind.icon(), words)
}
