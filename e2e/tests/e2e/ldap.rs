//! Sign-in with a real OpenLDAP slapd: podman logins and pushes of
//! directory users, groups deciding team membership and the administrator
//! flag both ways, TLS refusals, and directory outages.

use portunus_e2e::peers::{BASE, Slapd};
use portunus_e2e::{
    Api, Stack, layer_tar, registry_token_with, require, run, token_claims, token_login,
};
use serde_json::{Value, json};

use crate::podman::Podman;

/// Starts slapd and a stack using it with `extra` settings; `None` when a
/// tool is missing outside CI.
fn start(dir: &tempfile::TempDir, extra: &[(&'static str, &str)]) -> Option<(Slapd, Stack)> {
    if !require("docker-registry") {
        return None;
    }
    let slapd = Slapd::start(&dir.path().join("ldap"))?;
    let mut settings = slapd.settings();
    // `portunus ldap sync` is another process: its changes are to count
    // at the next token request, not within 100 ms.
    settings.push(("PORTUNUS_TOKEN__CHANGES_ELSEWHERE_MS", "0".into()));
    settings.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let stack = Stack::start_with(&settings);
    Some((slapd, stack))
}

/// The activities with `key` (administrator's view), as (actor, target, parameters).
fn activities(api: &Api, key: &str) -> Vec<(String, String, Value)> {
    let page = api.call("GET", &format!("/activities?key={key}&per_page=100"), None);
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| {
            let parameters = a["parameters"]
                .as_str()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or(Value::Null);
            (
                a["actor"].as_str().unwrap_or_default().to_owned(),
                a["target"].as_str().unwrap_or_default().to_owned(),
                parameters,
            )
        })
        .collect()
}

/// Carol, in the directory's "developers" group, is the mapped team's
/// contributor, and alone in it.
fn assert_carol_develops(root: &Api) {
    assert_eq!(
        root.team_members("developers"),
        [("carol".to_owned(), "contributor".to_owned())]
    );
}

#[test]
fn directory_users_push_and_their_groups_decide_teams_both_ways() {
    if !require("podman") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // Every login asks the directory (no cache), so a change shows at once.
    let Some((slapd, stack)) = start(&dir, &[("PORTUNUS_LDAP__CACHE_SECONDS", "0")]) else {
        return;
    };
    stack.create_user("root"); // a local administrator keeps working
    let root = Api::sign_in(&stack, "root");
    let registry = stack.registry();

    // carol is in "developers": her first login creates her account, and
    // the mapped team (created too) has her as contributor.
    let carol = Podman::new(&stack, "carol");
    carol.login(&registry, "carol", "wrong").assert_refused();
    carol.login(&registry, "carol", "carolpw").assert_ok();
    let me = Api::sign_in_with(&stack, "carol", "carolpw").call("GET", "/me", None);
    assert_eq!(me["username"], "carol");
    assert_eq!(me["email"], "carol@example.org");
    assert_eq!(me["display_name"], "Carol Clark");
    assert_eq!(me["admin"], false);
    assert_eq!(me["directory"], "ldap");
    let listed = root.call("GET", "/users?q=carol", None);
    assert_eq!(listed["items"][0]["directory"], "ldap", "{listed}");
    assert_carol_develops(&root);
    root.call(
        "POST",
        "/namespaces",
        Some(json!({"name": "dev", "team": "developers"})),
    );

    let tar = layer_tar(stack.dir.path(), "ldap e2e");
    carol
        .run(&["import", &tar.to_string_lossy(), "localhost/l:1"])
        .assert_ok();
    carol
        .push("localhost/l:1", &format!("{registry}/carol/app:1"))
        .assert_ok();
    carol
        .push("localhost/l:1", &format!("{registry}/dev/app:1"))
        .assert_ok();

    // A team the mapping does not name is Portunus's own business.
    root.call(
        "POST",
        "/teams",
        Some(json!({"name": "qa", "description": ""})),
    );
    root.call(
        "PUT",
        "/teams/qa/members/carol",
        Some(json!({"role": "viewer"})),
    );

    // Out of the group in the directory: out of the team at the next login.
    slapd.modify(&format!(
        "dn: cn=developers,ou=groups,{BASE}\nchangetype: modify\ndelete: memberUid\nmemberUid: carol\n"
    ));
    carol.login(&registry, "carol", "carolpw").assert_ok();
    assert_eq!(root.team_members("developers"), []);
    assert_eq!(
        root.team_members("qa"),
        [
            ("carol".to_owned(), "viewer".to_owned()),
            ("root".to_owned(), "owner".to_owned())
        ],
        "left alone"
    );
    carol
        .push("localhost/l:1", &format!("{registry}/dev/app:2"))
        .assert_refused();
    carol
        .push("localhost/l:1", &format!("{registry}/carol/app:2"))
        .assert_ok();
    let removed = activities(&root, "team.remove_member");
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0].0, "portunus-directory");
    assert_eq!(removed[0].1, "developers");
    assert_eq!(removed[0].2["user"], "carol");

    // bob is in "admins": an administrator until the group says otherwise.
    let bob = Api::sign_in_with(&stack, "bob", "bobpw");
    assert_eq!(bob.call("GET", "/me", None)["admin"], true);
    slapd.modify(&format!(
        "dn: cn=admins,ou=groups,{BASE}\nchangetype: modify\ndelete: member\nmember: uid=bob,ou=people,{BASE}\n"
    ));
    let (status, _) = token_login(&stack, "bob", "bobpw");
    assert_eq!(status, 200);
    assert_eq!(bob.call("GET", "/me", None)["admin"], false);
    let revoked = activities(&root, "user.revoke_admin");
    assert_eq!(
        revoked
            .iter()
            .map(|(actor, target, _)| (actor.as_str(), target.as_str()))
            .collect::<Vec<_>>(),
        [("portunus-directory", "bob")]
    );

    // Directory passwords are never stored.
    let stored = run(
        "sqlite3",
        &[
            &stack.path("data/portunus.db").to_string_lossy(),
            "SELECT username, password_hash IS NULL FROM users ORDER BY username",
        ],
        &[],
        None,
    );
    stored.assert_ok();
    assert_eq!(
        String::from_utf8_lossy(&stored.output.stdout),
        "bob|1\ncarol|1\nroot|0\n"
    );
}

