//! Tables pages share: repositories with their tag count and last push, and
//! a repository's images (one header row per image with digest, size,
//! platforms, signatures and SBOMs, then a row per tag with its `docker
//! pull` line and a delete button where deleting is offered).

use std::collections::BTreeSet;

use crate::fetch::Fetch;
use leptos::prelude::*;
use portunus_shared::api::{Artifact, Image, PlatformImage, Repository, RepositoryPage};
use portunus_shared::display::{human_size, person, short_digest};

use super::{Loaded, Pager, SortChoice, When, first_page_when};

fn platforms(list: &[PlatformImage]) -> String {
    list.iter()
        .map(|p| match &p.variant {
            Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
            None => format!("{}/{}", p.os, p.architecture),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short badge for an artifact: "signature", "SBOM", "attestation", or its type.
fn badge(a: &Artifact) -> String {
    let t = a.artifact_type.to_ascii_lowercase();
    if t.contains("sig") {
        "signature".into()
    } else if t.contains("spdx") || t.contains("cyclonedx") || t.contains("sbom") {
        "SBOM".into()
    } else if t.contains("att") || t.contains("in-toto") {
        "attestation".into()
    } else {
        a.artifact_type.clone()
    }
}

#[component]
pub fn ImageTable(
    images: Vec<Image>,
    /// `REGISTRY/NAME`, for the pull lines.
    pull: String,
    /// Called with a tag name when its delete button is pressed; no buttons without it.
    #[prop(optional_no_strip)]
    on_delete: Option<Callback<String>>,
    /// Tag names link to `{details}/{tag}` when set.
    #[prop(optional)]
    details: Option<String>,
    /// With deleting: the tags ticked for deleting together.
    #[prop(optional_no_strip)]
    selected: Option<RwSignal<BTreeSet<String>>>,
) -> impl IntoView {
    if images.is_empty() {
        return view! { <p class="muted">"No tags."</p> }.into_any();
    }
    view! {
        <table id="tag-list">
            <thead><tr><th>"Tag"</th><th>"Size"</th><th>"Pushed"</th><th></th></tr></thead>
            <tbody>
                {images.into_iter().map(|image| {
                    let artifacts = image.artifacts.iter().map(|a| view! {
                        <span class="badge" title=format!("{} {}", a.artifact_type, a.digest)>{badge(a)}</span>
                    }).collect_view();
                    let shown_platforms = platforms(&image.platforms);
                    let pull = pull.clone();
                    let details = details.clone();
                    let tag_rows = image.tags.iter().map(|tag| {
                        let name = tag.clone();
                        let tick = selected.map(|selected| {
                            let name = name.clone();
                            view! {
                                <input type="checkbox" class="select-tag" aria-label=format!("select {name}")
                                    prop:checked={let name = name.clone(); move || selected.with(|s| s.contains(&name))}
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|s| { if on { s.insert(name.clone()); } else { s.remove(&name); } });
                                    } />
                            }
                        });
                        let delete = on_delete.map(|callback| view! {
                            <button class="small danger" on:click=move |_| callback.run(name.clone())>"Delete"</button>
                        });
                        let line = format!("docker pull {pull}:{tag}");
                        view! {
                            <tr class="tag-row" data-tag=tag.clone()>
                                <td>
                                    {tick} " "
                                    <strong>{match &details {
                                        Some(base) => view! { <a href=format!("{base}/{tag}")>{tag.clone()}</a> }.into_any(),
                                        None => view! { {tag.clone()} }.into_any(),
                                    }}</strong>
                                    <div class="pull-line"><pre class="pull">{line.clone()}</pre><CopyButton text=line /></div>
                                </td>
                                <td>{human_size(image.size)}</td>
                                <td class="pushed">
                                    <When at=image.pushed_at.clone() />
                                    {image.pushed_by.as_deref().map(|who| format!(" by {}", person(who, image.pushed_by_display_name.as_deref())))}
                                </td>
                                <td>{delete}</td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <tr class="image-row" data-digest=image.digest.clone()>
                            <td colspan="4">
                                <code title=image.digest.clone()>{short_digest(&image.digest)}</code>
                                " " <CopyButton text=image.digest.clone() label="Copy digest" />
                                " · " {human_size(image.size)}
                                {(!shown_platforms.is_empty()).then(|| format!(" · {shown_platforms}"))}
                                " " {artifacts}
                            </td>
                        </tr>
                        {tag_rows}
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Repositories, each linked to `{link}/{id}`.
#[component]
pub fn RepositoryTable(
    id: &'static str,
    link: &'static str,
    items: Vec<Repository>,
) -> impl IntoView {
    view! {
        <table id=id>
            <thead><tr><th>"Repository"</th><th>"Tags"</th><th>"Last push"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|r| view! {
                    <tr>
                        <td><a href=format!("{link}/{}", r.id)>{r.name}</a></td>
                        <td>{r.tags}</td>
                        <td>{r.updated_at.map(|at| view! { <When at=at /> })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A button that puts `text` on the clipboard and says so.
#[component]
pub fn CopyButton(text: String, #[prop(optional)] label: Option<&'static str>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let label = label.unwrap_or("Copy");
    view! {
        <button class="small copy" title=format!("copy {text}") on:click=move |_| copied.set(crate::api::copy(&text))>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
    }
}

/// One page of repositories from `listed` with the pager under it, or
/// `empty` when there are none.
#[component]
pub fn PagedRepositories(
    listed: Fetch<RepositoryPage>,
    page: RwSignal<u64>,
    id: &'static str,
    empty: &'static str,
    /// Each repository links to `{link}/{id}`.
    #[prop(default = "/repositories")]
    link: &'static str,
) -> impl IntoView {
    view! {
        <Loaded resource=listed show=move |found| match found {
            found if found.items.is_empty() => view! { <p class="muted empty">{empty}</p> }.into_any(),
            found => {
                let pages = found.total.div_ceil(found.per_page.max(1));
                view! {
                    <RepositoryTable id=id link=link items=found.items />
                    <Pager page=page pages=pages />
                }.into_any()
            }
        } />
    }
}

/// A repository list from `source` (see [`crate::api::repository_list`])
/// with a name filter and an order, a page at a time; each repository
/// links to `{link}/{id}`.
#[component]
pub fn FilteredRepositories(
    source: &'static str,
    link: &'static str,
    filter_id: &'static str,
    list_id: &'static str,
    empty: &'static str,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new("name".to_owned());
    let page = RwSignal::new(1_u64);
    // Another filter or order starts again at the first page.
    first_page_when(page, move || {
        filter.track();
        sort.track();
    });
    let listed = Fetch::new(move || {
        let (q, sort, page) = (
            filter.get(),
            sort.get().parse().unwrap_or_default(),
            page.get(),
        );
        async move { crate::api::repository_list(source, &q, sort, page).await }
    });
    view! {
        <input id=filter_id aria-label="Filter repositories by name" placeholder="Filter by name" bind:value=filter />
        <SortChoice sort=sort />
        <PagedRepositories listed=listed page=page id=list_id link=link empty=empty />
    }
}
