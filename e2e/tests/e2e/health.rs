//! `/ready` against the real registry (Docker Distribution): reachable with
//! its API version while it runs, reported down (and Portunus still ready)
//! once it stops.

use portunus_e2e::{Stack, require};
use serde_json::Value;

fn ready(stack: &Stack) -> (u16, Value) {
    let answer =
        reqwest::blocking::get(format!("{}/ready", stack.portunus_url())).expect("GET /ready");
    let status = answer.status().as_u16();
    (status, answer.json().expect("JSON"))
}

#[test]
fn ready_reports_the_real_registry_without_depending_on_it() {
    if !require("docker-registry") {
        return;
    }
    let mut stack = Stack::start(&[]);
    let (status, body) = ready(&stack);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true, "{body}");
    assert_eq!(body["database"]["reachable"], true, "{body}");
    assert_eq!(body["registry"]["reachable"], true, "{body}");
    assert_eq!(body["registry"]["api_version"], "registry/2.0", "{body}");
    assert_eq!(
        body["registry"]["url"],
        format!("http://{}", stack.registry()),
        "{body}"
    );

    stack.stop_registry();
    let (status, body) = ready(&stack);
    assert_eq!(
        status, 200,
        "a registry that is down does not take Portunus out: {body}"
    );
    assert_eq!(body["registry"]["reachable"], false, "{body}");
    assert_eq!(body["registry"]["api_version"], Value::Null, "{body}");
    let health =
        reqwest::blocking::get(format!("{}/health", stack.portunus_url())).expect("GET /health");
    assert_eq!(health.status().as_u16(), 200);
}
