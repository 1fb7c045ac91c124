//! The repositories you may see, and one repository: its description, its
//! images with their tags (`docker pull` lines, deleting a tag), retention
//! and comments.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use portunus_shared::api::Repository;

use super::comments::Comments;
use super::require_sign_in;
use super::retention::Retention;
use crate::components::{ErrorNote, FilteredRepositories, ImageTable, submit};

use crate::api;

#[component]
pub fn RepositoriesPage() -> impl IntoView {
    require_sign_in();
    view! {
        <div class="card">
            <h1>"Repositories"</h1>
            <FilteredRepositories source="/repositories" link="/repositories"
                filter_id="repo-filter" list_id="repository-list"
                empty="No repositories you may see match. Push one to your personal namespace." />
        </div>
    }
}

#[component]
pub fn RepositoryPage(id: i64) -> impl IntoView {
    require_sign_in();
    let id = move || id;
    let repository = Fetch::new(move || api::repository(id()));
    let images = Fetch::new(move || api::images(id()));
    let error = RwSignal::new(None::<String>);
    // Deletes the tags named, one after the other, and reports the first refusal.
    let delete_tags = move |tags: Vec<String>| {
        spawn_local(async move {
            for tag in tags {
                if let Err(e) = api::delete_tag(id(), &tag).await {
                    error.set(Some(format!("{tag}: {}", e.message)));
                    break;
                }
            }
            images.refetch();
        })
    };
    let on_delete = Callback::new(move |tag: String| {
        let question =
            format!("Delete the tag {tag} from the registry? Other tags on its image stay.");
        if window().confirm_with_message(&question).unwrap_or(false) {
            delete_tags(vec![tag]);
        }
    });
    let selected = RwSignal::new(std::collections::BTreeSet::<String>::new());
    // Ticks belong to one repository: another one starts with none.
    Effect::new(move |_| {
        id();
        selected.set(Default::default());
    });
    let delete_selected = move |_| {
        let tags: Vec<String> = selected.get_untracked().into_iter().collect();
        let question = format!(
            "Delete these {} tags from the registry? {}\nOther tags on the same images stay.",
            tags.len(),
            tags.join(", ")
        );
        if window().confirm_with_message(&question).unwrap_or(false) {
            selected.set(Default::default());
            delete_tags(tags);
        }
    };

    view! {
        <div class="card">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || repository.get().map(|result| match result {
                    Ok(r) => {
                        let starred = r.starred;
                        let toggle = move |_| submit(error, async move { api::set_star(id(), !starred).await }, move |()| repository.refetch());
                        view! {
                            <h1 id="repository-name">{r.name.clone()}</h1>
                            <p class="muted">"In namespace " <a id="repository-namespace" href=crate::routes::Route::of_namespace(&api::NamespaceRef::of(&r.namespace, &r.registry)).path()>{r.namespace.clone()}</a>{(r.registry != "default").then(|| format!(" of the registry {}", r.registry))}</p>
                            <button id="star" class="small" on:click=toggle>
                                {if starred { "★ Starred" } else { "☆ Star" }} " · " {r.stars}
                            </button>
                            <Description repository=r.clone() on_saved=move || repository.refetch() />
                            {r.may_manage.then(|| view! { <Retention repository=r.id /> })}
                            {r.may_delete.then(|| view! { <DeleteRepository repository=r.clone() error=error /> })}
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                })}
                {move || images.get().map(|result| match result {
                    Ok(list) => {
                        // Pulled from the registry that holds it.
                        let (pull, may_delete) = repository.get().and_then(|r| r.ok()).map(|r| (format!("{}/{}", r.registry_host, r.name), r.may_delete)).unwrap_or_default();
                        view! {
                            <ImageTable
                                images=list
                                pull=pull
                                on_delete=may_delete.then_some(on_delete)
                                selected=may_delete.then_some(selected)
                                details=format!("/repositories/{}/tags", id())
                            />
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                })}
            </Suspense>
            <Show when=move || !selected.with(|s| s.is_empty())>
                <button id="delete-selected" class="danger" on:click=delete_selected>
                    {move || format!("Delete {} selected tags", selected.with(|s| s.len()))}
                </button>
            </Show>
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
        submit(
            error,
            async move { api::describe(id, text).await },
            move |_| {
                editing.set(false);
                on_saved();
            },
        );
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
            <textarea id="description-editor" aria-label="Description (markdown)" rows="8" bind:value=draft></textarea>
            <button id="save-description" on:click=save>"Save"</button>
            " " <button class="small" on:click=move |_| editing.set(false)>"Cancel"</button>
        </Show>
        <ErrorNote error=error />
    }
}

/// Deleting the whole repository, after saying what goes.
#[component]
fn DeleteRepository(repository: Repository, error: RwSignal<Option<String>>) -> impl IntoView {
    let navigate = use_navigate();
    let delete = move |_| {
        let question = format!(
            "Delete the repository {} with all its {} tags and their images from the registry? \
             Its description, comments and stars go too. This cannot be undone.",
            repository.name, repository.tags
        );
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        let (id, navigate) = (repository.id, navigate.clone());
        submit(
            error,
            async move { api::delete_repository(id).await },
            move |()| navigate("/repositories", Default::default()),
        );
    };
    view! {
        <p><button id="delete-repository" class="small danger" on:click=delete>"Delete repository"</button></p>
    }
}
