//! Lists served a page at a time: previous and next, and back to the first
//! page when the filter changes.

/// Previous and next for a list served a page at a time: page `page` (from
/// 1) of `pages`; nothing when everything fits on one page.
#[leptos::component]
pub fn Pager(page: leptos::prelude::RwSignal<u64>, pages: u64) -> impl leptos::IntoView {
    use leptos::prelude::*;
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="pages">
                <button class="small pager-previous" disabled=move || page.get() <= 1
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>"← Previous"</button>
                <span class="muted">{move || format!(" Page {} of {pages} ", page.get())}</span>
                <button class="small pager-next" disabled=move || page.get() >= pages
                    on:click=move |_| page.update(|p| *p = (*p + 1).min(pages))>"Next →"</button>
            </nav>
        }
    })
}

/// Sends a paged list back to its first page whenever what `filter` reads
/// changes (not when it is there already: a set notifies even unchanged).
pub fn first_page_when(
    page: leptos::prelude::RwSignal<u64>,
    filter: impl Fn() + Send + Sync + 'static,
) {
    use leptos::prelude::*;
    Effect::new(move |_| {
        filter();
        if page.get_untracked() != 1 {
            page.set(1);
        }
    });
}
