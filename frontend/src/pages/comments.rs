//! A repository's comments: read them, add one (markdown), delete those you
//! may. The server renders and sanitizes the markdown.

use crate::fetch::Fetch;
use leptos::prelude::*;

use crate::components::{ErrorNote, Loaded, When, submit};
use portunus_shared::display::person;

use crate::api;

#[component]
pub fn Comments(repository: i64) -> impl IntoView {
    let list = Fetch::new(move || api::comments(repository));
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add = move |_| {
        let body = draft.get();
        submit(
            error,
            async move { api::add_comment(repository, body).await },
            move |_| {
                draft.set(String::new());
                list.refetch();
            },
        );
    };
    view! {
        <section id="comments">
            <h2>"Comments"</h2>
            <Loaded resource=list show=move |value| match value {
                    items if items.is_empty() => view! { <p class="muted">"No comments yet."</p> }.into_any(),
                    items => items.into_iter().map(|c| {
                        let id = c.id;
                        let remove = move |_| submit(error, async move { api::delete_comment(repository, id).await }, move |()| list.refetch());
                        view! {
                            <article class="comment" data-comment=c.id>
                                <p class="muted">
                                    <span class="person">{match &c.author {
                                        Some(name) => person(name, c.author_display_name.as_deref()),
                                        None => "(deleted account)".to_owned(),
                                    }}</span> " · " <When at=c.created_at.clone() />
                                    {c.may_delete.then(|| view! {
                                        " " <button class="small danger" on:click=remove>"Delete"</button>
                                    })}
                                </p>
                                <div class="markdown" inner_html=c.body_html></div>
                            </article>
                        }
                    }).collect_view().into_any(),
                } />
            <textarea id="comment-body" aria-label="Comment (markdown)" rows="3" placeholder="Add a comment (markdown)" bind:value=draft></textarea>
            <button id="add-comment" on:click=add disabled=move || draft.get().trim().is_empty()>"Comment"</button>
            <ErrorNote error=error />
        </section>
    }
}
