//! `portunus import-portus` against a real Portus database: the fixture
//! (`e2e/fixtures/portus.sql`, Portus's tables with real Devise bcrypt
//! hashes) loaded into a throwaway MariaDB and into PostgreSQL. The dry run
//! says what it would do and writes nothing; the import brings users (who
//! then log in with their Portus passwords), teams and roles, namespaces,
//! repositories, tags, stars, comments, webhooks and application tokens
//! (which `docker login` then takes), and says what it skipped and why; a
//! second run changes nothing.

use std::process::Command;

use portunus_e2e::peers::MariaDb;
use portunus_e2e::{
    Api, Stack, output_of, postgres_database, require, token_login, workspace_root,
};
use serde_json::Value;

/// The application token of alice's in the fixture (Portus stored its bcrypt).
const PORTUS_TOKEN: &str = "Ps2xQ8-kLm_zR4vT9yWa";

fn fixture() -> String {
    std::fs::read_to_string(workspace_root().join("e2e/fixtures/portus.sql"))
        .expect("e2e/fixtures/portus.sql")
}

/// Runs `portunus import-portus --from URL [--dry-run]`; its output.
fn import(stack: &Stack, from: &str, dry_run: bool) -> String {
    let mut command: Command = stack.portunus();
    command.args(["import-portus", "--from", from]);
    if dry_run {
        command.arg("--dry-run");
    }
    let out = output_of(command, None);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "import-portus failed:\n{text}");
    text
}

fn has(output: &str, line: &str) {
    assert!(
        output.lines().any(|l| l == line),
        "no line {line:?} in:\n{output}"
    );
}

/// The lines every import of the fixture prints, whatever was there.
const SKIPPED: &[&str] = &[
    "skip user \"bad name\": user name \"bad name\": only letters, digits, '.', '_', '-' and '@' are allowed, not ' '",
    "skip user \"portus\": Portus's own API account (portus:create_api_account); Portunus reads the registry with tokens it signs itself",
    "skip team \"Bad Team!\": team name \"Bad Team!\": use 1 to 80 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit",
    "skip team_member of Portus user 6: the user was not imported",
    "skip namespace \"legacy\": its team was not imported",
    "skip repository \"old\": Portus was deleting it",
    "skip repository \"thing\": its namespace was not imported",
    "skip tag \"gone\": no repository imported or no digest",
];

fn user_count(root: &Api) -> Value {
    root.call("GET", "/users", None)["total"].clone()
}

