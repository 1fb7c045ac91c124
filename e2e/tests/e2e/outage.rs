//! A database that goes away, from outside: a PostgreSQL server of the
//! test's own behind a forwarder the test cuts (a database host that stops
//! answering), then the server itself stopped and started. Every REST and
//! token request is answered within two seconds, pulls with credentials
//! verified shortly before go on, and once the database is back Portunus
//! answers as before.

use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use portunus_e2e::peers::{Forwarder, Postgres};
use portunus_e2e::{Api, PASSWORD, Stack, layer_tar, require, token_claims, token_login};
use serde_json::{Value, json};

use crate::podman::Podman;

/// Longest any request may wait while the database is away.
const ANSWERED_WITHIN: Duration = Duration::from_secs(2);

/// One request's answer while the database is away, and how long it took.
struct Answer {
    status: u16,
    retry_after: bool,
    body: Value,
    took: Duration,
}

fn send(what: &str, request: reqwest::blocking::RequestBuilder) -> Answer {
    let started = Instant::now();
    let answer = request.send().expect("an answer");
    let took = started.elapsed();
    let status = answer.status().as_u16();
    let retry_after = answer.headers().contains_key("retry-after");
    let body = answer.json().unwrap_or(Value::Null);
    assert!(took < ANSWERED_WITHIN, "{what} took {took:?}");
    Answer {
        status,
        retry_after,
        body,
        took,
    }
}

/// The registry actions a token answer grants, as (repository, actions).
fn granted(answer: &Answer) -> Vec<(String, Vec<String>)> {
    let token = answer.body["token"].as_str().expect("a token");
    let access = token_claims(token)["access"].clone();
    serde_json::from_value::<Vec<Value>>(access)
        .expect("access")
        .iter()
        .map(|a| {
            let actions = a["actions"].as_array().expect("actions");
            let actions = actions.iter().map(|x| x.as_str().unwrap_or("").to_owned());
            (
                a["name"].as_str().unwrap_or("").to_owned(),
                actions.collect(),
            )
        })
        .collect()
}

