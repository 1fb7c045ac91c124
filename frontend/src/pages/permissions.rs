//! "Why can / can't I?": for a repository, each registry action with a tick
//! or a cross and the rule that decided it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::Permissions;

use super::require_sign_in;
use crate::api;
use crate::components::Field;

#[component]
pub fn PermissionsPage() -> impl IntoView {
    require_sign_in();
    let repository = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let answer = RwSignal::new(None::<Result<Permissions, String>>);

    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            let result = api::permissions(
                &repository.get_untracked(),
                Some(&user.get_untracked()),
                None,
            )
            .await;
            answer.set(Some(result.map_err(|e| e.message)));
        });
    };

    view! {
        <div class="card">
            <h1>"Why can / can't I?"</h1>
            <p class="muted">"What you (or, for administrators, another user) may do with a repository, and the rule that decides."</p>
            <form on:submit=check>
                <Field id="perm-repository" label="Repository" required=true placeholder="team/app" value=repository />
                <Field id="perm-user" label="User (administrators; empty: you)" value=user />
                <button id="perm-check" type="submit">"Check"</button>
            </form>
            {move || answer.get().map(|result| match result {
                Ok(p) => view! { <Verdicts permissions=p /> }.into_any(),
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            })}
        </div>
    }
}

#[component]
pub fn Verdicts(
    permissions: Permissions,
    /// Said instead of the user and repository asked about.
    #[prop(optional)]
    heading: Option<String>,
) -> impl IntoView {
    let heading = heading.unwrap_or_else(|| {
        format!(
            "{} on {}{}",
            permissions.user.unwrap_or_default(),
            permissions.repository,
            permissions
                .namespace
                .map(|n| format!(" (namespace {n})"))
                .unwrap_or_default()
        )
    });
    view! {
        <h2>{heading}</h2>
        <table id="verdicts">
            <tbody>
                {permissions.actions.into_iter().map(|v| {
                    let (mark, class) = if v.allowed { ("✔ allowed", "allowed") } else { ("✘ denied", "denied") };
                    let action = v.action.clone();
                    view! {
                        <tr class=class data-action=action>
                            <td><code>{v.action}</code></td>
                            <td class="mark">{mark}</td>
                            <td>{v.explanation}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
