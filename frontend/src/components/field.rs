//! A text field with its label: the pair every form repeats.

use leptos::prelude::*;

/// An input bound to `value`, labelled `label` (linked by `id`); `kind`
/// is the input's type (text when not given), `name` what password
/// managers know it by, `list` the id of a datalist of suggestions.
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] list: Option<&'static str>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id type=kind name=name maxlength=maxlength list=list placeholder=placeholder
            autocomplete=autocomplete required=required bind:value=value />
    }
}
