//! The authorization model with real clients: team roles, visibility,
//! scoped application tokens and cross-repository mounts.

use portunus_e2e::{Api, PASSWORD, Stack, layer_tar, require, run};
use serde_json::json;

use crate::podman::Podman;

fn skopeo(args: &[&str]) -> portunus_e2e::Run {
    let mut all = vec!["--tls-verify=false"];
    all.extend_from_slice(args);
    run("skopeo", &[&["inspect"], &all[..]].concat(), &[], None)
}

#[test]
fn roles_visibility_and_tokens_with_podman_and_skopeo() {
    if !require("podman") || !require("skopeo") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    for user in ["root", "olivia", "carl", "vera", "oscar"] {
        stack.create_user(user);
    }
    let registry = stack.registry();
    let olivia = Api::sign_in(&stack, "olivia");
    olivia.call("POST", "/teams", Some(json!({"name": "web"})));
    olivia.call(
        "PUT",
        "/teams/web/members/carl",
        Some(json!({"role": "contributor"})),
    );
    olivia.call(
        "PUT",
        "/teams/web/members/vera",
        Some(json!({"role": "viewer"})),
    );
    olivia.call(
        "POST",
        "/namespaces",
        Some(json!({"name": "web", "team": "web"})),
    );

    let tar = layer_tar(stack.dir.path(), "authorization e2e");
    let clients: Vec<Podman> = ["carl", "vera", "oscar"]
        .iter()
        .map(|user| {
            let podman = Podman::new(&stack, user);
            podman.login(&registry, user, PASSWORD).assert_ok();
            podman
                .run(&["import", &tar.to_string_lossy(), "localhost/e2e:1"])
                .assert_ok();
            podman
        })
        .collect();
    let [carl, vera, oscar] = &clients[..] else {
        unreachable!()
    };
    let image = format!("{registry}/web/app:1");

    // A contributor pushes to the team namespace; a viewer pulls but cannot push.
    carl.push("localhost/e2e:1", &image).assert_ok();
    vera.push("localhost/e2e:1", &format!("{registry}/web/vera:1"))
        .assert_refused();
    let creds = |user: &str| format!("{user}:{PASSWORD}");
    skopeo(&["--creds", &creds("vera"), &format!("docker://{image}")]).assert_ok();
    // Private: an outsider and anonymous clients cannot pull.
    skopeo(&["--creds", &creds("oscar"), &format!("docker://{image}")]).assert_refused();
    oscar.push("localhost/e2e:1", &image).assert_refused();

    // Protected: every signed-in user pulls, anonymous clients do not.
    olivia.call(
        "PATCH",
        "/namespaces/web",
        Some(json!({"visibility": "protected"})),
    );
    skopeo(&["--creds", &creds("oscar"), &format!("docker://{image}")]).assert_ok();
    skopeo(&["--no-creds", &format!("docker://{image}")]).assert_refused();
    // Public: anonymous pulls too.
    olivia.call(
        "PATCH",
        "/namespaces/web",
        Some(json!({"visibility": "public"})),
    );
    skopeo(&["--no-creds", &format!("docker://{image}")]).assert_ok();

    // A token scoped to one repository: logs in, pushes there, is refused elsewhere.
    let carl_api = Api::sign_in(&stack, "carl");
    let created = carl_api.call(
        "POST",
        "/tokens",
        Some(json!({"name": "ci", "resources": ["web/app"], "access": "write"})),
    );
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let ci = Podman::new(&stack, "ci");
    ci.login(&registry, "carl", &secret).assert_ok();
    ci.run(&["import", &tar.to_string_lossy(), "localhost/e2e:1"])
        .assert_ok();
    ci.push("localhost/e2e:1", &format!("{registry}/web/app:2"))
        .assert_ok();
    ci.push("localhost/e2e:1", &format!("{registry}/web/other:1"))
        .assert_refused();
    ci.push("localhost/e2e:1", &format!("{registry}/carl/app:1"))
        .assert_refused();
    // Revoked: refused at once.
    let id = created["token"]["id"].as_i64().expect("id");
    carl_api.call("DELETE", &format!("/tokens/{id}"), None);
    ci.push("localhost/e2e:1", &format!("{registry}/web/app:3"))
        .assert_refused();
    ci.login(&registry, "carl", &secret).assert_refused();
}

/// Asks the registry to mount `digest` from `from` into `into` as `user`;
/// returns the HTTP status: 201 mounted; 401 when the token lacks pull on
/// `from` (distribution 2.8 then refuses the request rather than uploading).
fn mount(stack: &Stack, user: &str, digest: &str, from: &str, into: &str) -> u16 {
    let token = portunus_e2e::registry_token(
        stack,
        user,
        &[
            &format!("repository:{into}:push,pull"),
            &format!("repository:{from}:pull"),
        ],
    );
    reqwest::blocking::Client::new()
        .post(format!(
            "http://{}/v2/{into}/blobs/uploads/?mount={digest}&from={from}",
            stack.registry()
        ))
        .bearer_auth(token)
        .send()
        .expect("mount request")
        .status()
        .as_u16()
}

#[test]
fn a_blob_mount_from_an_unreadable_repository_is_not_granted() {
    if !require("podman") || !require("skopeo") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    for user in ["root", "alice", "bob"] {
        stack.create_user(user);
    }
    let registry = stack.registry();
    let tar = layer_tar(stack.dir.path(), "mount source layer");
    let alice = Podman::new(&stack, "alice");
    alice.login(&registry, "alice", PASSWORD).assert_ok();
    alice
        .run(&["import", &tar.to_string_lossy(), "localhost/m:1"])
        .assert_ok();
    alice
        .push("localhost/m:1", &format!("{registry}/alice/secret:1"))
        .assert_ok();
    let raw = run(
        "skopeo",
        &[
            "inspect",
            "--raw",
            "--tls-verify=false",
            "--creds",
            &format!("alice:{PASSWORD}"),
            &format!("docker://{registry}/alice/secret:1"),
        ],
        &[],
        None,
    );
    raw.assert_ok();
    let manifest: serde_json::Value =
        serde_json::from_slice(&raw.output.stdout).expect("manifest JSON");
    let digest = manifest["layers"][0]["digest"]
        .as_str()
        .expect("layer digest")
        .to_owned();

    // Bob may not read alice/secret: his token lacks its pull, the registry refuses the mount.
    assert_eq!(
        mount(&stack, "bob", &digest, "alice/secret", "bob/copy"),
        401
    );
    // The administrator may read it, so the blob is mounted.
    assert_eq!(
        mount(&stack, "root", &digest, "alice/secret", "root/copy"),
        201
    );
}