#[test]
fn a_directory_outage_names_the_directory_and_locks_nobody_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((mut slapd, stack)) = start(&dir, &[("PORTUNUS_LOCKOUT_ATTEMPTS", "3")]) else {
        return;
    };
    let (status, _) = token_login(&stack, "carol", "carolpw");
    assert_eq!(status, 200, "carol's login is remembered for a while");

    slapd.pause();
    // A remembered login keeps working; the directory is not asked.
    assert_eq!(token_login(&stack, "carol", "carolpw").0, 200);
    // Others are told the directory is down, not that their password is
    // wrong, as often as they try.
    // (A 401, since registry clients show no other answer's message, with
    // its own code and Retry-After.)
    for _ in 0..5 {
        let (status, body) = token_login(&stack, "alice", "alicepw");
        assert_eq!(status, 401, "{body}");
        let expected = format!("the LDAP directory {} could not be reached", slapd.url());
        assert!(body.contains(&expected), "{body}");
        assert!(body.contains("your password was not checked"), "{body}");
        assert!(body.contains("\"UNAVAILABLE\""), "{body}");
    }
    // What real clients show: docker prints the message; podman says only
    // "invalid username/password" for any refused login.
    if crate::docker::engine_available() {
        let config = stack.path("docker-config");
        std::fs::create_dir_all(&config).expect("docker config dir");
        let refused = crate::docker::docker_login(&config, &stack.registry(), "alice", "alicepw");
        let expected = format!("the LDAP directory {} could not be reached", slapd.url());
        refused.assert_failed_saying(&[&expected.to_lowercase()]);
    }
    if require("podman") {
        let podman = Podman::new(&stack, "alice");
        podman
            .login(&stack.registry(), "alice", "alicepw")
            .assert_refused();
    }
    let (status, body) = {
        let http = reqwest::blocking::Client::new();
        let response = http
            .post(format!("{}/api/v1/session", stack.portunus_url()))
            .json(&json!({"username": "bob", "password": "bobpw"}))
            .send()
            .expect("sign in");
        (
            response.status().as_u16(),
            response.text().unwrap_or_default(),
        )
    };
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("directory_unavailable"), "{body}");

    slapd.resume();
    assert_eq!(token_login(&stack, "alice", "alicepw").0, 200, "not locked");
    assert_eq!(token_login(&stack, "bob", "bobpw").0, 200);
}

