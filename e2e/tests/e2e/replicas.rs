//! Two Portunus processes on one PostgreSQL database in front of one real
//! registry: they sign with one shared key (tokens from either are accepted
//! by the registry), and a burst of pushes, with the notified process
//! killed in the middle of it and started again, ends with every push
//! applied exactly once; a user disabled through one process is refused
//! by the other.

use std::time::Duration;

use portunus_e2e::{Api, Stack, postgres_database, push_small_image, registry_token_from, require};

use crate::sync::eventually;

const PUSHES: usize = 24;

fn pushed(api: &Api) -> Option<u64> {
    api.call("GET", "/activities?key=repository.push&per_page=1", None)["total"].as_u64()
}

fn waiting_events(api: &Api) -> Option<u64> {
    api.call("GET", "/registry/events?state=pending&per_page=1", None)["total"].as_u64()
}

#[test]
fn two_processes_on_one_database_share_the_key_and_apply_each_push_once() {
    if !require("docker-registry") {
        return;
    }
    let Some(database) = postgres_database("replicas") else {
        return;
    };
    let mut stack = Stack::start(&[
        ("PORTUNUS_DATABASE_URL", database.as_str()),
        ("PORTUNUS_REGISTRY__SYNC", "off"),
    ]);
    stack.create_user("alice");
    let second = stack.start_replica("b");

    // One key for both: the second adopted the first's certificate and
    // notification secret, and its tokens push.
    for file in [
        "token-signing.crt",
        "token-signing.key",
        "notification-secret",
    ] {
        let first = std::fs::read(stack.path(&format!("data/{file}"))).expect("first's file");
        let other = std::fs::read(stack.path(&format!("data-b/{file}"))).expect("second's file");
        assert_eq!(first, other, "{file} is shared");
    }
    let scopes = |i: usize| vec![format!("repository:alice/app{i}:pull,push")];

    // The burst: clients alternate between the two for tokens; the first
    // (the one the registry notifies) is killed a third of the way in.
    let first_url = stack.portunus_url();
    for i in 0..PUSHES {
        let from = if i % 2 == 0 && i < PUSHES / 3 {
            first_url.as_str()
        } else {
            second.url.as_str()
        };
        let wanted = scopes(i);
        let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        let token = registry_token_from(from, "alice", &wanted);
        push_small_image(&stack, &token, &format!("alice/app{i}"), 1);
        if i == PUSHES / 3 {
            stack.stop_portunus();
        }
    }
    // The registry kept what it could not deliver and sends it once the
    // notified process is back.
    stack.restart_portunus();

    let api = Api::sign_in(&stack, "alice");
    let all_applied = eventually(Duration::from_secs(60), || {
        (pushed(&api)? == PUSHES as u64 && waiting_events(&api)? == 0).then_some(())
    });
    assert!(
        all_applied.is_some(),
        "every push applied: {:?} of {PUSHES} push activities, {:?} events waiting",
        pushed(&api),
        waiting_events(&api)
    );
    // Exactly once: nothing is waiting, and no push was recorded twice.
    assert_eq!(pushed(&api), Some(PUSHES as u64));
    let listed = api.call("GET", "/repositories?per_page=100", None);
    assert_eq!(listed["total"].as_u64(), Some(PUSHES as u64), "{listed}");

    // What the second process remembers between token requests ends with
    // a change made through the first: bob's repeated logins there are
    // refused once the first has disabled him.
    stack.create_user("bob");
    let bob_login = || {
        reqwest::blocking::Client::new()
            .get(format!("{}/v2/token?service=registry", second.url))
            .basic_auth("bob", Some(portunus_e2e::PASSWORD))
            .send()
            .expect("token request")
            .status()
            .as_u16()
    };
    assert_eq!((bob_login(), bob_login()), (200, 200), "bob logs in");
    let disable = Some(serde_json::json!({"enabled": false}));
    api.call("PATCH", "/users/bob", disable);
    let refused = eventually(Duration::from_secs(5), || {
        (bob_login() == 401).then_some(())
    });
    assert!(refused.is_some(), "the second process still lets bob in");
    drop(second);
}
