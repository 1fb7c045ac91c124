//! A deleted name never hands its images to whoever takes it next: with a
//! real registry, deleting a user (or a namespace) is refused while images
//! remain under the name, whether Portunus recorded them or only the
//! registry holds them, and goes through once they are gone, or when the
//! administrator has the images erased or moved to a team (checked with
//! podman as the new account of the same name).

use std::time::Duration;

use portunus_e2e::{
    Api, PASSWORD, Stack, layer_tar, push_small_image, registry_token, require, token_login,
};
use serde_json::Value;

use crate::podman::Podman;

use crate::sync::eventually;

/// The id of repository `name` once Portunus has recorded it.
fn recorded_id(api: &Api, name: &str) -> i64 {
    eventually(Duration::from_secs(20), || {
        let page = api.call("GET", &format!("/repositories?q={name}"), None);
        page["items"]
            .as_array()?
            .iter()
            .find(|r| r["name"] == name)?["id"]
            .as_i64()
    })
    .unwrap_or_else(|| panic!("Portunus never recorded {name}"))
}

#[test]
fn a_deleted_name_never_hands_over_its_images() {
    if !require("docker-registry") {
        return;
    }
    let mut stack = Stack::start(&[]);
    for user in ["root", "alice", "bob"] {
        stack.create_user(user);
    }
    let root = Api::sign_in(&stack, "root");
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull,push"]);
    push_small_image(&stack, &token, "alice/app", 2);
    let id = recorded_id(&root, "alice/app");

    let (status, body) = root.answer("DELETE", "/users/alice", None);
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("alice/app"), "{body}");
    root.call("GET", "/users/alice", None);

    root.call("DELETE", &format!("/repositories/{id}"), None);
    let (status, body) = root.answer("DELETE", "/users/alice", None);
    assert_eq!(status, 204, "emptied, the account goes: {body}");
    assert_eq!(root.status("GET", "/namespaces/alice"), 404);
    let activities = root.call("GET", "/activities?key=user.delete", None);
    assert_eq!(activities["total"], 1, "{activities}");

    // Content only the registry knows of: pushed while Portunus refuses the
    // registry's notifications (a wrong shared secret) and never syncs.
    stack.stop_portunus();
    stack.set_env(
        "PORTUNUS_REGISTRY__NOTIFICATION_SECRET",
        "not-what-the-registry-sends",
    );
    stack.set_env("PORTUNUS_REGISTRY__SYNC", "off");
    stack.restart_portunus();
    let token = registry_token(&stack, "bob", &["repository:bob/hidden:pull,push"]);
    push_small_image(&stack, &token, "bob/hidden", 1);
    let root = Api::sign_in(&stack, "root");
    let known = root.call("GET", "/repositories?q=bob", None);
    assert_eq!(known["total"], 0, "Portunus was not told: {known}");
    let (status, body) = root.answer("DELETE", "/users/bob", None);
    assert_eq!(status, 409, "the registry's catalog is asked: {body}");
    assert!(body.contains("bob/hidden"), "{body}");
    root.call("GET", "/users/bob", None);
}

