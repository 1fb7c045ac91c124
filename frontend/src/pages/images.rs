//! Tables pages share: repositories with their tag count and last push, and
//! a repository's images (one header row per image with digest, size,
//! platforms, signatures and SBOMs, then a row per tag with its `docker
//! pull` line and a delete button where deleting is offered).

use leptos::prelude::*;
use portunus_shared::api::{Artifact, Image, PlatformImage, Repository};
use portunus_shared::display::{human_size, pushed, short_digest};
use portunus_shared::domain::RepositorySort;

use super::When;

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
    #[prop(optional)]
    on_delete: Option<Callback<String>>,
    /// Tag names link to `{details}/{tag}` when set.
    #[prop(optional)]
    details: Option<String>,
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
                        let delete = on_delete.map(|callback| view! {
                            <button class="small danger" on:click=move |_| callback.run(name.clone())>"Delete"</button>
                        });
                        view! {
                            <tr class="tag-row" data-tag=tag.clone()>
                                <td>
                                    <strong>{match &details {
                                        Some(base) => view! { <a href=format!("{base}/{tag}")>{tag.clone()}</a> }.into_any(),
                                        None => view! { {tag.clone()} }.into_any(),
                                    }}</strong>
                                    <pre class="pull">{format!("docker pull {pull}:{tag}")}</pre>
                                </td>
                                <td>{human_size(image.size)}</td>
                                <td>{pushed(&image.pushed_at, image.pushed_by.as_deref(), image.pushed_by_display_name.as_deref())}</td>
                                <td>{delete}</td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <tr class="image-row" data-digest=image.digest.clone()>
                            <td colspan="4">
                                <code title=image.digest.clone()>{short_digest(&image.digest)}</code>
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

/// Choosing the order of a repository list.
#[component]
pub fn SortChoice(sort: RwSignal<String>) -> impl IntoView {
    view! {
        <select id="sort" bind:value=sort>
            {super::choices::<RepositorySort>(None)}
        </select>
    }
}
