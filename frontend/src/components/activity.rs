//! An activity of the log in words, linked to what it was done to.

/// An activity's icon, and what it did in words, linked to the page of what
/// it was done to (unless it deleted that).
pub fn activity_words(
    activity: &portunus_shared::api::Activity,
) -> (&'static str, leptos::prelude::AnyView) {
    use leptos::prelude::*;
    let (kind, text) = portunus_shared::display::activity(
        &activity.key,
        &activity.target,
        activity.parameters.as_deref(),
    );
    let words = match crate::routes::Route::of_activity(activity) {
        Some(route) => view! { <a href=route.path()>{text}</a> }.into_any(),
        None => text.into_any(),
    };
    (kind.icon(), words)
}
