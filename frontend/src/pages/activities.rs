//! The audit log (administrators): every change, sign-in and failed
//! sign-in, filtered by actor, action, target and time, a page at a time,
//! and the same selection as a CSV download.

use crate::fetch::Fetch;
use leptos::prelude::*;
use portunus_shared::display::person;

use super::require_sign_in;
use crate::api::{self, AuditFilter};
use crate::components::{Loaded, Pager, activity_words, first_page_when};

#[component]
pub fn AuditLogPage() -> impl IntoView {
    require_sign_in();
    let actor = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let page = RwSignal::new(1_u64);
    let filter = move || AuditFilter {
        actor: actor.get(),
        key: key.get(),
        target: target.get(),
        since: since.get(),
        until: until.get(),
    };
    // A new filter starts again at the first page.
    first_page_when(page, move || {
        filter();
    });
    let found = Fetch::new(move || {
        let (filter, page) = (filter(), page.get());
        async move { api::activities(&filter, page).await }
    });
    let csv = move || api::activities_csv_url(&filter());
    view! {
        <div class="card">
            <h1>"Audit log"</h1>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <label>"Actor" <input id="filter-actor" placeholder="alice" bind:value=actor /></label>
                <label>"Action" <input id="filter-key" placeholder="team. or user.delete" bind:value=key /></label>
                <label>"Target" <input id="filter-target" placeholder="web/app" bind:value=target /></label>
                <label>"From" <input id="filter-since" type="date" bind:value=since /></label>
                <label>"Until" <input id="filter-until" type="date" bind:value=until /></label>
                <a id="audit-csv" class="button small" href=csv download="portunus-activities.csv">"Download CSV"</a>
            </form>
            <Loaded resource=found show=move |found| match found {
                found if found.items.is_empty() => view! { <p id="audit-empty" class="muted">"No activity matches."</p> }.into_any(),
                found => {
                    let pages = found.total.div_ceil(found.per_page.max(1));
                    view! {
                        <p class="muted">{format!("{} entries", found.total)}</p>
                        <table id="audit-list">
                            <thead><tr><th>"When (UTC)"</th><th>"Who"</th><th>"What"</th><th>"Action"</th></tr></thead>
                            <tbody>
                                {found.items.into_iter().map(|a| {
                                    let (icon, words) = activity_words(&a);
                                    view! {
                                        <tr data-activity=a.id>
                                            <td class="nowrap">{a.created_at.replace('T', " ").trim_end_matches('Z').to_owned()}</td>
                                            <td class="person">{person(&a.actor, a.actor_display_name.as_deref())}</td>
                                            <td><span aria-hidden="true">{icon}</span> " " {words}</td>
                                            <td><code>{a.key.clone()}</code></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page pages=pages />
                    }.into_any()
                }
            } />
        </div>
    }
}
