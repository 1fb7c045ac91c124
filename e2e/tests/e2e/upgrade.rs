//! The upgrade as an operator makes it: the release of 2026-11-22 (built
//! from this repository's history) runs in front of a real registry, on
//! PostgreSQL and on SQLite, and is given data. Then it stops, this
//! build's `portunus migrate` upgrades the database, and this build serves
//! the same data.

use std::collections::BTreeMap;

use portunus_e2e::{
    Api, PASSWORD, Stack, portunus_bin, postgres_database, previous_release, push_small_image,
    registry_token, registry_token_with, require, token_claims,
};
use serde_json::{Value, json};

/// The first migration after the release of 2026-11-22 (which had 1 to 5).
const FIRST_NEW: &str = "m20261130_000006_closed_sets";

/// Each repository's name with its tag count, as a listing shows them.
fn listing(api: &Api) -> BTreeMap<String, u64> {
    let page = api.call("GET", "/repositories?per_page=100", None);
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("a name").to_owned(),
                r["tags"].as_u64().expect("a tag count"),
            )
        })
        .collect()
}

/// The `access` of a token for `user` with `password` asking `scopes`.
fn access(stack: &Stack, user: &str, password: &str, scopes: &[&str]) -> Value {
    let token = registry_token_with(&stack.portunus_url(), user, password, scopes);
    token_claims(&token)["access"].clone()
}

