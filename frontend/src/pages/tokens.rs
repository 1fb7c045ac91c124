//! Application tokens: the list, creating one (its secret shown once), and
//! revoking.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::{ApplicationToken, NewApplicationToken};
use portunus_shared::domain::{Directory, TokenAccess};

use super::require_sign_in;
use crate::api;
use crate::components::{CopyButton, ErrorNote, Field, Loaded, When, choices, submit};

#[component]
pub fn TokensPage() -> impl IntoView {
    require_sign_in();
    let tokens = Fetch::new(api::tokens);
    let me = crate::session::me();
    let info = Fetch::new(api::info);
    let signs_in_elsewhere =
        move || matches!(me.get(), Some(Ok(ref m)) if m.directory == Some(Directory::Oidc));
    let login_line = move || match (me.get(), info.get()) {
        (Some(Ok(m)), Some(Ok(i))) => format!("docker login -u {} {}", m.username, i.registry),
        _ => String::new(),
    };
    let name = RwSignal::new(String::new());
    let resources = RwSignal::new(String::new());
    let registry = RwSignal::new(String::new());
    let access = RwSignal::new("write".to_owned());
    let expires = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let secret = RwSignal::new(None::<String>);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let list: Vec<String> = resources
            .get_untracked()
            .split([',', ' '])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect();
        let new = NewApplicationToken {
            name: name.get_untracked(),
            registry: Some(registry.get_untracked()).filter(|r| !r.is_empty() && !list.is_empty()),
            resources: (!list.is_empty()).then_some(list),
            access: access.get_untracked().parse().ok(),
            // The end of the chosen day, UTC.
            expires_at: Some(expires.get_untracked())
                .filter(|d| !d.is_empty())
                .map(|d| format!("{d}T23:59:59Z")),
        };
        submit(
            error,
            async move { api::create_token(new).await },
            move |created| {
                secret.set(Some(created.secret));
                name.set(String::new());
                tokens.refetch();
            },
        );
    };

    view! {
        <div class="card">
            <h1>"Application tokens"</h1>
            <p class="muted">
                "For scripts and CI: use a token as the password of " <code>"docker login"</code>
                ", or as " <code>"Authorization: Bearer"</code> " on the API. A token never reaches more than you can."
            </p>
            <p class="muted" id="api-docs">
                "The REST API is described in " <a href="/api/v1/docs" rel="external">"its interactive reference"</a>
                " (try calls there while signed in) and as OpenAPI: "
                <a href="/api/v1/openapi.yaml" rel="external">"openapi.yaml"</a> ", "
                <a href="/api/v1/openapi.json" rel="external">"openapi.json"</a> "."
            </p>
            <Show when=signs_in_elsewhere>
                <p id="cli-secret-note" class="note">
                    "You sign in through your organisation's identity provider, so you have no password for "
                    <code>"docker login"</code> ", " <code>"podman login"</code>
                    " and the other registry clients: create a token here and give it as the password ("
                    <code>{login_line}</code> ")."
                </p>
            </Show>
            <Show when=move || secret.get().is_some()>
                <div class="secret" role="status">
                    <strong>"Copy this token now; it is not shown again:"</strong>
                    <div class="pull-line">
                        <pre id="new-token-secret">{move || secret.get().unwrap_or_default()}</pre>
                        {move || secret.get().map(|text| view! { <CopyButton text=text /> })}
                    </div>
                    <p>"Log in with it:"</p>
                    <pre id="new-token-login">{move || format!("{} --password-stdin", login_line())}</pre>
                </div>
            </Show>
            <form on:submit=create>
                <Field id="token-name" label="Name" required=true placeholder="ci-deploy" value=name />
                <Field id="token-resources" label="Limited to (namespaces or repositories, comma-separated; empty: everything)" placeholder="team/app" value=resources />
                {move || match info.get() {
                    Some(Ok(i)) if i.registries.len() > 1 => view! {
                        <label for="token-registry">"In registry (a limited token reaches its namespaces there only)"</label>
                        <select id="token-registry" bind:value=registry>
                            {i.registries.into_iter().map(|r| {
                                let label = format!("{} ({})", r.name, r.host);
                                view! { <option value=r.name>{label}</option> }
                            }).collect_view()}
                        </select>
                    }.into_any(),
                    _ => ().into_any(),
                }}
                <label for="token-access">"Access"</label>
                <select id="token-access" bind:value=access>
                    {choices::<TokenAccess>(None)}
                </select>
                <Field id="token-expires" label="Expires (end of the day, UTC; empty: never)" kind="date" value=expires />
                <button id="create-token" type="submit">"Create token"</button>
            </form>
            <ErrorNote error=error />
            <Loaded resource=tokens show=move |value| match value {
                    list if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                    list => view! { <TokenTable list=list on_revoke=move || tokens.refetch() /> }.into_any(),
                } />
        </div>
    }
}

#[component]
fn TokenTable(
    list: Vec<ApplicationToken>,
    on_revoke: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <table id="token-list">
            <thead><tr><th>"Name"</th><th>"Reaches"</th><th>"Access"</th><th>"Expires"</th><th>"Last used"</th><th></th></tr></thead>
            <tbody>
                {list.into_iter().map(|t| {
                    let id = t.id;
                    let reaches = match &t.registry {
                        _ if t.resources.is_empty() => "everything you can".to_owned(),
                        Some(registry) if registry != "default" => format!("{} in {registry}", t.resources.join(", ")),
                        _ => t.resources.join(", "),
                    };
                    let revoke = move |_| spawn_local(async move {
                        if api::revoke_token(id).await.is_ok() { on_revoke() }
                    });
                    view! {
                        <tr>
                            <td class="token-name">{t.name}</td>
                            <td>{reaches}</td>
                            <td>{t.access.to_string()}</td>
                            <td class="token-expires">{t.expires_at.clone().map(|at| at.get(..10).unwrap_or(&at).to_owned()).unwrap_or_else(|| "never".into())}</td>
                            <td>{match t.last_used_at { Some(at) => view! { <When at=at /> }.into_any(), None => view! { "never" }.into_any() }}</td>
                            <td><button class="small danger" on:click=revoke>"Revoke"</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
