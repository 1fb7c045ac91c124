//! The sign-in page: user name and password, "Sign in with NAME" when an
//! OpenID Provider is configured, and the server's answer when a sign-in
//! is refused (the provider's round trip comes back with `?error=`).

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::components::{Field, settle};

#[component]
pub fn SignInPage() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let returned_error = use_query_map().get_untracked().get("error");
    let error = RwSignal::new(returned_error);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let info = Fetch::new(api::info);
    let signup_open = move || matches!(info.get(), Some(Ok(info)) if info.signup);
    let provider = move || info.get().and_then(|i| i.ok()).and_then(|i| i.oidc);
    let directory = move || matches!(info.get(), Some(Ok(info)) if info.ldap);
    let recovery = move || matches!(info.get(), Some(Ok(info)) if info.password_reset);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let signed_in = api::sign_in(username.get_untracked(), password.get_untracked()).await;
            if settle(error, signed_in).is_some() {
                navigate("/", Default::default());
            }
            busy.set(false);
        });
    };

    view! {
        <div class="card">
            <h1>"Sign in"</h1>
            <form on:submit=submit>
                <Field id="username" name="username" label="User name" autocomplete="username" required=true value=username />
                <Field id="password" name="password" label="Password" kind="password" autocomplete="current-password" required=true value=password />
                <button id="signin-button" type="submit" disabled=move || busy.get()>"Sign in"</button>
            </form>
            <Show when=move || error.get().is_some()>
                <p id="signin-error" class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || provider().is_some()>
                <p class="or">"or"</p>
                <a id="oidc-signin" class="button" rel="external" href="/api/v1/oidc/login">
                    {move || format!("Sign in with {}", provider().unwrap_or_default())}
                </a>
            </Show>
            <Show when=directory>
                <p class="muted">"Sign in with your directory (LDAP) user name and password."</p>
            </Show>
            <p class="muted">
                "Use the same user name and password with " <code>"docker login"</code> "."
                {move || provider().map(|name| format!(" If you sign in with {name}, use an application token as the password instead."))}
            </p>
            <Show when=recovery>
                <p class="muted"><a id="forgot-link" href="/forgot-password">"Forgot your password?"</a></p>
            </Show>
            <Show when=signup_open>
                <p class="muted">"No account yet? " <a id="signup-link" href="/signup">"Create one"</a></p>
            </Show>
        </div>
    }
}
