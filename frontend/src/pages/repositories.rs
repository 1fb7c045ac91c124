//! The repositories you may see, and one repository's tags: digest, size,
//! platforms, who pushed it, the `docker pull` line, and deleting a tag.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use portunus_shared::api::Tag;

use super::require_sign_in;
use portunus_shared::display::{human_size, short_digest};

use crate::api;

#[component]
pub fn RepositoriesPage() -> impl IntoView {
    require_sign_in();
    let filter = RwSignal::new(String::new());
    let page = LocalResource::new(move || {
        let q = filter.get();
        async move { api::repositories(&q).await }
    });
    view! {
        <div class="card">
            <h1>"Repositories"</h1>
            <input id="repo-filter" placeholder="Filter by name" bind:value=filter />
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || page.get().map(|result| match result {
                    Ok(p) if p.items.is_empty() => view! {
                        <p class="muted">"No repositories you may see yet. Push one to your personal namespace."</p>
                    }.into_any(),
                    Ok(p) => view! {
                        <table id="repository-list">
                            <thead><tr><th>"Repository"</th><th>"Tags"</th><th>"Last push"</th></tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|r| view! {
                                    <tr>
                                        <td><a href=format!("/repositories/{}", r.id)>{r.name}</a></td>
                                        <td>{r.tags}</td>
                                        <td>{r.updated_at.unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                })}
            </Suspense>
        </div>
    }
}

#[component]
pub fn RepositoryPage() -> impl IntoView {
    require_sign_in();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let repository = LocalResource::new(move || api::repository(id()));
    let tags = LocalResource::new(move || api::tags(id()));
    let info = LocalResource::new(api::info);
    let error = RwSignal::new(None::<String>);
    let registry = move || match info.get() {
        Some(Ok(info)) => info.registry,
        _ => "REGISTRY".to_owned(),
    };

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
                            <h1 id="repository-name">{r.name}</h1>
                            <button id="star" class="small" on:click=toggle>
                                {if starred { "★ Starred" } else { "☆ Star" }} " · " {r.stars}
                            </button>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                })}
                {move || tags.get().map(|result| match result {
                    Ok(list) => {
                        let name = repository.get().and_then(|r| r.ok()).map(|r| r.name).unwrap_or_default();
                        view! {
                            <TagTable
                                list=list
                                pull=format!("{}/{}", registry(), name)
                                on_delete=move |tag: String| spawn_local(async move {
                                    match api::delete_tag(id(), &tag).await {
                                        Ok(()) => tags.refetch(),
                                        Err(e) => error.set(Some(e.message)),
                                    }
                                })
                            />
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                })}
            </Suspense>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

#[component]
fn TagTable(
    list: Vec<Tag>,
    pull: String,
    on_delete: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <table id="tag-list">
            <thead><tr><th>"Tag"</th><th>"Image"</th><th>"Size"</th><th>"Platforms"</th><th>"Pushed"</th><th></th></tr></thead>
            <tbody>
                {list.into_iter().map(|t| {
                    let platforms = if t.platforms.is_empty() {
                        String::new()
                    } else {
                        t.platforms.iter().map(|p| match &p.variant {
                            Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                            None => format!("{}/{}", p.os, p.architecture),
                        }).collect::<Vec<_>>().join(", ")
                    };
                    let pushed = match &t.pushed_by {
                        Some(who) => format!("{} by {who}", t.pushed_at),
                        None => t.pushed_at.clone(),
                    };
                    let name = t.name.clone();
                    view! {
                        <tr class="tag-row" data-tag=t.name.clone()>
                            <td>
                                <strong>{t.name.clone()}</strong>
                                <pre class="pull">{format!("docker pull {pull}:{}", t.name)}</pre>
                            </td>
                            <td><code title=t.digest.clone()>{short_digest(&t.digest)}</code></td>
                            <td>{human_size(t.size)}</td>
                            <td>{platforms}</td>
                            <td>{pushed}</td>
                            <td><button class="small danger" on:click=move |_| on_delete(name.clone())>"Delete"</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
