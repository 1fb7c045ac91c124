//! The real Docker engine: login, push, pull, and a refused push.

use std::path::Path;

use portunus_e2e::{PASSWORD, Run, Stack, in_ci, layer_tar, require, run};

fn docker(config: &Path, args: &[&str]) -> Run {
    run("docker", args, &[("DOCKER_CONFIG", config)], None)
}

/// `docker login` to `registry` as `user`, the password on standard input,
/// keeping what docker saves in `config`.
pub(crate) fn docker_login(config: &Path, registry: &str, user: &str, password: &str) -> Run {
    run(
        "docker",
        &["login", "-u", user, "--password-stdin", registry],
        &[("DOCKER_CONFIG", config)],
        Some(&format!("{password}\n")),
    )
}

/// How many tokens `stack` has issued for each grant, from `/metrics`.
fn issued(stack: &Stack) -> std::collections::BTreeMap<String, u64> {
    let text = reqwest::blocking::get(format!("{}/metrics", stack.portunus_url()))
        .and_then(|r| r.text())
        .expect("GET /metrics");
    text.lines()
        .filter_map(|line| line.strip_prefix("portunus_tokens_issued_total{grant=\""))
        .filter_map(|rest| {
            let (grant, count) = rest.split_once("\"} ")?;
            Some((grant.to_owned(), count.parse().ok()?))
        })
        .collect()
}

/// The grants that issued tokens since `before` (a reading of [`issued`]).
fn grants_since(before: &std::collections::BTreeMap<String, u64>, stack: &Stack) -> Vec<String> {
    issued(stack)
        .into_iter()
        .filter(|(grant, n)| *n > before.get(grant).copied().unwrap_or(0))
        .map(|(grant, _)| grant)
        .collect()
}

/// Whether a Docker engine answers; `just test` starts one (scripts/ensure-dockerd).
pub fn engine_available() -> bool {
    if !require("docker") {
        return false;
    }
    let info = run(
        "docker",
        &["info", "--format", "{{.ServerVersion}}"],
        &[],
        None,
    );
    if !info.ok() {
        let message = format!(
            "no Docker engine answers (start it with scripts/ensure-dockerd): {}",
            info.text()
        );
        assert!(!in_ci(), "{message}");
        eprintln!("\n!!! SKIPPED: {message} !!!\n");
    }
    info.ok()
}

#[test]
fn docker_login_push_pull_and_refusal() {
    if !engine_available() || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("root"); // the first account is the administrator
    stack.create_user("alice");
    stack.create_user("bob");
    let registry = stack.registry();
    let config = stack.path("docker-config");
    std::fs::create_dir_all(&config).expect("docker config dir");

    let login = |password: &str| docker_login(&config, &registry, "alice", password);
    login("wrong-password").assert_refused();
    login(PASSWORD).assert_ok();
    // docker keeps the refresh token as its identity token, not the password...
    let saved = std::fs::read_to_string(config.join("config.json")).expect("docker config.json");
    assert!(saved.contains("\"identitytoken\": \"ptr_"), "{saved}");
    let with_password = data_encoding::BASE64.encode(format!("alice:{PASSWORD}").as_bytes());
    assert!(
        !saved.contains(&with_password),
        "no password stored: {saved}"
    );

    let tar = layer_tar(stack.dir.path(), "docker e2e");
    let local = format!("portunus-e2e-{}:1", stack.registry_port);
    docker(&config, &["import", &tar.to_string_lossy(), &local]).assert_ok();
    let mine = format!("{registry}/alice/docker-app:1");
    let theirs = format!("{registry}/bob/docker-app:1");
    docker(&config, &["tag", &local, &mine]).assert_ok();
    docker(&config, &["tag", &local, &theirs]).assert_ok();

    let before = issued(&stack);
    docker(&config, &["push", &mine]).assert_ok();
    // ...and pushes with the OAuth2 refresh grant, nothing else.
    assert_eq!(
        grants_since(&before, &stack),
        ["refresh_token"],
        "docker's push asked with its refresh token"
    );
    docker(&config, &["push", &theirs]).assert_refused();
    docker(&config, &["rmi", &mine, &theirs]).assert_ok();
    docker(&config, &["pull", &mine]).assert_ok();
    docker(&config, &["rmi", &mine, &local]).assert_ok();
}

