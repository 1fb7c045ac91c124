//! The operator's `portunus user` commands, run against the database of a
//! running server.

use portunus_e2e::{
    Api, PASSWORD, Stack, output_of, push_small_image, registry_token, require, token_login,
};
use serde_json::Value;

/// Runs `portunus user ARGS` with `stdin`: whether it succeeded, its
/// standard output and its standard error.
fn user(stack: &Stack, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut command = stack.portunus();
    command.arg("user").args(args);
    let output = output_of(command, stdin);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[track_caller]
fn ok(answer: (bool, String, String)) -> String {
    assert!(answer.0, "the command failed: {}{}", answer.1, answer.2);
    answer.1
}

#[track_caller]
fn refused(answer: (bool, String, String)) -> String {
    assert!(!answer.0, "the command should have failed: {}", answer.1);
    answer.2
}

fn show(stack: &Stack, name: &str) -> Value {
    serde_json::from_str(&ok(user(stack, &["show", name, "--json"], None))).expect("JSON")
}

#[test]
fn every_user_command_works_while_the_server_runs() {
    if !require("docker-registry") {
        return;
    }
    // The command line is another process: the server is to see its
    // changes at the next token request, not within 100 ms.
    let stack = Stack::start(&[
        ("PORTUNUS_LOCKOUT_ATTEMPTS", "2"),
        ("PORTUNUS_TOKEN__CHANGES_ELSEWHERE_MS", "0"),
    ]);
    stack.create_user("root");
    stack.create_user("alice");

    let listed = ok(user(&stack, &["list"], None));
    let names: Vec<&str> = listed
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(names, ["alice", "root"], "{listed}");
    assert!(
        listed
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("administrator"))
    );
    let json: Value =
        serde_json::from_str(&ok(user(&stack, &["list", "--json"], None))).expect("JSON");
    assert_eq!(json.as_array().map(Vec::len), Some(2), "{json}");
    assert_eq!(show(&stack, "alice")["namespace"], "alice");
    assert!(refused(user(&stack, &["show", "nobody"], None)).contains("no user \"nobody\""));

    // Locked by wrong passwords, unlocked at the command line meanwhile.
    for _ in 0..2 {
        assert_eq!(token_login(&stack, "alice", "wrong-password").0, 401);
    }
    assert_eq!(token_login(&stack, "alice", PASSWORD).0, 401, "locked");
    assert!(show(&stack, "alice")["locked_at"].is_string());
    assert!(ok(user(&stack, &["unlock", "alice"], None)).contains("unlocked \"alice\""));
    assert_eq!(token_login(&stack, "alice", PASSWORD).0, 200);
    assert!(ok(user(&stack, &["unlock", "alice"], None)).contains("was not locked"));

    // A new password: the old one and the old session stop working.
    let session = Api::sign_in(&stack, "alice");
    let short = refused(user(&stack, &["set-password", "alice"], Some("short\n")));
    assert!(short.contains("8 to 128 characters"), "{short}");
    ok(user(
        &stack,
        &["set-password", "alice"],
        Some("a-new-password-42\n"),
    ));
    assert_eq!(token_login(&stack, "alice", PASSWORD).0, 401);
    assert_eq!(token_login(&stack, "alice", "a-new-password-42").0, 200);
    assert_eq!(session.status("GET", "/me"), 401);

    ok(user(&stack, &["disable", "alice"], None));
    let (status, body) = token_login(&stack, "alice", "a-new-password-42");
    assert_eq!(status, 401);
    assert!(body.contains("disabled"), "{body}");
    ok(user(&stack, &["enable", "alice"], None));
    assert_eq!(token_login(&stack, "alice", "a-new-password-42").0, 200);

    ok(user(&stack, &["make-admin", "alice"], None));
    assert_eq!(show(&stack, "alice")["admin"], true);
    ok(user(&stack, &["make-admin", "alice", "--revoke"], None));
    assert_eq!(show(&stack, "alice")["admin"], false);
    let last = refused(user(&stack, &["make-admin", "root", "--revoke"], None));
    assert!(last.contains("last administrator"), "{last}");
    let last = refused(user(&stack, &["remove", "root"], None));
    assert!(last.contains("last administrator"), "{last}");

    ok(user(&stack, &["remove", "alice"], None));
    assert!(refused(user(&stack, &["show", "alice"], None)).contains("no user"));

    // An account whose namespace holds images goes only with a choice.
    stack.create_user("bob");
    let token = registry_token(&stack, "bob", &["repository:bob/app:pull,push"]);
    push_small_image(&stack, &token, "bob/app", 1);
    // Recorded first: an event still on its way would record bob/app again
    // after the erasure below.
    Api::sign_in(&stack, "root").tags_once("bob/app", 1);
    let holds = refused(user(&stack, &["remove", "bob"], None));
    assert!(
        holds.contains("bob/app") && holds.contains("--delete-images"),
        "{holds}"
    );
    ok(user(&stack, &["remove", "bob", "--delete-images"], None));
    assert!(refused(user(&stack, &["show", "bob"], None)).contains("no user"));

    let root = Api::sign_in(&stack, "root");
    let page = root.call("GET", "/activities?actor=portunus-cli&per_page=100", None);
    let mut keys: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["key"].as_str().unwrap_or_default().to_owned())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys,
        [
            "repository.delete",
            "user.create",
            "user.delete",
            "user.disable",
            "user.enable",
            "user.grant_admin",
            "user.revoke_admin",
            "user.set_password",
            "user.unlock"
        ],
        "{page}"
    );
}
