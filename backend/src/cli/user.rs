//! `portunus user`: the operator's account commands. They work on the
//! configured database whether the server runs or not, act with every
//! right of an administrator, and are recorded as done by `portunus-cli`.

use clap::Subcommand;
use portunus::accounts::credentials;
use portunus::accounts::removal::{self, PersonalNamespace};
use portunus::accounts::users::{self, NewUser};
use portunus::audit::Actor;
use portunus::authz::Subject;
use portunus::config::Config;
use portunus::db::Paging;
use portunus_shared::api::{User, UserUpdate};
use portunus_shared::domain::{ActivityKey, Directory};

use crate::describe;
use crate::input::read_password;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user with a personal namespace. The password is read from
    /// standard input when it is not a terminal, and prompted for otherwise.
    Create {
        /// User name: letters, digits, '.', '_', '-' and '@'.
        name: String,
        /// Make the user an administrator (the first account made here always is one).
        #[arg(long)]
        admin: bool,
        /// E-mail address.
        #[arg(long)]
        email: Option<String>,
        /// A bot: no password and no personal namespace; it signs in with
        /// application tokens (create them with the API: POST /api/v1/users/NAME/tokens).
        #[arg(long, conflicts_with = "admin")]
        bot: bool,
        /// Create it although the LDAP directory has a user of this name
        /// (who then cannot sign in with the directory's password unless
        /// ldap.link_local_accounts lets the directory take the account over).
        #[arg(long)]
        local: bool,
    },
    /// List every account, by name.
    List {
        /// Only names containing this.
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one account.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Set an account's password (read like `create` reads it); its
    /// sessions and refresh tokens end and any lockout is lifted.
    SetPassword { name: String },
    /// Disable an account: it can neither sign in nor use its tokens.
    Disable { name: String },
    /// Enable a disabled account.
    Enable { name: String },
    /// Lift the lockout of an account after too many wrong passwords.
    Unlock { name: String },
    /// Make an account an administrator (with --revoke: no longer one).
    MakeAdmin {
        name: String,
        #[arg(long)]
        revoke: bool,
    },
    /// Remove an account (never the last administrator nor a team's last
    /// owner). Its activities and comments keep its name. An empty personal
    /// namespace goes with it; one that holds images needs one of the flags.
    Remove {
        name: String,
        /// Give the personal namespace, images and all, to this team.
        #[arg(long, value_name = "TEAM", conflicts_with = "delete_images")]
        move_namespace_to: Option<String>,
        /// Erase the personal namespace's images from the registry.
        #[arg(long)]
        delete_images: bool,
    },
}

pub async fn run(config: Config, command: UserCommand) -> Result<(), String> {
    if let UserCommand::Create {
        name,
        admin,
        email,
        bot,
        local,
    } = command
    {
        return create(config, name, admin, email, bot, local).await;
    }
    let password = match &command {
        UserCommand::SetPassword { .. } => {
            Some(read_password().map_err(|e| format!("cannot read the password: {e}"))?)
        }
        _ => None,
    };
    let state = portunus::app::init(config).await.map_err(describe)?;
    let db = &state.db;
    let operator = Subject::operator();
    let actor = Actor::cli();
    let update = |name: String, change: UserUpdate| {
        let (operator, actor) = (operator.clone(), actor.clone());
        async move {
            users::update_as(db, &operator, &actor, &name, change)
                .await
                .map_err(describe)
        }
    };
    match command {
        UserCommand::Create { .. } => Ok(()),
        UserCommand::List { filter, json } => {
            let mut all: Vec<User> = Vec::new();
            for page in 1.. {
                let paging = Paging {
                    page,
                    per_page: 500,
                };
                let found = users::list(db, &operator, filter.as_deref(), paging)
                    .await
                    .map_err(describe)?;
                let done =
                    all.len() + found.items.len() >= found.total as usize || found.items.is_empty();
                all.extend(found.items);
                if done {
                    break;
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            } else if all.is_empty() {
                println!("no accounts");
            } else {
                for user in &all {
                    println!("{}", one_line(user));
                }
            }
            Ok(())
        }
        UserCommand::Show { name, json } => {
            let found = users::find_visible(db, &operator, &name)
                .await
                .map_err(describe)?;
            let user = users::describe(db, &found).await.map_err(describe)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&user).unwrap_or_default()
                );
            } else {
                print_details(&user);
            }
            Ok(())
        }
        UserCommand::SetPassword { name } => {
            let found = users::find_visible(db, &operator, &name)
                .await
                .map_err(describe)?;
            let password = password.unwrap_or_default();
            credentials::set_password(db, &found, password, &actor, ActivityKey::UserSetPassword)
                .await
                .map_err(describe)?;
            println!("set the password of {name:?}; its sessions and refresh tokens ended");
            Ok(())
        }
        UserCommand::Disable { name } => {
            let change = UserUpdate {
                enabled: Some(false),
                ..UserUpdate::default()
            };
            update(name.clone(), change).await?;
            println!("disabled {name:?}: it can neither sign in nor use its tokens");
            Ok(())
        }
        UserCommand::Enable { name } => {
            let change = UserUpdate {
                enabled: Some(true),
                ..UserUpdate::default()
            };
            update(name.clone(), change).await?;
            println!("enabled {name:?}");
            Ok(())
        }
        UserCommand::Unlock { name } => {
            let was_locked = users::unlock_account(db, &name, &actor)
                .await
                .map_err(describe)?;
            if was_locked {
                println!("unlocked {name:?}: it may sign in again");
            } else {
                println!("{name:?} was not locked; nothing changed");
            }
            Ok(())
        }
        UserCommand::MakeAdmin { name, revoke } => {
            let change = UserUpdate {
                admin: Some(!revoke),
                ..UserUpdate::default()
            };
            update(name.clone(), change).await?;
            match revoke {
                false => println!("{name:?} is an administrator"),
                true => println!("{name:?} is no longer an administrator"),
            }
            Ok(())
        }
        UserCommand::Remove {
            name,
            move_namespace_to,
            delete_images,
        } => {
            let choice = match (move_namespace_to, delete_images) {
                (Some(team), _) => PersonalNamespace::MoveTo(team),
                (None, true) => PersonalNamespace::EraseImages,
                (None, false) => PersonalNamespace::DeleteIfEmpty,
            };
            let said = match &choice {
                PersonalNamespace::MoveTo(team) => {
                    format!("its namespace now belongs to team {team:?}")
                }
                PersonalNamespace::EraseImages => "its images are erased".to_owned(),
                PersonalNamespace::DeleteIfEmpty => "its personal namespace is gone".to_owned(),
            };
            removal::remove(
                db,
                state.registries.as_ref(),
                &operator,
                &actor,
                &name,
                choice,
                &state.config.policy,
            )
            .await
            .map_err(describe)?;
            println!("removed {name:?}; {said}");
            Ok(())
        }
    }
}