/// Runs this build's `portunus migrate` with `args`; answers its output.
fn migrate(stack: &Stack, args: &[&str]) -> String {
    let output = stack
        .portunus()
        .arg("migrate")
        .args(args)
        .output()
        .expect("run portunus migrate");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "portunus migrate {args:?} failed: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

/// What the earlier release handed out that must work after the upgrade.
struct Handed {
    /// The application token's secret (pull on crew/app only).
    token: String,
    /// A refresh token from a `docker login`.
    refresh: String,
    /// Alice's web UI session.
    session: Api,
}

/// What the earlier release is given, through its API and the registry:
/// people, a team, namespaces, a scoped application token and pushed
/// images.
fn fill(stack: &Stack) -> Handed {
    for name in ["admin", "alice", "bob"] {
        stack.create_user(name);
    }
    let alice = Api::sign_in(stack, "alice");
    alice.call("POST", "/teams", Some(json!({"name": "crew"})));
    alice.call(
        "PUT",
        "/teams/crew/members/bob",
        Some(json!({"role": "contributor"})),
    );
    for (name, visibility) in [("crew", "private"), ("crew-pub", "public")] {
        alice.call(
            "POST",
            "/namespaces",
            Some(json!({"name": name, "team": "crew", "visibility": visibility})),
        );
    }
    let token = alice.call(
        "POST",
        "/tokens",
        Some(json!({"name": "ci", "resources": ["crew/app"], "access": "read"})),
    );
    for (repository, tags) in [("crew/app", 2), ("crew-pub/site", 1), ("alice/tool", 1)] {
        let pushing = registry_token(
            stack,
            "alice",
            &[&format!("repository:{repository}:pull,push")],
        );
        push_small_image(stack, &pushing, repository, tags);
    }
    alice.tags_once("crew/app", 2);
    alice.tags_once("crew-pub/site", 1);
    alice.tags_once("alice/tool", 1);
    let login: Value = reqwest::blocking::Client::new()
        .get(format!(
            "{}/v2/token?service=registry&offline_token=true&client_id=docker",
            stack.portunus_url()
        ))
        .basic_auth("alice", Some(PASSWORD))
        .send()
        .and_then(|r| r.json())
        .expect("a docker login");
    Handed {
        token: token["secret"].as_str().expect("a secret").to_owned(),
        refresh: login["refresh_token"]
            .as_str()
            .unwrap_or_else(|| panic!("a refresh token: {login}"))
            .to_owned(),
        session: alice,
    }
}

/// The upgrade of `stack`, started with the earlier release, to this build.
/// `portunus migrate --dry-run` says what would run and changes nothing,
/// then `portunus migrate` runs it.
fn upgrade(stack: &mut Stack) {
    stack.stop_portunus();
    stack.replace_binary(portunus_bin());

    let plan = migrate(stack, &["--dry-run"]);
    assert!(
        plan.contains("it has had 5 of ") && plan.contains(&format!("\n  {FIRST_NEW}\n")),
        "the dry run lists the migrations since the release: {plan}"
    );
    assert!(plan.contains("dry run: nothing was changed"), "{plan}");
    assert_eq!(
        migrate(stack, &["--dry-run"]),
        plan,
        "a dry run changes nothing"
    );
    let applied = migrate(stack, &[]);
    assert!(
        applied.contains("  [1/") && applied.contains(FIRST_NEW) && applied.contains("done in"),
        "each migration is said as it runs: {applied}"
    );
    let again = migrate(stack, &[]);
    assert!(again.contains("up to date"), "{again}");
    stack.restart_portunus();
}

/// After the upgrade this build serves the same data: the same sign-ins,
/// the same listing, the same token answers, the web UI session and
/// docker's refresh token from before, pulls and pushes through the
/// registry that never stopped, and events recorded as before.
fn upgrade_with_data(database: Option<&str>) {
    let Some(release) = previous_release(None) else {
        return;
    };
    let settings: Vec<(&str, &str)> = database
        .map(|url| vec![("PORTUNUS_DATABASE_URL", url)])
        .unwrap_or_default();
    let mut stack = Stack::start_release(release, &settings);
    let handed = fill(&stack);
    let before = listing(&Api::sign_in(&stack, "alice"));
    assert_eq!(
        before,
        BTreeMap::from([
            ("alice/tool".to_owned(), 1),
            ("crew-pub/site".to_owned(), 1),
            ("crew/app".to_owned(), 2),
        ]),
        "what the earlier release recorded"
    );

    upgrade(&mut stack);

    let alice = Api::sign_in(&stack, "alice");
    assert_eq!(listing(&alice), before, "the same repositories and tags");
    assert_eq!(
        alice.team_members("crew"),
        [
            ("alice".to_owned(), "owner".to_owned()),
            ("bob".to_owned(), "contributor".to_owned())
        ]
    );
    let scopes = [
        "repository:crew/app:pull,push",
        "repository:crew-pub/site:pull,push",
    ];
    assert_eq!(
        access(&stack, "alice", &handed.token, &scopes),
        json!([{"type": "repository", "name": "crew/app", "actions": ["pull"]}]),
        "the application token keeps its scope"
    );
    assert_eq!(
        access(&stack, "bob", PASSWORD, &scopes),
        json!([
            {"type": "repository", "name": "crew/app", "actions": ["pull", "push"]},
            {"type": "repository", "name": "crew-pub/site", "actions": ["pull", "push"]},
        ]),
        "bob is still a contributor"
    );
    assert_eq!(
        listing(&Api::sign_in(&stack, "bob")),
        BTreeMap::from([("crew-pub/site".to_owned(), 1), ("crew/app".to_owned(), 2)]),
        "alice's personal namespace stays hers"
    );

    assert_eq!(
        handed.session.call("GET", "/me", None)["username"],
        "alice",
        "a web UI session from before the upgrade"
    );
    let refreshed = reqwest::blocking::Client::new()
        .post(format!("{}/v2/token", stack.portunus_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("service", "registry"),
            ("client_id", "docker"),
            ("refresh_token", handed.refresh.as_str()),
            ("scope", "repository:crew/app:pull"),
        ])
        .send()
        .expect("a refresh");
    assert_eq!(
        refreshed.status().as_u16(),
        200,
        "docker's refresh token from before"
    );
    let refreshed: Value = refreshed.json().expect("JSON");
    assert_eq!(
        token_claims(refreshed["access_token"].as_str().expect("a token"))["access"],
        json!([{"type": "repository", "name": "crew/app", "actions": ["pull"]}])
    );

    // The registry, which never stopped, takes this build's tokens (the
    // signing key carried over) and its events still arrive.
    let pulling = registry_token(&stack, "alice", &["repository:crew/app:pull,push"]);
    let manifest = reqwest::blocking::Client::new()
        .get(format!(
            "http://{}/v2/crew/app/manifests/t1",
            stack.registry()
        ))
        .bearer_auth(&pulling)
        .header("Accept", "application/vnd.oci.image.manifest.v1+json")
        .send()
        .expect("a pull");
    assert_eq!(manifest.status().as_u16(), 200, "a pull after the upgrade");
    push_small_image(&stack, &pulling, "crew/app", 3);
    alice.tags_once("crew/app", 3);

    let ready: Value = reqwest::blocking::get(format!("{}/ready", stack.portunus_url()))
        .and_then(|r| r.json())
        .expect("/ready");
    assert_eq!(
        ready["database"]["pending_migrations"],
        json!([]),
        "{ready}"
    );
    assert_eq!(
        ready["database"]["unknown_migrations"],
        json!([]),
        "{ready}"
    );
}

#[test]
fn the_release_of_2026_11_22_upgrades_on_postgresql_with_its_data() {
    if !require("docker-registry") {
        return;
    }
    let Some(database) = postgres_database("upgrade") else {
        return;
    };
    upgrade_with_data(Some(&database));
}

#[test]
fn the_release_of_2026_11_22_upgrades_on_sqlite_with_its_data() {
    if !require("docker-registry") {
        return;
    }
    upgrade_with_data(None);
}
