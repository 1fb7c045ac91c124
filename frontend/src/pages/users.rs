//! For administrators: every account, with enabling, disabling, making
//! administrator and lifting a lockout after failed sign-ins.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portunus_shared::api::UserUpdate;
use portunus_shared::display::person;

use super::ErrorNote;
use super::Loaded;
use super::require_sign_in;
use crate::api;

#[component]
pub fn UsersPage() -> impl IntoView {
    require_sign_in();
    let list = LocalResource::new(api::users);
    let error = RwSignal::new(None::<String>);
    let change = move |name: String, change: UserUpdate| {
        spawn_local(async move {
            match api::update_user(&name, change).await {
                Ok(_) => {
                    error.set(None);
                    list.refetch();
                }
                Err(e) => error.set(Some(e.message)),
            }
        })
    };
    let none = UserUpdate {
        email: None,
        display_name: None,
        admin: None,
        enabled: None,
        unlock: None,
    };
    view! {
        <div class="card">
            <h1>"Users"</h1>
            <Loaded resource=list show=move |page| view! {
                        <p class="muted">{format!("{} accounts", page.total)}</p>
                        <table id="user-list">
                            <thead><tr><th>"User"</th><th>"Status"</th><th></th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|u| {
                                    let status = [
                                        u.admin.then_some("administrator"),
                                        u.bot.then_some("bot"),
                                        (!u.enabled).then_some("disabled"),
                                        u.locked_at.as_ref().map(|_| "locked after failed sign-ins"),
                                        match u.directory.as_deref() {
                                            Some("ldap") => Some("signs in with LDAP"),
                                            Some("oidc") => Some("signs in with OpenID Connect"),
                                            _ => None,
                                        },
                                    ].into_iter().flatten().collect::<Vec<_>>().join(", ");
                                    let (n1, n2, n3) = (u.username.clone(), u.username.clone(), u.username.clone());
                                    let (enabled, admin) = (u.enabled, u.admin);
                                    let none = none.clone();
                                    let (none2, none3) = (none.clone(), none.clone());
                                    view! {
                                        <tr data-user=u.username.clone()>
                                            <td><strong>{person(&u.username, u.display_name.as_deref())}</strong><br/><span class="muted">{u.email.clone().unwrap_or_default()}</span></td>
                                            <td>{status}</td>
                                            <td>
                                                <button class="small" on:click=move |_| change(n1.clone(), UserUpdate { enabled: Some(!enabled), ..none.clone() })>
                                                    {if enabled { "Disable" } else { "Enable" }}
                                                </button>
                                                " "
                                                {(!u.bot).then(|| view! {
                                                    <button class="small" on:click=move |_| change(n2.clone(), UserUpdate { admin: Some(!admin), ..none2.clone() })>
                                                        {if admin { "Revoke admin" } else { "Make admin" }}
                                                    </button>
                                                })}
                                                " "
                                                {u.locked_at.is_some().then(|| view! {
                                                    <button class="small unlock" on:click=move |_| change(n3.clone(), UserUpdate { unlock: Some(true), ..none3.clone() })>"Unlock"</button>
                                                })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                />
            <ErrorNote error=error />
        </div>
    }
}
