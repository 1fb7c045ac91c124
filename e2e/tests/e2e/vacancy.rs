//! A deleted name never hands its images to whoever takes it next: with a
//! real registry, deleting a user (or a namespace) is refused while images
//! remain under the name, whether Portunus recorded them or only the
//! registry holds them, and goes through once they are gone.

use std::time::Duration;

use portunus_e2e::{Api, Stack, push_small_image, registry_token, require};

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
