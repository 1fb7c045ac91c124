//! The start page (Portus's dashboard): who you are and how to push, your
//! feed of recent activities beside your repositories (all, starred,
//! personal), and for administrators the installation's figures with a
//! chart of pushes; people who are not signed in are sent to sign in.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::{Activity, DayCount, Me};
use portunus_shared::display::person;

use crate::api::{self, Shelf};
use crate::components::{ErrorNote, Loaded, PagedRepositories, When, activity_words, settle};

#[component]
pub fn Home() -> impl IntoView {
    crate::session::require_sign_in();
    let me = crate::session::me();

    view! {
        <Loaded resource=me show=move |me| view! { <SignedIn me=me /> }.into_any()
            />
    }
}

/// What a signed-in person sees: who they are and how to push, their feed
/// beside their repositories, and for administrators the figures.
#[component]
fn SignedIn(me: Me) -> impl IntoView {
    let admin = me.admin;
    let namespace = me.namespace.clone().unwrap_or_default();
    view! {
        <Welcome me=me />
        {admin.then(|| view! { <Figures /> })}
        <div class="columns">
            <Feed />
            <Shelves namespace=namespace />
        </div>
    }
}

/// Who is signed in, and the three lines that push an image.
#[component]
fn Welcome(me: Me) -> impl IntoView {
    let info = Fetch::new(api::info);
    let namespace = me.namespace.clone().unwrap_or_default();
    let username = me.username.clone();
    let push_hint = move || {
        let host = match info.get() {
            Some(Ok(info)) => info.registry,
            _ => "REGISTRY".to_owned(),
        };
        format!(
            "docker login {host} -u {username}\ndocker tag IMAGE {host}/{namespace}/IMAGE:TAG\ndocker push {host}/{namespace}/IMAGE:TAG"
        )
    };
    view! {
        <div class="card">
            <h1>
                "Signed in as " <span id="signed-in-as">{person(&me.username, me.display_name.as_deref())}</span>
                {me.admin.then(|| view! { <span class="badge">"admin"</span> })}
            </h1>
            {me.namespace.clone().map(|ns| view! {
                <details>
                    <summary>"Your personal namespace is " <strong id="namespace">{ns}</strong> ". You can always push and pull there."</summary>
                    <pre>{push_hint}</pre>
                </details>
            })}
        </div>
    }
}

/// Recent activities that concern me, newest first, a page at a time.
#[component]
fn Feed() -> impl IntoView {
    let items = RwSignal::new(Vec::<Activity>::new());
    let total = RwSignal::new(0_u64);
    let page = RwSignal::new(0_u64);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let more = move || {
        // One page at a time; entries that moved down onto the next page
        // as new ones arrived are not shown twice.
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        let next = page.get_untracked() + 1;
        spawn_local(async move {
            if let Some(found) = settle(error, api::feed(next).await) {
                items.update(|list| {
                    for entry in found.items {
                        if !list.iter().any(|a| a.id == entry.id) {
                            list.push(entry);
                        }
                    }
                });
                total.set(found.total);
                page.set(next);
            }
            loading.set(false);
        });
    };
    more();
    let nothing_yet = move || page.get() != 0 && items.with(Vec::is_empty);
    view! {
        <section class="card" id="feed">
            <h2>"Recent activity"</h2>
            <Show when=nothing_yet>
                <p class="muted" id="feed-empty">"Nothing yet: pushes to your namespaces and changes to your teams show here."</p>
            </Show>
            <ul class="feed">
                <For each=move || items.get() key=|a| a.id let:a>
                    <FeedEntry activity=a />
                </For>
            </ul>
            <Show when=move || (items.with(Vec::len) as u64) < total.get()>
                <button id="feed-more" class="small" on:click=move |_| more()>
                    {move || format!("Show older ({} of {})", items.with(Vec::len), total.get())}
                </button>
            </Show>
            <ErrorNote error=error />
        </section>
    }
}