/// Imports `from` into a fresh Portunus and checks everything it brought.
fn import_and_check(from: &str) {
    let stack = Stack::start(&[]);
    stack.create_user("root");
    let root = Api::sign_in(&stack, "root");

    let preview = import(&stack, from, true);
    for line in SKIPPED {
        has(&preview, line);
    }
    has(
        &preview,
        "users: 5 created, 0 linked to what was here, 0 from an earlier import, 2 skipped",
    );
    has(
        &preview,
        "dry run: nothing was written; run again without --dry-run to import",
    );
    assert_eq!(user_count(&root), 1, "the dry run wrote nothing");

    let done = import(&stack, from, false);
    for line in SKIPPED {
        has(&done, line);
    }
    for line in [
        "users: 5 created, 0 linked to what was here, 0 from an earlier import, 2 skipped",
        "teams: 1 created, 0 linked to what was here, 0 from an earlier import, 1 skipped",
        "team members: 2 created, 0 linked to what was here, 0 from an earlier import, 1 skipped",
        "namespaces: 5 created, 0 linked to what was here, 0 from an earlier import, 1 skipped",
        "repositories: 3 created, 0 linked to what was here, 0 from an earlier import, 2 skipped",
        "tags: 4 created, 0 linked to what was here, 0 from an earlier import, 1 skipped",
        "stars: 2 created, 0 linked to what was here, 0 from an earlier import, 0 skipped",
        "comments: 1 created, 0 linked to what was here, 0 from an earlier import, 0 skipped",
        "webhooks: 1 created, 0 linked to what was here, 0 from an earlier import, 0 skipped",
        "application tokens: 1 created, 0 linked to what was here, 0 from an earlier import, 0 skipped",
        "activities: 4 created, 0 linked to what was here, 0 from an earlier import, 1 skipped",
        "skip 1 activities: its Repository is gone and the activity does not name it",
        "user \"dave\" signed in through a directory or provider in Portus; configure [ldap] or [oidc] and they sign in the same way",
    ] {
        has(&done, line);
    }
    assert_eq!(user_count(&root), 6);

    // Old passwords log in (bcrypt, then argon2id); wrong ones do not.
    assert_eq!(token_login(&stack, "alice", "alice-portus-pw").0, 200);
    assert_eq!(token_login(&stack, "alice", "alice-portus-pw").0, 200);
    assert_eq!(token_login(&stack, "alice", "wrong-password").0, 401);
    assert_eq!(token_login(&stack, "bob", "bob-portus-pw").0, 200);
    // Alice's Portus token: bcrypt at its first use, SHA-256 after; hers only.
    assert_eq!(token_login(&stack, "alice", PORTUS_TOKEN).0, 200);
    assert_eq!(token_login(&stack, "alice", PORTUS_TOKEN).0, 200);
    assert_eq!(token_login(&stack, "bob", PORTUS_TOKEN).0, 401);
    assert_eq!(token_login(&stack, "alice", "Ps2xQ8-kLm_zR4vT9yWb").0, 401);
    if crate::docker::engine_available() {
        let config = tempfile::tempdir().expect("docker config dir");
        crate::docker::docker_login(config.path(), &stack.registry(), "alice", PORTUS_TOKEN)
            .assert_ok();
    }
    let admin = Api::sign_in_with(&stack, "admin", "admin-portus-pw");
    let me = admin.call("GET", "/me", None);
    assert_eq!(me["admin"], true, "Portus's administrator stays one: {me}");
    let alice = Api::sign_in_with(&stack, "alice", "alice-portus-pw");
    assert_eq!(
        alice.call("GET", "/me", None)["display_name"],
        "Alice Archer"
    );

    // Namespaces, repositories, tags, stars, comments, teams.
    let web = root.call("GET", "/namespaces/web", None);
    assert_eq!(web["visibility"], "protected", "{web}");
    assert_eq!(web["team"], "web");
    assert_eq!(web["description"], "The web team's images");
    let personal = root.call("GET", "/namespaces/alice", None);
    assert_eq!(personal["visibility"], "private", "{personal}");
    assert_eq!(personal["description"], "Alice's images");
    let listed = root.call("GET", "/repositories", None);
    let mut names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["alice/app", "busybox", "web/frontend"], "{listed}");
    let app = root.repository_id("alice/app");
    let tags = root.call("GET", &format!("/repositories/{app}/tags"), None);
    let mut tag_names: Vec<&str> = tags
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    tag_names.sort_unstable();
    assert_eq!(tag_names, ["1.0", "latest"], "{tags}");
    let repo = root.call("GET", &format!("/repositories/{app}"), None);
    assert_eq!(repo["stars"], 1, "bob's star: {repo}");
    let comments = root.call("GET", &format!("/repositories/{app}/comments"), None);
    assert_eq!(comments[0]["author"], "bob", "{comments}");
    assert_eq!(comments[0]["body"], "Nice **image**");
    let members = root.team_members("web");
    assert_eq!(
        members,
        [
            ("alice".to_owned(), "owner".to_owned()),
            ("bob".to_owned(), "contributor".to_owned())
        ]
    );

    // The activity log, Portus's history at its own times.
    let pushes = root.call("GET", "/activities?key=repository.push", None);
    assert_eq!(pushes["total"], 1, "{pushes}");
    assert_eq!(pushes["items"][0]["actor"], "alice");
    assert_eq!(pushes["items"][0]["target"], "alice/app:latest");
    assert_eq!(pushes["items"][0]["created_at"], "2019-04-02T10:00:00Z");
    let deleted = root.call("GET", "/activities?key=repository.delete", None);
    assert_eq!(deleted["items"][0]["target"], "web/retired", "{deleted}");
    let joined = root.call("GET", "/activities?key=team.add_member", None);
    assert_eq!(joined["items"][0]["target"], "web", "{joined}");

    // The webhook, its password and header sealed.
    let hooks = alice.call("GET", "/namespaces/web/webhooks", None);
    assert_eq!(hooks[0]["name"], "deploy", "{hooks}");
    assert_eq!(hooks[0]["url"], "https://ci.example.org/hooks/web");
    assert_eq!(hooks[0]["header_names"], serde_json::json!(["x-token"]));
    assert_eq!(hooks[0]["basic_auth_username"], "ci");
    assert_eq!(hooks[0]["events"], serde_json::json!(["push", "delete"]));

    // Again: nothing changes.
    let again = import(&stack, from, false);
    has(
        &again,
        "users: 0 created, 0 linked to what was here, 5 from an earlier import, 2 skipped",
    );
    has(
        &again,
        "tags: 0 created, 0 linked to what was here, 4 from an earlier import, 1 skipped",
    );
    assert_eq!(user_count(&root), 6);
    assert_eq!(root.call("GET", "/repositories", None)["total"], 3);
}

