//! The real Docker engine: login, push, pull, and a refused push.

use std::path::Path;

use portunus_e2e::{PASSWORD, Run, Stack, in_ci, layer_tar, require, run};

fn docker(config: &Path, args: &[&str]) -> Run {
    run("docker", args, &[("DOCKER_CONFIG", config)], None)
}

/// Whether a Docker engine answers; `just test` starts one (scripts/ensure-dockerd).
fn engine_available() -> bool {
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

    let login = |password: &str| {
        run(
            "docker",
            &["login", "-u", "alice", "--password-stdin", &registry],
            &[("DOCKER_CONFIG", &config)],
            Some(&format!("{password}\n")),
        )
    };
    login("wrong-password").assert_refused();
    login(PASSWORD).assert_ok();

    let tar = layer_tar(stack.dir.path(), "docker e2e");
    let local = format!("portunus-e2e-{}:1", stack.registry_port);
    docker(&config, &["import", &tar.to_string_lossy(), &local]).assert_ok();
    let mine = format!("{registry}/alice/docker-app:1");
    let theirs = format!("{registry}/bob/docker-app:1");
    docker(&config, &["tag", &local, &mine]).assert_ok();
    docker(&config, &["tag", &local, &theirs]).assert_ok();

    docker(&config, &["push", &mine]).assert_ok();
    docker(&config, &["push", &theirs]).assert_refused();
    docker(&config, &["rmi", &mine, &theirs]).assert_ok();
    docker(&config, &["pull", &mine]).assert_ok();
    docker(&config, &["rmi", &mine, &local]).assert_ok();
}
