//! The application shell: the top bar and the routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::pages::{Home, SignInPage, SignUpPage};

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <header class="bar">
                <span class="brand">"Portunus"</span>
                <span class="muted">"registry access, made visible"</span>
            </header>
            <main>
                <Routes fallback=|| view! { <div class="card"><h1>"Page not found"</h1><a href="/">"Go to the start page"</a></div> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/signin") view=SignInPage />
                    <Route path=path!("/signup") view=SignUpPage />
                </Routes>
            </main>
        </Router>
    }
}
