//! Menus of a closed set's values, and the order of a repository list.

use leptos::prelude::*;
use portunus_shared::domain::RepositorySort;

/// The options of a menu of `T`'s values, each by its label; `selected`
/// is marked.
pub fn choices<T: portunus_shared::domain::ClosedSet>(
    selected: Option<T>,
) -> impl leptos::IntoView {
    use leptos::prelude::*;
    T::ALL
        .iter()
        .map(|value| {
            view! { <option value=value.as_str() selected=selected == Some(*value)>{value.label()}</option> }
        })
        .collect_view()
}

/// Choosing the order of a repository list.
#[component]
pub fn SortChoice(sort: RwSignal<String>) -> impl IntoView {
    view! {
        <select id="sort" aria-label="Order" bind:value=sort>
            {choices::<RepositorySort>(None)}
        </select>
    }
}
