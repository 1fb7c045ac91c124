//! A database that goes away, from outside: PostgreSQL behind a forwarder
//! the test cuts, as a database host that stops answering. REST requests
//! are answered within two seconds and token requests within four (503
//! with the reason and `Retry-After`), never held for the connection
//! pool's half minute; once the database is back, Portunus answers as
//! before.

use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use portunus_e2e::peers::Forwarder;
use portunus_e2e::{Api, PASSWORD, Stack, postgres_database, require};

/// Longest a REST request may wait while the database is away.
const REST_FAILS_WITHIN: Duration = Duration::from_secs(2);
/// Longest a token request may wait: it asks the database twice (the
/// authorization epoch, then the credentials), each for at most 1.5 s.
const TOKEN_FAILS_WITHIN: Duration = Duration::from_secs(4);

#[test]
fn a_database_that_stops_answering_is_answered_within_two_seconds() {
    if !require("docker-registry") {
        return;
    }
    let Some(database) = postgres_database("outage") else {
        return;
    };
    let mut url = url::Url::parse(&database).expect("a database URL");
    let upstream = (url.host_str().expect("a host"), url.port().expect("a port"))
        .to_socket_addrs()
        .expect("the database's address")
        .next()
        .expect("one address");
    let forwarder = Forwarder::start(upstream);
    url.set_port(Some(forwarder.port)).expect("a port");
    let stack = Stack::start(&[("PORTUNUS_DATABASE_URL", url.as_str())]);
    stack.create_user("alice");
    let alice = Api::sign_in(&stack, "alice");
    assert_eq!(alice.status("GET", "/repositories"), 200, "before");

    forwarder.cut();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let base = stack.portunus_url();
    let requests = [
        (
            "the repositories with a session",
            REST_FAILS_WITHIN,
            client
                .get(format!("{base}/api/v1/repositories"))
                .header("Cookie", alice.cookie()),
        ),
        (
            "a docker login",
            TOKEN_FAILS_WITHIN,
            client
                .get(format!(
                    "{base}/v2/token?service=registry&scope=repository:alice/app:pull"
                ))
                .basic_auth("alice", Some(PASSWORD)),
        ),
    ];
    for (what, within, request) in requests {
        let started = Instant::now();
        let answer = request.send().expect("an answer");
        let took = started.elapsed();
        assert_eq!(answer.status().as_u16(), 503, "{what}");
        assert!(
            answer.headers().contains_key("retry-after"),
            "{what}: {:?}",
            answer.headers()
        );
        assert!(took < within, "{what} took {took:?}");
    }

    forwarder.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    while alice.status("GET", "/repositories") != 200 {
        assert!(
            Instant::now() < deadline,
            "the database came back, Portunus did not"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
