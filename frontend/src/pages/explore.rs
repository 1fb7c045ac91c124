//! Public repositories for everyone, signed in or not: a list, and one
//! repository's description and images with their `docker pull` lines.

use crate::fetch::Fetch;
use leptos::prelude::*;

use crate::api;
use crate::components::{FilteredRepositories, ImageTable, Loaded};

#[component]
pub fn ExplorePage() -> impl IntoView {
    view! {
        <div class="card">
            <h1>"Explore"</h1>
            <p class="muted">"Public repositories: anyone may pull them."</p>
            <FilteredRepositories source="/explore" link="/explore"
                filter_id="explore-filter" list_id="explore-list"
                empty="No public repositories match." />
        </div>
    }
}

#[component]
pub fn ExploredRepositoryPage(id: i64) -> impl IntoView {
    let found = Fetch::new(move || api::explore_repository(id));
    view! {
        <div class="card">
            <Loaded resource=found show=move |found| {
                        let r = found.repository;
                        view! {
                            <h1 id="repository-name">{r.name.clone()}</h1>
                            <div id="description" class="markdown" inner_html=r.description_html></div>
                            <ImageTable images=found.images pull=format!("{}/{}", r.registry_host, r.name) />
                        }.into_any()
                    }
                />
        </div>
    }
}
