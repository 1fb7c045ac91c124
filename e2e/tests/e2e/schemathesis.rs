//! schemathesis, a property-based API tester, against a running Portunus
//! with the checked-in `openapi.yaml`: every operation, as an
//! administrator, as a user and anonymously, with every check but one
//! (see below): server errors, answers that do not match their schema,
//! statuses the description does not list, schema-valid requests refused
//! (`schemathesis.toml` names the operations whose rules the description
//! cannot state), and chains of calls (the stateful phase). Zero failures
//! is the bar.

use portunus_e2e::{Api, Stack, push_small_image, registry_token, require, run, workspace_root};

/// Generated cases per operation and identity.
const EXAMPLES: &str = "40";

#[test]
fn the_api_answers_as_its_description_says() {
    if !require("st") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    for user in ["root", "alice", "bob"] {
        stack.create_user(user);
    }
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull,push"]);
    push_small_image(&stack, &token, "alice/app", 2);
    let root = Api::sign_in(&stack, "root");
    let alice = Api::sign_in(&stack, "alice");
    let spec = workspace_root().join("openapi.yaml");
    let url = format!("{}/api/v1", stack.portunus_url());
    let report = stack.path("schemathesis");
    // The user first: the administrator's run may delete or disable her.
    for (who, api) in [
        ("user", Some(&alice)),
        ("administrator", Some(&root)),
        ("anonymous", None),
    ] {
        let cookie = api.map(Api::cookie);
        let mut args = vec![
            "--config-file".to_owned(),
            workspace_root()
                .join("schemathesis.toml")
                .display()
                .to_string(),
            "run".to_owned(),
            spec.display().to_string(),
            format!("--url={url}"),
            // Every check but negative_data_rejection: poem-openapi reads a
            // JSON number or boolean given for a string field as its text
            // (`{"name": 12}` names a team "12"), which that check counts
            // as accepting what the description forbids.
            "--checks=all".to_owned(),
            "--exclude-checks=negative_data_rejection".to_owned(),
            "--phases=examples,coverage,fuzzing,stateful".to_owned(),
            format!("--max-examples={EXAMPLES}"),
            // Signing out, or ending one of one's sessions by its id, would
            // end the session the run signs in with.
            "--exclude-operation-id=sign_out".to_owned(),
            "--exclude-operation-id=end_my_session".to_owned(),
            "--seed=7".to_owned(),
            "--no-color".to_owned(),
            "--suppress-health-check=all".to_owned(),
            format!("--report-dir={}", report.join(who).display()),
        ];
        if let Some(cookie) = cookie {
            args.push(format!("--header=Cookie: {cookie}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let answer = run("st", &args, &[], None);
        let summary = answer.text();
        assert!(
            answer.ok(),
            "schemathesis found failures as {who}:\n{summary}"
        );
        // The phase that chains calls by the ids they answer ran, rather
        // than being skipped for want of links.
        assert!(
            summary.contains("✅ Stateful"),
            "the stateful phase did not run as {who}:\n{summary}"
        );
        // Had a generated call ended the session, the rest of the run would
        // have gone on anonymously, testing less than it says.
        if let Some(api) = api {
            assert_eq!(
                api.status("GET", "/me"),
                200,
                "the {who}'s session lasted the whole run"
            );
        }
    }
}