/// A throwaway MariaDB in `dir` holding the fixture; `None` as
/// [`MariaDb::start`] says.
fn portus_on_mariadb(dir: &tempfile::TempDir) -> Option<MariaDb> {
    let mariadb = MariaDb::start(dir.path())?;
    mariadb.sql(Some("portus"), &fixture()).assert_ok();
    Some(mariadb)
}

#[test]
fn a_portus_database_on_mariadb_imports_and_its_users_log_in() {
    if !require("docker-registry") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(mariadb) = portus_on_mariadb(&dir) else {
        return;
    };
    import_and_check(&mariadb.url());
}

#[test]
fn a_portus_database_on_postgresql_imports_alike() {
    if !require("docker-registry") {
        return;
    }
    let Some(url) = postgres_database("portus") else {
        return;
    };
    let sql = fixture()
        .replace("DATETIME", "TIMESTAMP")
        .replace("`key`", "\"key\"");
    let psql = "/usr/lib/postgresql/15/bin/psql";
    let loaded = output_of(
        {
            let mut c = Command::new(psql);
            c.args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1"]);
            c
        },
        Some(&sql),
    );
    assert!(
        loaded.status.success(),
        "loading the fixture into PostgreSQL: {}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    import_and_check(&url);
}

/// An account that was here before, under the same name (whatever its
/// case), may be someone else: it is linked, and gets neither Portus's
/// password, team roles, namespace settings nor application tokens.
#[test]
fn an_account_that_was_here_gets_no_portus_rights() {
    if !require("docker-registry") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(mariadb) = portus_on_mariadb(&dir) else {
        return;
    };
    let stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("Bob");
    let root = Api::sign_in(&stack, "root");
    let before = root.call("GET", "/namespaces/bob", None);
    let done = import(&stack, &mariadb.url(), false);
    for line in [
        "user \"bob\" is here already (as \"Bob\"): linked, left as it is",
        "users: 4 created, 1 linked to what was here, 0 from an earlier import, 2 skipped",
        "skip team_member of Portus user 3: the team or the account was here before the import (add them by hand)",
        "team members: 1 created, 0 linked to what was here, 0 from an earlier import, 2 skipped",
    ] {
        has(&done, line);
    }
    assert_eq!(
        token_login(&stack, "Bob", "bob-portus-pw").0,
        401,
        "Portus bob's password is not Bob's"
    );
    assert_eq!(
        root.team_members("web"),
        [("alice".to_owned(), "owner".to_owned())]
    );
    let after = root.call("GET", "/namespaces/bob", None);
    assert_eq!(after["visibility"], before["visibility"], "{after}");
    assert_eq!(after["description"], before["description"]);
}
