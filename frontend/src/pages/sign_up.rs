//! The sign-up page (when the installation allows it). While there is no
//! administrator it asks for the setup code from the server's log, which
//! makes the account the first administrator; the page says which
//! namespace the account got.

use crate::components::{Field, settle};
use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::{SignUp, SignedUp};

use crate::api;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let setup_code = RwSignal::new(String::new());
    let info = Fetch::new(api::info);
    let setup = move || matches!(info.get(), Some(Ok(info)) if info.setup);
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<SignedUp>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let email = email.get_untracked();
        let code = setup_code.get_untracked();
        let request = SignUp {
            username: username.get_untracked(),
            password: password.get_untracked(),
            email: (!email.trim().is_empty()).then_some(email),
            setup_code: (!code.trim().is_empty()).then_some(code),
        };
        spawn_local(async move {
            if let Some(done) = settle(error, api::sign_up(request).await) {
                created.set(Some(done));
            }
            busy.set(false);
        });
    };

    view! {
        <div class="card">
            <h1>"Create an account"</h1>
            <Show
                when=move || created.get().is_none()
                fallback=move || view! { <Created done=created.get().unwrap_or_else(|| unreachable!()) /> }
            >
                <form on:submit=submit>
                    <Field id="username" label="User name" autocomplete="username" required=true value=username />
                    <Field id="email" label="E-mail (optional)" kind="email" autocomplete="email" value=email />
                    <label for="password">"Password (8 to 128 characters)"</label>
                    <input id="password" type="password" autocomplete="new-password" required minlength="8" bind:value=password />
                    <Show when=setup>
                        <Field id="setup-code" label="Setup code (optional)" autocomplete="off" placeholder="XXXX-XXXX-XXXX-XXXX" value=setup_code />
                        <p class="muted">
                            "There is no administrator yet. The code in the server's log makes this account the administrator; without it, the account is an ordinary one."
                        </p>
                    </Show>
                    <button id="signup-button" type="submit" disabled=move || busy.get()>"Create account"</button>
                </form>
                <Show when=move || error.get().is_some()>
                    <p id="signup-error" class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <p class="muted">"Already have an account? " <a href="/signin">"Sign in"</a></p>
            </Show>
        </div>
    }
}

#[component]
fn Created(done: SignedUp) -> impl IntoView {
    view! {
        <p id="signup-done">
            "Account " <strong>{done.user.username.clone()}</strong> " created"
            {done.user.admin.then_some(" as the administrator")} "."
        </p>
        {done.namespace_notice.map(|notice| view! { <p class="muted">{notice}</p> })}
        <a href="/signin">"Sign in now"</a>
    }
}
