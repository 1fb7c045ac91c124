//! `portunus backup DIR` and `portunus restore DIR` (see `app::backup`):
//! each step as it goes, then what the backup holds and what is left to
//! do by hand.

use std::path::Path;

use portunus::app::backup::{self, Contents, Manifest};
use portunus::config::Config;

pub async fn make(config: Config, config_file: Option<&Path>, dir: &Path) -> Result<(), String> {
    println!("backing up into {}", dir.display());
    let mut say = |line: String| println!("  {line}");
    let manifest = backup::backup(&config, config_file, dir, &mut say)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", held(&manifest));
    if manifest.database == "postgres" {
        println!(
            "now dump the database beside it (one consistent snapshot, also while Portunus runs):\n  {}",
            backup::pg_dump_command(&config, dir)
        );
    }
    println!(
        "restore with `portunus restore {}` into an empty data directory",
        dir.display()
    );
    Ok(())
}

pub async fn restore(config: Config, dir: &Path) -> Result<(), String> {
    let manifest = backup::read_manifest(dir).map_err(|e| e.to_string())?;
    println!(
        "restoring the backup made at {} by Portunus {} into {}",
        manifest
            .made_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        manifest.portunus,
        config.data_dir.display()
    );
    if manifest.database == "postgres" {
        println!(
            "  its PostgreSQL database comes from the pg_dump made with it: pg_restore --no-owner --dbname DATABASE_URL {}/portunus.pgdump",
            dir.display()
        );
    }
    let mut say = |line: String| println!("  {line}");
    let manifest = backup::restore(&config, dir, &mut say)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", held(&manifest));
    println!(
        "restored; start Portunus (`portunus serve`): it applies the migrations this release brings after {}",
        manifest.migration
    );
    Ok(())
}

/// "it holds: 3 users, …".
fn held(manifest: &Manifest) -> String {
    let Contents {
        users,
        teams,
        namespaces,
        repositories,
        tags,
        application_tokens,
        webhooks,
    } = &manifest.contents;
    format!(
        "it holds: {users} users, {teams} teams, {namespaces} namespaces, {repositories} repositories, {tags} tags, {application_tokens} application tokens, {webhooks} webhooks (database at migration {})",
        manifest.migration
    )
}