#[test]
fn tls_to_the_directory_is_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((slapd, mut stack)) = start(&dir, &[]) else {
        return;
    };
    // StartTLS with a CA that did not sign the server's certificate.
    let other_ca = slapd
        .dir
        .join("other-ca.crt")
        .to_string_lossy()
        .into_owned();
    stack.stop_portunus();
    stack.set_env("PORTUNUS_LDAP__CA_FILE", &other_ca);
    stack.restart_portunus();
    let (status, body) = token_login(&stack, "alice", "alicepw");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("ldap.ca_file"), "{body}");

    // ldaps:// with the right CA.
    stack.stop_portunus();
    stack.set_env("PORTUNUS_LDAP__CA_FILE", &slapd.ca_file());
    stack.set_env("PORTUNUS_LDAP__START_TLS", "false");
    stack.set_env("PORTUNUS_LDAP__URL", &slapd.tls_url());
    stack.restart_portunus();
    assert_eq!(token_login(&stack, "alice", "alicepw").0, 200);
    assert_eq!(token_login(&stack, "alice", "bobpw").0, 401);
}

#[test]
fn the_check_command_explains_each_step() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((slapd, mut stack)) = start(&dir, &[]) else {
        return;
    };
    let check = |args: &[&str], stdin: Option<&str>| {
        let mut command = stack.portunus();
        command.arg("ldap").arg("check").args(args);
        let output = portunus_e2e::output_of(command, stdin);
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (ok, out) = check(&["alice"], None);
    assert!(ok, "{out}");
    assert!(
        out.contains("ok      find the user: uid=alice,ou=people,dc=example,dc=org"),
        "{out}"
    );
    assert!(out.contains("groups:       admins, developers"), "{out}");
    assert!(out.contains("administrator: yes"), "{out}");
    assert!(
        out.contains("team:         developers as contributor"),
        "{out}"
    );

    assert!(!out.contains("WARNING"), "{out}");
    let (ok, out) = check(&["carol", "--password"], Some("wrong\n"));
    assert!(!ok);
    assert!(
        out.contains("FAILED  bind as the user: the directory refused the password"),
        "{out}"
    );
    let (ok, out) = check(&["nobody"], None);
    assert!(!ok);
    assert!(out.contains("FAILED  find the user: no entry"), "{out}");

    // A second `developers` elsewhere under the group base: the bare name
    // in the mapping is ambiguous, and both the check and the server say so.
    slapd.modify(&format!(
        "dn: ou=archive,ou=groups,{BASE}\nchangetype: add\nobjectClass: organizationalUnit\nou: archive\n\n\
         dn: cn=developers,ou=archive,ou=groups,{BASE}\nchangetype: add\nobjectClass: posixGroup\ncn: developers\ngidNumber: 5001\n"
    ));
    let (ok, out) = check(&["alice"], None);
    assert!(ok, "{out}");
    let warning = format!(
        "WARNING ldap.groups names \"developers\" by its name alone, and 2 groups of the directory have it (cn=developers,ou=archive,ou=groups,{BASE}; cn=developers,ou=groups,{BASE})"
    );
    assert!(out.contains(&warning), "{out}");

    stack.stop_portunus();
    stack.restart_portunus();
    let logged = stack.wait_for_log("by its name alone");
    assert!(logged.contains("cn=developers,ou=archive"), "{logged}");
}

#[test]
fn users_the_directory_no_longer_knows_are_disabled_by_the_sync() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((slapd, stack)) = start(&dir, &[]) else {
        return;
    };
    stack.create_user("root");
    let root = Api::sign_in(&stack, "root");
    assert_eq!(token_login(&stack, "carol", "carolpw").0, 200);
    let carol = Api::sign_in_with(&stack, "carol", "carolpw");
    let token = carol.call("POST", "/tokens", Some(json!({"name": "ci"})));
    let secret = token["secret"].as_str().expect("token secret").to_owned();
    assert_eq!(token_login(&stack, "carol", &secret).0, 200);

    run(
        "ldapdelete",
        &[
            "-x",
            "-H",
            &slapd.url(),
            "-D",
            &format!("cn=admin,{BASE}"),
            "-w",
            "adminpw",
            &format!("uid=carol,ou=people,{BASE}"),
        ],
        &[],
        None,
    )
    .assert_ok();
    let mut sync = stack.portunus();
    sync.args(["ldap", "sync"]);
    let output = portunus_e2e::output_of(sync, None);
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("checked 1 directory accounts; 1 disabled"),
        "{output:?}"
    );
    // Her session, her application token and her password are all refused.
    assert_eq!(carol.status("GET", "/me"), 401);
    assert_eq!(token_login(&stack, "carol", &secret).0, 401);
    assert_eq!(token_login(&stack, "carol", "carolpw").0, 401);
    let disabled = activities(&root, "user.disable");
    assert_eq!(disabled.len(), 1, "{disabled:?}");
    assert_eq!(disabled[0].0, "portunus-directory");
}

