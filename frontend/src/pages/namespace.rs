//! One namespace: its description, team and visibility (owners change
//! them), your role and what you may do in it, its repositories, its
//! immutable tags, its webhooks (for those who manage it), and deleting it
//! where that is allowed.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use portunus_shared::api::{Namespace, NamespaceUpdate};
use portunus_shared::domain::Visibility;

use super::immutable_tags::ImmutableTags;
use super::permissions::Verdicts;
use super::require_sign_in;
use super::webhooks::Webhooks;
use crate::api::{self, NamespaceRef, Shelf};
use crate::components::{ErrorNote, Loaded, PagedRepositories, choices, submit};

/// `/namespaces/NAME` (the configured registry's) or
/// `/registries/REGISTRY/namespaces/NAME`.
#[component]
pub fn NamespacePage(name: String, registry: Option<String>) -> impl IntoView {
    require_sign_in();
    let key = StoredValue::new(NamespaceRef { name, registry });
    let found = Fetch::new(move || {
        let key = key.get_value();
        async move { api::namespace(&key).await }
    });
    view! {
        <Loaded resource=found show=move |ns| view! { <Details ns=ns on_change=move || found.refetch() /> }.into_any() />
    }
}

/// Who may pull and push under each visibility, in words.
fn meaning(visibility: Visibility, team: &str) -> String {
    match visibility {
        Visibility::Private => {
            format!("Only members of team {team} (and administrators) see and pull it.")
        }
        Visibility::Protected => {
            format!(
                "Everyone signed in sees and pulls it; members of team {team} push as their role allows."
            )
        }
        Visibility::Public => {
            format!(
                "Anyone pulls it, also without signing in; members of team {team} push as their role allows."
            )
        }
    }
}

#[component]
fn Details(ns: Namespace, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let key = NamespaceRef::of(&ns.name, &ns.registry);
    let stored_key = StoredValue::new(key.clone());
    let update = move |change: NamespaceUpdate| {
        submit(
            error,
            async move { api::update_namespace(&stored_key.get_value(), change).await },
            move |_| {
                on_change();
            },
        );
    };
    let owner = match &ns.personal_of {
        Some(user) => view! { "the personal namespace of " <strong>{user.clone()}</strong> }.into_any(),
        None => view! { "owned by team " <a id="namespace-team" href=format!("/teams/{}", ns.team)>{ns.team.clone()}</a> }.into_any(),
    };
    let role = match ns.role {
        Some(role) => format!("Your role here: {role}."),
        None => "You are not a member of its team.".to_owned(),
    };
    let visibility = if ns.may_manage && ns.personal_of.is_none() {
        view! {
            <select id="namespace-visibility" on:change=move |ev| update(NamespaceUpdate {
                visibility: event_target_value(&ev).parse().ok(),
                ..NamespaceUpdate::default()
            })>
                {choices(Some(ns.visibility))}
            </select>
        }
        .into_any()
    } else {
        view! { <strong>{ns.visibility.label()}</strong> }.into_any()
    };
    view! {
        <div class="card">
            <h1 id="namespace-name">{ns.name.clone()}</h1>
            {key.registry.clone().map(|r| view! { <p class="muted" id="namespace-registry">"In the registry " <strong>{r}</strong></p> })}
            <p>{owner} ". " <span id="namespace-role">{role}</span></p>
            <label for="namespace-visibility">"Visibility"</label>
            {visibility}
            <p class="muted" id="visibility-meaning">{meaning(ns.visibility, &ns.team)}</p>
            <Description ns=ns.clone() update=update />
            {(ns.may_manage && ns.personal_of.is_none()).then(|| view! { <MoveToTeam current=ns.team.clone() update=update /> })}
            <ErrorNote error=error />
        </div>
        <Repositories namespace=ns.name.clone() registry=ns.registry.clone() />
        <Access namespace=key.clone() />
        <ImmutableTags namespace=Some(key.clone()) may_manage=ns.may_manage />
        {ns.may_manage.then(|| view! { <Webhooks namespace=Some(key.clone()) /> })}
        {(ns.may_manage && ns.personal_of.is_none() && !ns.global).then(|| view! { <Delete namespace=key.clone() /> })}
    }
}

