//! The profile: your display name and e-mail address, your password, where
//! you are signed in (web sessions and registry logins, each one can be
//! ended), and disabling your own account.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use portunus_shared::api::{Me, RefreshTokenInfo, UserUpdate, WebSession};
use portunus_shared::display::{client_name, person};
use portunus_shared::domain::Directory;

use super::require_sign_in;
use crate::api;
use crate::components::{ErrorNote, Field, Loaded, When, settle, submit};

#[component]
pub fn ProfilePage() -> impl IntoView {
    require_sign_in();
    let me = crate::session::me();
    view! {
        <Loaded resource=me show=move |me| view! {
            <Account me=me.clone() />
            {me.directory.is_none().then(|| view! { <Password /> })}
            <Sessions />
            <RegistryLogins />
            <DisableAccount me=me />
        }.into_any() />
    }
}

/// Display name and e-mail address.
#[component]
fn Account(me: Me) -> impl IntoView {
    let display_name = RwSignal::new(me.display_name.clone().unwrap_or_default());
    let email = RwSignal::new(me.email.clone().unwrap_or_default());
    // Whether the saved address is confirmed; `None`: no address saved.
    let verified = RwSignal::new(me.email.as_ref().map(|_| me.email_verified));
    let shown = RwSignal::new(person(&me.username, me.display_name.as_deref()));
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let username = me.username.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        saved.set(false);
        let change = UserUpdate {
            display_name: Some(display_name.get_untracked()),
            email: Some(email.get_untracked()),
            ..UserUpdate::default()
        };
        let username = username.clone();
        submit(
            error,
            async move { api::update_user(&username, change).await },
            move |user| {
                shown.set(person(&user.username, user.display_name.as_deref()));
                verified.set(user.email.as_ref().map(|_| user.email_verified));
                saved.set(true);
            },
        );
    };
    let directory = me.directory.map(|d| match d {
        Directory::Ldap => "LDAP directory",
        Directory::Oidc => "identity provider",
    });
    view! {
        <div class="card">
            <h1>"Your profile"</h1>
            <p>"Others see you as " <strong id="profile-shown-as">{move || shown.get()}</strong>
               ". Your user name " <code>{me.username.clone()}</code> " always shows beside your display name."</p>
            {directory.map(|d| view! {
                <p class="note">"Your " {d} " may set these again when you next sign in."</p>
            })}
            <form id="profile-form" on:submit=save>
                <Field id="display-name" label="Display name (unique; empty: your user name)" maxlength=100 value=display_name />
                <Field id="email" label="E-mail address (for password resets)" kind="email" value=email />
                <AddressState username=me.username.clone() verified=verified />
                <button id="save-profile" type="submit">"Save"</button>
                <Show when=move || saved.get()>
                    <span id="profile-saved" class="muted" role="status">" Saved."</span>
                </Show>
            </form>
            <ErrorNote error=error />
        </div>
    }
}

/// Whether the saved address is confirmed, and a button that mails the
/// link again while it is not.
#[component]
fn AddressState(username: String, verified: RwSignal<Option<bool>>) -> impl IntoView {
    let sent = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let send = move |_| {
        error.set(None);
        let username = username.clone();
        submit(
            error,
            async move { api::send_email_confirmation(&username).await },
            move |accepted| sent.set(Some(accepted.message)),
        );
    };
    view! {
        {move || match verified.get() {
            None => ().into_any(),
            Some(true) => view! {
                <p id="email-state"><span class="badge good">"✓ Confirmed"</span></p>
            }.into_any(),
            Some(false) => view! {
                <p id="email-state" class="note">
                    <span class="badge bad">"Not confirmed"</span>
                    " Follow the link we mailed to this address. Until then it cannot link your account to a sign-in through your organisation's identity provider. "
                    <button id="send-confirmation" type="button" class="small" on:click=send.clone()>"Send the link again"</button>
                </p>
            }.into_any(),
        }}
        <Show when=move || sent.get().is_some()>
            <p id="confirmation-sent" class="muted" role="status">{move || sent.get().unwrap_or_default()}"."</p>
        </Show>
        <ErrorNote error=error />
    }
}

/// Changing the password of a local account.
#[component]
fn Password() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let changed = RwSignal::new(false);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        changed.set(false);
        let (old, new_password) = (current.get_untracked(), new.get_untracked());
        submit(
            error,
            async move { api::change_password(old, new_password).await },
            move |()| {
                current.set(String::new());
                new.set(String::new());
                changed.set(true);
            },
        );
    };
    view! {
        <div class="card">
            <h2>"Password"</h2>
            <p class="muted">"Changing it signs out your other browsers and every " <code>"docker login"</code> "."</p>
            <form id="password-form" on:submit=change>
                <Field id="current-password" label="Current password" kind="password" autocomplete="current-password" required=true value=current />
                <Field id="new-password" label="New password" kind="password" autocomplete="new-password" required=true value=new />
                <button id="change-password" type="submit">"Change password"</button>
                <Show when=move || changed.get()>
                    <span id="password-changed" class="muted" role="status">" Changed."</span>
                </Show>
            </form>
            <ErrorNote error=error />
        </div>
    }
}

