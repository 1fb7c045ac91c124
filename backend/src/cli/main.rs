//! The `portunus` command line: serve, manage users, print the registry
//! configuration and the OpenAPI description. A thin layer over the
//! library; each group of subcommands has its module.

mod input;
mod ldap;
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
    /// Manage user accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Print a Docker Distribution config.yml that trusts this Portunus.
    RegistryConfig {
        /// Where the registry stores images (default: DATA_DIR/registry).
        #[arg(long)]
        storage_dir: Option<PathBuf>,
        /// The registry's major version: 2 (Debian's docker-registry,
        /// registry:2) or 3 (registry:3).
        #[arg(long, default_value = "2", value_name = "2|3")]
        distribution: portunus::registry::config_file::Distribution,
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
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
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
                state.catalog.registry_id,
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
        } => {
            let state = portunus::app::init(config).await.map_err(describe)?;
            let options = portunus::ingest::sync::Options {
                delete,
                dry_run,
                concurrency,
                fresh,
                // By hand: every known tag is asked about.
                trust_confirmed_within: None,
            };
            let on_terminal = std::io::stderr().is_terminal();
            let began = std::time::Instant::now();
            let mut announced = false;
            let mut shown_tenth = u64::MAX;
            let summary = portunus::ingest::sync::run_recorded(&state.catalog, options, |s| {
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
        Command::RegistryConfig {
            storage_dir,
            distribution,
        } => {
            portunus::app::adopt_shared_secrets(&config)
                .await
                .map_err(describe)?;
            let yaml = portunus::registry::config_file::render(
                &config,
                storage_dir.as_deref(),
                distribution,
            )
            .map_err(describe)?;
            print!("{yaml}");
            Ok(())
        }
        Command::User(command) => user::run(config, command).await,
    }
}

pub(crate) fn describe(e: Error) -> String {
    e.to_string()
}
