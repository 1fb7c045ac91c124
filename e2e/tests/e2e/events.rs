//! What refers to an image (OCI `subject` artifacts, cosign signature tags)
//! shows with that image; the operator's tag delete keeps the image's other
//! tags; events naming a registry host Portunus does not know are held,
//! reported and released once the host is configured.

use std::time::Duration;

use portunus_e2e::{
    Api, Stack, push_small_image, put_manifest, registry_token, require, upload_blob,
};
use serde_json::{Value, json};

use crate::sync::{eventually, tags_of};

fn manifest_size(stack: &Stack, token: &str, repo: &str, digest: &str) -> usize {
    reqwest::blocking::Client::new()
        .get(format!(
            "http://{}/v2/{repo}/manifests/{digest}",
            stack.registry()
        ))
        .bearer_auth(token)
        .header("Accept", "application/vnd.oci.image.manifest.v1+json")
        .send()
        .and_then(|r| r.bytes())
        .map(|b| b.len())
        .expect("manifest")
}

/// The status of a HEAD request for a manifest: 200 when it is there.
fn manifest_status(registry: &str, token: &str, repo: &str, reference: &str) -> u16 {
    reqwest::blocking::Client::new()
        .head(format!("http://{registry}/v2/{repo}/manifests/{reference}"))
        .bearer_auth(token)
        .header("Accept", "application/vnd.oci.image.manifest.v1+json")
        .send()
        .expect("HEAD")
        .status()
        .as_u16()
}

#[test]
fn artifacts_show_with_their_image_and_the_cli_deletes_one_tag() {
    if !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull,push,delete"]);
    let image = push_small_image(&stack, &token, "alice/app", 2);
    let size = manifest_size(&stack, &token, "alice/app", &image);

    // An SBOM pushed by digest whose subject is the image.
    let (empty, _) = upload_blob(&stack, &token, "alice/app", b"{}");
    let (sbom, sbom_size) = upload_blob(
        &stack,
        &token,
        "alice/app",
        b"{\"spdxVersion\":\"SPDX-2.3\"}",
    );
    let sbom_manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/spdx+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": "application/spdx+json", "digest": sbom, "size": sbom_size}],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": image, "size": size},
    });
    let sbom_digest = put_manifest(&stack, &token, "alice/app", "", &sbom_manifest);
    // A cosign-style signature tag.
    let (signature, signature_size) =
        upload_blob(&stack, &token, "alice/app", b"signature payload");
    let signature_manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": signature, "size": signature_size}],
    });
    let signature_tag = format!("{}.sig", image.replace(':', "-"));
    put_manifest(
        &stack,
        &token,
        "alice/app",
        &signature_tag,
        &signature_manifest,
    );

    let api = Api::sign_in(&stack, "alice");
    let id = eventually(Duration::from_secs(10), || {
        tags_of(&api, "alice/app").filter(|t| t.len() == 3)?;
        Some(api.repository_id("alice/app"))
    })
    .expect("two tags and the signature tag recorded");
    let images = eventually(Duration::from_secs(10), || {
        let images = api.call("GET", &format!("/repositories/{id}/images"), None);
        (images[0]["artifacts"].as_array()?.len() == 2).then_some(images)
    })
    .unwrap_or_else(|| {
        panic!(
            "the SBOM and the signature did not attach to the image: {}\n{}",
            api.call("GET", &format!("/repositories/{id}/images"), None),
            stack.portunus_log()
        )
    });
    let images = images.as_array().expect("images");
    assert_eq!(
        images.len(),
        1,
        "the signature tag is no image of its own: {images:?}"
    );
    assert_eq!(images[0]["digest"], image.as_str());
    assert_eq!(images[0]["tags"], json!(["t0", "t1"]));
    let artifacts = images[0]["artifacts"].as_array().expect("artifacts");
    let sbom_entry = artifacts
        .iter()
        .find(|a| a["digest"] == sbom_digest.as_str())
        .expect("the SBOM");
    assert_eq!(sbom_entry["artifact_type"], "application/spdx+json");
    assert_eq!(sbom_entry["pushed_by"], "alice");
    let signature_entry = artifacts
        .iter()
        .find(|a| a["tag"] == signature_tag.as_str())
        .expect("the signature");
    assert_eq!(signature_entry["artifact_type"], "signature");

    // The operator deletes t0 from the command line: t1 stays, on the same image.
    let deleted = stack
        .portunus()
        .args(["registry", "delete", "alice/app:t0"])
        .output()
        .expect("registry delete");
    assert!(deleted.status.success(), "{deleted:?}");
    assert!(String::from_utf8_lossy(&deleted.stdout).contains(&image));
    let head = |tag: &str| manifest_status(&stack.registry(), &token, "alice/app", tag);
    assert_eq!((head("t0"), head("t1")), (404, 200));
    let images = api.call("GET", &format!("/repositories/{id}/images"), None);
    assert_eq!(images[0]["tags"], json!(["t1"]), "{images}");
    let by_digest = stack
        .portunus()
        .args(["registry", "delete", &format!("alice/app@{image}")])
        .output()
        .expect("registry delete");
    assert!(!by_digest.status.success());
    assert!(String::from_utf8_lossy(&by_digest.stderr).contains("name a tag"));
    let root = Api::sign_in(&stack, "root");
    let activities = root.call("GET", "/activities?key=repository.delete_tag", None);
    assert_eq!(
        activities["items"][0]["actor"], "portunus-cli",
        "{activities}"
    );
}

