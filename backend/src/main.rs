//! The `portunus` command line: serve, manage users, print the registry
//! configuration and the OpenAPI description.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use portunus::accounts::users::{self, NewUser};
use portunus::audit::Actor;
use portunus::config::Config;
use portunus::error::Error;

#[derive(Parser)]
#[command(
    name = "portunus",
    version,
    about = "Authorization service and web UI for Docker/OCI registries"
)]
struct Cli {
    /// TOML configuration file (see config.example.toml).
    #[arg(long, global = true, env = "PORTUNUS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: REST API, registry token endpoint, notifications and web UI.
    Serve,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Print a Docker Distribution config.yml that trusts this Portunus.
    RegistryConfig {
        /// Where the registry stores images (default: DATA_DIR/registry).
        #[arg(long)]
        storage_dir: Option<PathBuf>,
    },
    /// Print the OpenAPI description of the REST API (what openapi.yaml holds).
    Openapi,
    /// Compare Portunus with the registry's catalog and record what differs.
    Sync {
        /// Only report what would change.
        #[arg(long)]
        dry_run: bool,
        /// Also forget what the registry no longer holds.
        #[arg(long)]
        delete: bool,
        /// Repositories looked at in parallel.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Start over instead of resuming a pass that was cut short.
        #[arg(long)]
        fresh: bool,
    },
    /// Look into the registry directly, as Portunus's internal identity.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Try the LDAP settings (`[ldap]`) and keep directory accounts in step.
    #[command(subcommand)]
    Ldap(LdapCommand),
}

#[derive(Subcommand)]
enum LdapCommand {
    /// Connect, bind, find USER, and show their groups and the teams and
    /// roles those give; says which step failed and why.
    Check {
        /// The user name as people type it to sign in.
        user: String,
        /// Also check USER's password (read from standard input, or prompted for).
        #[arg(long)]
        password: bool,
    },
    /// Check every directory account now, as the server does every
    /// `ldap.sync_interval_seconds`: groups to teams, and accounts the
    /// directory no longer knows are disabled.
    Sync,
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// List every repository in the registry.
    Catalog {
        #[arg(long)]
        json: bool,
    },
    /// List the tags of a repository.
    Tags {
        repository: String,
        #[arg(long)]
        json: bool,
    },
    /// Show a manifest (REPO:TAG or REPO@DIGEST) with its digest, size and platforms.
    Manifest {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete exactly one tag (REPO:TAG); other tags on the same image stay.
    /// Recorded in the activity log as done by portunus-cli.
    Delete {
        reference: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
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
    },
    /// Lift the lockout of an account after too many wrong passwords.
    Unlock {
        /// User name.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PORTUNUS_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Command::Openapi = cli.command {
        print!("{}", portunus::http::rest::spec_yaml());
        return Ok(());
    }
    let config = Config::load(cli.config.as_deref()).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Openapi => Ok(()),
        Command::Registry(command) => registry_command(config, command).await,
        Command::Ldap(command) => ldap_command(config, command).await,
        Command::Sync {
            dry_run,
            delete,
            concurrency,
            json,
            fresh,
        } => {
            let state = portunus::app::init(config).await.map_err(describe)?;
            let options = portunus::ingest::sync::Options {
                delete,
                dry_run,
                concurrency,
                fresh,
            };
            let on_terminal = std::io::stderr().is_terminal();
            let began = std::time::Instant::now();
            let mut announced = false;
            let mut shown_tenth = u64::MAX;
            let summary = portunus::ingest::sync::run_pass(&state.catalog, options, |s| {
                if !announced {
                    announced = true;
                    if let Some(after) = &s.resumed_after {
                        eprintln!(
                            "sync: resuming an interrupted pass after {after} (--fresh starts over)"
                        );
                    }
                }
                let tenth = s.repositories * 10 / s.catalog.max(1);
                if on_terminal {
                    eprint!("\r{}", s.progress_line(began.elapsed()));
                } else if tenth != shown_tenth {
                    shown_tenth = tenth;
                    eprintln!("{}", s.progress_line(began.elapsed()));
                }
            })
            .await
            .map_err(describe)?;
            if on_terminal {
                eprintln!();
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).unwrap_or_default()
                );
            } else {
                let verb = if dry_run { "would be" } else { "were" };
                println!(
                    "{} repositories, {} tags: {} {verb} added, {} {verb} updated, {} unchanged, {} {verb} removed{}",
                    summary.repositories,
                    summary.tags,
                    summary.added,
                    summary.updated,
                    summary.unchanged,
                    summary.removed,
                    if summary.failed > 0 {
                        format!(", {} could not be read (see the log)", summary.failed)
                    } else {
                        String::new()
                    }
                );
            }
            Ok(())
        }
        Command::Serve => {
            let state = portunus::app::init(config).await.map_err(describe)?;
            portunus::app::serve(state).await.map_err(|e| {
                format!("the server stopped: {e} (is another process using the listen address?)")
            })
        }
        Command::RegistryConfig { storage_dir } => {
            let yaml = portunus::registry::config_file::render(&config, storage_dir.as_deref())
                .map_err(describe)?;
            print!("{yaml}");
            Ok(())
        }
        Command::User(UserCommand::Unlock { name }) => unlock(config, &name).await,
        Command::User(UserCommand::Create {
            name,
            admin,
            email,
            bot,
        }) => {
            let password = if bot {
                String::new()
            } else {
                read_password().map_err(|e| format!("cannot read the password: {e}"))?
            };
            let state = portunus::app::init(config).await.map_err(describe)?;
            let new = NewUser {
                username: name,
                password,
                email,
                admin,
                bot,
                // The operator at the command line may make the first administrator.
                bootstrap: true,
            };
            let created = users::create(&state.db, state.catalog.registry_id, new, &Actor::cli())
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
            let host = state.config.registry_host();
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
    }
}

