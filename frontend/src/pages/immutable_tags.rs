//! Immutable tags: a namespace's rules (on its page) or the
//! installation's (administrators, `/admin/immutable-tags`). Each rule says
//! in words which tags keep their image; those who manage add and remove.

use leptos::prelude::*;
use portunus_shared::api::{ImmutableTagRule, NewImmutableTagRule};

use super::require_sign_in;
use crate::api::{self, NamespaceRef};
use crate::components::{ErrorNote, Field, Loaded, When, submit};
use crate::fetch::Fetch;

/// `/admin/immutable-tags`: the rules that hold in every namespace.
#[component]
pub fn InstallationImmutableTagsPage() -> impl IntoView {
    require_sign_in();
    view! { <ImmutableTags namespace=None may_manage=true /> }
}

/// Which tags a rule keeps, in words.
fn reach(rule: &ImmutableTagRule) -> String {
    let latest = if rule.include_latest {
        ", latest too"
    } else {
        " (latest still moves)"
    };
    if rule.pattern.starts_with('^') {
        format!(
            "tags matching the regular expression {}{latest}",
            rule.pattern
        )
    } else {
        format!("tags matching {}{latest}", rule.pattern)
    }
}

#[component]
pub fn ImmutableTags(namespace: Option<NamespaceRef>, may_manage: bool) -> impl IntoView {
    let namespace = StoredValue::new(namespace);
    let rules = Fetch::new(move || api::immutable_tag_rules(namespace.get_value()));
    let error = RwSignal::new(None::<String>);
    let intro = match namespace.get_value() {
        Some(ns) => format!(
            "Once pushed, these tags of {} keep their image: pushing another image under one, or deleting its image, is refused (through the gateway, and in Portunus). Installation-wide rules apply too.",
            ns.name
        ),
        None => "These rules hold in every namespace: once pushed, a matching tag keeps its image."
            .to_owned(),
    };
    let remove = move |id: i64| {
        submit(
            error,
            api::remove_immutable_tag_rule(namespace.get_value(), id),
            move |()| rules.refetch(),
        );
    };
    view! {
        <div class="card" id="immutable-tags">
            <h2>{if namespace.get_value().is_some() { "Immutable tags" } else { "Immutable tags in every namespace" }}</h2>
            <p class="muted">{intro}</p>
            <Loaded resource=rules show=move |list| {
                if list.is_empty() {
                    return view! { <p class="muted" id="no-immutable-tags">"No rules: every tag may move."</p> }.into_any();
                }
                view! {
                    <table id="immutable-tag-list">
                        <thead><tr><th>"Rule"</th><th>"Keeps"</th><th>"Made"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|rule| {
                                let id = rule.id;
                                view! {
                                    <tr data-rule=rule.pattern.clone()>
                                        <td><code>{rule.pattern.clone()}</code></td>
                                        <td>{reach(&rule)}</td>
                                        <td>{rule.created_by.clone().unwrap_or_else(|| "someone".into())} ", " <When at=rule.created_at.clone() /></td>
                                        <td>{may_manage.then(|| view! {
                                            <button class="small danger" aria-label=format!("Remove the rule {}", rule.pattern)
                                                on:click=move |_| remove(id)>"Remove"</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            } />
            {may_manage.then(|| view! { <AddRule namespace=namespace.get_value() on_added=move || rules.refetch() error=error /> })}
            <ErrorNote error=error />
        </div>
    }
}

#[component]
fn AddRule(
    namespace: Option<NamespaceRef>,
    on_added: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let namespace = StoredValue::new(namespace);
    let pattern = RwSignal::new(String::new());
    let include_latest = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewImmutableTagRule {
            pattern: pattern.get_untracked(),
            include_latest: include_latest.get_untracked(),
        };
        submit(
            error,
            api::add_immutable_tag_rule(namespace.get_value(), new),
            move |_| {
                pattern.set(String::new());
                include_latest.set(false);
                on_added();
            },
        );
    };
    view! {
        <form id="add-immutable-tags" on:submit=add>
            <Field id="immutable-pattern" label="Tags to keep: a glob like v* or release-?, or a regular expression starting with ^"
                placeholder="v*" maxlength=200 required=true value=pattern />
            <label class="inline"><input id="immutable-include-latest" type="checkbox" bind:checked=include_latest /> " Keep latest too, when it matches"</label>
            <button id="add-immutable-tags-button" type="submit">"Make immutable"</button>
        </form>
    }
}
