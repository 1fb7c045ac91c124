//! Catalog sync throughput against a real registry: fills it (once) with
//! REPOS x TAGS small images, then in one run measures plain walks of the
//! registry and Portunus's sync passes. Prints `name value` lines for
//! scripts/bench. Configuration comes from PORTUNUS_* variables.

use std::sync::Arc;
use std::time::Instant;

use portunus::config::Config;
use portunus::registry::RegistryClient;
use portunus::registry::manifest::Manifest;
use tokio::sync::Semaphore;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn fill(client: &RegistryClient, repos: usize, tags: usize) {
    let permits = Arc::new(Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..repos {
        let client = client.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let repo = format!("bench/r{i}");
            let config = format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"repo\":\"{repo}\"}}");
            let layer = format!("layer of {repo}");
            let (Ok(config_digest), Ok(layer_digest)) =
                (client.upload_blob(&repo, config.as_bytes()).await, client.upload_blob(&repo, layer.as_bytes()).await)
            else {
                return Err(format!("cannot upload blobs of {repo}"));
            };
            let manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer.len()}],
            })
            .to_string();
            for t in 0..tags {
                client
                    .put_manifest(&repo, &format!("t{t}"), "application/vnd.oci.image.manifest.v1+json", manifest.clone().into_bytes())
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok(Err(e)) = done {
            eprintln!("fill: {e}");
            std::process::exit(1);
        }
    }
}

/// Repositories the sync and the concurrent walk look at at once.
const CONCURRENCY: usize = 8;

/// One sync pass over the whole registry: as `portunus sync` runs it
/// (`trust` none), or as the periodic passes do (known tags confirmed
/// within `trust` are not asked about).
async fn sync_pass(
    state: &portunus::http::state::AppState,
    trust: Option<chrono::Duration>,
) -> portunus::ingest::sync::Summary {
    let options = portunus::ingest::sync::Options {
        delete: false,
        dry_run: false,
        concurrency: CONCURRENCY,
        fresh: true,
        trust_confirmed_within: trust,
    };
    match portunus::ingest::sync::run_pass(
        &state.registries.configured().catalog,
        options,
        chrono::Utc::now(),
        |_| {},
    )
    .await
    {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("sync failed: {e}");
            std::process::exit(1);
        }
    }
}

/// What the sync reads, read and dropped: the catalog, then each
/// repository's tag list and each tag's manifest, CONCURRENCY repositories
/// at a time; with `configs`, also each image's configuration once per
/// repository (as the sync reads it, for the build time and labels).
/// Returns how many manifests were read.
async fn concurrent_walk(client: &RegistryClient, configs: bool) -> u64 {
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for repo in client.catalog().await.unwrap_or_default() {
        let (client, permits) = (client.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let mut read = 0u64;
            let mut seen = Vec::new();
            for tag in client.tags(&repo).await.unwrap_or_default() {
                let Ok(fetched) = client.manifest(&repo, &tag).await else {
                    continue;
                };
                read += 1;
                if let Manifest::Image { config, .. } = fetched.manifest
                    && configs
                    && !seen.contains(&config.digest)
                {
                    let _ = client.blob_json(&repo, &config.digest).await;
                    seen.push(config.digest);
                }
            }
            read
        });
    }
    let mut read = 0;
    while let Some(done) = tasks.join_next().await {
        read += done.unwrap_or(0);
    }
    read
}

