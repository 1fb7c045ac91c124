//! Pages mailed links open: "forgot your password?" (asking for a link,
//! and the page it opens to choose a new password) and the confirmation
//! of an e-mail address. A link's secret is in the URL's fragment, which
//! browsers never send to a server.

use leptos::prelude::*;

use crate::api;
use crate::components::{ErrorNote, Field, submit};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let user = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let answer = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        submit(
            error,
            async move { api::request_password_reset(user.get_untracked()).await },
            move |accepted| answer.set(Some(accepted.message)),
        );
    };
    view! {
        <div class="card">
            <h1>"Forgot your password?"</h1>
            <Show
                when=move || answer.get().is_none()
                fallback=move || view! {
                    <p id="reset-requested" role="status">{move || answer.get().unwrap_or_default()}"."</p>
                    <p class="muted">"The link works once and for a limited time. " <a href="/signin">"Back to signing in"</a></p>
                }
            >
                <form on:submit=submit>
                    <Field id="reset-user" label="User name or e-mail address" required=true autocomplete="username" value=user />
                    <button id="reset-request" type="submit">"Send me a link"</button>
                </form>
                <p class="muted">"If you sign in with your organisation's directory, change your password there."</p>
            </Show>
            <ErrorNote error=error />
        </div>
    }
}

/// The secret after `#token=` in the page's address.
fn token_in_address() -> String {
    window()
        .location()
        .hash()
        .ok()
        .and_then(|hash| hash.strip_prefix("#token=").map(str::to_owned))
        .unwrap_or_default()
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = token_in_address();
    let password = RwSignal::new(String::new());
    let repeated = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        if password.get_untracked() != repeated.get_untracked() {
            error.set(Some("the two passwords differ".into()));
            return;
        }
        let token = token.clone();
        submit(
            error,
            async move { api::complete_password_reset(token, password.get_untracked()).await },
            move |()| done.set(true),
        );
    };
    view! {
        <div class="card">
            <h1>"Choose a new password"</h1>
            <Show
                when=move || !done.get()
                fallback=|| view! {
                    <p id="reset-done" role="status">
                        "Your password is set; you were signed out everywhere else. "
                        <a href="/signin">"Sign in"</a>
                    </p>
                }
            >
                <form on:submit=submit.clone()>
                    <Field id="new-password" label="New password (8 to 128 characters)" kind="password" required=true autocomplete="new-password" value=password />
                    <Field id="repeat-password" label="The same again" kind="password" required=true autocomplete="new-password" value=repeated />
                    <button id="reset-submit" type="submit">"Set the password"</button>
                </form>
            </Show>
            <ErrorNote error=error />
        </div>
    }
}

/// Confirms the address the link was mailed to as soon as it opens.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let token = token_in_address();
    submit(
        error,
        async move { api::confirm_email(token).await },
        move |()| done.set(true),
    );
    view! {
        <div class="card">
            <h1>"Confirm your e-mail address"</h1>
            <Show when=move || done.get()>
                <p id="email-confirmed" role="status">
                    "✓ Your e-mail address is confirmed. " <a href="/profile">"Your profile"</a>
                </p>
            </Show>
            <ErrorNote error=error />
        </div>
    }
}
