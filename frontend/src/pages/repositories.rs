//! The repositories you may see, and one repository: its description, its
//! images with their tags (`docker pull` lines, deleting a tag), retention
//! and comments.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use portunus_shared::api::Repository;

use super::ErrorNote;
use super::Loaded;
use super::comments::Comments;
use super::images::{ImageTable, RepositoryTable, SortChoice};
use super::require_sign_in;
use super::retention::Retention;

use crate::api;

#[component]
pub fn RepositoriesPage() -> impl IntoView {
    require_sign_in();
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new("name".to_owned());
    let page = LocalResource::new(move || {
        let (q, sort) = (filter.get(), sort.get().parse().unwrap_or_default());
        async move { api::repositories(&q, sort).await }
    });
    view! {
        <div class="card">
            <h1>"Repositories"</h1>
            <input id="repo-filter" placeholder="Filter by name" bind:value=filter />
            <SortChoice sort=sort />
            <Loaded resource=page show=move |value| match value {
                    p if p.items.is_empty() => view! {
                        <p class="muted">"No repositories you may see yet. Push one to your personal namespace."</p>
                    }.into_any(),
                    p => view! { <RepositoryTable id="repository-list" link="/repositories" items=p.items /> }.into_any(),
            } />
        </div>
    }
}

#[component]
pub fn RepositoryPage() -> impl IntoView {
    require_sign_in();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let repository = LocalResource::new(move || api::repository(id()));
    let images = LocalResource::new(move || api::images(id()));
    let info = LocalResource::new(api::info);
    let error = RwSignal::new(None::<String>);
    let registry = move || match info.get() {
        Some(Ok(info)) => info.registry,
        _ => "REGISTRY".to_owned(),
    };
    let on_delete = Callback::new(move |tag: String| {
        spawn_local(async move {
            match api::delete_tag(id(), &tag).await {
                Ok(()) => images.refetch(),
                Err(e) => error.set(Some(e.message)),
            }
        })
    });

    view! {
        <div class="card">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || repository.get().map(|result| match result {
                    Ok(r) => {
                        let starred = r.starred;
                        let toggle = move |_| spawn_local(async move {
                            match api::set_star(id(), !starred).await {
                                Ok(()) => repository.refetch(),
                                Err(e) => error.set(Some(e.message)),
                            }
                        });
                        view! {
                            <h1 id="repository-name">{r.name.clone()}</h1>
                            <button id="star" class="small" on:click=toggle>
                                {if starred { "★ Starred" } else { "☆ Star" }} " · " {r.stars}
                            </button>
                            <Description repository=r.clone() on_saved=move || repository.refetch() />
                            {r.may_manage.then(|| view! { <Retention repository=r.id /> })}
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                })}
                {move || images.get().map(|result| match result {
                    Ok(list) => {
                        let name = repository.get().and_then(|r| r.ok()).map(|r| r.name).unwrap_or_default();
                        view! {
                            <ImageTable
                                images=list
                                pull=format!("{}/{}", registry(), name)
                                on_delete=on_delete
                                details=format!("/repositories/{}/tags", id())
                            />
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                })}
            </Suspense>
            <ErrorNote error=error />
            {move || (id() > 0).then(|| view! {
                <Comments repository=id() />
            })}
        </div>
    }
}

/// The repository's markdown description, rendered; owners may edit it.
#[component]
fn Description(
    repository: Repository,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(repository.description.clone());
    let error = RwSignal::new(None::<String>);
    let id = repository.id;
    let save = move |_| {
        let text = draft.get();
        spawn_local(async move {
            match api::describe(id, text).await {
                Ok(_) => {
                    editing.set(false);
                    on_saved();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let html = repository.description_html.clone();
    let empty = repository.description.trim().is_empty();
    view! {
        <Show
            when=move || editing.get()
            fallback=move || view! {
                {if empty {
                    view! { <p id="description" class="muted">"No description."</p> }.into_any()
                } else {
                    view! { <div id="description" class="markdown" inner_html=html.clone()></div> }.into_any()
                }}
                {repository.may_manage.then(|| view! {
                    <button id="edit-description" class="small" on:click=move |_| editing.set(true)>"Edit description"</button>
                })}
            }
        >
            <textarea id="description-editor" rows="8" bind:value=draft></textarea>
            <button id="save-description" on:click=save>"Save"</button>
            " " <button class="small" on:click=move |_| editing.set(false)>"Cancel"</button>
        </Show>
        <ErrorNote error=error />
    }
}