/// Measures the simple sequential walk (catalog, then each tag list, then
/// each manifest, one request at a time), the same walk 8 repositories at a
/// time, that walk reading each image's configuration as well (every
/// document the sync reads), Portunus's sync pass into an empty database,
/// and a second pass over the unchanged registry.
#[tokio::main]
async fn main() {
    let repos = env_number("BENCH_REPOS", 2000);
    let tags = env_number("BENCH_TAGS", 5);
    let config = match Config::load(None) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let state = match portunus::app::init(config).await {
        Ok(state) => state,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let client = state.registries.configured().catalog.registry.clone();
    let present = client.catalog().await.map(|c| c.len()).unwrap_or(0);
    if present < repos {
        eprintln!("filling the registry with {repos} repositories x {tags} tags");
        let started = Instant::now();
        fill(&client, repos, tags).await;
        eprintln!("filled in {:.0?}", started.elapsed());
    }

    eprintln!("sequential walk");
    let started = Instant::now();
    let mut walked = 0u64;
    for repo in client.catalog().await.unwrap_or_default() {
        for tag in client.tags(&repo).await.unwrap_or_default() {
            if client.manifest(&repo, &tag).await.is_ok() {
                walked += 1;
            }
        }
    }
    let walk_rate = walked as f64 / started.elapsed().as_secs_f64();

    eprintln!("concurrent walk ({CONCURRENCY} repositories at a time)");
    let started = Instant::now();
    let walked_concurrently = concurrent_walk(&client, false).await;
    let concurrent_rate = walked_concurrently as f64 / started.elapsed().as_secs_f64();

    eprintln!("concurrent walk reading configurations too");
    let started = Instant::now();
    let walked_fully = concurrent_walk(&client, true).await;
    let full_rate = walked_fully as f64 / started.elapsed().as_secs_f64();

    eprintln!("sync pass");
    let started = Instant::now();
    let summary = sync_pass(&state, None).await;
    let sync_seconds = started.elapsed().as_secs_f64();

    eprintln!("sync pass again, nothing changed, asking about every tag");
    let started = Instant::now();
    let again = sync_pass(&state, None).await;
    let resync_seconds = started.elapsed().as_secs_f64();

    eprintln!("sync pass again, as the periodic passes run (registry.recheck_tags_hours = 24)");
    let started = Instant::now();
    let periodic = sync_pass(&state, Some(chrono::Duration::hours(24))).await;
    let periodic_seconds = started.elapsed().as_secs_f64();
    println!("periodic_resync_tags {}", periodic.tags);
    println!("periodic_resync_added {}", periodic.added);
    println!("periodic_resync_seconds {periodic_seconds:.2}");
    println!("resync_tags {}", again.tags);
    println!("resync_added {}", again.added);
    println!("resync_seconds {resync_seconds:.2}");
    println!("sync_seconds {sync_seconds:.2}");
    println!("concurrent_walk_tags {walked_concurrently}");
    println!("concurrent_walk_tags_per_second {concurrent_rate:.0}");
    println!("full_walk_tags {walked_fully}");
    println!("full_walk_tags_per_second {full_rate:.0}");
    println!("sync_repositories {}", summary.repositories);
    println!("sync_tags {}", summary.tags);
    println!("sync_added {}", summary.added);
    println!(
        "sync_tags_per_second {:.0}",
        summary.added as f64 / sync_seconds
    );
    println!("walk_tags {walked}");
    println!("walk_tags_per_second {walk_rate:.0}");

    // Listing what was synced: the first and the last page of 50, as a
    // user who sees the repositories through a public namespace.
    let viewer = match list_viewer(&state).await {
        Ok(user) => user,
        Err(e) => {
            eprintln!("cannot create the listing user: {e}");
            std::process::exit(1);
        }
    };
    let pages = (summary.repositories as u64).div_ceil(50).max(1);
    for (name, page) in [("first", 1), ("last", pages)] {
        let rounds = 20;
        let started = Instant::now();
        for _ in 0..rounds {
            let paging =
                portunus::db::Paging::new(Some(page), Some(50)).unwrap_or(portunus::db::Paging {
                    page: 1,
                    per_page: 50,
                });
            if let Err(e) = portunus::catalog::repositories::list(
                &state.db,
                &[state.registries.configured().id],
                &portunus::authz::Subject::user(&viewer, None),
                None,
                None,
                false,
                portunus_shared::domain::RepositorySort::Recent,
                paging,
            )
            .await
            {
                eprintln!("listing failed: {e}");
                std::process::exit(1);
            }
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
        println!("list_{name}_page_ms {ms:.1}");
    }
}

/// A user who is no administrator and sees the bench namespace because it is public.
async fn list_viewer(
    state: &portunus::http::state::AppState,
) -> Result<portunus::db::entities::user::Model, String> {
    use portunus::accounts::users::{self, NewUser};
    let actor = portunus::audit::Actor::cli();
    for name in ["benchadmin", "benchviewer"] {
        let new = NewUser {
            username: name.into(),
            password: "bench-password-1".into(),
            email: None,
            admin: false,
            bot: false,
            // As the operator's command line does: the first is administrator.
            bootstrap: true,
            password_by_mail: false,
        };
        users::create(&state.db, new, &actor)
            .await
            .map_err(|e| e.to_string())?;
    }
    let db = &state.db;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    portunus::db::entities::namespace::Entity::update_many()
        .col_expr(
            portunus::db::entities::namespace::Column::Visibility,
            Expr::value("public"),
        )
        .filter(portunus::db::entities::namespace::Column::Name.eq("bench"))
        .exec(db)
        .await
        .map_err(|e| e.to_string())?;
    users::find_by_name(db, "benchviewer")
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "benchviewer vanished".into())
}
