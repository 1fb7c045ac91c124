//! For administrators: every account, a page at a time and filtered by
//! name; creating accounts and bots; enabling, disabling, making
//! administrator, lifting a lockout after failed sign-ins; and removing an
//! account with an explicit choice for the images of its namespace.

use crate::fetch::Fetch;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::{NewApplicationToken, NewUser, Team, User, UserUpdate};
use portunus_shared::display::person;
use portunus_shared::domain::Directory;

use super::require_sign_in;
use crate::api::{self, PersonalNamespace};
use crate::components::{
    CopyButton, ErrorNote, Field, Loaded, Pager, When, first_page_when, settle, submit,
};

#[component]
pub fn UsersPage() -> impl IntoView {
    require_sign_in();
    let filter = RwSignal::new(String::new());
    let page = RwSignal::new(1_u64);
    first_page_when(page, move || {
        filter.track();
    });
    let list = Fetch::new(move || {
        let (q, page) = (filter.get(), page.get());
        async move { api::users(&q, page).await }
    });
    let teams = Fetch::new(api::teams);
    let error = RwSignal::new(None::<String>);
    let done = move |outcome: Result<(), api::ApiError>| {
        if settle(error, outcome).is_some() {
            list.refetch();
        }
    };
    view! {
        <div class="card">
            <h1>"Users and bots"</h1>
            <CreateAccount done=done />
            <input id="user-filter" aria-label="Filter accounts by name" placeholder="Filter by name" bind:value=filter />
            <Loaded resource=list show=move |found| {
                let pages = found.total.div_ceil(found.per_page.max(1));
                view! {
                    <p class="muted">{format!("{} accounts", found.total)}</p>
                    <table id="user-list">
                        <thead><tr><th>"User"</th><th>"Status"</th><th></th></tr></thead>
                        <tbody>
                            {found.items.into_iter().map(|u| view! { <AccountRow user=u teams=teams done=done /> }).collect_view()}
                        </tbody>
                    </table>
                    <Pager page=page pages=pages />
                }.into_any()
            } />
            <ErrorNote error=error />
        </div>
    }
}

