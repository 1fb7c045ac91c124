//! The sign-in page: user name and password, and the server's answer when
//! they are refused.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;

#[component]
pub fn SignInPage() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let info = LocalResource::new(api::info);
    let signup_open = move || matches!(info.get(), Some(Ok(info)) if info.signup);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::sign_in(username.get_untracked(), password.get_untracked()).await {
                Ok(_) => navigate("/", Default::default()),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    view! {
        <div class="card">
            <h1>"Sign in"</h1>
            <form on:submit=submit>
                <label for="username">"User name"</label>
                <input id="username" name="username" autocomplete="username" required bind:value=username />
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required bind:value=password />
                <button id="signin-button" type="submit" disabled=move || busy.get()>"Sign in"</button>
            </form>
            <Show when=move || error.get().is_some()>
                <p id="signin-error" class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <p class="muted">"Use the same user name and password with " <code>"docker login"</code> "."</p>
            <Show when=signup_open>
                <p class="muted">"No account yet? " <a id="signup-link" href="/signup">"Create one"</a></p>
            </Show>
        </div>
    }
}