/// `POST /v2/token` with a form, as containerd and docker send it.
fn oauth_token(stack: &Stack, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/v2/token", stack.portunus_url()))
        .form(form)
        .send()
        .expect("token request");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// The actions carol's token gets on `dev/app` for `form` (a token request).
fn carols_rights_on_dev_app(stack: &Stack, form: &[(&str, &str)]) -> Value {
    let (status, answer) = oauth_token(stack, form);
    assert_eq!(status, 200, "{answer}");
    let token = answer["access_token"].as_str().expect("a token");
    token_claims(token)["access"].clone()
}

#[test]
fn a_sign_in_applies_the_directorys_groups_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Registry logins take the directory's remembered answer for an hour.
    let Some((slapd, stack)) = start(&dir, &[("PORTUNUS_LDAP__CACHE_SECONDS", "3600")]) else {
        return;
    };
    stack.create_user("root");
    let root = Api::sign_in(&stack, "root");
    assert_eq!(token_login(&stack, "carol", "carolpw").0, 200);
    assert_carol_develops(&root);
    root.call(
        "POST",
        "/namespaces",
        Some(json!({"name": "dev", "team": "developers"})),
    );
    let grant = [
        ("grant_type", "password"),
        ("username", "carol"),
        ("password", "carolpw"),
        ("service", "registry"),
        ("client_id", "e2e"),
        ("scope", "repository:dev/app:pull,push"),
    ];
    let push = json!([{"type": "repository", "name": "dev/app", "actions": ["pull", "push"]}]);
    assert_eq!(carols_rights_on_dev_app(&stack, &grant), push);

    // Out of the group: the web UI's sign-in asks the directory although
    // its yes is remembered, and she is out of the team at once.
    slapd.modify(&format!(
        "dn: cn=developers,ou=groups,{BASE}\nchangetype: modify\ndelete: memberUid\nmemberUid: carol\n"
    ));
    Api::sign_in_with(&stack, "carol", "carolpw");
    assert_eq!(root.team_members("developers"), []);
    let registry_login = registry_token_with(
        &stack.portunus_url(),
        "carol",
        "carolpw",
        &["repository:dev/app:pull,push"],
    );
    assert_eq!(token_claims(&registry_login)["access"], json!([]));

    // Back in it: the OAuth2 password grant asks the directory too.
    slapd.modify(&format!(
        "dn: cn=developers,ou=groups,{BASE}\nchangetype: modify\nadd: memberUid\nmemberUid: carol\n"
    ));
    assert_eq!(carols_rights_on_dev_app(&stack, &grant), push);
    assert_carol_develops(&root);
}

#[test]
fn names_of_directory_users_cannot_be_signed_up_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((_slapd, stack)) = start(&dir, &[]) else {
        return;
    };
    stack.create_user("root");
    let sign_up = |username: &str| {
        let response = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/signup", stack.portunus_url()))
            .json(&json!({"username": username, "password": "a-long-password-1"}))
            .send()
            .expect("sign-up");
        (
            response.status().as_u16(),
            response.text().unwrap_or_default(),
        )
    };
    // bob never signed in here: his name is still his.
    let (status, said) = sign_up("bob");
    assert_eq!(status, 409, "{said}");
    assert!(said.contains("is a user of the LDAP directory"), "{said}");
    let (status, said) = sign_up("Bob");
    assert_eq!(status, 409, "the directory finds Bob as bob: {said}");
    let (status, said) = sign_up(" bob ");
    assert_eq!(status, 400, "no user name has spaces around it: {said}");
    assert_eq!(
        token_login(&stack, "bob", "bobpw").0,
        200,
        "bob's own sign-in"
    );
    let (status, said) = sign_up("dave");
    assert_eq!(status, 201, "a name the directory does not know: {said}");
}