/// `portunus ldap check USER` and `portunus ldap sync`
async fn ldap_command(config: Config, command: LdapCommand) -> Result<(), String> {
    let Some(ldap) = portunus::directory::ldap::Ldap::from_settings(&config.ldap)? else {
        return Err("LDAP is off: set ldap.url (see config.example.toml)".into());
    };
    match command {
        LdapCommand::Check { user, password } => {
            let password = match password {
                true => Some(
                    read_password_once().map_err(|e| format!("cannot read the password: {e}"))?,
                ),
                false => None,
            };
            let diagnosis = ldap.diagnose(&user, password.as_deref()).await;
            for (what, outcome) in &diagnosis.steps {
                match outcome {
                    Ok(detail) => println!("ok      {what}: {detail}"),
                    Err(why) => println!("FAILED  {what}: {why}"),
                }
            }
            let Some(person) = diagnosis.person else {
                return Err("the check failed; see the step above".into());
            };
            println!("user name:    {}", person.username);
            println!(
                "e-mail:       {}",
                person.email.as_deref().unwrap_or("(none)")
            );
            println!(
                "display name: {}",
                person.display_name.as_deref().unwrap_or("(none)")
            );
            let groups: Vec<&str> = person.groups.iter().map(|g| g.name.as_str()).collect();
            println!(
                "groups:       {}",
                if groups.is_empty() {
                    "(none)".to_owned()
                } else {
                    groups.join(", ")
                }
            );
            let mapping = &config.ldap.groups;
            if !mapping.admin_group.is_empty() {
                let admin = person.groups.iter().any(|g| g.is(&mapping.admin_group));
                println!("administrator: {}", if admin { "yes" } else { "no" });
            }
            let roles = portunus::accounts::directory::roles_from(mapping, &person.groups);
            for (team, role) in &roles {
                println!("team:         {team} as {role}");
            }
            if roles.is_empty() && !mapping.teams.is_empty() {
                println!("team:         (none of the mapped groups)");
            }
            Ok(())
        }
        LdapCommand::Sync => {
            let state = portunus::app::init(config).await.map_err(describe)?;
            let now = chrono::Utc::now();
            let pass = portunus::accounts::ldap::check_all(
                &state.db,
                &ldap,
                state.catalog.registry_id,
                now,
            )
            .await
            .map_err(describe)?;
            println!(
                "checked {} directory accounts; {} disabled because the directory no longer knows them",
                pass.checked, pass.suspended
            );
            Ok(())
        }
    }
}

