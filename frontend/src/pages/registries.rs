//! For administrators: every registry Portunus authorizes for, each with
//! whether it answers now and how its last sync ended; adding one (asked
//! first whether it answers), showing its notification secret once with the
//! command that configures it, a new secret, and removing one.

use leptos::prelude::*;
use portunus_shared::api::{NewRegistry, Registry, RegistryStatus};

use super::require_sign_in;
use crate::api;
use crate::components::{CopyButton, ErrorNote, Field, Loaded, When, submit};
use crate::fetch::Fetch;

/// A registry's name and the notification secret just made for it.
type Shown = Option<(String, String)>;

/// `/admin/registries`
#[component]
pub fn RegistriesPage() -> impl IntoView {
    require_sign_in();
    let list = Fetch::new(api::registries);
    let secret = RwSignal::new(Shown::None);
    view! {
        <div class="card" id="registries">
            <h1>"Registries"</h1>
            <p class="muted">"Each registry has its own service name, notification secret and namespaces; accounts, teams and tokens are shared (README, \"Several registries\")."</p>
            <Show when=move || secret.get().is_some()>
                <NewSecret shown=secret />
            </Show>
            <Loaded resource=list show=move |all| view! {
                <table id="registry-list">
                    <thead><tr><th>"Registry"</th><th>"Clients use"</th><th>"Service"</th><th>"Now"</th><th>"Last catalog sync"</th><th></th></tr></thead>
                    <tbody>
                        {all.into_iter().map(|r| view! {
                            <RegistryRow registry=r secret=secret on_change=move || list.refetch() />
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any() />
            <AddRegistry on_added=move |name, text| {
                secret.set(Some((name, text)));
                list.refetch();
            } />
        </div>
    }
}

/// The secret shown once, with the command that writes it into the
/// registry's configuration.
#[component]
fn NewSecret(shown: RwSignal<Shown>) -> impl IntoView {
    let name = move || shown.get().map(|s| s.0).unwrap_or_default();
    let text = move || shown.get().map(|s| s.1).unwrap_or_default();
    let command = move || format!("portunus registry-config --registry {}", name());
    view! {
        <div class="secret" role="status" id="registry-secret-box">
            <strong>{move || format!("The notification secret of {}; it is not shown here again:", name())}</strong>
            <div class="pull-line">
                <pre id="registry-secret">{text}</pre>
                {move || view! { <CopyButton text=text() /> }}
            </div>
            <p>"Configure the registry with the file this prints (it holds the secret):"</p>
            <div class="pull-line">
                <pre id="registry-config-command">{command}</pre>
                {move || view! { <CopyButton text=command() /> }}
            </div>
        </div>
    }
}

/// One registry in a row: where clients and Portunus reach it, its
/// service, whether it answers now, its last sync, and what may be done.
#[component]
fn RegistryRow(
    registry: Registry,
    secret: RwSignal<Shown>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let name = StoredValue::new(registry.name.clone());
    let renew = move |_| {
        submit(
            error,
            async move { api::replace_registry_secret(&name.get_value()).await },
            move |made| {
                secret.set(Some((made.registry.name, made.notification_secret)));
            },
        );
    };
    let remove = move |_| {
        let question = format!(
            "Remove the registry {}? Its images stay in the registry; Portunus stops authorizing for it.",
            name.get_value()
        );
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        submit(
            error,
            async move { api::delete_registry(&name.get_value()).await },
            move |()| on_change(),
        );
    };
    let s = registry.status;
    let (mark, class) = if s.reachable {
        ("✔ reachable", "allowed")
    } else {
        ("✘ unreachable", "denied")
    };
    let also =
        (!registry.hostnames.is_empty()).then(|| format!("also {}", registry.hostnames.join(", ")));
    let actions = match registry.configured {
        true => view! { <span class="muted">"set in the configuration file"</span> }.into_any(),
        false => view! {
            <button class="small registry-secret" on:click=renew>"New secret"</button>
            " " <button class="small danger registry-remove" on:click=remove>"Remove"</button>
        }
        .into_any(),
    };
    view! {
        <tr class="registry" data-registry=registry.name.clone()>
            <td>
                <strong>{registry.name.clone()}</strong>
                {registry.configured.then(|| view! { " " <span class="badge">"configured in the file"</span> })}
                <br/><span class="muted" title="Where Portunus reaches it">{s.url.clone()}</span>
            </td>
            <td><code>{s.host.clone()}</code>{also.map(|a| view! { <br/><span class="muted">{a}</span> })}</td>
            <td><code>{registry.service.clone()}</code></td>
            <td class=format!("registry-reachable {class}")>
                <span class="mark">{mark}</span><br/>
                <span class="muted">{s.answer.clone()}{s.api_version.clone().map(|v| format!(", {v}"))}</span>
            </td>
            <td class="registry-last-sync">{match (s.last_sync_at.clone(), s.last_sync_outcome.clone()) {
                (Some(at), Some(outcome)) => view! { <When at=at /> <br/><span class="muted">{outcome}</span> }.into_any(),
                _ => view! { <span class="muted">"none yet"</span> }.into_any(),
            }}</td>
            <td>{actions}<ErrorNote error=error /></td>
        </tr>
    }
}

/// Whether a registry answers, where, its API, and its last catalog sync.
#[component]
pub fn StatusTable(status: RegistryStatus) -> impl IntoView {
    let s = status;
    let (mark, class) = if s.reachable {
        ("✔ reachable", "allowed")
    } else {
        ("✘ unreachable", "denied")
    };
    view! {
        <table>
            <tbody>
                <tr><th>"Clients use"</th><td><code>{s.host.clone()}</code></td></tr>
                <tr><th>"Portunus reaches it at"</th><td><code>{s.url.clone()}</code></td></tr>
                <tr class=class><th>"Now"</th><td class="registry-reachable"><span class="mark">{mark}</span> " " {s.answer.clone()}</td></tr>
                <tr><th>"API"</th><td>{s.api_version.clone().unwrap_or_else(|| "unknown".into())}</td></tr>
                <tr><th>"Last catalog sync"</th><td class="registry-last-sync">{match (s.last_sync_at.clone(), s.last_sync_outcome.clone()) {
                    (Some(at), Some(outcome)) => view! { <When at=at /> ": " {outcome} }.into_any(),
                    _ => view! { "none yet (" <code>"portunus sync"</code> " or " <code>"registry.sync"</code> ")" }.into_any(),
                }}</td></tr>
            </tbody>
        </table>
    }
}

#[component]
fn AddRegistry(on_added: impl Fn(String, String) + Copy + Send + Sync + 'static) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let service = RwSignal::new(String::new());
    let hostnames = RwSignal::new(String::new());
    let skip_check = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let form = NodeRef::<leptos::html::Details>::new();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewRegistry {
            name: name.get_untracked().trim().to_owned(),
            url: url.get_untracked().trim().to_owned(),
            service: service.get_untracked().trim().to_owned(),
            hostnames: hostnames
                .get_untracked()
                .split([',', '\n', ' '])
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .collect(),
            skip_check: skip_check.get_untracked(),
        };
        submit(
            error,
            async move { api::create_registry(new).await },
            move |made| {
                for field in [name, url, service, hostnames] {
                    field.set(String::new());
                }
                skip_check.set(false);
                if let Some(details) = form.get_untracked() {
                    let _ = details.remove_attribute("open");
                }
                on_added(made.registry.name, made.notification_secret);
            },
        );
    };
    view! {
        <details id="add-registry" node_ref=form>
            <summary>"Add a registry"</summary>
            <form on:submit=add>
                <Field id="registry-name" label="Name (lowercase letters, digits, dashes)" required=true placeholder="europe" value=name />
                <Field id="registry-url" label="Where Portunus reaches it" required=true kind="url" placeholder="https://registry-eu.example.org" value=url />
                <Field id="registry-service" label="Service name (its auth.token.service)" required=true placeholder="registry-europe" value=service />
                <Field id="registry-hostnames" label="Other host names clients use (optional, comma-separated)" placeholder="eu.example.org:443" value=hostnames />
                <label class="inline">
                    <input id="registry-skip-check" type="checkbox" bind:checked=skip_check />
                    "Add it even if it does not answer now (not started yet)"
                </label>
                <button id="create-registry" type="submit">"Add registry"</button>
            </form>
            <ErrorNote error=error />
        </details>
    }
}
