//! Backups that restore, from outside: `portunus backup` while a burst of
//! pushes goes on, `portunus restore` into a new data directory, and the
//! restored Portunus serves what the backup says it holds. On SQLite and on
//! PostgreSQL.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use portunus_e2e::{
    Api, Stack, postgres_database, push_small_image, registry_token, require, token_login,
};
use serde_json::{Value, json};

use crate::sync::eventually;
use crate::webhooks::{receiver, signature_of};

/// Repositories pushed in the burst.
const BURST: usize = 24;
/// Recorded before the backup starts.
const BEFORE: usize = 6;

#[test]
fn a_sqlite_backup_made_during_pushes_restores_elsewhere() {
    if !require("docker-registry") {
        return;
    }
    round_trip(None);
}

#[test]
fn a_postgresql_backup_made_during_pushes_restores_elsewhere() {
    if !require("docker-registry") || !require("pg_dump") || !require("pg_restore") {
        return;
    }
    let Some(database) = postgres_database("backup") else {
        return;
    };
    round_trip(Some(database));
}

/// SQLite is copied online; PostgreSQL with the `pg_dump` the backup
/// prints, run at once, then `pg_restore` into a new database. The restored
/// Portunus serves every repository recorded before the backup, the
/// accounts, an application token that logs in, a webhook whose deliveries
/// carry the signature of its old secret, and the signing key the registry
/// trusts.
fn round_trip(postgres: Option<String>) {
    let mut env = vec![("PORTUNUS_WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true")];
    if let Some(url) = &postgres {
        env.push(("PORTUNUS_DATABASE_URL", url));
    }
    let mut stack = Stack::start(&env);
    stack.create_user("root");
    stack.create_user("alice");
    let alice = Api::sign_in(&stack, "alice");
    let created = alice.call(
        "POST",
        "/tokens",
        Some(json!({"name": "ci", "resources": ["alice/app"], "access": "read"})),
    );
    let app_token = created["secret"].as_str().expect("a secret").to_owned();
    let (url, got) = receiver();
    let made = alice.call(
        "POST",
        "/namespaces/alice/webhooks",
        Some(json!({"name": "ci", "url": url, "events": ["push"]})),
    );
    let webhook_secret = made["secret"].as_str().expect("the secret").to_owned();
    let hook = made["webhook"]["id"].as_i64().expect("an id");
    let config_file = stack.path("portunus.toml");
    std::fs::write(&config_file, "# the configuration of the backup test\n").expect("config");

    // A burst of pushes; the backup starts once BEFORE are recorded.
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull,push"]);
    push_small_image(&stack, &token, "alice/app", 1);
    let pushed = AtomicUsize::new(0);
    let burst = std::thread::scope(|scope| {
        let (stack, counter) = (&stack, &pushed);
        let burst = scope.spawn(move || {
            for i in 0..BURST {
                let repo = format!("alice/burst{i}");
                let scope = format!("repository:{repo}:pull,push");
                let token = registry_token(stack, "alice", &[&scope]);
                push_small_image(stack, &token, &repo, 1);
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        let recorded = eventually(Duration::from_secs(30), || {
            let names = repository_names(&alice);
            (names.len() > BEFORE).then_some(names)
        })
        .expect("the first pushes recorded");
        let backup = stack
            .portunus()
            .env("PORTUNUS_CONFIG", &config_file)
            .args(["backup"])
            .arg(stack.path("backup"))
            .output()
            .expect("run portunus backup");
        if postgres.is_some() {
            // As the backup says, while the burst goes on.
            let said = String::from_utf8_lossy(&backup.stdout);
            let dump = said
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with("pg_dump "))
                .unwrap_or_else(|| panic!("the backup says how to pg_dump: {said}"));
            shell(dump);
        }
        let during = pushed.load(Ordering::SeqCst);
        burst.join().expect("the burst");
        (recorded, backup, during)
    });
    let (recorded, backup, pushed_by_then) = burst;
    let said = String::from_utf8_lossy(&backup.stdout).into_owned();
    assert!(
        backup.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    assert!(
        pushed_by_then < BURST,
        "the backup ran during the burst ({pushed_by_then} of {BURST} pushed by its end)"
    );
    let dir = stack.path("backup");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.join("portunus-backup.json")).expect("the manifest"),
    )
    .expect("JSON");
    assert_eq!(
        std::fs::read(dir.join("config.toml")).expect("the configuration"),
        std::fs::read(&config_file).expect("ours")
    );
    let held = manifest["contents"]["repositories"]
        .as_u64()
        .expect("a count") as usize;
    assert!(
        held >= recorded.len() && held <= BURST + 1,
        "held {held}, recorded before {}: {said}",
        recorded.len()
    );

    // Elsewhere: a new data directory (and database), then start.
    stack.stop_portunus();
    let restored_dir = stack.path("restored").to_string_lossy().into_owned();
    stack.set_env("PORTUNUS_DATA_DIR", &restored_dir);
    if postgres.is_some() {
        let target = postgres_database("restored").expect("a second database");
        let dumped = dir.join("portunus.pgdump");
        shell(&format!(
            "pg_restore --no-owner --dbname '{target}' {}",
            dumped.display()
        ));
        stack.set_env("PORTUNUS_DATABASE_URL", &target);
    }
    let restore = stack
        .portunus()
        .args(["restore"])
        .arg(&dir)
        .output()
        .expect("run portunus restore");
    assert!(
        restore.status.success(),
        "{}{}",
        String::from_utf8_lossy(&restore.stdout),
        String::from_utf8_lossy(&restore.stderr)
    );
    let again = stack
        .portunus()
        .args(["restore"])
        .arg(&dir)
        .output()
        .expect("run");
    assert!(
        !again.status.success(),
        "a second restore overwrites nothing"
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("overwrites nothing"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    stack.restart_portunus();

    // The accounts (a password sign-in), every repository the backup held.
    let alice = Api::sign_in(&stack, "alice");
    let names = repository_names(&alice);
    match postgres {
        // What pg_dump saw, a moment after the backup's own count.
        Some(_) => assert!(names.len() >= held && names.len() <= BURST + 1, "{names:?}"),
        None => assert_eq!(names.len(), held, "{names:?}"),
    }
    for name in &recorded {
        assert!(
            names.contains(name),
            "{name} was recorded before the backup"
        );
    }
    // The application token logs in; the registry trusts the restored key.
    let (status, body) = token_login(&stack, "alice", &app_token);
    assert_eq!(status, 200, "{body}");
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull"]);
    let manifest = reqwest::blocking::Client::new()
        .get(format!(
            "http://{}/v2/alice/app/manifests/t0",
            stack.registry()
        ))
        .bearer_auth(&token)
        .header("Accept", "application/vnd.oci.image.manifest.v1+json")
        .send()
        .expect("the registry");
    assert_eq!(
        manifest.status().as_u16(),
        200,
        "the restored key is trusted"
    );
    // The webhook signs with its old secret.
    got.lock().expect("received").clear();
    alice.call("POST", &format!("/webhooks/{hook}/ping"), None);
    let ping = eventually(Duration::from_secs(15), || {
        let all = got.lock().expect("received").clone();
        all.into_iter()
            .find(|r| r.header("x-portunus-event") == Some("ping"))
    })
    .expect("the ping delivered");
    assert_eq!(
        ping.header("x-portunus-signature-256"),
        Some(signature_of(&webhook_secret, &ping.body).as_str())
    );
}

/// The names of the repositories `api` lists.
fn repository_names(api: &Api) -> Vec<String> {
    let page = api.call("GET", "/repositories?per_page=100", None);
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|r| r["name"].as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn shell(command: &str) {
    let output = Command::new("sh")
        .args(["-c", command])
        .output()
        .expect("run sh");
    assert!(
        output.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