/// `portunus user unlock NAME`
async fn unlock(config: Config, name: &str) -> Result<(), String> {
    let state = portunus::app::init(config).await.map_err(describe)?;
    let was_locked = users::unlock_account(&state.db, name, &Actor::cli())
        .await
        .map_err(describe)?;
    if was_locked {
        println!("unlocked {name:?}: it may sign in again");
    } else {
        println!("{name:?} was not locked; nothing changed");
    }
    Ok(())
}

/// Splits `repo:tag` or `repo@digest` (a `host:port/` prefix is not allowed).
fn split_reference(reference: &str) -> Result<(&str, &str), String> {
    if let Some((repo, digest)) = reference.split_once('@') {
        return Ok((repo, digest));
    }
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => Ok((repo, tag)),
        _ => Ok((reference, "latest")),
    }
}

/// `portunus registry delete REPO:TAG`
async fn delete_tag_command(config: Config, reference: &str, json: bool) -> Result<(), String> {
    if reference.contains('@') {
        return Err(format!(
            "{reference}: name a tag (REPO:TAG); deleting by digest would take every tag on that image"
        ));
    }
    let (repository, tag) = split_reference(reference)?;
    let state = portunus::app::init(config).await.map_err(describe)?;
    let digest =
        portunus::catalog::deletion::remove_tag(&state.catalog, &Actor::cli(), repository, tag)
            .await
            .map_err(describe)?;
    if json {
        println!(
            "{}",
            serde_json::json!({"repository": repository, "tag": tag, "digest": digest})
        );
    } else {
        println!(
            "deleted {repository}:{tag}{}",
            digest.map(|d| format!(" (was {d})")).unwrap_or_default()
        );
    }
    Ok(())
}

async fn registry_command(config: Config, command: RegistryCommand) -> Result<(), String> {
    let signer = portunus::crypto::signing::TokenSigner::load_or_generate(&config)
        .map_err(|e| e.to_string())?;
    let client = portunus::registry::RegistryClient::new(
        &config.registry.url,
        std::sync::Arc::new(signer),
        config.token.clone(),
    );
    let failed = |e: portunus::registry::RegistryError| {
        format!("{e} (registry.url is {})", config.registry.url)
    };
    let print_json = |value: &serde_json::Value| {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        )
    };
    match command {
        RegistryCommand::Catalog { json } => {
            let names = client.catalog().await.map_err(failed)?;
            if json {
                print_json(&serde_json::json!(names));
            } else if names.is_empty() {
                println!("the registry holds no repositories");
            } else {
                names.iter().for_each(|n| println!("{n}"));
            }
        }
        RegistryCommand::Tags { repository, json } => {
            let tags = client.tags(&repository).await.map_err(failed)?;
            if json {
                print_json(&serde_json::json!(tags));
            } else {
                tags.iter().for_each(|t| println!("{repository}:{t}"));
            }
        }
        RegistryCommand::Delete { reference, json } => {
            delete_tag_command(config.clone(), &reference, json).await?;
        }
        RegistryCommand::Manifest { reference, json } => {
            let (repository, reference) = split_reference(&reference)?;
            let meta = client
                .describe(repository, reference)
                .await
                .map_err(failed)?;
            if json {
                print_json(&serde_json::to_value(&meta).unwrap_or_default());
            } else {
                println!("digest:     {}", meta.digest);
                println!("media type: {}", meta.media_type);
                println!("size:       {} bytes", meta.size);
                if let Some(id) = &meta.image_id {
                    println!("image id:   {id} ({} layers)", meta.layers);
                }
                if let Some(created) = meta.created {
                    println!("created:    {created}");
                }
                for p in &meta.platforms {
                    let variant = p
                        .platform
                        .variant
                        .as_deref()
                        .map(|v| format!("/{v}"))
                        .unwrap_or_default();
                    println!(
                        "platform:   {}/{}{variant}  {}  {} bytes",
                        p.platform.os, p.platform.architecture, p.digest, p.size
                    );
                }
            }
        }
    }
    Ok(())
}

fn describe(e: Error) -> String {
    e.to_string()
}

/// Prompts once on a terminal; otherwise reads one line from standard input.
fn read_password_once() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")
    } else {
        read_line()
    }
}

fn read_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Prompts twice on a terminal; otherwise reads one line from standard input.
fn read_password() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            return Err(std::io::Error::other("the two passwords differ"));
        }
        Ok(first)
    } else {
        read_line()
    }
}
