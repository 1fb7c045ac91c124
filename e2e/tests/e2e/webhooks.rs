//! Webhooks from real events: images pushed to the real registry (Docker
//! Distribution), whose notifications Portunus applies, reach a receiver
//! started here as signed POSTs; a tag deleted through Portunus follows.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use portunus_e2e::peers::{HookReceiver, Received};
use portunus_e2e::{Api, Stack, push_small_image, registry_token, require};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::sync::eventually;

/// A receiver that answers 204 to everything: its URL and what it got.
pub(crate) fn receiver() -> (String, Arc<Mutex<Vec<Received>>>) {
    let receiver = HookReceiver::start();
    (receiver.url, receiver.received)
}

pub(crate) fn signature_of(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!(
        "sha256={}",
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    )
}

#[test]
fn pushes_and_deletes_reach_a_webhook_signed() {
    if !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[("PORTUNUS_WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true")]);
    stack.create_user("root");
    stack.create_user("alice");
    let alice = Api::sign_in(&stack, "alice");
    let (url, got) = receiver();
    let made = alice.call(
        "POST",
        "/namespaces/alice/webhooks",
        Some(json!({"name": "ci", "url": url, "events": ["push", "delete"]})),
    );
    let secret = made["secret"].as_str().expect("the secret").to_owned();
    let hook = made["webhook"]["id"].as_i64().expect("an id");

    let token = registry_token(&stack, "alice", &["repository:alice/app:pull,push"]);
    let digest = push_small_image(&stack, &token, "alice/app", 2);

    let bodies = |got: &Arc<Mutex<Vec<Received>>>| -> Vec<(Received, Value)> {
        got.lock()
            .unwrap()
            .iter()
            .map(|r| (r.clone(), serde_json::from_slice(&r.body).expect("JSON")))
            .collect()
    };
    let pushes = eventually(Duration::from_secs(15), || {
        let all = bodies(&got);
        (all.len() >= 2).then_some(all)
    })
    .unwrap_or_else(|| {
        panic!(
            "two pushes not delivered within 15 s: {}",
            stack.portunus_log()
        )
    });
    let mut tags: Vec<&str> = pushes
        .iter()
        .map(|(_, b)| b["tag"].as_str().unwrap())
        .collect();
    tags.sort_unstable();
    assert_eq!(tags, ["t0", "t1"], "one delivery per tag pushed, no blob");
    for (request, body) in &pushes {
        assert_eq!(body["event"], "push", "{body}");
        assert_eq!(body["repository"], "alice/app");
        assert_eq!(body["digest"], digest.as_str());
        assert_eq!(body["actor"], "alice");
        assert_eq!(body["namespace"], "alice");
        assert_eq!(body["registry"], "default");
        assert_eq!(body["registry_host"], stack.registry().as_str());
        assert_eq!(
            request.header("x-portunus-signature-256"),
            Some(signature_of(&secret, &request.body).as_str()),
            "signed with the secret shown once"
        );
        assert_eq!(request.header("x-portunus-event"), Some("push"));
    }

    // A tag deleted through Portunus.
    let page = alice.call("GET", "/repositories?q=alice/app", None);
    let id = page["items"][0]["id"].as_i64().expect("the repository");
    let (status, text) = alice.answer("DELETE", &format!("/repositories/{id}/tags/t1"), None);
    assert_eq!(status, 204, "{text}");
    let deleted = eventually(Duration::from_secs(15), || {
        bodies(&got)
            .into_iter()
            .find(|(_, b)| b["event"] == "delete")
    })
    .expect("the delete delivered within 15 s");
    assert_eq!(deleted.1["action"], "repository.delete_tag");
    assert_eq!(deleted.1["tag"], "t1");

    // The log says every delivery arrived, with the receiver's status.
    let log = alice.call("GET", &format!("/webhooks/{hook}/deliveries"), None);
    assert_eq!(log["total"], 3, "{log}");
    for entry in log["items"].as_array().unwrap() {
        assert_eq!(entry["state"], "delivered", "{entry}");
        assert_eq!(entry["response_status"], 204);
    }
}