fn post_events(stack: &Stack, events: Value) -> Value {
    let secret = std::fs::read_to_string(stack.path("data/notification-secret")).expect("secret");
    reqwest::blocking::Client::new()
        .post(format!("{}/v2/webhooks/events", stack.portunus_url()))
        .header("Authorization", format!("Bearer {}", secret.trim()))
        .header(
            "Content-Type",
            "application/vnd.docker.distribution.events.v1+json",
        )
        .body(json!({ "events": events }).to_string())
        .send()
        .and_then(|r| r.json())
        .expect("events answer")
}

fn metric(stack: &Stack, line_start: &str) -> Option<u64> {
    let text = reqwest::blocking::get(format!("{}/metrics", stack.portunus_url()))
        .and_then(|r| r.text())
        .expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(line_start))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn events_naming_an_unknown_registry_are_held_until_its_name_is_configured() {
    if !require("docker-registry") {
        return;
    }
    let mut stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    let token = registry_token(&stack, "alice", &["repository:alice/app:pull,push"]);
    let image = push_small_image(&stack, &token, "alice/app", 1);
    let root = Api::sign_in(&stack, "root");
    eventually(Duration::from_secs(10), || {
        tags_of(&root, "alice/app").filter(|t| t.len() == 1)
    })
    .expect("the real push, named by a loopback address, is applied");

    let missing = format!("sha256:{}", "0".repeat(64));
    let event = |id: &str, host: &str, tag: &str, digest: &str| {
        json!({"id": id, "action": "push", "timestamp": "2026-11-22T10:00:00Z",
               "actor": {"name": "alice"}, "request": {"host": host},
               "target": {"repository": "alice/app", "tag": tag, "digest": digest,
                          "mediaType": "application/vnd.oci.image.manifest.v1+json"}})
    };
    let answer = post_events(
        &stack,
        json!([
            // Another registry's push: this registry has no such manifest.
            event("foreign-1", "other-registry.example:5000", "t9", &missing),
            // This registry reached through a proxy name: it confirms the push.
            event("proxied-1", "registry.example.org", "t0", &image),
        ]),
    );
    assert_eq!(answer["stored"], 2, "{answer}");

    let held = eventually(Duration::from_secs(10), || {
        let held = root.call("GET", "/registry/events?state=held", None);
        (held["total"] == 1).then_some(held)
    })
    .unwrap_or_else(|| panic!("nothing held:\n{}", stack.portunus_log()));
    assert_eq!(held["items"][0]["event_id"], "foreign-1");
    assert_eq!(held["items"][0]["held_host"], "other-registry.example:5000");
    let proxied = eventually(Duration::from_secs(10), || {
        let all = root.call("GET", "/registry/events?per_page=500", None);
        all["items"]
            .as_array()?
            .iter()
            .find(|e| e["event_id"] == "proxied-1" && e["processed_at"].is_string())
            .cloned()
    })
    .expect("the proxied event is processed");
    assert!(
        proxied["processed_at"].is_string() && proxied["error"].is_null(),
        "{proxied}"
    );
    let names: Vec<Value> = tags_of(&root, "alice/app")
        .expect("tags")
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, [json!("t0")], "the held event recorded nothing");
    assert!(
        stack.portunus_log().contains("registry.hostnames"),
        "the log says how to fix it"
    );
    assert_eq!(
        metric(
            &stack,
            "portunus_registry_events_total{outcome=\"held_unknown_registry\"}"
        ),
        Some(1)
    );
    assert_eq!(
        metric(&stack, "portunus_stored{what=\"held_unknown_registry\"}"),
        Some(1)
    );

    // Configured, the name is known: the held event is processed (and, as
    // the manifest is not in this registry, recorded as not applied).
    stack.stop_portunus();
    stack.set_env(
        "PORTUNUS_REGISTRY__HOSTNAMES",
        "[\"other-registry.example:5000\"]",
    );
    stack.restart_portunus();
    let root = Api::sign_in(&stack, "root");
    let failed = eventually(Duration::from_secs(10), || {
        let failed = root.call("GET", "/registry/events?state=failed", None);
        (failed["total"] == 1).then_some(failed)
    })
    .unwrap_or_else(|| panic!("the held event was not released:\n{}", stack.portunus_log()));
    assert_eq!(failed["items"][0]["event_id"], "foreign-1");
    assert_eq!(
        root.call("GET", "/registry/events?state=held", None)["total"],
        0
    );
    assert_eq!(
        metric(&stack, "portunus_stored{what=\"held_unknown_registry\"}"),
        Some(0)
    );
}

