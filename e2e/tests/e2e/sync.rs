//! Registry events become repositories and tags: pushes appear through the
//! API with digest, size and pusher; multi-platform indexes show their
//! platforms; pulls are recorded; replays change nothing.

use std::time::{Duration, Instant};

use portunus_e2e::{Api, PASSWORD, Stack, layer_tar, require, run};
use serde_json::Value;

use crate::podman::Podman;

/// Polls `check` until it returns something or `limit` passes.
pub fn eventually<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(found) = check() {
            return Some(found);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

pub fn tags_of(api: &Api, name: &str) -> Option<Vec<Value>> {
    let page = api.call("GET", &format!("/repositories?q={name}"), None);
    let repo = page["items"]
        .as_array()?
        .iter()
        .find(|r| r["name"] == name)?
        .clone();
    let tags = api.call("GET", &format!("/repositories/{}/tags", repo["id"]), None);
    tags.as_array().cloned()
}

fn raw_manifest(registry: &str, image: &str) -> Value {
    let creds = format!("alice:{PASSWORD}");
    let raw = run(
        "skopeo",
        &[
            "inspect",
            "--raw",
            "--tls-verify=false",
            "--creds",
            &creds,
            &format!("docker://{registry}/{image}"),
        ],
        &[],
        None,
    );
    raw.assert_ok();
    serde_json::from_slice(&raw.output.stdout).expect("manifest JSON")
}

#[test]
fn pushes_appear_with_their_metadata_and_replays_change_nothing() {
    if !require("podman") || !require("skopeo") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    let registry = stack.registry();
    let alice = Podman::new(&stack, "alice");
    alice.login(&registry, "alice", PASSWORD).assert_ok();
    let tar = layer_tar(stack.dir.path(), "sync e2e");
    alice
        .run(&["import", &tar.to_string_lossy(), "localhost/s:1"])
        .assert_ok();
    alice
        .push("localhost/s:1", &format!("{registry}/alice/app:1"))
        .assert_ok();
    let pushed = Instant::now();

    let api = Api::sign_in(&stack, "alice");
    let tags = eventually(Duration::from_secs(2), || {
        tags_of(&api, "alice/app").filter(|t| !t.is_empty())
    })
    .unwrap_or_else(|| {
        let db = stack.path("data/portunus.db");
        let events = run(
            "sqlite3",
            &[
                &db.to_string_lossy(),
                "select action, processed_at, error from registry_events",
            ],
            &[],
            None,
        );
        panic!(
            "the push did not show up within 2 s; events:\n{}\nportunus log:\n{}",
            events.text(),
            stack.portunus_log()
        )
    });
    eprintln!("push visible through the API after {:?}", pushed.elapsed());
    let tag = &tags[0];
    let manifest = raw_manifest(&registry, "alice/app:1");
    let inspect = run(
        "skopeo",
        &[
            "inspect",
            "--tls-verify=false",
            "--creds",
            &format!("alice:{PASSWORD}"),
            &format!("docker://{registry}/alice/app:1"),
        ],
        &[],
        None,
    );
    let inspected: Value = serde_json::from_slice(&inspect.output.stdout).expect("inspect JSON");
    let size = manifest["config"]["size"].as_i64().unwrap_or(0)
        + manifest["layers"].as_array().map_or(0, |l| {
            l.iter().map(|x| x["size"].as_i64().unwrap_or(0)).sum()
        });
    assert_eq!(tag["name"], "1");
    assert_eq!(tag["digest"], inspected["Digest"]);
    assert_eq!(tag["size"].as_i64(), Some(size));
    assert_eq!(tag["layers"].as_i64(), Some(1));
    assert_eq!(tag["pushed_by"], "alice");
    assert_eq!(tag["image_id"], manifest["config"]["digest"]);

    // A second tag on the same image, then a pull: both recorded.
    alice
        .push("localhost/s:1", &format!("{registry}/alice/app:latest"))
        .assert_ok();
    let pull = run(
        "skopeo",
        &[
            "inspect",
            "--tls-verify=false",
            "--creds",
            &format!("alice:{PASSWORD}"),
            &format!("docker://{registry}/alice/app:latest"),
        ],
        &[],
        None,
    );
    pull.assert_ok();
    let tags = eventually(Duration::from_secs(3), || {
        tags_of(&api, "alice/app")
            .filter(|t| t.len() == 2 && t.iter().any(|x| x["pulled_at"].is_string()))
    })
    .expect("second tag and the pull recorded");
    assert_eq!(tags[0]["digest"], tags[1]["digest"]);

    // Replaying every stored event changes nothing. The registry may send
    // the pull's events in more than one notification: first let what it
    // sent settle (the same answer three reads in a row, 100 ms apart).
    let mut seen: Vec<String> = Vec::new();
    let before = eventually(Duration::from_secs(5), || {
        seen.push(serde_json::to_string(&tags_of(&api, "alice/app")).unwrap_or_default());
        let last = &seen[seen.len().saturating_sub(3)..];
        (last.len() == 3 && last.iter().all(|s| *s == last[0])).then(|| last[0].clone())
    })
    .expect("the tags settle");
    let secret = std::fs::read_to_string(stack.path("data/notification-secret")).expect("secret");
    let db = stack.path("data/portunus.db");
    let events = run(
        "sqlite3",
        &[&db.to_string_lossy(), "select payload from registry_events"],
        &[],
        None,
    );
    if events.ok() {
        let payloads: Vec<Value> = String::from_utf8_lossy(&events.output.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        assert!(!payloads.is_empty());
        let answer = reqwest::blocking::Client::new()
            .post(format!("{}/v2/webhooks/events", stack.portunus_url()))
            .header("Authorization", format!("Bearer {}", secret.trim()))
            .header(
                "Content-Type",
                "application/vnd.docker.distribution.events.v1+json",
            )
            .body(serde_json::json!({ "events": payloads }).to_string())
            .send()
            .expect("replay");
        let body: Value = answer.json().expect("JSON");
        assert_eq!(body["stored"], 0, "replayed events are duplicates");
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            serde_json::to_string(&tags_of(&api, "alice/app")).unwrap_or_default(),
            before
        );
    } else {
        eprintln!("sqlite3 is missing: the replay part of this test was not run");
        assert!(!portunus_e2e::in_ci(), "sqlite3 is needed in CI");
    }

    // The operator's view of the registry, through the CLI.
    let catalog = stack
        .portunus()
        .args(["registry", "catalog"])
        .output()
        .expect("registry catalog");
    assert!(
        String::from_utf8_lossy(&catalog.stdout)
            .lines()
            .any(|l| l == "alice/app"),
        "{catalog:?}"
    );
    let shown = stack
        .portunus()
        .args(["registry", "manifest", "alice/app:1", "--json"])
        .output()
        .expect("registry manifest");
    let shown: Value = serde_json::from_slice(&shown.stdout).expect("manifest JSON");
    assert_eq!(shown["digest"], inspected["Digest"]);
}

#[test]
fn a_multi_platform_index_shows_its_platforms() {
    if !require("podman") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    let registry = stack.registry();
    let alice = Podman::new(&stack, "alice");
    alice.login(&registry, "alice", PASSWORD).assert_ok();
    let tar = layer_tar(stack.dir.path(), "multi arch");
    let tar = tar.to_string_lossy();
    alice
        .run(&["import", "--arch", "amd64", &tar, "localhost/m:amd64"])
        .assert_ok();
    alice
        .run(&["import", "--arch", "arm64", &tar, "localhost/m:arm64"])
        .assert_ok();
    alice
        .run(&["manifest", "create", "localhost/m:list"])
        .assert_ok();
    for arch in ["amd64", "arm64"] {
        alice
            .run(&[
                "manifest",
                "add",
                "localhost/m:list",
                &format!("containers-storage:localhost/m:{arch}"),
            ])
            .assert_ok();
    }
    alice
        .run(&[
            "manifest",
            "push",
            "--tls-verify=false",
            "--all",
            "localhost/m:list",
            &format!("docker://{registry}/alice/multi:1"),
        ])
        .assert_ok();
    let api = Api::sign_in(&stack, "alice");
    let tags = eventually(Duration::from_secs(3), || {
        tags_of(&api, "alice/multi").filter(|t| !t.is_empty())
    })
    .unwrap_or_else(|| {
        panic!(
            "the index did not show up; portunus log:\n{}",
            stack.portunus_log()
        )
    });
    let platforms: Vec<String> = tags[0]["platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p["os"].as_str().unwrap_or_default(),
                p["architecture"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"], "{}", tags[0]);
    assert!(
        tags[0]["media_type"]
            .as_str()
            .is_some_and(|m| m.contains("index") || m.contains("list"))
    );
    assert!(tags[0]["size"].as_i64().is_some_and(|s| s > 0));
}

#[test]
fn deleting_one_of_two_tags_on_an_image_keeps_the_other() {
    if !require("podman") || !require("skopeo") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    stack.create_user("bob");
    let registry = stack.registry();
    let alice = Podman::new(&stack, "alice");
    alice.login(&registry, "alice", PASSWORD).assert_ok();
    let tar = layer_tar(stack.dir.path(), "delete e2e");
    alice
        .run(&["import", &tar.to_string_lossy(), "localhost/d:1"])
        .assert_ok();
    for tag in ["1", "latest"] {
        alice
            .push("localhost/d:1", &format!("{registry}/alice/del:{tag}"))
            .assert_ok();
    }
    let api = Api::sign_in(&stack, "alice");
    eventually(Duration::from_secs(3), || {
        tags_of(&api, "alice/del").filter(|t| t.len() == 2)
    })
    .expect("both tags recorded");
    let repo = api.call("GET", "/repositories?q=alice/del", None)["items"][0].clone();
    let id = repo["id"].as_i64().expect("id");

    // Bob may not even see it.
    let bob = Api::sign_in(&stack, "bob");
    assert_eq!(
        bob.status("DELETE", &format!("/repositories/{id}/tags/1")),
        404
    );

    api.call("DELETE", &format!("/repositories/{id}/tags/1"), None);
    let inspect = |tag: &str| {
        run(
            "skopeo",
            &[
                "inspect",
                "--tls-verify=false",
                "--creds",
                &format!("alice:{PASSWORD}"),
                &format!("docker://{registry}/alice/del:{tag}"),
            ],
            &[],
            None,
        )
    };
    inspect("1").assert_missing();
    inspect("latest").assert_ok();
    alice
        .run(&[
            "pull",
            "--tls-verify=false",
            &format!("{registry}/alice/del:latest"),
        ])
        .assert_ok();
    let left: Vec<String> = tags_of(&api, "alice/del")
        .expect("tags")
        .iter()
        .map(|t| t["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(left, ["latest"]);

    // Deleting the repository removes it from the registry too.
    api.call("DELETE", &format!("/repositories/{id}"), None);
    inspect("latest").assert_missing();
    assert_eq!(api.status("GET", &format!("/repositories/{id}")), 404);
    let activities = api.call("GET", "/activities?key=repository.", None);
    let keys: Vec<&str> = activities["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["key"].as_str())
        .collect();
    assert!(
        keys.contains(&"repository.delete_tag") && keys.contains(&"repository.delete"),
        "{keys:?}"
    );
}

fn sync(stack: &Stack, args: &[&str]) -> Value {
    let output = stack
        .portunus()
        .arg("sync")
        .arg("--json")
        .args(args)
        .output()
        .expect("portunus sync");
    assert!(
        output.status.success(),
        "sync failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("sync summary JSON")
}

#[test]
fn a_prefilled_registry_is_synced_exactly_and_races_lose_nothing() {
    if !require("docker-registry") || !require("sqlite3") {
        return;
    }
    let stack = Stack::start(&[("PORTUNUS_REGISTRY__SYNC", "off")]);
    stack.create_user("root");
    portunus_e2e::fill_registry(&stack, "root", "root/r", 200, 2);
    // Once every event is applied, forget what they taught Portunus, as if it had never run.
    let db = stack.path("data/portunus.db");
    let pending = || {
        let query = "select count(*) from registry_events where processed_at is null";
        let out = run("sqlite3", &[&db.to_string_lossy(), query], &[], None);
        String::from_utf8_lossy(&out.output.stdout)
            .trim()
            .to_owned()
    };
    eventually(Duration::from_secs(60), || (pending() == "0").then_some(()))
        .expect("every event applied");
    run(
        "sqlite3",
        &[
            "-cmd",
            ".timeout 5000",
            &db.to_string_lossy(),
            "delete from tags; delete from repositories;",
        ],
        &[],
        None,
    )
    .assert_ok();

    let dry = sync(&stack, &["--dry-run"]);
    assert_eq!(
        (dry["repositories"].as_u64(), dry["added"].as_u64()),
        (Some(200), Some(400)),
        "{dry}"
    );
    let root = Api::sign_in(&stack, "root");
    assert_eq!(
        root.call("GET", "/repositories", None)["total"],
        0,
        "a dry run changes nothing"
    );
    let status = root.call("GET", "/registry", None);
    assert_eq!(status["reachable"], true, "{status}");
    assert_eq!(status["api_version"], "registry/2.0", "{status}");
    assert!(
        status["last_sync_at"].is_null(),
        "a dry run is not remembered: {status}"
    );

    let first = sync(&stack, &[]);
    assert_eq!(
        (first["added"].as_u64(), first["failed"].as_u64()),
        (Some(400), Some(0)),
        "{first}"
    );
    assert_eq!(
        root.call("GET", "/repositories?per_page=500", None)["total"],
        200
    );
    let status = root.call("GET", "/registry", None);
    assert_eq!(
        status["last_sync_outcome"],
        "ok: 200 repositories, 400 tags; 400 added, 0 updated, 0 removed, 0 unreadable",
        "{status}"
    );
    // A pass cut short resumes after the last catalog page it finished.
    run(
        "sqlite3",
        &[
            "-cmd",
            ".timeout 5000",
            &db.to_string_lossy(),
            "update registries set sync_checkpoint = '{\"generation\":1,\"started\":\"' || \
             strftime('%Y-%m-%dT%H:%M:%SZ','now') || '\",\"after\":\"root/r149\",\"delete\":false}'",
        ],
        &[],
        None,
    )
    .assert_ok();
    let resumed = sync(&stack, &[]);
    let after_149 = (0..200)
        .filter(|i| format!("root/r{i}").as_str() > "root/r149")
        .count();
    assert_eq!(resumed["resumed_after"], "root/r149", "{resumed}");
    assert_eq!(
        (
            resumed["repositories"].as_u64(),
            resumed["catalog"].as_u64()
        ),
        (Some(after_149 as u64), Some(after_149 as u64)),
        "{resumed}"
    );
    let whole = sync(&stack, &[]);
    assert!(
        whole["resumed_after"].is_null(),
        "a finished pass leaves no checkpoint: {whole}"
    );
    assert_eq!(whole["repositories"], 200);

    let again = sync(&stack, &["--delete"]);
    assert_eq!(
        (
            again["unchanged"].as_u64(),
            again["added"].as_u64(),
            again["removed"].as_u64()
        ),
        (Some(400), Some(0), Some(0)),
        "{again}"
    );

    // A push while an update-delete sync runs is neither lost nor doubled.
    let mut running = stack
        .portunus()
        .args(["sync", "--delete", "--json", "--concurrency", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sync");
    portunus_e2e::fill_registry(&stack, "root", "root/during", 1, 1);
    let status = running.wait().expect("sync finished");
    assert!(status.success());
    // The sync process writes to the same SQLite file: when the server cannot
    // store the event at once it answers 503 and the registry retries after
    // its backoff (5 s), so allow for one retry.
    let tags = eventually(Duration::from_secs(15), || {
        tags_of(&root, "root/during0").filter(|t| !t.is_empty())
    })
    .unwrap_or_else(|| {
        panic!(
            "the push made during the sync is not there; portunus log:\n{}",
            stack.portunus_log()
        )
    });
    assert_eq!(tags.len(), 1);
    let after = sync(&stack, &["--delete"]);
    assert_eq!(after["removed"], 0, "{after}");
    assert_eq!(
        root.call("GET", "/repositories?per_page=500", None)["total"],
        201
    );
}

#[test]
fn pushes_while_portunus_is_down_arrive_once_it_is_back() {
    if !require("docker-registry") {
        return;
    }
    let mut stack = Stack::start(&[("PORTUNUS_REGISTRY__SYNC", "off")]);
    stack.create_user("root");
    let tokens: Vec<String> = (0..3)
        .map(|i| {
            portunus_e2e::registry_token(
                &stack,
                "root",
                &[&format!("repository:root/offline{i}:pull,push")],
            )
        })
        .collect();
    stack.stop_portunus();
    // The registry accepts pushes with tokens issued before; its notifications fail and are retried.
    for (i, token) in tokens.iter().enumerate() {
        portunus_e2e::push_small_image(&stack, token, &format!("root/offline{i}"), 2);
    }
    // Portunus comes back only once the registry has seen a delivery fail,
    // so the retry is what brings the events.
    let failed = eventually(Duration::from_secs(20), || {
        let log = std::fs::read_to_string(stack.path("registry.log")).unwrap_or_default();
        log.contains("connection refused").then_some(())
    });
    assert!(
        failed.is_some(),
        "the registry logged no failed notification:\n{}",
        std::fs::read_to_string(stack.path("registry.log")).unwrap_or_default()
    );
    stack.restart_portunus();
    let root = Api::sign_in(&stack, "root");
    // The registry retries every 5 s (`backoff` in registry-config).
    let found = eventually(Duration::from_secs(20), || {
        let page = root.call("GET", "/repositories?q=root/offline", None);
        let complete = page["items"]
            .as_array()
            .is_some_and(|items| items.iter().all(|r| r["tags"] == 2));
        (page["total"] == 3 && complete).then_some(page)
    })
    .unwrap_or_else(|| {
        panic!(
            "not every push arrived; portunus log:\n{}",
            stack.portunus_log()
        )
    });
    assert!(
        found["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|r| r["tags"] == 2),
        "{found}"
    );
}