/// `portunus user create`
async fn create(
    config: Config,
    name: String,
    admin: bool,
    email: Option<String>,
    bot: bool,
    local: bool,
) -> Result<(), String> {
    let state = portunus::app::init(config).await.map_err(describe)?;
    if !local {
        portunus::accounts::ldap::refuse_directory_name(state.ldap.as_deref(), &name)
            .await
            .map_err(|e| {
                format!(
                    "{}; or give --local to make a local account anyway",
                    describe(e)
                )
            })?;
    }
    let password = if bot {
        String::new()
    } else {
        read_password().map_err(|e| format!("cannot read the password: {e}"))?
    };
    let new = NewUser {
        username: name,
        password,
        email,
        admin,
        bot,
        // The operator at the command line may make the first administrator.
        bootstrap: true,
        password_by_mail: false,
    };
    let created = users::create(&state.db, new, &Actor::cli())
        .await
        .map_err(describe)?;
    let role = if created.user.admin {
        "administrator"
    } else {
        "user"
    };
    println!("created {role} {:?}", created.user.username);
    if created.bootstrap_admin {
        println!("note: this is the first account, so it is an administrator");
    }
    if let Some(notice) = created.namespace_notice {
        println!("note: {notice}");
    }
    let host = state.config.client_registry_host();
    match created.namespace {
        Some(ns) => println!(
            "personal namespace: {ns}  (docker login {host}; docker push {host}/{ns}/IMAGE:TAG)"
        ),
        None => println!(
            "bots have no password: give it an application token (POST /api/v1/users/NAME/tokens) and a team role"
        ),
    }
    Ok(())
}

/// What sets an account apart, in words ("administrator, disabled").
fn marks(user: &User) -> String {
    let marks: Vec<String> = [
        user.admin.then(|| "administrator".to_owned()),
        user.bot.then(|| "bot".to_owned()),
        (!user.enabled).then(|| "disabled".to_owned()),
        user.locked_at.as_ref().map(|at| format!("locked at {at}")),
        user.directory
            .map(|d| format!("signs in with the {}", d.label())),
    ]
    .into_iter()
    .flatten()
    .collect();
    marks.join(", ")
}

fn one_line(user: &User) -> String {
    let marks = marks(user);
    format!(
        "{:<24} {:<32} {}",
        user.username,
        user.email.as_deref().unwrap_or("-"),
        if marks.is_empty() { "-" } else { &marks }
    )
}

fn print_details(user: &User) {
    let none = "(none)";
    println!("user name:    {}", user.username);
    println!(
        "display name: {}",
        user.display_name.as_deref().unwrap_or(none)
    );
    println!("e-mail:       {}", user.email.as_deref().unwrap_or(none));
    println!(
        "namespace:    {}",
        user.namespace.as_deref().unwrap_or(none)
    );
    println!(
        "signs in:     {}",
        user.directory
            .map_or("with a password here", Directory::label)
    );
    let marks = marks(user);
    println!(
        "status:       {}",
        if marks.is_empty() { "enabled" } else { &marks }
    );
    println!("created:      {}", user.created_at);
}