/// The manifest `reference` of `repo`, read with `token`: its status and body.
fn manifest(stack: &Stack, token: &str, repo: &str, reference: &str) -> (u16, Value) {
    let response = reqwest::blocking::Client::new()
        .get(format!("http://{}/v2/{repo}/manifests/{reference}", stack.registry()))
        .bearer_auth(token)
        .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
        .send()
        .expect("GET manifest");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// The status of fetching blob `digest` of `repo` with `token`.
fn blob_status(stack: &Stack, token: &str, repo: &str, digest: &str) -> u16 {
    reqwest::blocking::Client::new()
        .get(format!(
            "http://{}/v2/{repo}/blobs/{digest}",
            stack.registry()
        ))
        .bearer_auth(token)
        .send()
        .expect("GET blob")
        .status()
        .as_u16()
}

#[test]
fn a_removed_accounts_images_are_erased_or_moved_as_the_administrator_chooses() {
    if !require("podman") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    for user in ["root", "alice", "bob"] {
        stack.create_user(user);
    }
    let registry = stack.registry();
    let tar = layer_tar(stack.dir.path(), "removal e2e");
    for user in ["alice", "bob"] {
        let podman = Podman::new(&stack, user);
        podman.login(&registry, user, PASSWORD).assert_ok();
        podman
            .run(&["import", &tar.to_string_lossy(), "localhost/r:1"])
            .assert_ok();
        podman
            .push("localhost/r:1", &format!("{registry}/{user}/app:1"))
            .assert_ok();
    }
    // alice pushes another image under the same tag: the first one is then
    // untagged, yet still pullable by its digest.
    let second = layer_tar(stack.dir.path(), "removal e2e, the second image");
    let alice = Podman::new(&stack, "alice");
    alice.login(&registry, "alice", PASSWORD).assert_ok();
    alice
        .run(&["import", &second.to_string_lossy(), "localhost/r:2"])
        .assert_ok();
    alice
        .push("localhost/r:2", &format!("{registry}/alice/app:1"))
        .assert_ok();
    let root = Api::sign_in(&stack, "root");
    recorded_id(&root, "alice/app");
    let bobs_app = recorded_id(&root, "bob/app");
    let pushed = crate::sync::eventually(Duration::from_secs(20), || {
        let page = root.call(
            "GET",
            "/activities?key=repository.push&target=alice/app:1",
            None,
        );
        let digests: Vec<String> = page["items"]
            .as_array()?
            .iter()
            .filter_map(|a| {
                let params: Value = serde_json::from_str(a["parameters"].as_str()?).ok()?;
                params["digest"].as_str().map(str::to_owned)
            })
            .collect();
        (digests.len() == 2).then_some(digests)
    })
    .expect("both pushes recorded");
    let first_image = pushed[1].clone();
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull"]);
    assert_eq!(
        manifest(&stack, &token, "alice/app", &first_image).0,
        200,
        "untagged, still there"
    );
    // What bob holds besides images: a session, a token, a star, a membership.
    let old_bob = Api::sign_in(&stack, "bob");
    let made = old_bob.call("POST", "/tokens", Some(serde_json::json!({"name": "ci"})));
    let bobs_token = made["secret"].as_str().expect("a secret").to_owned();
    assert_eq!(token_login(&stack, "bob", &bobs_token).0, 200);
    old_bob.call("PUT", &format!("/repositories/{bobs_app}/star"), None);
    root.call(
        "POST",
        "/teams",
        Some(serde_json::json!({"name": "archive", "description": ""})),
    );
    root.call(
        "PUT",
        "/teams/archive/members/bob",
        Some(serde_json::json!({"role": "viewer"})),
    );
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull"]);
    let (status, image) = manifest(&stack, &token, "alice/app", "1");
    assert_eq!(status, 200, "{image}");
    let layer = image["layers"][0]["digest"]
        .as_str()
        .expect("a layer")
        .to_owned();
    assert_eq!(blob_status(&stack, &token, "alice/app", &layer), 200);

    // Without a choice the images keep the account; both choices at once are refused.
    let (status, body) = root.answer("DELETE", "/users/alice", None);
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("delete_images=true"), "{body}");
    let both = "/users/alice?delete_images=true&move_namespace_to=archive";
    assert_eq!(root.status("DELETE", both), 400);
    root.call("GET", "/users/alice", None);

    // Erased: the new alice gets the name and the namespace, and nothing in it.
    root.call("DELETE", "/users/alice?delete_images=true", None);
    let erased = root.call("GET", "/activities?key=repository.delete", None);
    assert_eq!(erased["total"], 1, "{erased}");
    assert_eq!(erased["items"][0]["target"], "alice/app", "{erased}");
    let params: Value =
        serde_json::from_str(erased["items"][0]["parameters"].as_str().unwrap_or("null"))
            .expect("parameters are JSON");
    assert_eq!(
        params,
        serde_json::json!({"manifests": 2, "blobs": 4, "blobs_kept": 0}),
        "both images, each a config and a layer"
    );
    assert_eq!(root.call("GET", "/repositories?q=alice", None)["total"], 0);
    stack.create_user("alice");
    assert_eq!(root.call("GET", "/users/alice", None)["namespace"], "alice");
    let heir = Podman::new(&stack, "alice-again");
    heir.login(&registry, "alice", PASSWORD).assert_ok();
    heir.run(&[
        "pull",
        "--tls-verify=false",
        &format!("{registry}/alice/app:1"),
    ])
    .assert_missing();
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull"]);
    assert_eq!(manifest(&stack, &token, "alice/app", "1").0, 404);
    assert_eq!(
        blob_status(&stack, &token, "alice/app", &layer),
        404,
        "the layer is unlinked from the repository too"
    );
    assert_eq!(
        manifest(&stack, &token, "alice/app", &first_image).0,
        404,
        "the image the tag had moved away from goes too"
    );

    // Moved: the namespace, images and all, belongs to a team now; the new
    // bob gets another personal namespace and reaches nothing of the old.
    root.call("DELETE", "/users/bob?move_namespace_to=archive", None);
    assert_eq!(old_bob.status("GET", "/me"), 401, "the session ended");
    assert_eq!(
        token_login(&stack, "bob", &bobs_token).0,
        401,
        "the token went"
    );
    assert_eq!(
        root.team_members("archive"),
        [("root".to_owned(), "owner".to_owned())]
    );
    let kept = root.call("GET", &format!("/repositories/{bobs_app}"), None);
    assert_eq!(kept["stars"], 0, "the star went: {kept}");
    let moved = root.call("GET", "/namespaces/bob", None);
    assert_eq!(moved["team"], "archive", "{moved}");
    assert_eq!(moved["personal_of"], Value::Null, "{moved}");
    stack.create_user("bob");
    assert_eq!(root.call("GET", "/users/bob", None)["namespace"], "bob-2");
    let heir = Podman::new(&stack, "bob-again");
    heir.login(&registry, "bob", PASSWORD).assert_ok();
    heir.run(&[
        "pull",
        "--tls-verify=false",
        &format!("{registry}/bob/app:1"),
    ])
    .assert_refused();
    heir.run(&["import", &tar.to_string_lossy(), "localhost/r:1"])
        .assert_ok();
    heir.push("localhost/r:1", &format!("{registry}/bob/app:2"))
        .assert_refused();
    let keeper = Podman::new(&stack, "root");
    keeper.login(&registry, "root", PASSWORD).assert_ok();
    keeper
        .run(&[
            "pull",
            "--tls-verify=false",
            &format!("{registry}/bob/app:1"),
        ])
        .assert_ok();
}
