//! Telling people how a request went: the last error of a page, and what
//! a resource loaded ("Loading…" before, the server's message if it
//! failed); `submit` sends a change and reports its outcome there, and
//! `settle` reports the outcome of a call made by hand.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

/// The last error a page met, in words, announced to screen readers; nothing
/// while there is none.
#[leptos::component]
pub fn ErrorNote(error: leptos::prelude::RwSignal<Option<String>>) -> impl leptos::IntoView {
    use leptos::prelude::*;
    view! {
        <Show when=move || error.get().is_some()>
            <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </Show>
    }
}

/// What `resource` loaded, shown by `show` once it is there: "Loading…" (or
/// `waiting`) before, the server's message if it failed.
#[leptos::component]
pub fn Loaded<T, F>(
    resource: crate::fetch::Fetch<T>,
    show: F,
    #[prop(optional)] waiting: Option<&'static str>,
) -> impl leptos::IntoView
where
    T: Clone + 'static,
    F: Fn(T) -> leptos::prelude::AnyView + Send + Sync + 'static,
{
    let content = move || {
        resource.get().map(|result| match result {
            Ok(value) => show(value),
            Err(e) => failed(e.message),
        })
    };
    suspended(waiting.unwrap_or("Loading…"), std::sync::Arc::new(content))
}

/// What a page shows when its data did not load.
fn failed(message: String) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    view! { <p class="error">{message}</p> }.into_any()
}

/// `content` once its resources have loaded, `waiting` until then: one
/// non-generic body for every [`Loaded`] (it keeps the WASM small).
fn suspended(
    waiting: &'static str,
    content: std::sync::Arc<dyn Fn() -> Option<leptos::prelude::AnyView> + Send + Sync>,
) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    view! {
        <Suspense fallback=move || view! { <p class="muted">{waiting}</p> }>
            {move || content()}
        </Suspense>
    }
    .into_any()
}

/// Sends a change in the background: on success clears `error` and hands
/// the answer to `done`, on failure shows the server's message in `error`.
pub fn submit<T, Call, Done>(error: RwSignal<Option<String>>, call: Call, done: Done)
where
    T: 'static,
    Call: std::future::Future<Output = Result<T, ApiError>> + 'static,
    Done: FnOnce(T) + 'static,
{
    spawn_local(async move {
        if let Some(answer) = settle(error, call.await) {
            done(answer);
        }
    });
}

/// Shows the error of a call's `outcome` in `error`, or clears it; the
/// answer, when there is one.
pub fn settle<T>(error: RwSignal<Option<String>>, outcome: Result<T, ApiError>) -> Option<T> {
    match outcome {
        Ok(answer) => {
            error.set(None);
            Some(answer)
        }
        Err(e) => {
            error.set(Some(e.message));
            None
        }
    }
}