#[test]
fn containerd_pushes_with_the_oauth2_password_grant() {
    if !engine_available() || !require("ctr") || !require("docker-registry") {
        return;
    }
    const SOCKET: &str = "/var/run/docker/containerd/containerd.sock";
    let stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    let config = stack.path("docker-config");
    std::fs::create_dir_all(&config).expect("docker config dir");
    let tar = layer_tar(stack.dir.path(), "containerd e2e");
    let local = format!("portunus-ctr-{}:1", stack.registry_port);
    docker(&config, &["import", &tar.to_string_lossy(), &local]).assert_ok();
    let saved = stack.path("image.tar");
    docker(&config, &["save", &local, "-o", &saved.to_string_lossy()]).assert_ok();
    docker(&config, &["rmi", &local]).assert_ok();

    let namespace = format!("portunus-e2e-{}", stack.registry_port);
    let ctr = |args: &[&str]| {
        let mut all = vec!["--address", SOCKET, "-n", &namespace];
        all.extend_from_slice(args);
        run("ctr", &all, &[], None)
    };
    ctr(&["images", "import", &saved.to_string_lossy()]).assert_ok();
    let target = format!("{}/alice/ctr:1", stack.registry());
    ctr(&[
        "images",
        "tag",
        &format!("docker.io/library/{local}"),
        &target,
    ])
    .assert_ok();
    let before = issued(&stack);
    ctr(&[
        "images",
        "push",
        "--plain-http",
        "--user",
        &format!("alice:{PASSWORD}"),
        &target,
    ])
    .assert_ok();
    assert_eq!(
        grants_since(&before, &stack),
        ["password"],
        "containerd asked with the OAuth2 password grant"
    );
    let denied = format!("{}/root/ctr:1", stack.registry());
    ctr(&["images", "tag", &target, &denied]).assert_ok();
    ctr(&[
        "images",
        "push",
        "--plain-http",
        "--user",
        &format!("alice:{PASSWORD}"),
        &denied,
    ])
    .assert_refused();
    let _ = ctr(&[
        "images",
        "rm",
        &target,
        &denied,
        &format!("docker.io/library/{local}"),
    ]);
}

/// The Docker engine and containerd through the gateway: docker pushes
/// and pulls, prints why an immutable tag refuses another image, and ctr
/// pushes and pulls with the OAuth2 password grant.
#[test]
fn docker_and_containerd_through_the_gateway() {
    if !engine_available() || !require("ctr") || !require("docker-registry") {
        return;
    }
    const SOCKET: &str = "/var/run/docker/containerd/containerd.sock";
    let (stack, gateway) = crate::gateway::gateway_stack(portunus_e2e::Distribution::V2);
    portunus_e2e::Api::sign_in(&stack, "alice").call(
        "POST",
        "/namespaces/alice/immutable-tags",
        Some(serde_json::json!({"pattern": "v*"})),
    );
    let config = stack.path("docker-config");
    std::fs::create_dir_all(&config).expect("docker config dir");
    docker_login(&config, &gateway, "alice", PASSWORD).assert_ok();
    let v1 = format!("{gateway}/alice/docker-app:v1");
    let mut locals = Vec::new();
    for content in ["first docker image", "second docker image, longer"] {
        let tar = layer_tar(stack.dir.path(), content);
        let local = format!("portunus-gw-{}-{}:1", stack.registry_port, content.len());
        docker(&config, &["import", &tar.to_string_lossy(), &local]).assert_ok();
        locals.push(local);
    }
    docker(&config, &["tag", &locals[0], &v1]).assert_ok();
    docker(&config, &["push", &v1]).assert_ok();
    docker(&config, &["tag", &locals[1], &v1]).assert_ok();
    docker(&config, &["push", &v1])
        .assert_failed_saying(&["alice/docker-app:v1 is immutable (rule v* on namespace alice)"]);
    docker(&config, &["rmi", &v1]).assert_ok();
    docker(&config, &["pull", &v1]).assert_ok();
    let pulled = docker(&config, &["image", "inspect", "--format", "{{.Id}}", &v1]);
    let first = docker(
        &config,
        &["image", "inspect", "--format", "{{.Id}}", &locals[0]],
    );
    assert_eq!(pulled.text(), first.text(), "v1 is still the first image");

    let namespace = format!("portunus-gw-{}", stack.registry_port);
    let ctr = |args: &[&str]| {
        let mut all = vec!["--address", SOCKET, "-n", &namespace];
        all.extend_from_slice(args);
        run("ctr", &all, &[], None)
    };
    let saved = stack.path("gateway-image.tar");
    docker(
        &config,
        &["save", &locals[1], "-o", &saved.to_string_lossy()],
    )
    .assert_ok();
    ctr(&["images", "import", &saved.to_string_lossy()]).assert_ok();
    let target = format!("{gateway}/alice/ctr:1");
    let imported = format!("docker.io/library/{}", locals[1]);
    ctr(&["images", "tag", &imported, &target]).assert_ok();
    let user = format!("alice:{PASSWORD}");
    ctr(&["images", "push", "--plain-http", "--user", &user, &target]).assert_ok();
    ctr(&["images", "rm", &target]).assert_ok();
    ctr(&["images", "pull", "--plain-http", "--user", &user, &target]).assert_ok();
    let _ = ctr(&["images", "rm", &target, &imported]);
    let _ = docker(&config, &["rmi", &v1, &locals[0], &locals[1]]);
}
