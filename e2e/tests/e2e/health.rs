//! `/ready` against the real registry (Docker Distribution): reachable with
//! its API version while it runs, reported down (and Portunus still ready)
//! once it stops; its address and answer only for `metrics_token`.

use std::time::Duration;

use portunus_e2e::{Stack, require};
use serde_json::Value;

use crate::sync::eventually;

const METRICS_TOKEN: &str = "e2e-metrics-token";

fn ready(stack: &Stack) -> (u16, Value) {
    let answer = reqwest::blocking::Client::new()
        .get(format!("{}/ready", stack.portunus_url()))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .expect("GET /ready");
    let status = answer.status().as_u16();
    (status, answer.json().expect("JSON"))
}

#[test]
fn ready_reports_the_real_registry_without_depending_on_it() {
    if !require("docker-registry") {
        return;
    }
    let mut stack = Stack::start(&[("PORTUNUS_METRICS_TOKEN", METRICS_TOKEN)]);
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

    let anonymous: Value = reqwest::blocking::get(format!("{}/ready", stack.portunus_url()))
        .and_then(|r| r.json())
        .expect("GET /ready");
    assert_eq!(
        anonymous["registry"],
        serde_json::json!({"name": "default", "reachable": true}),
        "no address for anyone"
    );

    stack.stop_registry();
    // The registry's answer is remembered a few seconds.
    let (status, body) = eventually(Duration::from_secs(10), || {
        let (status, body) = ready(&stack);
        (body["registry"]["reachable"] == false).then_some((status, body))
    })
    .expect("the registry reported down within 10 s");
    assert_eq!(
        status, 200,
        "a registry that is down does not take Portunus out: {body}"
    );
    assert_eq!(body["registry"]["api_version"], Value::Null, "{body}");
    let health =
        reqwest::blocking::get(format!("{}/health", stack.portunus_url())).expect("GET /health");
    assert_eq!(health.status().as_u16(), 200);
}