fn said(answer: &Answer) -> String {
    answer.body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// What cannot be served gets a 503 with the reason and `Retry-After`,
/// never held for the connection pool's half minute, and `/ready` says so
/// at once. Credentials verified shortly before (a password from the same
/// address, an application token, a refresh token) get pull tokens, and a
/// real `podman pull` works; pushes, credentials not seen before and wrong
/// passwords get the 503. Once the database is back, the login made while
/// it was away is in the audit log.
#[test]
fn a_database_that_stops_answering_is_answered_within_two_seconds_and_pulls_go_on() {
    if !require("docker-registry") || !require("podman") {
        return;
    }
    let Some(server) = Postgres::start() else {
        return;
    };
    let mut url = url::Url::parse(&server.url()).expect("a database URL");
    let upstream = (url.host_str().expect("a host"), url.port().expect("a port"))
        .to_socket_addrs()
        .expect("the database's address")
        .next()
        .expect("one address");
    let forwarder = Forwarder::start(upstream);
    url.set_port(Some(forwarder.port)).expect("a port");
    let stack = Stack::start(&[("PORTUNUS_DATABASE_URL", url.as_str())]);
    stack.create_user("root");
    stack.create_user("alice");
    stack.create_user("bob");
    let registry = stack.registry();
    let image = format!("{registry}/alice/app:1");
    let alice = Api::sign_in(&stack, "alice");
    assert_eq!(alice.status("GET", "/repositories"), 200, "before");

    // Before: alice pushes with podman, and uses an application token and
    // a refresh token once each; a second podman logs in.
    let pusher = Podman::new(&stack, "alice");
    pusher.login(&registry, "alice", PASSWORD).assert_ok();
    let tar = layer_tar(stack.dir.path(), "outage e2e");
    pusher
        .run(&["import", &tar.to_string_lossy(), "localhost/e2e:1"])
        .assert_ok();
    pusher.push("localhost/e2e:1", &image).assert_ok();
    alice.repositories_once(1);
    let puller = Podman::new(&stack, "alice-pulls");
    puller.login(&registry, "alice", PASSWORD).assert_ok();
    let created = alice.call(
        "POST",
        "/tokens",
        Some(json!({"name": "ci", "resources": ["alice/app"], "access": "read"})),
    );
    let app_token = created["secret"].as_str().expect("a secret").to_owned();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let base = stack.portunus_url();
    let list_repositories = || {
        client
            .get(format!("{base}/api/v1/repositories"))
            .header("Cookie", alice.cookie())
    };
    let pull = |user: &str, secret: &str, actions: &str| {
        client
            .get(format!(
                "{base}/v2/token?service=registry&scope=repository:alice/app:{actions}"
            ))
            .basic_auth(user, Some(secret))
    };
    let refresh_grant = |refresh: &str| {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("service", "registry"),
            ("client_id", "e2e"),
            ("scope", "repository:alice/app:pull"),
        ];
        client.post(format!("{base}/v2/token")).form(&form)
    };
    let alice_app_pull = vec![("alice/app".to_owned(), vec!["pull".to_owned()])];
    let by_token = send("the token, before", pull("alice", &app_token, "pull"));
    assert_eq!(granted(&by_token), alice_app_pull, "before");
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", PASSWORD),
        ("service", "registry"),
        ("client_id", "e2e"),
        ("access_type", "offline"),
    ];
    let signed_in: Value = client
        .post(format!("{base}/v2/token"))
        .form(&form)
        .send()
        .and_then(|r| r.json())
        .expect("a password grant");
    let refresh = signed_in["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    let refreshed = send("the refresh token, before", refresh_grant(&refresh));
    assert_eq!(granted(&refreshed), alice_app_pull, "before");

    forwarder.cut();

    let repositories = send("the repositories with a session", list_repositories());
    assert_eq!(repositories.status, 503, "{}", repositories.body);
    assert!(repositories.retry_after, "{}", repositories.body);
    assert_eq!(repositories.body["code"], "database_unavailable");

    // Pulls with what was verified before: answered, for pull only.
    for (what, request) in [
        ("alice's password", pull("alice", PASSWORD, "pull")),
        (
            "alice's application token",
            pull("alice", &app_token, "pull"),
        ),
        ("alice's refresh token", refresh_grant(&refresh)),
    ] {
        let answer = send(what, request);
        assert_eq!(answer.status, 200, "{what}: {}", answer.body);
        assert_eq!(granted(&answer), alice_app_pull, "{what}");
        assert_eq!(answer.body["refresh_token"], Value::Null, "{what}");
    }
    // Everything else: the 503, saying what is still answered.
    for (what, request, words) in [
        ("a push", pull("alice", PASSWORD, "pull,push"), "only pulls"),
        (
            "bob, never seen",
            pull("bob", PASSWORD, "pull"),
            "only credentials used here in the last 5 minutes",
        ),
        (
            "a wrong password",
            pull("alice", "wrong-password", "pull"),
            "only credentials used here",
        ),
        (
            "a namespace not asked for before",
            client
                .get(format!(
                    "{base}/v2/token?service=registry&scope=repository:root/app:pull"
                ))
                .basic_auth("alice", Some(PASSWORD)),
            "only namespaces used through it in the last 5 minutes",
        ),
    ] {
        let answer = send(what, request);
        assert_eq!(answer.status, 503, "{what}: {}", answer.body);
        assert!(answer.retry_after, "{what}");
        let message = said(&answer);
        assert!(
            message.contains("cannot reach its database") && message.contains(words),
            "{what}: {message}"
        );
    }
    // Known to be away by now: answered without waiting.
    let ready = send("/ready", client.get(format!("{base}/ready")));
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(ready.body["database"]["reachable"], false, "{}", ready.body);
    let again = send("the repositories again", list_repositories());
    assert_eq!(again.status, 503, "{}", again.body);
    let message = again.body["message"].as_str().unwrap_or_default();
    assert!(message.contains("no answer since"), "{message}");
    for known in [&ready, &again] {
        assert!(
            known.took < Duration::from_millis(500),
            "waited {:?} though the outage was known",
            known.took
        );
    }

    // Real clients: a docker-style login, and a pull by podman.
    let before_login = chrono::Utc::now();
    let (status, body) = token_login(&stack, "alice", PASSWORD);
    assert_eq!(status, 200, "{body}");
    let after_login = chrono::Utc::now();
    puller
        .run(&["pull", "--tls-verify=false", &image])
        .assert_ok();
    pusher
        .push("localhost/e2e:1", &format!("{registry}/alice/app:2"))
        .assert_failed_saying(&["503"]);

    forwarder.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    while alice.status("GET", "/repositories") != 200 {
        assert!(
            Instant::now() < deadline,
            "the database came back, Portunus did not"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let login = loop {
        let page = alice.call("GET", "/activities?key=auth.registry_login", None);
        let away = page["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|a| {
                    a["parameters"]
                        .as_str()
                        .is_some_and(|p| p.contains("\"database_away\":true"))
                })
                .cloned()
        });
        if let Some(entry) = away {
            break entry;
        }
        assert!(
            Instant::now() < deadline,
            "the login made while the database was away was not recorded: {page}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(login["actor"], "alice", "{login}");
    let at = chrono::DateTime::parse_from_rfc3339(login["created_at"].as_str().unwrap_or(""))
        .expect("a time")
        .with_timezone(&chrono::Utc);
    assert!(
        before_login - chrono::Duration::seconds(1) <= at && at <= after_login,
        "recorded with the time it happened, not when written: {login}"
    );

    // The server itself stopped, as a crash would: the same, then back.
    server.stop();
    let stopped = send("the repositories, the server stopped", list_repositories());
    assert_eq!(stopped.status, 503, "{}", stopped.body);
    assert_eq!(stopped.body["code"], "database_unavailable");
    let pulled = send(
        "alice's password, the server stopped",
        pull("alice", PASSWORD, "pull"),
    );
    assert_eq!(pulled.status, 200, "{}", pulled.body);
    assert_eq!(granted(&pulled), alice_app_pull);
    server.resume();
    let deadline = Instant::now() + Duration::from_secs(20);
    while alice.status("GET", "/repositories") != 200 {
        assert!(
            Instant::now() < deadline,
            "the server started again, Portunus did not serve"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
