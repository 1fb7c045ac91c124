//! The `portunus` command line: serve, manage users, print the registry
//! configuration and the OpenAPI description. A thin layer over the
//! library; each group of subcommands has its module.

mod backup;
mod input;
mod ldap;
mod migrate;
mod registry;
mod user;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
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
    /// Apply the database migrations this release brings (every start does
    /// it too), so that an upgrade can happen before the servers start.
    Migrate {
        /// Only say which migrations would run; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy the database (SQLite, online; PostgreSQL: says how to pg_dump
    /// it), the keys and the configuration into a new directory, while
    /// Portunus runs.
    Backup {
        /// A new or empty directory.
        dir: PathBuf,
    },
    /// Put a backup made by `portunus backup` into an empty data
    /// directory (the configuration in effect says where each file goes).
    Restore {
        /// The backup's directory.
        dir: PathBuf,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Print a Docker Distribution config.yml that trusts this Portunus.
    RegistryConfig {
        /// Where the registry stores images (default: DATA_DIR/registry, or
        /// DATA_DIR/registries/NAME/registry with --registry).
        #[arg(long)]
        storage_dir: Option<PathBuf>,
        /// The registry's major version: 2 (Debian's docker-registry,
        /// registry:2) or 3 (registry:3).
        #[arg(long, default_value = "2", value_name = "2|3")]
        distribution: portunus::registry::config_file::Distribution,
        /// The registry added through the API (or the web UI) to configure;
        /// without it, the configured one (`[registry]`).
        #[arg(long, value_name = "NAME")]
        registry: Option<String>,
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
        /// Only this registry (by name); without it, every registry in turn.
        #[arg(long, value_name = "NAME")]
        registry: Option<String>,
    },
    /// Bring users (with their passwords), teams, namespaces, repositories,
    /// tags, stars, comments and webhooks over from a Portus database, which
    /// is only read. Running it again changes nothing.
    ImportPortus {
        /// The Portus database: mysql://USER:PASSWORD@HOST/DATABASE (also
        /// mariadb://) or postgres://USER:PASSWORD@HOST/DATABASE.
        #[arg(long, value_name = "URL")]
        from: String,
        /// Print what would be brought, transformed and skipped; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Look into the registry directly, as Portunus's internal identity.
    Registry(registry::RegistryArgs),
    /// Try the LDAP settings (`[ldap]`) and keep directory accounts in step.
    #[command(subcommand)]
    Ldap(ldap::LdapCommand),
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
        Command::Backup { dir } => backup::make(config, cli.config.as_deref(), &dir).await,
        Command::Restore { dir } => backup::restore(config, &dir).await,
        Command::Migrate { dry_run } => migrate::run(config, dry_run).await,
        Command::Registry(command) => registry::run(config, command).await,
        Command::Ldap(command) => ldap::run(config, command).await,
        Command::ImportPortus { from, dry_run } => {
            let state = portunus::app::init(config).await.map_err(describe)?;
            let source = portunus::import::source::Source::connect(&from)
                .await
                .map_err(describe)?;
            let mut say = |line: String| println!("{line}");
            portunus::import::portus::import(
                &state.db,
                state.registries.configured().id,
                &source,
                state.webhooks.key(),
                dry_run,
                &mut say,
            )
            .await
            .map_err(describe)?;
            if dry_run {
                println!("dry run: nothing was written; run again without --dry-run to import");
            } else {
                println!(
                    "imported; run `portunus sync` next, so that the registry confirms the tags and Portunus reads their details"
                );
            }
            Ok(())
        }
        Command::Sync {
            dry_run,
            delete,
            concurrency,
            json,
            fresh,
            registry,
        } => {
            let state = portunus::app::init(config).await.map_err(describe)?;
            let chosen = match registry {
                Some(name) => vec![
                    state
                        .registries
                        .named_or_configured(Some(&name))
                        .await
                        .map_err(describe)?,
                ],
                None => state.registries.all().to_vec(),
            };
            let options = portunus::ingest::sync::Options {
                delete,
                dry_run,
                concurrency,
                fresh,
                // By hand: every known tag is asked about.
                trust_confirmed_within: None,
            };
            let several = chosen.len() > 1;
            let mut summaries = Vec::new();
            for served in &chosen {
                if several && !json {
                    println!("registry {} ({}):", served.name, served.url);
                }
                let summary = sync_one(&served.catalog, options).await.map_err(describe)?;
                if !json {
                    print_summary(&summary, dry_run);
                }
                summaries.push((served.name.clone(), summary));
            }
            if json {
                // One registry: its summary, as before; several: by name.
                let value = match summaries.as_slice() {
                    [(_, one)] => serde_json::to_value(one).unwrap_or_default(),
                    all => serde_json::Value::Object(
                        all.iter()
                            .map(|(name, s)| {
                                (name.clone(), serde_json::to_value(s).unwrap_or_default())
                            })
                            .collect(),
                    ),
                };
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
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
        Command::RegistryConfig {
            storage_dir,
            distribution,
            registry,
        } => {
            use portunus::registry::config_file::{Target, render};
            let target = match registry {
                None => {
                    portunus::app::adopt_shared_secrets(&config)
                        .await
                        .map_err(describe)?;
                    Target::configured(&config).map_err(describe)?
                }
                Some(name) => {
                    let served = served_registry(&config, &name).await?;
                    match served.configured {
                        true => Target::configured(&config).map_err(describe)?,
                        false => Target {
                            name: Some(served.name.clone()),
                            host: served.host(),
                            service: served.service.clone(),
                            notification_secret: served.notification_secret().to_owned(),
                        },
                    }
                }
            };
            let yaml =
                render(&config, &target, storage_dir.as_deref(), distribution).map_err(describe)?;
            print!("{yaml}");
            Ok(())
        }
        Command::User(command) => user::run(config, command).await,
    }
}

/// One sync pass over `catalog`'s registry, showing progress on stderr.
async fn sync_one(
    catalog: &portunus::catalog::Catalog,
    options: portunus::ingest::sync::Options,
) -> Result<portunus::ingest::sync::Summary, Error> {
    let on_terminal = std::io::stderr().is_terminal();
    let began = std::time::Instant::now();
    let mut announced = false;
    let mut shown_tenth = u64::MAX;
    let summary = portunus::ingest::sync::run_recorded(catalog, options, chrono::Utc::now(), |s| {
        if !announced {
            announced = true;
            if let Some(after) = &s.resumed_after {
                eprintln!("sync: resuming an interrupted pass after {after} (--fresh starts over)");
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
    .await?;
    if on_terminal {
        eprintln!();
    }
    Ok(summary)
}

fn print_summary(summary: &portunus::ingest::sync::Summary, dry_run: bool) {
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

/// The registry `name` as a started Portunus serves it.
pub(crate) async fn served_registry(
    config: &Config,
    name: &str,
) -> Result<std::sync::Arc<portunus::registries::Served>, String> {
    let state = portunus::app::init(config.clone())
        .await
        .map_err(describe)?;
    state
        .registries
        .named_or_configured(Some(name))
        .await
        .map_err(describe)
}

pub(crate) fn describe(e: Error) -> String {
    e.to_string()
}
