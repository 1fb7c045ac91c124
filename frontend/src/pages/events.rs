//! For administrators: the registry's status (does it answer, its API,
//! the last catalog sync), and the notifications the registry sent that
//! wait, could not be applied, or are held because they name a registry
//! host Portunus does not know, with the reason and how to fix it.

use crate::fetch::Fetch;
use leptos::prelude::*;

use portunus_shared::domain::EventState;

use super::registries::StatusTable;
use super::require_sign_in;
use crate::api;
use crate::components::{Loaded, When, choices};

#[component]
pub fn RegistryEventsPage() -> impl IntoView {
    require_sign_in();
    let state = RwSignal::new("failed".to_owned());
    let page = Fetch::new(move || {
        let state = state.get().parse().unwrap_or_default();
        async move { api::registry_events(state).await }
    });
    view! {
        <RegistryCard />
        <div class="card">
            <h1>"Registry events"</h1>
            <p class="muted">"Every notification is stored before the registry is answered. Pending ones wait to be applied; failed ones could not be; held ones name a host that is not one of their registry's names."</p>
            <select id="event-state" aria-label="Events in this state" bind:value=state>
                {choices::<EventState>(None)}
            </select>
            <Loaded resource=page show=move |value| match value {
                    p if p.items.is_empty() => view! { <p id="no-events" class="muted">"None."</p> }.into_any(),
                    p => view! {
                        <p class="muted">{format!("{} in all, newest first", p.total)}</p>
                        <table id="event-list">
                            <thead><tr><th>"Received"</th><th>"Registry"</th><th>"What"</th><th>"By"</th><th>"Outcome"</th></tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|e| {
                                    let what = format!(
                                        "{} {}{}",
                                        e.action,
                                        e.repository.unwrap_or_default(),
                                        e.tag.map(|t| format!(":{t}")).unwrap_or_default()
                                    );
                                    let outcome = match (&e.held_host, &e.error, &e.processed_at) {
                                        (Some(host), _, _) => format!("held: host {host} is unknown; add it to the registry's host names (registry.hostnames, or the Registries page)"),
                                        (_, Some(error), _) => format!("not applied: {error}"),
                                        (_, None, Some(at)) => format!("applied {at}"),
                                        _ => "waiting".to_owned(),
                                    };
                                    view! {
                                        <tr data-event=e.event_id.clone()>
                                            <td><When at=e.received_at /></td>
                                            <td>{e.registry.clone()}</td>
                                            <td><code>{what}</code></td>
                                            <td>{e.actor.unwrap_or_default()}</td>
                                            <td>{outcome}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                } />
        </div>
    }
}

/// Whether the registry answers, and how the last catalog sync ended.
#[component]
fn RegistryCard() -> impl IntoView {
    let status = Fetch::new(api::registry_status);
    view! {
        <div class="card" id="registry-status">
            <h1>"Registry"</h1>
            <Loaded resource=status show=move |s| view! { <StatusTable status=s /> }.into_any() />
            <p class="muted">"Every registry: " <a href="/admin/registries">"Registries"</a></p>
        </div>
    }
}
