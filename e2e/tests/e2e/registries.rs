//! Two real `docker-registry` processes behind one Portunus: the second is
//! added through the API and configured by `registry-config --registry`;
//! the same users push to both with podman, the same names stay apart, and
//! permissions follow each registry's namespaces.

use portunus_e2e::{Api, PASSWORD, Stack, free_port, layer_tar, output_of, require, run};
use serde_json::{Value, json};

use crate::podman::Podman;

/// `(registry, name, tags)` of every repository listed, sorted.
fn listed(page: &Value) -> Vec<(String, String, u64)> {
    let mut all: Vec<(String, String, u64)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["registry"].as_str().unwrap_or_default().to_owned(),
                r["name"].as_str().unwrap_or_default().to_owned(),
                r["tags"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    all.sort();
    all
}

fn names(registries: &Value) -> Vec<&str> {
    registries
        .as_array()
        .expect("registries")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default())
        .collect()
}

/// Whether `user` may push to `repository` in `registry`, as
/// `GET /permissions` explains it.
fn may_push(api: &Api, registry: &str, repository: &str) -> bool {
    let answer = api.call(
        "GET",
        &format!("/permissions?repository={repository}&registry={registry}"),
        None,
    );
    answer["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .any(|a| a["action"] == "push" && a["allowed"] == true)
}

#[test]
fn two_registries_share_accounts_but_not_names_or_permissions() {
    if !require("podman") || !require("skopeo") || !require("docker-registry") {
        return;
    }
    let mut stack = Stack::start(&[]);
    for user in ["root", "alice", "bob"] {
        stack.create_user(user);
    }
    let home = stack.registry();
    let root = Api::sign_in(&stack, "root");
    let europe_port = free_port();
    let europe = format!("127.0.0.1:{europe_port}");
    let new = json!({
        "name": "europe",
        "url": format!("http://{europe}"),
        "service": "registry-europe",
    });

    // Nothing answers there yet: refused, and nothing stored.
    let (status, text) = root.answer("POST", "/registries", Some(new.clone()));
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("does not answer"), "{text}");
    assert_eq!(names(&root.call("GET", "/registries", None)), ["default"]);
    // Only administrators manage registries.
    let alice = Api::sign_in(&stack, "alice");
    assert_eq!(alice.status("GET", "/registries"), 403);

    // Added without the check, then configured from registry-config.
    let mut unchecked = new.clone();
    unchecked["skip_check"] = json!(true);
    let made = root.call("POST", "/registries", Some(unchecked));
    let secret = made["notification_secret"].as_str().expect("secret");
    assert_eq!(secret.len(), 64, "{made}");
    let config = stack.start_registry("europe", europe_port);
    for expected in [
        format!("addr: \"{europe}\""),
        "service: \"registry-europe\"".to_owned(),
        format!("Authorization: [\"Bearer {secret}\"]"),
    ] {
        assert!(config.contains(&expected), "{expected} not in\n{config}");
    }
    let registries = root.call("GET", "/registries", None);
    assert_eq!(names(&registries), ["default", "europe"]);
    for registry in registries.as_array().expect("registries") {
        assert_eq!(registry["status"]["reachable"], true, "{registry}");
    }
    assert_eq!(registries[1]["service"], "registry-europe");
    assert_eq!(registries[1]["configured"], false);
    assert_eq!(registries[1]["status"]["host"], europe.as_str());
    // A second registry with the same service is refused.
    let mut clash = new.clone();
    clash["name"] = json!("asia");
    clash["url"] = json!(format!("http://127.0.0.1:{}", free_port()));
    clash["skip_check"] = json!(true);
    let (status, text) = root.answer("POST", "/registries", Some(clash));
    assert_eq!(status, 409, "{text}");

    // The same namespace name in each registry, owned by different teams.
    alice.call("POST", "/teams", Some(json!({"name": "acme"})));
    alice.call(
        "POST",
        "/namespaces",
        Some(json!({"name": "acme", "team": "acme"})),
    );
    let bob = Api::sign_in(&stack, "bob");
    bob.call("POST", "/teams", Some(json!({"name": "rivals"})));
    bob.call(
        "POST",
        "/namespaces",
        Some(json!({"name": "acme", "team": "rivals", "registry": "europe"})),
    );
    assert!(may_push(&alice, "default", "acme/app"));
    assert!(!may_push(&alice, "europe", "acme/app"));
    assert!(may_push(&bob, "europe", "acme/app"));
    assert!(!may_push(&bob, "default", "acme/app"));

    // Real pushes: podman logs in to each registry through Portunus.
    let tar = layer_tar(stack.dir.path(), "two registries");
    let client = |user: &str| {
        let podman = Podman::new(&stack, user);
        for registry in [&home, &europe] {
            podman.login(registry, user, PASSWORD).assert_ok();
        }
        podman
            .run(&["import", &tar.to_string_lossy(), "localhost/e2e:1"])
            .assert_ok();
        podman
    };
    let (alice_podman, bob_podman) = (client("alice"), client("bob"));
    alice_podman
        .push("localhost/e2e:1", &format!("{home}/acme/app:1"))
        .assert_ok();
    alice_podman
        .push("localhost/e2e:1", &format!("{europe}/acme/app:1"))
        .assert_refused();
    alice_podman
        .push("localhost/e2e:1", &format!("{home}/alice/app:1"))
        .assert_ok();
    alice_podman
        .push("localhost/e2e:1", &format!("{europe}/alice/app:2"))
        .assert_ok();
    for tag in ["7", "8"] {
        bob_podman
            .push("localhost/e2e:1", &format!("{europe}/acme/app:{tag}"))
            .assert_ok();
    }
    bob_podman
        .push("localhost/e2e:1", &format!("{home}/acme/app:7"))
        .assert_refused();

    // Each registry's events land in its own repositories (the second
    // tag's event may come a moment after the fourth repository's).
    let expected = [
        ("default", "acme/app", 1),
        ("default", "alice/app", 1),
        ("europe", "acme/app", 2),
        ("europe", "alice/app", 1),
    ]
    .map(|(r, n, t)| (r.to_owned(), n.to_owned(), t));
    let mut page = root.repositories_once(4);
    let recorded = crate::sync::eventually(std::time::Duration::from_secs(10), || {
        page = root.call("GET", "/repositories", None);
        (listed(&page) == expected).then_some(())
    });
    assert!(recorded.is_some(), "{page}");
    let europe_only = root.call("GET", "/repositories?registry=europe", None);
    assert_eq!(listed(&europe_only), expected[2..], "{europe_only}");
    let hosts: Vec<&str> = europe_only["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["registry_host"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(hosts, [europe.as_str(), europe.as_str()]);

    // A token for the second registry names its service; an unknown one is refused.
    let token_url = |service: &str| {
        format!(
            "{}/v2/token?service={service}&scope=repository:acme/app:push",
            stack.portunus_url()
        )
    };
    let answer: Value = reqwest::blocking::Client::new()
        .get(token_url("registry-europe"))
        .basic_auth("bob", Some(PASSWORD))
        .send()
        .and_then(|r| r.json())
        .expect("token");
    let claims = portunus_e2e::token_claims(answer["token"].as_str().expect("token"));
    assert_eq!(claims["aud"], "registry-europe");
    assert_eq!(claims["access"][0]["actions"], json!(["push"]), "{claims}");
    let unknown = reqwest::blocking::Client::new()
        .get(token_url("nowhere"))
        .basic_auth("bob", Some(PASSWORD))
        .send()
        .expect("token");
    assert_eq!(unknown.status().as_u16(), 400);

    // Deleting a tag through Portunus reaches the registry that holds it.
    let europe_acme = europe_only["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["name"] == "acme/app")
        .and_then(|r| r["id"].as_i64())
        .expect("europe's acme/app");
    assert_eq!(
        bob.status("DELETE", &format!("/repositories/{europe_acme}/tags/7")),
        204
    );
    let tags = run(
        "skopeo",
        &[
            "list-tags",
            "--tls-verify=false",
            "--creds",
            &format!("bob:{PASSWORD}"),
            &format!("docker://{europe}/acme/app"),
        ],
        &[],
        None,
    );
    tags.assert_ok();
    let tags: Value = serde_json::from_slice(&tags.output.stdout).expect("skopeo's JSON");
    assert_eq!(tags["Tags"], json!(["8"]), "{tags}");

    // A sync of one registry walks that registry only.
    let mut sync = stack.portunus();
    sync.args(["sync", "--registry", "europe", "--json"]);
    let out = output_of(sync, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("sync JSON");
    assert_eq!(summary["repositories"], 2, "{summary}");
    assert_eq!(summary["removed"], 0, "{summary}");

    // A registry holding repositories, and the configured one, stay.
    assert_eq!(root.status("DELETE", "/registries/europe"), 409);
    assert_eq!(root.status("DELETE", "/registries/default"), 409);
}