/// The browsers signed in as you.
#[component]
fn Sessions() -> impl IntoView {
    let list = Fetch::new(api::my_sessions);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let row = move |s: WebSession| {
        let (id, current) = (s.id, s.current);
        let navigate = navigate.clone();
        let end = move |_| {
            let navigate = navigate.clone();
            spawn_local(async move {
                match settle(error, api::end_session(id).await) {
                    Some(()) if current => navigate("/signin", Default::default()),
                    Some(()) => list.refetch(),
                    None => {}
                }
            });
        };
        view! {
            <tr data-session=s.id>
                <td title=s.client.clone()>{client_name(&s.client)} {current.then(|| view! { " " <span class="badge">"this browser"</span> })}</td>
                <td>{s.address.clone()}</td>
                <td><When at=s.created_at.clone() /></td>
                <td>{s.last_used_at.clone().map(|at| view! { <When at=at /> })}</td>
                <td><button class="small danger" on:click=end>{if current { "Sign out" } else { "End" }}</button></td>
            </tr>
        }
    };
    view! {
        <div class="card">
            <h2>"Where you are signed in"</h2>
            <Loaded resource=list show=move |sessions| {
                let row = row.clone();
                view! {
                    <table id="session-list">
                        <thead><tr><th>"Browser"</th><th>"Address"</th><th>"Signed in"</th><th>"Last used"</th><th></th></tr></thead>
                        <tbody>{sessions.into_iter().map(row).collect_view()}</tbody>
                    </table>
                }.into_any()
            } />
            <ErrorNote error=error />
        </div>
    }
}

/// The registry clients logged in as you (OAuth2 refresh tokens).
#[component]
fn RegistryLogins() -> impl IntoView {
    let list = Fetch::new(api::refresh_tokens);
    let error = RwSignal::new(None::<String>);
    let row = move |t: RefreshTokenInfo| {
        let id = t.id;
        let end = move |_| {
            submit(
                error,
                async move { api::revoke_refresh_token(id).await },
                move |()| list.refetch(),
            );
        };
        view! {
            <tr data-refresh-token=t.id>
                <td>{t.client_id.clone()}</td>
                <td>{t.address.clone()}</td>
                <td><When at=t.created_at.clone() /></td>
                <td>{t.last_used_at.clone().map(|at| view! { <When at=at /> })}</td>
                <td><button class="small danger" on:click=end>"End"</button></td>
            </tr>
        }
    };
    view! {
        <div class="card">
            <h2>"Registry logins"</h2>
            <p class="muted">"Clients such as containerd that stay logged in with a refresh token. "
               "Application tokens for scripts are on the " <a href="/tokens">"tokens page"</a> "."</p>
            <Loaded resource=list show=move |tokens| match tokens {
                tokens if tokens.is_empty() => view! { <p id="no-refresh-tokens" class="muted">"None."</p> }.into_any(),
                tokens => view! {
                    <table id="refresh-token-list">
                        <thead><tr><th>"Client"</th><th>"Address"</th><th>"Logged in"</th><th>"Last used"</th><th></th></tr></thead>
                        <tbody>{tokens.into_iter().map(row).collect_view()}</tbody>
                    </table>
                }.into_any(),
            } />
            <ErrorNote error=error />
        </div>
    }
}

/// Disabling your own account, after a confirmation that says what it does.
#[component]
fn DisableAccount(me: Me) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let username = me.username.clone();
    let disable = move |_| {
        let confirmed = window()
            .confirm_with_message(
                "Disable your account? You are signed out everywhere, your tokens stop working, \
                 and only an administrator can enable it again.",
            )
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let (username, navigate) = (username.clone(), navigate.clone());
        spawn_local(async move {
            let change = UserUpdate {
                enabled: Some(false),
                ..UserUpdate::default()
            };
            if settle(error, api::update_user(&username, change).await).is_some() {
                navigate("/signin", Default::default());
            }
        });
    };
    view! {
        <div class="card">
            <h2>"Disable your account"</h2>
            <p class="muted">"Nobody can sign in as you or use your tokens until an administrator enables the account again. "
               "What you did stays in the activity log."</p>
            <button id="disable-account" class="danger" on:click=disable>"Disable my account"</button>
            <ErrorNote error=error />
        </div>
    }
}
