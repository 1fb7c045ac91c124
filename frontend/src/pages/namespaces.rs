//! Namespaces you may see, with their team and who may pull from them;
//! owners of the team change the visibility here.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::{Namespace, NamespaceUpdate};

use super::ErrorNote;
use super::Loaded;
use super::require_sign_in;
use crate::api;

const VISIBILITIES: [(&str, &str); 3] = [
    ("private", "private: team members only"),
    ("protected", "protected: everyone signed in may pull"),
    ("public", "public: anyone may pull"),
];

#[component]
pub fn NamespacesPage() -> impl IntoView {
    require_sign_in();
    let list = LocalResource::new(api::namespaces);
    let teams = LocalResource::new(api::teams);
    let me = LocalResource::new(api::me);
    let error = RwSignal::new(None::<String>);
    // Whether the signed-in user may change a namespace: administrators,
    // the owner of a personal namespace, owners of the namespace's team.
    let may_change = move |n: &Namespace| {
        let Some(Ok(me)) = me.get() else { return false };
        me.admin
            || n.personal_of.as_ref() == Some(&me.username)
            || matches!(teams.get(), Some(Ok(ref ts)) if ts.iter().any(|t| t.name == n.team
                && t.members.iter().any(|m| m.username == me.username && m.role == "owner")))
    };
    view! {
        <div class="card">
            <h1>"Namespaces"</h1>
            <p class="muted">"Push to NAMESPACE/IMAGE. Create namespaces on a team's page."</p>
            <Loaded resource=list show=move |spaces| view! {
                        <table id="namespace-list">
                            <thead><tr><th>"Namespace"</th><th>"Team"</th><th>"Who may pull"</th></tr></thead>
                            <tbody>
                                {spaces.into_iter().filter(|n| !n.global).map(|n| {
                                    let name = n.name.clone();
                                    let current = n.visibility.clone();
                                    let visibility = if may_change(&n) {
                                        view! {
                                            <select class="visibility" on:change=move |ev| {
                                                let change = NamespaceUpdate { team: None, visibility: Some(event_target_value(&ev)), description: None };
                                                let name = name.clone();
                                                spawn_local(async move {
                                                    match api::update_namespace(&name, change).await {
                                                        Ok(_) => { error.set(None); list.refetch(); }
                                                        Err(e) => error.set(Some(e.message)),
                                                    }
                                                });
                                            }>
                                                {VISIBILITIES.iter().map(|(v, label)| view! {
                                                    <option value=*v selected=current == *v>{*label}</option>
                                                }).collect_view()}
                                            </select>
                                        }.into_any()
                                    } else {
                                        view! { {n.visibility.clone()} }.into_any()
                                    };
                                    let team = match &n.personal_of {
                                        Some(user) => view! { {format!("personal ({user})")} }.into_any(),
                                        None => view! { <a href=format!("/teams/{}", n.team)>{n.team.clone()}</a> }.into_any(),
                                    };
                                    view! {
                                        <tr data-namespace=n.name.clone()>
                                            <td><strong>{n.name.clone()}</strong><br/><span class="muted">{n.description.clone()}</span></td>
                                            <td>{team}</td>
                                            <td>{visibility}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                />
            <ErrorNote error=error />
        </div>
    }
}
