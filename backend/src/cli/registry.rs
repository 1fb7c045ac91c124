//! `portunus registry`: looking into the registry directly, as Portunus's
//! internal identity.

use clap::{Args, Subcommand};
use portunus::audit::Actor;
use portunus::config::Config;

use crate::describe;

#[derive(Args)]
pub struct RegistryArgs {
    /// Which registry, by name (default: the configured one).
    #[arg(long, global = true, value_name = "NAME")]
    registry: Option<String>,
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Subcommand)]
pub enum RegistryCommand {
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
async fn delete_tag_command(
    config: Config,
    registry: Option<&str>,
    reference: &str,
    json: bool,
) -> Result<(), String> {
    if reference.contains('@') {
        return Err(format!(
            "{reference}: name a tag (REPO:TAG); deleting by digest would take every tag on that image"
        ));
    }
    let (repository, tag) = split_reference(reference)?;
    let state = portunus::app::init(config).await.map_err(describe)?;
    let served = state
        .registries
        .named_or_configured(registry)
        .await
        .map_err(describe)?;
    let digest =
        portunus::catalog::deletion::remove_tag(&served.catalog, &Actor::cli(), repository, tag)
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

pub async fn run(config: Config, args: RegistryArgs) -> Result<(), String> {
    let RegistryArgs { registry, command } = args;
    let (client, url) = match registry.as_deref() {
        None => {
            portunus::app::adopt_shared_secrets(&config)
                .await
                .map_err(describe)?;
            let signer = portunus::crypto::signing::TokenSigner::load_or_generate(&config)
                .map_err(|e| e.to_string())?;
            let client = portunus::registry::RegistryClient::new(
                &config.registry.url,
                std::sync::Arc::new(signer),
                config.token.clone(),
            );
            (client, format!("registry.url is {}", config.registry.url))
        }
        Some(name) => {
            let served = crate::served_registry(&config, name).await?;
            let url = format!("the registry {name:?} is at {}", served.url);
            (served.catalog.registry.clone(), url)
        }
    };
    let failed = |e: portunus::registry::RegistryError| format!("{e} ({url})");
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
            delete_tag_command(config.clone(), registry.as_deref(), &reference, json).await?;
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