/// What sets an account apart, in words.
fn status(u: &User) -> String {
    [
        u.admin.then_some("administrator"),
        u.bot.then_some("bot"),
        (!u.enabled).then_some("disabled"),
        u.locked_at.as_ref().map(|_| "locked after failed sign-ins"),
        u.directory.map(|d| match d {
            Directory::Ldap => "signs in with LDAP",
            Directory::Oidc => "signs in with OpenID Connect",
        }),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

#[component]
fn AccountRow(
    user: User,
    teams: Fetch<Vec<Team>>,
    done: impl Fn(Result<(), api::ApiError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = StoredValue::new(user.username.clone());
    let change = move |change: UserUpdate| {
        spawn_local(async move {
            done(
                api::update_user(&name.get_value(), change)
                    .await
                    .map(|_| ()),
            );
        })
    };
    let (enabled, admin) = (user.enabled, user.admin);
    view! {
        <tr data-user=user.username.clone()>
            <td><strong>{person(&user.username, user.display_name.as_deref())}</strong><br/><span class="muted">{user.email.clone().unwrap_or_default()}</span>{(user.email.is_some() && !user.email_verified).then(|| view! { " " <span class="badge muted" title="the address was not confirmed by a mailed link">"unconfirmed"</span> })}</td>
            <td>{status(&user)}</td>
            <td class="actions">
                <button class="small" on:click=move |_| change(UserUpdate { enabled: Some(!enabled), ..UserUpdate::default() })>
                    {if enabled { "Disable" } else { "Enable" }}
                </button>
                " "
                {(!user.bot).then(|| view! {
                    <button class="small" on:click=move |_| change(UserUpdate { admin: Some(!admin), ..UserUpdate::default() })>
                        {if admin { "Revoke admin" } else { "Make admin" }}
                    </button>
                })}
                " "
                {user.locked_at.is_some().then(|| view! {
                    <button class="small unlock" on:click=move |_| change(UserUpdate { unlock: Some(true), ..UserUpdate::default() })>"Unlock"</button>
                })}
                <EditAccount user=user.clone() done=done />
                {user.bot.then(|| view! { <BotTokens bot=user.username.clone() /> })}
                <RemoveAccount user=user.clone() teams=teams done=done />
            </td>
        </tr>
    }
}

/// Removing an account, with the administrator's choice for the images of
/// its personal namespace.
#[component]
fn RemoveAccount(
    user: User,
    /// Every team, for "give the namespace to team ..." (loaded once per page).
    teams: Fetch<Vec<Team>>,
    done: impl Fn(Result<(), api::ApiError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = StoredValue::new(user.username.clone());
    let choice = RwSignal::new(String::new());
    let remove = move |_| {
        // Values carry a prefix: a team may well be called "erase".
        let chosen = choice.get_untracked();
        let disposal = match chosen.split_once(':') {
            Some(("team", team)) => PersonalNamespace::MoveTo(team.to_owned()),
            Some(("erase", _)) => PersonalNamespace::EraseImages,
            _ => PersonalNamespace::OnlyIfEmpty,
        };
        let what = match &disposal {
            PersonalNamespace::OnlyIfEmpty => {
                "Its personal namespace goes with it if it holds no images.".to_owned()
            }
            PersonalNamespace::EraseImages => {
                "The images of its personal namespace are deleted from the registry.".to_owned()
            }
            PersonalNamespace::MoveTo(team) => {
                format!("Its personal namespace, images and all, goes to team {team}.")
            }
        };
        let question = format!(
            "Remove the account {}? Its memberships, tokens, sessions and stars go; its activities and comments keep its name. {what}",
            name.get_value()
        );
        if window().confirm_with_message(&question).unwrap_or(false) {
            spawn_local(async move { done(api::remove_user(&name.get_value(), disposal).await) });
        }
    };
    view! {
        <details class="remove-account">
            <summary>"Remove…"</summary>
            {user.namespace.clone().map(|ns| view! {
                <label>{format!("Images in {ns}")}
                    <select class="remove-choice" aria-label="What happens to the personal namespace" bind:value=choice>
                        <option value="">"keep the account while there are any"</option>
                        <option value="erase:">"delete them from the registry"</option>
                        {move || teams.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|t| view! {
                            <option value=format!("team:{}", t.name)>{format!("give the namespace to team {}", t.name)}</option>
                        }).collect_view()}
                    </select>
                </label>
            })}
            <button class="small danger remove" on:click=remove>{format!("Remove {}", user.username)}</button>
        </details>
    }
}

/// Creating an account (with a password, or a mailed link to choose one)
/// or a bot.
#[component]
fn CreateAccount(
    done: impl Fn(Result<(), api::ApiError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let bot = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewUser {
            username: username.get_untracked(),
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
            email: Some(email.get_untracked()).filter(|e| !e.trim().is_empty()),
            admin: admin.get_untracked(),
            bot: bot.get_untracked(),
        };
        spawn_local(async move {
            let outcome = api::create_user(new).await.map(|_| ());
            if outcome.is_ok() {
                username.set(String::new());
                email.set(String::new());
                password.set(String::new());
            }
            done(outcome);
        });
    };
    view! {
        <details id="create-account">
            <summary>"Create an account or a bot"</summary>
            <form on:submit=create>
                <Field id="new-username" label="User name" required=true value=username />
                <Field id="new-email" label="E-mail address" kind="email" value=email />
                <Field id="new-password" label="Password (empty: a mailed link lets them choose one, when mail is set up)" kind="password" autocomplete="new-password" value=password />
                <label class="inline"><input id="new-admin" type="checkbox" bind:checked=admin /> " Administrator"</label>
                <label class="inline"><input id="new-bot" type="checkbox" bind:checked=bot /> " Bot (no password; signs in with application tokens)"</label>
                <button id="create-account-button" type="submit">"Create"</button>
            </form>
        </details>
    }
}

/// Changing someone's e-mail address and display name.
#[component]
fn EditAccount(
    user: User,
    done: impl Fn(Result<(), api::ApiError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = StoredValue::new(user.username.clone());
    let email = RwSignal::new(user.email.clone().unwrap_or_default());
    let display_name = RwSignal::new(user.display_name.clone().unwrap_or_default());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let change = UserUpdate {
            email: Some(email.get_untracked()),
            display_name: Some(display_name.get_untracked()),
            ..UserUpdate::default()
        };
        spawn_local(async move {
            done(
                api::update_user(&name.get_value(), change)
                    .await
                    .map(|_| ()),
            )
        });
    };
    view! {
        <details class="edit-account">
            <summary>"Edit…"</summary>
            <form on:submit=save>
                <label>"Display name" <input class="edit-display-name" bind:value=display_name /></label>
                <label>"E-mail address" <input class="edit-email" type="email" bind:value=email /></label>
                <button class="small save-account" type="submit">"Save"</button>
            </form>
        </details>
    }
}

/// A bot's application tokens: listed, created (the secret shown once),
/// revoked.
#[component]
fn BotTokens(bot: String) -> impl IntoView {
    let bot = StoredValue::new(bot);
    let list = Fetch::new(move || {
        let bot = bot.get_value();
        async move { api::tokens_of(&bot).await }
    });
    let name = RwSignal::new(String::new());
    let secret = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewApplicationToken {
            name: name.get_untracked(),
            resources: None,
            registry: None,
            access: None,
            expires_at: None,
        };
        submit(
            error,
            async move { api::create_token_for(&bot.get_value(), new).await },
            move |created| {
                secret.set(Some(created.secret));
                name.set(String::new());
                list.refetch();
            },
        );
    };
    view! {
        <details class="bot-tokens">
            <summary>"Tokens…"</summary>
            <Loaded resource=list show=move |tokens| view! {
                <ul class="bot-token-list">
                    {tokens.into_iter().map(|t| {
                        let id = t.id;
                        let revoke = move |_| submit(error, async move { api::revoke_token(id).await }, move |()| list.refetch());
                        view! {
                            <li>
                                <strong>{t.name.clone()}</strong> " · last used "
                                {match t.last_used_at { Some(at) => view! { <When at=at /> }.into_any(), None => view! { "never" }.into_any() }}
                                " " <button class="small danger" on:click=revoke>"Revoke"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any() />
            {move || secret.get().map(|text| view! {
                <div class="secret" role="status">
                    <strong>"Copy this token now; it is not shown again:"</strong>
                    <div class="pull-line"><pre class="bot-token-secret">{text.clone()}</pre><CopyButton text=text /></div>
                </div>
            })}
            <form on:submit=create>
                <input class="bot-token-name" aria-label="Token name" required placeholder="token name, e.g. ci-deploy" bind:value=name />
                <button class="small create-bot-token" type="submit">"Create token"</button>
            </form>
            <ErrorNote error=error />
        </details>
    }
}
