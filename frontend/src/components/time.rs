//! Times as people say them ("3 hours ago"), by the browser's clock.

/// Seconds from the RFC 3339 time `at` until now, by the browser's clock.
pub fn seconds_since(at: &str) -> i64 {
    let then = js_sys::Date::parse(at);
    if then.is_nan() {
        return 0;
    }
    ((js_sys::Date::now() - then) / 1000.0).max(0.0) as i64
}

/// A time as people say it (`3 hours ago`), the exact time on hover.
#[leptos::component]
pub fn When(at: String) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let said = portunus_shared::display::ago(seconds_since(&at), &at);
    view! { <time datetime=at.clone() title=at>{said}</time> }
}