#[test]
fn refresh_tokens_of_directory_users_end_when_the_directory_forgets_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((slapd, stack)) = start(&dir, &[("PORTUNUS_LDAP__CACHE_SECONDS", "0")]) else {
        return;
    };
    // The OAuth2 password grant takes directory passwords like the others.
    let (status, wrong) = oauth_token(
        &stack,
        &[
            ("grant_type", "password"),
            ("username", "carol"),
            ("password", "alicepw"),
            ("service", "registry"),
            ("client_id", "e2e"),
            ("access_type", "offline"),
        ],
    );
    assert_eq!(status, 401, "{wrong}");
    let (status, granted) = oauth_token(
        &stack,
        &[
            ("grant_type", "password"),
            ("username", "carol"),
            ("password", "carolpw"),
            ("service", "registry"),
            ("client_id", "e2e"),
            ("access_type", "offline"),
        ],
    );
    assert_eq!(status, 200, "{granted}");
    let refresh = granted["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("service", "registry"),
        ("client_id", "e2e"),
    ];
    let (status, _) = oauth_token(&stack, &refresh_form);
    assert_eq!(status, 200, "the directory still knows carol");

    slapd.modify(&format!(
        "dn: uid=carol,ou=people,{BASE}\nchangetype: delete\n"
    ));
    let (status, refused) = oauth_token(&stack, &refresh_form);
    assert_eq!(status, 401, "{refused}");
    let said = refused["error_description"].as_str().unwrap_or_default();
    assert!(
        said.contains("the directory no longer knows this account"),
        "{refused}"
    );
}

#[test]
fn local_accounts_can_be_limited_to_administrators_and_taken_over_by_rule() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((_slapd, mut stack)) = start(&dir, &[]) else {
        return;
    };
    stack.create_user("root");
    // A local account with the name of a directory user, made on purpose.
    let refused = stack
        .portunus()
        .args(["user", "create", "alice"])
        .output()
        .expect("run portunus user create");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("is a user of the LDAP directory") && said.contains("--local"),
        "{said}"
    );
    stack.create_user_with("alice", &["--local"]);
    // By default the local alice signs in with her local password, and the
    // directory's alice is refused rather than handed her account.
    assert_eq!(token_login(&stack, "alice", portunus_e2e::PASSWORD).0, 200);
    assert_eq!(token_login(&stack, "alice", "alicepw").0, 401);
    let local = Api::sign_in(&stack, "alice").call("GET", "/me", None);
    assert_eq!(
        local["directory"],
        Value::Null,
        "still the local account: {local}"
    );
    let (status, body) = token_login(&stack, "bob", "bobpw");
    assert_eq!(status, 200, "{body}");

    // Only local administrators: the local alice's password no longer
    // works, and the directory's cannot take her account ...
    stack.stop_portunus();
    stack.set_env("PORTUNUS_LDAP__LOCAL_ACCOUNTS", "admins");
    stack.restart_portunus();
    assert_eq!(token_login(&stack, "root", portunus_e2e::PASSWORD).0, 200);
    assert_eq!(token_login(&stack, "alice", portunus_e2e::PASSWORD).0, 401);
    let (status, body) = token_login(&stack, "alice", "alicepw");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("ldap.link_local_accounts"), "{body}");

    // ... until the rule says it may: then it keeps her namespace.
    stack.stop_portunus();
    stack.set_env("PORTUNUS_LDAP__LINK_LOCAL_ACCOUNTS", "true");
    stack.restart_portunus();
    assert_eq!(token_login(&stack, "alice", "alicepw").0, 200);
    assert_eq!(token_login(&stack, "alice", portunus_e2e::PASSWORD).0, 401);
    let alice = Api::sign_in_with(&stack, "alice", "alicepw").call("GET", "/me", None);
    assert_eq!(alice["directory"], "ldap");
    assert_eq!(alice["namespace"], "alice");
    let root = Api::sign_in(&stack, "root");
    let linked = activities(&root, "user.link_directory");
    assert_eq!(linked.len(), 1, "{linked:?}");
}

#[test]
fn direct_binds_need_no_service_account() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((_slapd, mut stack)) = start(&dir, &[]) else {
        return;
    };
    stack.create_user("root");
    stack.stop_portunus();
    let template = "uid={username},ou=people,dc=example,dc=org";
    stack.set_env("PORTUNUS_LDAP__BIND_DN", template);
    stack.set_env("PORTUNUS_LDAP__SERVICE_DN", "");
    stack.set_env("PORTUNUS_LDAP__SERVICE_PASSWORD", "");
    stack.restart_portunus();
    assert_eq!(token_login(&stack, "carol", "bobpw").0, 401);
    assert_eq!(token_login(&stack, "carol", "carolpw").0, 200);
    // Her groups are read as herself.
    let root = Api::sign_in(&stack, "root");
    assert_carol_develops(&root);
}
