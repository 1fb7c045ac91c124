//! Search results: repositories, namespaces and teams whose name contains
//! the words typed into the top bar's search box, among those you may see,
//! and people by user name or display name.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::require_sign_in;
use crate::components::{Loaded, RepositoryTable};
use portunus_shared::display::person;

use crate::api;

/// The search box of the top bar: Enter opens the results page.
#[component]
pub fn SearchBox() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = text.get();
        if !q.trim().is_empty() {
            let encoded = api::encode(q.trim());
            navigate(&format!("/search?q={encoded}"), Default::default());
        }
    };
    view! {
        <form class="search" on:submit=submit>
            <input id="search" type="search" aria-label="Search repositories, namespaces, teams and people" placeholder="Search" bind:value=text />
        </form>
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    require_sign_in();
    let query = use_query_map();
    let q = move || query.with(|m| m.get("q").unwrap_or_default());
    let found = Fetch::new(move || {
        let q = q();
        async move { api::search(&q).await }
    });
    view! {
        <div class="card">
            <h1>"Search: " {q}</h1>
            <Loaded resource=found waiting="Searching…" show=move |value| match value {
                    r if r.repositories.is_empty() && r.namespaces.is_empty() && r.teams.is_empty() && r.people.is_empty() => {
                        view! { <p id="no-results" class="muted">"Nothing you may see matches."</p> }.into_any()
                    }
                    r => view! {
                        {(!r.repositories.is_empty()).then(|| view! {
                            <h2>"Repositories"</h2>
                            <RepositoryTable id="search-repositories" link="/repositories" items=r.repositories />
                        })}
                        {(!r.namespaces.is_empty()).then(|| view! {
                            <h2>"Namespaces"</h2>
                            <ul id="search-namespaces">
                                {r.namespaces.into_iter().map(|n| view! {
                                    <li><strong>{n.name}</strong> {(n.registry != "default").then(|| format!(" ({})", n.registry))} " · team " {n.team} " · " {n.visibility.to_string()}</li>
                                }).collect_view()}
                            </ul>
                        })}
                        {(!r.teams.is_empty()).then(|| view! {
                            <h2>"Teams"</h2>
                            <ul id="search-teams">
                                {r.teams.into_iter().map(|t| view! {
                                    <li><strong>{t.name}</strong> " · " {t.members.len()} " members"</li>
                                }).collect_view()}
                            </ul>
                        })}
                        {(!r.people.is_empty()).then(|| view! {
                            <h2>"People"</h2>
                            <ul id="search-people">
                                {r.people.into_iter().map(|p| view! {
                                    <li class="person">{person(&p.username, p.display_name.as_deref())}</li>
                                }).collect_view()}
                            </ul>
                        })}
                    }.into_any(),
                } />
        </div>
    }
}
