//! Webhooks: a namespace's (on its page, for those who manage it) or the
//! global ones (administrators). Each shows at a glance whether its last
//! delivery arrived; adding one shows its signing secret once; its log
//! lists every delivery with the receiver's answer, to re-send.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::{
    NewWebhook, Webhook, WebhookBasicAuth, WebhookDelivery, WebhookHeader, WebhookUpdate,
};
use portunus_shared::domain::{DeliveryState, WebhookEvent};

use super::require_sign_in;
use crate::api;
use crate::components::{CopyButton, ErrorNote, Field, Loaded, When, settle, submit};
use crate::fetch::Fetch;

/// `/admin/webhooks`: the webhooks told about every namespace.
#[component]
pub fn GlobalWebhooksPage() -> impl IntoView {
    require_sign_in();
    view! { <Webhooks namespace=None /> }
}

/// The extra headers typed one per line as `Name: value`.
fn parse_headers(text: &str) -> Result<Vec<WebhookHeader>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("{line:?}: write a header as Name: value"))?;
            Ok(WebhookHeader {
                name: name.trim().to_owned(),
                value: value.trim().to_owned(),
            })
        })
        .collect()
}

/// A delivery's outcome in a word or two, and the class that colours it.
fn outcome(d: &WebhookDelivery) -> (String, &'static str) {
    let status = d
        .response_status
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    match d.state {
        DeliveryState::Delivered => (format!("delivered{status}"), "good"),
        DeliveryState::Failed => (format!("failed{status}"), "bad"),
        DeliveryState::Pending if d.attempts == 0 => ("waiting".to_owned(), "muted"),
        DeliveryState::Pending => (format!("retrying{status}"), "bad"),
    }
}

/// How many attempts a delivery took; when more than one, each of them,
/// first first: its status (or "no answer") coloured by outcome, when,
/// how long and why in its tooltip.
fn attempts(d: &WebhookDelivery) -> AnyView {
    if d.history.len() <= 1 {
        return d.attempts.to_string().into_any();
    }
    d.history
        .iter()
        .map(|a| {
            let answered = a.response_status.is_some_and(|s| (200..300).contains(&s));
            let class = if answered { "badge good" } else { "badge bad" };
            let text = a
                .response_status
                .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
            let title = format!(
                "attempt {} at {}, {} ms{}",
                a.number,
                a.attempted_at,
                a.duration_ms,
                a.error
                    .as_ref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            );
            view! { <span class=class title=title data-attempt=a.number>{text}</span> " " }
        })
        .collect_view()
        .into_any()
}

