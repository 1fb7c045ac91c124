//! A repository's retention rule: edit it, preview exactly which tags would
//! go and why, store it, run it now.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::{RetentionPreview, RetentionRule};

use crate::api;
use crate::components::{ErrorNote, When, settle};

/// A number field's value: empty means "not set".
fn number(text: &str) -> Result<Option<i32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("{text:?} is not a whole number"))
}

fn text_of(n: Option<i32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

#[component]
pub fn Retention(repository: i64) -> impl IntoView {
    let enabled = RwSignal::new(false);
    let keep_newest = RwSignal::new(String::new());
    let older_than = RwSignal::new(String::new());
    let pattern = RwSignal::new(String::new());
    let pulled_within = RwSignal::new(String::new());
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<RetentionPreview>);
    spawn_local(async move {
        if let Ok(setting) = api::retention(repository).await {
            enabled.set(setting.rule.enabled);
            keep_newest.set(text_of(setting.rule.keep_newest));
            older_than.set(text_of(setting.rule.older_than_days));
            pattern.set(setting.rule.tag_pattern.unwrap_or_default());
            pulled_within.set(text_of(setting.rule.keep_pulled_within_days));
            if let Some(at) = setting.last_run_at {
                status.set(Some(format!("last run {at}")));
            }
        }
    });
    let rule = move || -> Result<RetentionRule, String> {
        Ok(RetentionRule {
            enabled: enabled.get(),
            keep_newest: number(&keep_newest.get())?,
            older_than_days: number(&older_than.get())?,
            tag_pattern: Some(pattern.get()).filter(|p| !p.trim().is_empty()),
            keep_pulled_within_days: number(&pulled_within.get())?,
        })
    };
    let act = move |what: &'static str| {
        let rule = match rule() {
            Ok(rule) => rule,
            Err(e) => return error.set(Some(e)),
        };
        spawn_local(async move {
            let outcome = match what {
                "preview" => api::preview_retention(repository, rule).await.map(|p| {
                    let text = format!("{} would be deleted, {} kept", p.delete, p.keep);
                    preview.set(Some(p));
                    text
                }),
                "save" => api::set_retention(repository, rule)
                    .await
                    .map(|_| "saved".to_owned()),
                _ => api::run_retention(repository).await.map(|p| {
                    let text = format!("{} deleted, {} kept", p.delete, p.keep);
                    preview.set(Some(p));
                    text
                }),
            };
            if let Some(text) = settle(error, outcome) {
                status.set(Some(text));
            }
        });
    };
    view! {
        <details id="retention">
            <summary>"Retention: delete old tags automatically"</summary>
            <p class="muted">"Tags matching the pattern go when they are not among the newest N and older than D days, unless pulled recently. Preview first: it lists every tag and why it stays or goes."</p>
            <label>"Keep the newest " <input id="keep-newest" type="number" min="1" bind:value=keep_newest /></label>
            <label>"Delete tags older than (days) " <input id="older-than-days" type="number" min="1" bind:value=older_than /></label>
            <label>"Only tags matching (regular expression) " <input id="tag-pattern" placeholder="e.g. pr-.*" bind:value=pattern /></label>
            <label>"Keep tags pulled within (days) " <input id="keep-pulled-days" type="number" min="1" bind:value=pulled_within /></label>
            <label><input id="retention-enabled" type="checkbox" bind:checked=enabled /> " Run on schedule"</label>
            <div>
                <button id="retention-preview" on:click=move |_| act("preview")>"Preview"</button>
                " " <button id="retention-save" on:click=move |_| act("save")>"Save"</button>
                " " <button id="retention-run" class="danger" on:click=move |_| act("run")>"Run now"</button>
            </div>
            <Show when=move || status.get().is_some()>
                <p id="retention-status" class="muted">{move || status.get().unwrap_or_default()}</p>
            </Show>
            <ErrorNote error=error />
            {move || preview.get().map(|p| view! {
                <table id="retention-verdicts">
                    <thead><tr><th>"Tag"</th><th>"Pushed"</th><th></th><th>"Why"</th></tr></thead>
                    <tbody>
                        {p.tags.into_iter().map(|v| {
                            let tag = v.tag.clone();
                            view! {
                            <tr class=if v.delete { "goes" } else { "stays" } data-tag=tag>
                                <td>{v.tag}</td>
                                <td><When at=v.pushed_at /></td>
                                <td>{if v.delete { "deleted" } else { "kept" }}</td>
                                <td>{v.reason}</td>
                            </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </details>
    }
}