#[test]
fn retention_deletes_exactly_what_its_preview_listed_on_demand_and_on_schedule() {
    if !require("docker-registry") || !require("sqlite3") {
        return;
    }
    let mut stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    let token = registry_token(
        &stack,
        "alice",
        &[
            "repository:alice/app:pull,push",
            "repository:alice/nightly:pull,push",
        ],
    );
    push_small_image(&stack, &token, "alice/app", 4);
    push_small_image(&stack, &token, "alice/nightly", 3);
    let api = Api::sign_in(&stack, "alice");
    eventually(Duration::from_secs(10), || {
        tags_of(&api, "alice/app").filter(|t| t.len() == 4)?;
        tags_of(&api, "alice/nightly").filter(|t| t.len() == 3)
    })
    .expect("all tags recorded");
    let app = api.repository_id("alice/app");
    let nightly = api.repository_id("alice/nightly");

    // On demand: the preview names the tags, the run deletes exactly those.
    let rule = json!({"enabled": false, "keep_newest": 2});
    api.call("PUT", &format!("/repositories/{app}/retention"), Some(rule));
    let preview = api.call(
        "GET",
        &format!("/repositories/{app}/retention/preview"),
        None,
    );
    let mut doomed: Vec<String> = preview["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter(|v| v["delete"] == true)
        .map(|v| v["tag"].as_str().unwrap_or_default().to_owned())
        .collect();
    doomed.sort();
    assert_eq!(doomed, ["t0", "t1"], "the two oldest: {preview}");
    // Portunus's view of t0 is stale (as if an event were late): the run
    // asks the registry first and leaves a tag alone that points elsewhere.
    let db = stack.path("data/portunus.db");
    portunus_e2e::run(
        "sqlite3",
        &[
            "-cmd",
            ".timeout 5000",
            &db.to_string_lossy(),
            &format!(
                "update tags set digest = 'sha256:{}' where name = 't0' and repository_id = {app}",
                "0".repeat(64)
            ),
        ],
        &[],
        None,
    )
    .assert_ok();
    let ran = api.call("POST", &format!("/repositories/{app}/retention/run"), None);
    assert_eq!(ran["delete"], 1, "{ran}");
    let t0 = ran["tags"]
        .as_array()
        .and_then(|tags| tags.iter().find(|v| v["tag"] == "t0"))
        .cloned()
        .unwrap_or_default();
    assert!(
        t0["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("left alone"),
        "{t0}"
    );
    let registry = stack.registry();
    let status = |repo: &str, tag: &str| manifest_status(&registry, &token, repo, tag);
    let app_tags: Vec<u16> = ["t0", "t1", "t2", "t3"]
        .iter()
        .map(|t| status("alice/app", t))
        .collect();
    assert_eq!(
        app_tags,
        [200, 404, 200, 200],
        "the kept tags share the image and stay pullable"
    );

    // On schedule: an enabled rule runs when its time comes (at start here).
    let rule = json!({"enabled": true, "keep_newest": 1});
    api.call(
        "PUT",
        &format!("/repositories/{nightly}/retention"),
        Some(rule),
    );
    stack.stop_portunus();
    stack.set_env("PORTUNUS_RETENTION_INTERVAL_SECONDS", "60");
    stack.restart_portunus();
    let api = Api::sign_in(&stack, "alice");
    eventually(Duration::from_secs(10), || {
        tags_of(&api, "alice/nightly").filter(|t| t.len() == 1)
    })
    .unwrap_or_else(|| {
        panic!(
            "the scheduled run did not happen:\n{}",
            stack.portunus_log()
        )
    });
    let nightly_tags: Vec<u16> = ["t0", "t1", "t2"]
        .iter()
        .map(|t| status("alice/nightly", t))
        .collect();
    assert_eq!(nightly_tags, [404, 404, 200]);
    assert_eq!(
        status("alice/app", "t2"),
        200,
        "a disabled rule does not run on schedule"
    );
    let root = Api::sign_in(&stack, "root");
    let activities = root.call(
        "GET",
        "/activities?key=repository.delete_tag&per_page=100",
        None,
    );
    let actors: Vec<&str> = activities["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["actor"].as_str())
        .collect();
    assert_eq!(
        (
            actors.iter().filter(|a| **a == "alice").count(),
            actors
                .iter()
                .filter(|a| **a == "portunus-retention")
                .count()
        ),
        (1, 2),
        "{actors:?}"
    );
}
