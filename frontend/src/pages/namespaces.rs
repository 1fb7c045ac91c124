//! Namespaces you may see, with their team and who may pull from them;
//! owners of the team change the visibility here.

use crate::fetch::Fetch;
use leptos::prelude::*;
use portunus_shared::api::NamespaceUpdate;

use super::require_sign_in;
use crate::api;
use crate::components::{ErrorNote, Loaded, Pager, choices, submit};

#[component]
pub fn NamespacesPage() -> impl IntoView {
    require_sign_in();
    let page = RwSignal::new(1_u64);
    let list = Fetch::new(move || {
        let page = page.get();
        async move { api::namespaces_page(page).await }
    });
    let error = RwSignal::new(None::<String>);
    view! {
        <div class="card">
            <h1>"Namespaces"</h1>
            <p class="muted">"Push to NAMESPACE/IMAGE. Create namespaces on a team's page."</p>
            <Loaded resource=list show=move |found| {
                        let pages = found.total.div_ceil(found.per_page.max(1));
                        let spaces = found.items;
                        view! {
                        <table id="namespace-list">
                            <thead><tr><th>"Namespace"</th><th>"Team"</th><th>"Who may pull"</th></tr></thead>
                            <tbody>
                                {spaces.into_iter().filter(|n| !n.global).map(|n| {
                                    let key = api::NamespaceRef::of(&n.name, &n.registry);
                                    let href = crate::routes::Route::of_namespace(&key).path();
                                    let shown = match &key.registry {
                                        Some(registry) => format!("{} ({registry})", n.name),
                                        None => n.name.clone(),
                                    };
                                    let current = n.visibility;
                                    let label = format!("Who may pull from {}", n.name);
                                    let visibility = if n.may_manage {
                                        view! {
                                            <select class="visibility" aria-label=label on:change=move |ev| {
                                                let change = NamespaceUpdate { team: None, visibility: event_target_value(&ev).parse().ok(), description: None };
                                                let key = key.clone();
                                                submit(error, async move { api::update_namespace(&key, change).await }, move |_| { error.set(None); list.refetch(); });
                                            }>
                                                {choices(Some(current))}
                                            </select>
                                        }.into_any()
                                    } else {
                                        view! { {n.visibility.to_string()} }.into_any()
                                    };
                                    let team = match &n.personal_of {
                                        Some(user) => view! { {format!("personal ({user})")} }.into_any(),
                                        None => view! { <a href=format!("/teams/{}", n.team)>{n.team.clone()}</a> }.into_any(),
                                    };
                                    view! {
                                        <tr data-namespace=n.name.clone()>
                                            <td><a href=href><strong>{shown}</strong></a><br/><span class="muted">{n.description.clone()}</span></td>
                                            <td>{team}</td>
                                            <td>{visibility}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page pages=pages />
                    }.into_any()
                    }
                />
            <ErrorNote error=error />
        </div>
    }
}
