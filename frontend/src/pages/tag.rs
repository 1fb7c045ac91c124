//! One tag: its image's digest, size, platforms, labels, how it runs, and
//! each layer with the build step that made it.

use crate::fetch::Fetch;
use leptos::prelude::*;
use portunus_shared::display::{human_size, person, short_digest};

use super::require_sign_in;
use crate::api;
use crate::components::{CopyButton, Loaded, When};

#[component]
pub fn TagPage(id: i64, tag: String) -> impl IntoView {
    require_sign_in();
    let id = move || id;
    let tag = StoredValue::new(tag);
    let tag = move || tag.get_value();
    let details = Fetch::new(move || {
        let (id, tag) = (id(), tag());
        async move { api::tag_details(id, &tag).await }
    });
    let repository = Fetch::new(move || api::repository(id()));
    // `ns/app:tag` once the repository is known, and its `docker pull` line.
    let name = move || match repository.get() {
        Some(Ok(r)) => format!("{}:{}", r.name, tag()),
        _ => tag(),
    };
    let pull = move || match repository.get() {
        Some(Ok(r)) => Some(format!(
            "docker pull {}/{}:{}",
            r.registry_host,
            r.name,
            tag()
        )),
        _ => None,
    };
    view! {
        <div class="card">
            <p><a href=move || format!("/repositories/{}", id())>"← Repository"</a></p>
            <h1 id="tag-name">{name}</h1>
            {move || pull().map(|line| view! {
                <div class="pull-line"><pre class="pull">{line.clone()}</pre><CopyButton text=line /></div>
            })}
            <Loaded resource=details waiting="Reading the image from the registry…" show=move |d| {
                        let t = d.tag;
                        let code = |text: String| view! { <code>{text}</code> }.into_any();
                        let time = |at: String| view! { <When at=at /> }.into_any();
                        let pushed = view! {
                            <When at=t.pushed_at.clone() />
                            {t.pushed_by.as_deref().map(|who| format!(" by {}", person(who, t.pushed_by_display_name.as_deref())))}
                        }.into_any();
                        let digest = t.digest.clone();
                        let facts = [
                            ("Digest", Some(view! { <code>{digest.clone()}</code> " " <CopyButton text=digest /> }.into_any())),
                            ("Image ID", t.image_id.clone().map(|id| view! { <code title=id.clone()>{short_digest(&id)}</code> }.into_any())),
                            ("Media type", Some(code(t.media_type.clone()))),
                            ("Size", Some(code(format!("{} in {} {}", human_size(t.size), t.layers, if t.layers == 1 { "layer" } else { "layers" })))),
                            ("Built", t.created.clone().map(time)),
                            ("Pushed", Some(pushed)),
                            ("Last pulled", Some(t.pulled_at.clone().map_or_else(|| view! { "never" }.into_any(), time))),
                            ("Runs", d.command.clone().map(code)),
                            ("Working directory", d.working_dir.clone().map(code)),
                            ("User", d.user.clone().map(code)),
                            ("Ports", (!d.exposed_ports.is_empty()).then(|| code(d.exposed_ports.join(", ")))),
                            ("Labels", t.labels.clone().map(code)),
                        ];
                        view! {
                            <table id="tag-facts">
                                <tbody>
                                    {facts.into_iter().filter_map(|(k, v)| v.map(|v| view! {
                                        <tr><th>{k}</th><td>{v}</td></tr>
                                    })).collect_view()}
                                    {t.platforms.into_iter().map(|p| view! {
                                        <tr>
                                            <th>"Platform"</th>
                                            <td>
                                                {format!("{}/{}{}", p.os, p.architecture, p.variant.map(|v| format!("/{v}")).unwrap_or_default())}
                                                " · " <code>{short_digest(&p.digest)}</code> " · " {human_size(p.size)}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {(!d.layers.is_empty()).then(|| view! {
                                <h2>"Layers"</h2>
                                <table id="layers">
                                    <thead><tr><th>"#"</th><th>"Size"</th><th>"Made by"</th></tr></thead>
                                    <tbody>
                                        {d.layers.into_iter().enumerate().map(|(i, l)| view! {
                                            <tr title=l.digest.clone()>
                                                <td>{i + 1}</td>
                                                <td>{human_size(l.size)}</td>
                                                <td><code>{l.created_by.unwrap_or_else(|| short_digest(&l.digest))}</code></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            })}
                        }.into_any()
                    }
                />
        </div>
    }
}