/// The description, rendered; owners edit the markdown.
#[component]
fn Description(
    ns: Namespace,
    update: impl Fn(NamespaceUpdate) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(ns.description.clone());
    let html = ns.description_html.clone();
    let save = move |_| {
        editing.set(false);
        update(NamespaceUpdate {
            description: Some(draft.get_untracked()),
            ..NamespaceUpdate::default()
        });
    };
    view! {
        <section id="namespace-description">
            <h2>"Description"</h2>
            {if html.is_empty() {
                view! { <p class="muted">"No description."</p> }.into_any()
            } else {
                view! { <div class="markdown" inner_html=html></div> }.into_any()
            }}
            {ns.may_manage.then(|| view! {
                <Show when=move || editing.get() fallback=move || view! {
                    <button id="edit-namespace-description" class="small" on:click=move |_| editing.set(true)>"Edit description"</button>
                }>
                    <textarea id="namespace-description-editor" aria-label="Description (markdown)" rows="5" bind:value=draft></textarea>
                    <button id="save-namespace-description" on:click=save>"Save"</button>
                </Show>
            })}
        </section>
    }
}

/// Giving the namespace to another team you own.
#[component]
fn MoveToTeam(
    current: String,
    update: impl Fn(NamespaceUpdate) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let teams = Fetch::new(api::teams);
    let chosen = RwSignal::new(String::new());
    let current = StoredValue::new(current);
    view! {
        <details id="move-namespace">
            <summary>"Move to another team"</summary>
            <Loaded resource=teams show=move |teams| {
                let mine: Vec<String> = teams
                    .into_iter()
                    .filter(|t| t.may_manage && t.name != current.get_value())
                    .map(|t| t.name)
                    .collect();
                if mine.is_empty() {
                    return view! { <p class="muted">"You own no other team."</p> }.into_any();
                }
                view! {
                    <select id="move-namespace-team" aria-label="Team to move it to" bind:value=chosen>
                        <option value="">"Choose a team"</option>
                        {mine.into_iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                    </select>
                    <button id="move-namespace-button" class="small" disabled=move || chosen.get().is_empty()
                        on:click=move |_| update(NamespaceUpdate { team: Some(chosen.get_untracked()), ..NamespaceUpdate::default() })>
                        "Move"
                    </button>
                }.into_any()
            } />
        </details>
    }
}

/// The namespace's repositories, last pushed first, a page at a time.
#[component]
fn Repositories(namespace: String, registry: String) -> impl IntoView {
    let page = RwSignal::new(1_u64);
    let namespace = StoredValue::new((namespace, registry));
    let listed = Fetch::new(move || {
        let page = page.get();
        let (name, registry) = namespace.get_value();
        async move { api::shelf(Shelf::InNamespace, &name, Some(&registry), page).await }
    });
    view! {
        <div class="card">
            <h2>"Repositories"</h2>
            <PagedRepositories listed=listed page=page id="namespace-repositories" empty="Nothing pushed here yet." />
        </div>
    }
}

/// What you may do in the namespace, and the rule behind each answer.
#[component]
fn Access(namespace: NamespaceRef) -> impl IntoView {
    // Any repository of the namespace is decided alike.
    let repository = format!("{}/example", namespace.name);
    let heading = format!(
        "What you may do with the repositories in {}",
        namespace.name
    );
    let registry = namespace.registry;
    let verdicts = Fetch::new(move || {
        let (repository, registry) = (repository.clone(), registry.clone());
        async move { api::permissions(&repository, None, registry.as_deref()).await }
    });
    view! {
        <div class="card" id="namespace-access">
            <Loaded resource=verdicts show=move |p| view! { <Verdicts permissions=p heading=heading.clone() /> }.into_any() />
        </div>
    }
}

/// Deleting the namespace, after saying what that does.
#[component]
fn Delete(namespace: NamespaceRef) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let name = StoredValue::new(namespace);
    let delete = move |_| {
        let question = format!(
            "Delete the namespace {}? Its description, settings and rules go; \
             it is refused while repositories under it still hold images.",
            name.get_value().name
        );
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        let navigate = navigate.clone();
        submit(
            error,
            async move { api::delete_namespace(&name.get_value()).await },
            move |()| navigate("/namespaces", Default::default()),
        );
    };
    view! {
        <div class="card">
            <h2>"Delete this namespace"</h2>
            <p class="muted">"Only an empty namespace can go: delete its repositories first, so that nobody who takes the name later reaches their images."</p>
            <button id="delete-namespace" class="danger" on:click=delete>"Delete namespace"</button>
            <ErrorNote error=error />
        </div>
    }
}
