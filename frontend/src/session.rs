//! Who is signed in: `/me`, fetched once per navigation (so the top bar
//! changes right after signing in or out) and shared through context by
//! the top bar, [`require_sign_in`] and the pages that show the person.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use portunus_shared::api::Me;

use crate::fetch::Fetch;

/// The signed-in person, as the context holds it.
#[derive(Clone, Copy)]
struct Session(Fetch<Me>);

/// Starts fetching `/me` on every navigation; call once, inside the router.
pub fn provide() {
    let location = use_location();
    let me = Fetch::new(move || {
        location.pathname.track();
        crate::api::me()
    });
    provide_context(Session(me));
}

/// Who is signed in (an error while no one is).
pub fn me() -> Fetch<Me> {
    expect_context::<Session>().0
}

/// Sends visitors who are not signed in to the sign-in page. What the
/// context holds when the page mounts is the answer for the page before
/// (right after signing in, a 401): only answers that arrive after it
/// count. They arrive as network responses, always after this effect's
/// first run.
pub fn require_sign_in() {
    let me = me();
    let navigate = use_navigate();
    Effect::new(move |ran: Option<()>| {
        let answer = me.get();
        if ran.is_none() && answer.is_some() {
            return;
        }
        if let Some(Err(e)) = answer
            && e.status == 401
        {
            navigate("/signin", Default::default());
        }
    });
}
