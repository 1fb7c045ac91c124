//! One tag: its image's digest, size, platforms, labels, how it runs, and
//! each layer with the build step that made it.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use portunus_shared::display::{human_size, pushed, short_digest};

use super::Loaded;
use super::require_sign_in;
use crate::api;

#[component]
pub fn TagPage() -> impl IntoView {
    require_sign_in();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let tag = move || params.with(|p| p.get("tag").unwrap_or_default());
    let details = Fetch::new(move || {
        let (id, tag) = (id(), tag());
        async move { api::tag_details(id, &tag).await }
    });
    view! {
        <div class="card">
            <p><a href=move || format!("/repositories/{}", id())>"← Repository"</a></p>
            <Loaded resource=details waiting="Reading the image from the registry…" show=move |d| {
                        let t = d.tag;
                        let facts = [
                            ("Digest", Some(t.digest.clone())),
                            ("Media type", Some(t.media_type.clone())),
                            ("Size", Some(format!("{} in {} layers", human_size(t.size), t.layers))),
                            ("Built", t.created.clone()),
                            ("Pushed", Some(pushed(&t.pushed_at, t.pushed_by.as_deref(), t.pushed_by_display_name.as_deref()))),
                            ("Last pulled", t.pulled_at.clone()),
                            ("Runs", d.command.clone()),
                            ("Working directory", d.working_dir.clone()),
                            ("User", d.user.clone()),
                            ("Ports", (!d.exposed_ports.is_empty()).then(|| d.exposed_ports.join(", "))),
                            ("Labels", t.labels.clone()),
                        ];
                        view! {
                            <h1 id="tag-name">{t.name.clone()}</h1>
                            <table id="tag-facts">
                                <tbody>
                                    {facts.into_iter().filter_map(|(k, v)| v.map(|v| view! {
                                        <tr><th>{k}</th><td><code>{v}</code></td></tr>
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