#[component]
fn FeedEntry(activity: Activity) -> impl IntoView {
    let (icon, words) = activity_words(&activity);
    view! {
        <li class="feed-entry" data-key=activity.key.clone()>
            <span class="icon" aria-hidden="true">{icon}</span>
            <span>
                <strong class="person">{person(&activity.actor, activity.actor_display_name.as_deref())}</strong>
                " " {words}
                <br/><span class="muted"><When at=activity.created_at.clone() /></span>
            </span>
        </li>
    }
}

/// The repository panel: all I may see, those I starred, my own.
#[component]
fn Shelves(namespace: String) -> impl IntoView {
    let shelf = RwSignal::new(Shelf::All);
    let page = RwSignal::new(1_u64);
    let namespace = StoredValue::new(namespace);
    let listed = Fetch::new(move || {
        let (shelf, page) = (shelf.get(), page.get());
        async move { api::shelf(shelf, &namespace.get_value(), None, page).await }
    });
    let tab = move |which: Shelf, label: &'static str, id: &'static str| {
        view! {
            <button id=id role="tab" class="tab" aria-selected=move || (shelf.get() == which).to_string()
                on:click=move |_| { shelf.set(which); page.set(1); }>{label}</button>
        }
    };
    view! {
        <section class="card" id="shelves">
            <h2>"Repositories"</h2>
            <div role="tablist" class="tabs">
                {tab(Shelf::All, "All", "shelf-all")}
                {tab(Shelf::Starred, "Starred", "shelf-starred")}
                {tab(Shelf::InNamespace, "Personal", "shelf-personal")}
            </div>
            <PagedRepositories listed=listed page=page id="shelf-list" empty="None here yet." />
        </section>
    }
}

/// The installation's figures and pushes per day (administrators).
#[component]
fn Figures() -> impl IntoView {
    let figures = Fetch::new(api::overview);
    view! {
        <section class="card" id="figures">
            <Loaded resource=figures show=move |o| {
                let counters = [
                    ("Users", o.users, "/admin/users"),
                    ("Teams", o.teams, "/teams"),
                    ("Namespaces", o.namespaces, "/namespaces"),
                    ("Repositories", o.repositories, "/repositories"),
                    ("Tags", o.tags, "/repositories"),
                    ("Held events", o.held_events, "/admin/events"),
                ];
                view! {
                    <div class="counters">
                        {counters.into_iter().map(|(label, n, link)| view! {
                            <a class="counter" href=link data-counter=label>
                                <span class="figure">{n}</span><span class="muted">{label}</span>
                            </a>
                        }).collect_view()}
                    </div>
                    <PushChart days=o.pushes />
                }.into_any()
            } />
        </section>
    }
}

/// Pushes per day as bars, the busiest day full height.
#[component]
fn PushChart(days: Vec<DayCount>) -> impl IntoView {
    let most = days.iter().map(|d| d.count).max().unwrap_or(0).max(1);
    let total: u64 = days.iter().map(|d| d.count).sum();
    // Whole numbers in tenths of a bar's width: no float formatting needed.
    let (width, height, gap) = (120_u64, 600_u64, 30_u64);
    let count = days.len() as u64;
    let caption = format!(
        "{total} {} in the last {count} days",
        if total == 1 { "push" } else { "pushes" }
    );
    let span = count * (width + gap);
    view! {
        <figure class="chart" id="push-chart">
            <svg viewBox=format!("0 0 {span} {}", height + 20) width="100%" height="80" role="img"
                aria-label=caption.clone()>
                {days.into_iter().zip(0_u64..).map(|(d, i)| {
                    let h = (d.count * height / most).max(if d.count > 0 { 20 } else { 5 });
                    view! {
                        <rect x=i * (width + gap) y=height - h + 10 width=width height=h rx="20">
                            <title>{format!("{}: {} pushes", d.day, d.count)}</title>
                        </rect>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="muted">{caption}</figcaption>
        </figure>
    }
}
