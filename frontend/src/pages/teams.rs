//! Teams: the ones you may see, creating one, and one team's members (roles
//! changed, added and removed by owners) and namespaces (created by owners).

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use portunus_shared::api::{NewNamespace, Person, Team, TeamUpdate};
use portunus_shared::display::person;
use portunus_shared::domain::{Role, Visibility};

use super::require_sign_in;
use crate::api::{self, TeamNamespaces};
use crate::components::{ErrorNote, Field, Loaded, Pager, choices, settle, submit};

#[component]
pub fn TeamsPage() -> impl IntoView {
    require_sign_in();
    let page = RwSignal::new(1_u64);
    let list = Fetch::new(move || {
        let page = page.get();
        async move { api::teams_page(page).await }
    });
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, d) = (name.get(), description.get());
        submit(
            error,
            async move { api::create_team(n, d).await },
            move |_| {
                name.set(String::new());
                description.set(String::new());
                list.refetch();
            },
        );
    };
    view! {
        <div class="card">
            <h1>"Teams"</h1>
            <Loaded resource=list show=move |found| match found {
                    found if found.items.is_empty() => view! { <p class="muted">"You are in no team yet."</p> }.into_any(),
                    found => {
                        let pages = found.total.div_ceil(found.per_page.max(1));
                        view! {
                        <table id="team-list">
                            <thead><tr><th>"Team"</th><th>"Members"</th><th>"Namespaces"</th></tr></thead>
                            <tbody>
                                {found.items.into_iter().map(|t| view! {
                                    <tr>
                                        <td><a href=format!("/teams/{}", t.name)>{t.name.clone()}</a></td>
                                        <td>{t.members.len()}</td>
                                        <td>{t.namespaces.join(", ")}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager page=page pages=pages />
                    }.into_any()
                    }
                } />
            <h2>"New team"</h2>
            <form on:submit=create>
                <Field id="team-name" label="Name" value=name />
                <Field id="team-description" label="Description" value=description />
                <button id="create-team" type="submit">"Create team"</button>
            </form>
            <ErrorNote error=error />
        </div>
    }
}

#[component]
pub fn TeamPage(name: String) -> impl IntoView {
    require_sign_in();
    let name = StoredValue::new(name);
    let name = move || name.get_value();
    let team = Fetch::new(move || {
        let name = name();
        async move { api::team(&name).await }
    });
    let error = RwSignal::new(None::<String>);
    let report = move |outcome: Result<(), api::ApiError>| {
        if settle(error, outcome).is_some() {
            team.refetch();
        }
    };
    view! {
        <div class="card">
            <Loaded resource=team show=move |t| {
                        let owner = t.may_manage;
                        let html = t.description_html.clone();
                        view! {
                            <h1 id="team-name">{t.name.clone()}</h1>
                            {if html.is_empty() {
                                view! { <p class="muted">"No description."</p> }.into_any()
                            } else {
                                view! { <div id="team-description" class="markdown" inner_html=html></div> }.into_any()
                            }}
                            {owner.then(|| view! { <EditTeam team=t.clone() report=report /> })}
                            <Members team=t.clone() owner=owner report=report />
                            <Namespaces team=t.clone() owner=owner report=report />
                            {owner.then(|| view! { <DeleteTeam team=t /> })}
                        }.into_any()
                    }
                />
            <ErrorNote error=error />
        </div>
    }
}

#[component]
fn Members(
    team: Team,
    owner: bool,
    report: impl Fn(Result<(), api::ApiError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let team_name = StoredValue::new(team.name.clone());
    let newcomer = RwSignal::new(String::new());
    let new_role = RwSignal::new("viewer".to_owned());
    let set = move |user: String, role: String| {
        let Ok(role) = role.parse::<Role>() else {
            return;
        };
        spawn_local(async move {
            report(
                api::set_member(&team_name.get_value(), &user, role)
                    .await
                    .map(|_| ()),
            );
        })
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set(newcomer.get(), new_role.get());
        newcomer.set(String::new());
    };
    view! {
        <h2>"Members"</h2>
        <table id="member-list">
            <thead><tr><th>"User"</th><th>"Role"</th><th></th></tr></thead>
            <tbody>
                {team.members.into_iter().map(|m| {
                    let user = m.username.clone();
                    let remove_user = m.username.clone();
                    let role_label = format!("Role of {}", m.username);
                    let role_cell = if owner {
                        view! {
                            <select class="role" aria-label=role_label on:change=move |ev| set(user.clone(), event_target_value(&ev))>
                                {choices(Some(m.role))}
                            </select>
                        }.into_any()
                    } else {
                        view! { {m.role.to_string()} }.into_any()
                    };
                    let remove = owner.then(|| view! {
                        <button class="small danger" on:click=move |_| {
                            let user = remove_user.clone();
                            spawn_local(async move {
                                report(api::remove_member(&team_name.get_value(), &user).await);
                            });
                        }>"Remove"</button>
                    });
                    view! { <tr data-member=m.username.clone()><td class="person">{person(&m.username, m.display_name.as_deref())}</td><td>{role_cell}</td><td>{remove}</td></tr> }
                }).collect_view()}
            </tbody>
        </table>
        {owner.then(|| view! {
            <form id="add-member" on:submit=add>
                <Field id="member-name" label="Add a member" placeholder="user name" list="people" autocomplete="off" value=newcomer />
                <PeopleList typed=newcomer />
                <select id="member-role" aria-label="Role of the new member" bind:value=new_role>
                    {choices::<Role>(None)}
                </select>
                <button type="submit">"Add"</button>
            </form>
        })}
    }
}

#[component]
fn Namespaces(
    team: Team,
    owner: bool,
    report: impl Fn(Result<(), api::ApiError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let team_name = StoredValue::new(team.name.clone());
    let name = RwSignal::new(String::new());
    let visibility = RwSignal::new("private".to_owned());
    let registry = RwSignal::new(String::new());
    // With several registries, the new namespace's is chosen.
    let info = crate::fetch::Fetch::new(api::info);
    let registries = move || match info.get() {
        Some(Ok(info)) if info.registries.len() > 1 => info.registries,
        _ => Vec::new(),
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = registry.get();
        let new = NewNamespace {
            name: name.get(),
            team: team_name.get_value(),
            visibility: visibility.get().parse().ok(),
            description: None,
            registry: (!chosen.is_empty()).then_some(chosen),
        };
        spawn_local(async move {
            report(api::create_namespace(new).await.map(|_| ()));
        });
        name.set(String::new());
    };
    view! {
        <h2>"Namespaces"</h2>
        {if team.namespaces_in_registries.is_empty() {
            view! { <p class="muted">"This team owns no namespace yet."</p> }.into_any()
        } else {
            view! {
                <ul id="team-namespaces">
                    {team.namespaces_in_registries.into_iter().map(|n| {
                        let key = api::NamespaceRef::of(&n.name, &n.registry);
                        let href = crate::routes::Route::of_namespace(&key).path();
                        let shown = match key.registry {
                            Some(registry) => format!("{} ({registry})", n.name),
                            None => n.name,
                        };
                        view! { <li><a href=href>{shown}</a></li> }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {owner.then(|| view! {
            <form id="create-namespace" on:submit=create>
                <Field id="namespace-name" label="New namespace" placeholder="name, as in NAME/app" value=name />
                <select id="namespace-visibility" aria-label="Who may pull from the new namespace" bind:value=visibility>
                    {choices::<Visibility>(None)}
                </select>
                {move || {
                    let all = registries();
                    (!all.is_empty()).then(|| view! {
                        <select id="namespace-registry" aria-label="The registry it belongs to" bind:value=registry>
                            {all.into_iter().map(|r| {
                                let value = if r.name == "default" { String::new() } else { r.name.clone() };
                                view! { <option value=value>{format!("in {} ({})", r.name, r.host)}</option> }
                            }).collect_view()}
                        </select>
                    })
                }}
                <button type="submit">"Create namespace"</button>
            </form>
        })}
    }
}

/// Suggestions for a user-name field (`list="people"`): people whose
/// names contain what was typed, by display name beside user name.
#[component]
fn PeopleList(typed: RwSignal<String>) -> impl IntoView {
    let found = RwSignal::new(Vec::<Person>::new());
    // Only the latest keystroke counts: the server is asked once typing
    // pauses, and an answer to an older question is dropped.
    let asked = StoredValue::new(0_u64);
    // An effect, not a resource: it tracks the typing itself, and nothing
    // around the field re-renders with each key.
    Effect::new(move |_| {
        let q = typed.get().trim().to_owned();
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        let latest = move || asked.get_value() == this;
        if q.chars().count() < 2 {
            found.set(Vec::new());
            return;
        }
        set_timeout(
            move || {
                if latest() {
                    spawn_local(async move {
                        let people = api::people(&q).await.unwrap_or_default();
                        if latest() {
                            found.set(people);
                        }
                    });
                }
            },
            std::time::Duration::from_millis(250),
        );
    });
    view! {
        <datalist id="people">
            {move || found.get().into_iter().map(|p| view! {
                <option value=p.username.clone()>{person(&p.username, p.display_name.as_deref())}</option>
            }).collect_view()}
        </datalist>
    }
}

/// Renaming the team and describing it (markdown).
#[component]
fn EditTeam(
    team: Team,
    report: impl Fn(Result<(), api::ApiError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let navigate = use_navigate();
    let old_name = StoredValue::new(team.name.clone());
    let name = RwSignal::new(team.name.clone());
    let description = RwSignal::new(team.description.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let change = TeamUpdate {
            name: Some(name.get_untracked()).filter(|n| *n != old_name.get_value()),
            description: Some(description.get_untracked()),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::update_team(&old_name.get_value(), change).await {
                Ok(team) if team.name != old_name.get_value() => {
                    navigate(&format!("/teams/{}", team.name), Default::default());
                }
                outcome => report(outcome.map(|_| ())),
            }
        });
    };
    view! {
        <details id="edit-team">
            <summary>"Rename or describe"</summary>
            <form on:submit=save>
                <Field id="team-rename" label="Name" value=name />
                <label for="team-describe">"Description (markdown)"</label>
                <textarea id="team-describe" rows="4" bind:value=description></textarea>
                <button id="save-team" type="submit">"Save"</button>
            </form>
        </details>
    }
}

/// Deleting the team; its namespaces move to another team or go with it.
#[component]
fn DeleteTeam(team: Team) -> impl IntoView {
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let name = StoredValue::new(team.name.clone());
    let owned = StoredValue::new(team.namespaces.clone());
    let heir = RwSignal::new(String::new());
    let teams = Fetch::new(api::teams);
    let delete = move |_| {
        let owned = owned.get_value();
        let choice = match (owned.is_empty(), heir.get_untracked()) {
            (true, _) => TeamNamespaces::None,
            (false, heir) if heir.is_empty() => TeamNamespaces::Delete,
            (false, heir) => TeamNamespaces::MoveTo(heir),
        };
        let what = match &choice {
            TeamNamespaces::None => String::new(),
            TeamNamespaces::MoveTo(heir) => {
                format!(
                    " Its namespaces ({}) move to team {heir}.",
                    owned.join(", ")
                )
            }
            TeamNamespaces::Delete => format!(
                " Its namespaces ({}) are deleted too, which is refused while they hold images.",
                owned.join(", ")
            ),
        };
        let question = format!(
            "Delete team {}? Its members lose what it gave them.{what}",
            name.get_value()
        );
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        let navigate = navigate.clone();
        submit(
            error,
            async move { api::delete_team(&name.get_value(), choice).await },
            move |()| navigate("/teams", Default::default()),
        );
    };
    let has_namespaces = !team.namespaces.is_empty();
    view! {
        <h2>"Delete this team"</h2>
        {has_namespaces.then(|| view! {
            <label for="team-heir">"Its namespaces"</label>
            <select id="team-heir" bind:value=heir>
                <option value="">"are deleted with it (only when empty)"</option>
                {move || teams.get().and_then(Result::ok).unwrap_or_default().into_iter()
                    .filter(|t| t.may_manage && t.name != name.get_value())
                    .map(|t| view! { <option value=t.name.clone()>{format!("move to team {}", t.name)}</option> })
                    .collect_view()}
            </select>
        })}
        <button id="delete-team" class="danger" on:click=delete>"Delete team"</button>
        <ErrorNote error=error />
    }
}