#[component]
pub fn Webhooks(namespace: Option<api::NamespaceRef>) -> impl IntoView {
    let namespace = StoredValue::new(namespace);
    let hooks = Fetch::new(move || api::webhooks(namespace.get_value()));
    let secret = RwSignal::new(None::<(String, String)>);
    // Which webhook's log is open; kept here, as the list is made anew on
    // every change.
    let open_log = RwSignal::new(None::<i64>);
    let heading = match namespace.get_value() {
        Some(_) => "Webhooks",
        None => "Global webhooks",
    };
    let intro = match namespace.get_value().map(|ns| ns.name) {
        Some(ns) => format!(
            "Portunus POSTs what happens in {ns} to these URLs, signed with each webhook's secret (README, \"Webhooks\")."
        ),
        None => "Told about every namespace: pushes, deletions, namespace and team changes (README, \"Webhooks\").".to_owned(),
    };
    view! {
        <div class="card" id="webhooks">
            <h2>{heading}</h2>
            <p class="muted">{intro}</p>
            <Show when=move || secret.get().is_some()>
                <div class="secret" role="status" id="webhook-secret-box">
                    <strong>{move || format!("Copy the signing secret of {} now; it is not shown again:", secret.get().map(|s| s.0).unwrap_or_default())}</strong>
                    <div class="pull-line">
                        <pre id="webhook-secret">{move || secret.get().map(|s| s.1).unwrap_or_default()}</pre>
                        {move || secret.get().map(|(_, text)| view! { <CopyButton text=text /> })}
                    </div>
                    <p>"Check " <code>"X-Portunus-Signature-256: sha256=HMAC-SHA256(secret, body)"</code> " before trusting a delivery."</p>
                </div>
            </Show>
            <Loaded resource=hooks show=move |list| {
                if list.is_empty() {
                    view! { <p class="muted" id="no-webhooks">"No webhooks yet."</p> }.into_any()
                } else {
                    view! {
                        <div id="webhook-list">
                            {list.into_iter().map(|hook| view! {
                                <WebhookEntry hook=hook on_change=move || hooks.refetch() secret=secret open_log=open_log />
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            } />
            <AddWebhook namespace=namespace.get_value() on_added=move |name, text| {
                secret.set(Some((name, text)));
                hooks.refetch();
            } />
        </div>
    }
}

#[component]
fn AddWebhook(
    namespace: Option<api::NamespaceRef>,
    on_added: impl Fn(String, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let namespace = StoredValue::new(namespace);
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![WebhookEvent::Push]);
    let headers = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let form = NodeRef::<leptos::html::Details>::new();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let extra = match parse_headers(&headers.get_untracked()) {
            Ok(list) => list,
            Err(e) => return error.set(Some(e)),
        };
        let username = user.get_untracked();
        let new = NewWebhook {
            name: name.get_untracked(),
            url: url.get_untracked(),
            events: chosen.get_untracked(),
            enabled: Some(true),
            headers: (!extra.is_empty()).then_some(extra),
            basic_auth: (!username.is_empty()).then(|| WebhookBasicAuth {
                username,
                password: password.get_untracked(),
            }),
        };
        submit(
            error,
            async move { api::create_webhook(namespace.get_value(), new).await },
            move |made| {
                for field in [name, url, headers, user, password] {
                    field.set(String::new());
                }
                if let Some(details) = form.get_untracked() {
                    let _ = details.remove_attribute("open");
                }
                on_added(made.webhook.name, made.secret);
            },
        );
    };
    view! {
        <details id="add-webhook" node_ref=form>
            <summary>"Add a webhook"</summary>
            <form on:submit=add>
                <Field id="webhook-name" label="Name" required=true placeholder="CI deploy" value=name />
                <Field id="webhook-url" label="URL" required=true kind="url" placeholder="https://ci.example.org/hooks/portunus" value=url />
                <fieldset id="webhook-events">
                    <legend>"Events"</legend>
                    {WebhookEvent::ALL.iter().copied().map(|event| view! {
                        <label class="inline">
                            <input type="checkbox" value=event.as_str()
                                prop:checked=move || chosen.get().contains(&event)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|list| {
                                        list.retain(|e| *e != event);
                                        if on { list.push(event) }
                                    });
                                } />
                            {event.label()}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label for="webhook-headers">"Extra headers (one per line, Name: value; stored sealed)"</label>
                <textarea id="webhook-headers" rows="2" placeholder="X-Token: ..." bind:value=headers></textarea>
                <Field id="webhook-user" label="Basic authentication user (optional)" autocomplete="off" value=user />
                <Field id="webhook-password" label="Basic authentication password" kind="password" autocomplete="new-password" value=password />
                <button id="create-webhook" type="submit">"Add webhook"</button>
            </form>
            <ErrorNote error=error />
        </details>
    }
}

#[component]
fn WebhookEntry(
    hook: Webhook,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    secret: RwSignal<Option<(String, String)>>,
    open_log: RwSignal<Option<i64>>,
) -> impl IntoView {
    let id = hook.id;
    let error = RwSignal::new(None::<String>);
    let log_open = move || open_log.get() == Some(id);
    let toggle_log =
        move || open_log.update(|open| *open = if *open == Some(id) { None } else { Some(id) });
    let act = move |what: &'static str| {
        spawn_local(async move {
            let done = match what {
                "ping" => api::ping_webhook(id).await.map(|_| open_log.set(Some(id))),
                "enable" | "disable" => {
                    let change = WebhookUpdate {
                        enabled: Some(what == "enable"),
                        ..WebhookUpdate::default()
                    };
                    api::update_webhook(id, change).await.map(|_| ())
                }
                "secret" => api::replace_webhook_secret(id)
                    .await
                    .map(|made| secret.set(Some((made.webhook.name, made.secret)))),
                _ => {
                    let question = "Delete this webhook and its delivery log?";
                    if !window().confirm_with_message(question).unwrap_or(false) {
                        return;
                    }
                    api::delete_webhook(id).await
                }
            };
            if settle(error, done).is_some() {
                on_change();
            }
        });
    };
    let events: Vec<&str> = hook.events.iter().map(|e| e.as_str()).collect();
    let last = hook.last_delivery.as_ref().map(|d| {
        let (text, class) = outcome(d);
        view! { <span class=format!("badge {class}")>{text}</span> " " <When at=d.created_at.clone() /> }
    });
    let extras: Vec<String> = hook
        .header_names
        .iter()
        .cloned()
        .chain(
            hook.basic_auth_username
                .as_ref()
                .map(|u| format!("basic auth ({u})")),
        )
        .collect();
    view! {
        <section class="webhook" data-webhook=hook.name.clone()>
            <h3>
                {hook.name.clone()}
                {(!hook.enabled).then(|| view! { <span class="badge">"disabled"</span> })}
            </h3>
            <p><code class="webhook-url">{hook.url.clone()}</code></p>
            <p class="muted">
                "Events: " {events.join(", ")}
                {(!extras.is_empty()).then(|| format!(" · sends {}", extras.join(", ")))}
                " · last delivery: "
                {last.map_or_else(|| view! { "none yet" }.into_any(), IntoAny::into_any)}
            </p>
            <div class="actions">
                <button class="small webhook-ping" disabled=!hook.enabled
                    title=(!hook.enabled).then_some("A disabled webhook sends nothing, tests included: enable it first")
                    on:click=move |_| act("ping")>"Send a test"</button>
                " " <button class="small webhook-log" on:click=move |_| toggle_log()>
                    {move || if log_open() { "Hide deliveries" } else { "Deliveries" }}
                </button>
                " " {if hook.enabled {
                    view! { <button class="small" on:click=move |_| act("disable")>"Disable"</button> }.into_any()
                } else {
                    view! { <button class="small" on:click=move |_| act("enable")>"Enable"</button> }.into_any()
                }}
                " " <button class="small" on:click=move |_| act("secret")>"New secret"</button>
                " " <button class="small danger" on:click=move |_| act("delete")>"Delete"</button>
            </div>
            <ErrorNote error=error />
            <Show when=log_open>
                <DeliveryLog id=id />
            </Show>
        </section>
    }
}

#[component]
fn DeliveryLog(id: i64) -> impl IntoView {
    let log = Fetch::new(move || api::webhook_deliveries(id));
    let resend = move |delivery: i64| {
        spawn_local(async move {
            if api::resend_delivery(id, delivery).await.is_ok() {
                log.refetch();
            }
        });
    };
    view! {
        <div class="delivery-log">
            <button class="small" on:click=move |_| log.refetch()>"Refresh"</button>
            <Loaded resource=log show=move |page| {
                if page.items.is_empty() {
                    return view! { <p class="muted">"Nothing sent yet."</p> }.into_any();
                }
                view! {
                    <table class="deliveries">
                        <thead><tr><th>"When"</th><th>"Event"</th><th>"Outcome"</th><th>"Tries"</th><th>"Took"</th><th></th></tr></thead>
                        <tbody>
                            {page.items.into_iter().map(|d| {
                                let (text, class) = outcome(&d);
                                let delivery = d.id;
                                let detail = format!(
                                    "{}{}\n\nsent:\n{}\n\nanswer:\n{}",
                                    d.error.clone().map(|e| format!("{e}\n")).unwrap_or_default(),
                                    d.next_attempt_at.clone().map(|at| format!("next attempt {at}")).unwrap_or_default(),
                                    d.payload,
                                    d.response_excerpt.clone().unwrap_or_default(),
                                );
                                view! {
                                    <tr class="delivery" data-state=d.state.as_str()>
                                        <td><When at=d.created_at.clone() /></td>
                                        <td title=d.delivery_id.clone()>{d.action.clone()}</td>
                                        <td><span class=format!("badge {class}")>{text}</span></td>
                                        <td class="attempts">{attempts(&d)}</td>
                                        <td>{d.duration_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                                        <td><button class="small" on:click=move |_| resend(delivery)>"Re-send"</button></td>
                                    </tr>
                                    <tr class="delivery-detail"><td colspan="6"><details><summary>"Request and answer"</summary><pre>{detail}</pre></details></td></tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            } />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_one_per_line() {
        let parsed = parse_headers("X-Token: abc\n\n  X-Env: prod: eu \n").unwrap();
        assert_eq!(
            parsed,
            vec![
                WebhookHeader {
                    name: "X-Token".into(),
                    value: "abc".into()
                },
                WebhookHeader {
                    name: "X-Env".into(),
                    value: "prod: eu".into()
                },
            ]
        );
        assert!(
            parse_headers("no colon")
                .unwrap_err()
                .contains("Name: value")
        );
    }
}
