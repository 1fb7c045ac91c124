//! A text field with its label: the pair every form repeats.

use leptos::prelude::*;

/// An input bound to `value`, labelled `label` (linked by `id`); `kind`
/// is the input's type (text when not given).
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id type=kind placeholder=placeholder autocomplete=autocomplete required=required bind:value=value />
    }
}
