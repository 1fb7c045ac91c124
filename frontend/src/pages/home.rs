//! The start page: who you are signed in as and how to push to your
//! namespace; people who are not signed in are sent to the sign-in page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use portunus_shared::api::Me;
use portunus_shared::display::person;

use super::Loaded;
use crate::api;

#[component]
pub fn Home() -> impl IntoView {
    let me = LocalResource::new(api::me);
    let navigate = use_navigate();

    Effect::new(move |_| {
        if let Some(Err(e)) = me.get()
            && e.status == 401
        {
            navigate("/signin", Default::default());
        }
    });

    view! {
        <Loaded resource=me show=move |me| view! { <SignedIn me=me /> }.into_any()
            />
    }
}

/// What a signed-in person sees.
#[component]
fn SignedIn(me: Me) -> impl IntoView {
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = api::sign_out().await;
            navigate("/signin", Default::default());
        });
    };
    let info = LocalResource::new(api::info);
    let namespace = me.namespace.clone().unwrap_or_default();
    let username = me.username.clone();
    let push_hint = move || {
        let host = match info.get() {
            Some(Ok(info)) => info.registry,
            _ => "REGISTRY".to_owned(),
        };
        format!(
            "docker login {host} -u {username}\ndocker tag IMAGE {host}/{namespace}/IMAGE:TAG\ndocker push {host}/{namespace}/IMAGE:TAG"
        )
    };
    view! {
        <div class="card">
            <h1>
                "Signed in as " <span id="signed-in-as">{person(&me.username, me.display_name.as_deref())}</span>
                {me.admin.then(|| view! { <span class="badge">"admin"</span> })}
            </h1>
            {me.namespace.clone().map(|ns| view! {
                <p>"Your personal namespace is " <strong id="namespace">{ns}</strong> ". You can always push and pull there:"</p>
            })}
            <pre>{push_hint}</pre>
            <button id="signout" on:click=sign_out>"Sign out"</button>
        </div>
    }
}
