//! The gateway (`[gateway]`) in front of the real registry: podman and
//! skopeo push and pull through it, its answers are the registry's, and a
//! path is read as the registry reads it.

use portunus_e2e::{Api, Distribution, PASSWORD, Stack, free_port, layer_tar, require, run};

use crate::podman::Podman;

/// A stack whose clients use the gateway in front of `distribution`;
/// answers it and the gateway's `host:port`.
pub(crate) fn gateway_stack(distribution: Distribution) -> (Stack, String) {
    let gateway = format!("127.0.0.1:{}", free_port());
    let stack = Stack::start_on(
        distribution,
        &[("PORTUNUS_GATEWAY__LISTEN", gateway.clone())],
    );
    stack.create_user("root");
    stack.create_user("alice");
    (stack, gateway)
}

/// A layer of `mib` MiB of random bytes (it does not compress), as a tar.
fn big_layer(stack: &Stack, mib: usize) -> String {
    let rootfs = stack.path("big-rootfs");
    std::fs::create_dir_all(&rootfs).expect("rootfs");
    let mut bytes = vec![0u8; mib << 20];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for chunk in bytes.chunks_mut(8) {
        // xorshift: fast, and enough to defeat compression.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
    }
    std::fs::write(rootfs.join("blob.bin"), bytes).expect("layer file");
    let tar = stack.path("big-layer.tar");
    let (dir, out) = (rootfs.to_string_lossy(), tar.to_string_lossy());
    run("tar", &["-C", &dir, "-cf", &out, "."], &[], None).assert_ok();
    out.into_owned()
}

/// A registry token for `scope`, as alice.
fn token(stack: &Stack, scope: &str) -> String {
    token_as(stack, Some("alice"), scope)
}

/// A registry token for `scope`, as `user` (anonymous: `None`).
fn token_as(stack: &Stack, user: Option<&str>, scope: &str) -> String {
    let mut asking = reqwest::blocking::Client::new().get(format!(
        "{}/v2/token?service=registry&scope={scope}",
        stack.portunus_url()
    ));
    if let Some(user) = user {
        asking = asking.basic_auth(user, Some(PASSWORD));
    }
    let answer: serde_json::Value = asking
        .send()
        .expect("ask for a token")
        .json()
        .expect("a token answer");
    answer["token"].as_str().expect("a token").to_owned()
}

portunus_e2e::on_both_registries!(
    podman_and_skopeo_push_and_pull_through_the_gateway_to_registry_2_8,
    podman_and_skopeo_push_and_pull_through_the_gateway_to_distribution_3_0,
    push_and_pull_through_the_gateway
);

fn push_and_pull_through_the_gateway(distribution: Distribution) {
    if !require("podman") || !require("skopeo") {
        return;
    }
    let (stack, gateway) = gateway_stack(distribution);
    let alice = Podman::new(&stack, "alice");
    alice.login(&gateway, "alice", "wrong").assert_refused();
    alice.login(&gateway, "alice", PASSWORD).assert_ok();
    let tar = big_layer(&stack, 24);
    alice.run(&["import", &tar, "localhost/big:1"]).assert_ok();
    alice
        .push("localhost/big:1", &format!("{gateway}/alice/app:1"))
        .assert_ok();
    alice
        .push("localhost/big:1", &format!("{gateway}/root/app:1"))
        .assert_refused();

    // What went through the gateway is in the registry, digest for digest.
    let creds = format!("alice:{PASSWORD}");
    let pushed = skopeo_digest(&creds, &format!("{gateway}/alice/app:1"));
    assert!(pushed.starts_with("sha256:"), "{pushed}");
    assert_eq!(
        skopeo_digest(&creds, &format!("{}/alice/app:1", stack.registry())),
        pushed
    );

    // A copy to another repository mounts the blobs across repositories.
    let copied = run(
        "skopeo",
        &[
            "copy",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            "--src-creds",
            &creds,
            "--dest-creds",
            &creds,
            &format!("docker://{gateway}/alice/app:1"),
            &format!("docker://{gateway}/alice/copy:1"),
        ],
        &[],
        None,
    );
    copied.assert_ok();
    let registry_log = std::fs::read_to_string(stack.path("registry.log")).expect("registry log");
    assert!(
        registry_log
            .lines()
            .any(|l| l.contains("mount=sha256") && l.contains("http.response.status=201")),
        "the layer was mounted from alice/app, not uploaded again"
    );
    assert_eq!(
        skopeo_digest(&creds, &format!("{gateway}/alice/copy:1")),
        pushed
    );

    // Pulled back through the gateway into fresh storage: the same image.
    let fresh = Podman::new(&stack, "fresh");
    fresh.login(&gateway, "alice", PASSWORD).assert_ok();
    fresh
        .run(&[
            "pull",
            "--tls-verify=false",
            &format!("{gateway}/alice/copy:1"),
        ])
        .assert_ok();
    let id = |podman: &Podman, image: &str| {
        let shown = podman.run(&["image", "inspect", "--format", "{{.Digest}}", image]);
        shown.assert_ok();
        String::from_utf8_lossy(&shown.output.stdout)
            .trim()
            .to_owned()
    };
    assert_eq!(id(&fresh, &format!("{gateway}/alice/copy:1")), pushed);

    // A multi-platform index and its images, through the gateway.
    let small = layer_tar(stack.dir.path(), "multi arch");
    let small = small.to_string_lossy();
    alice
        .run(&["manifest", "create", "localhost/m:list"])
        .assert_ok();
    for arch in ["amd64", "arm64"] {
        let local = format!("localhost/m:{arch}");
        alice
            .run(&["import", "--arch", arch, &small, &local])
            .assert_ok();
        let image = format!("containers-storage:{local}");
        alice
            .run(&["manifest", "add", "localhost/m:list", &image])
            .assert_ok();
    }
    let index = format!("docker://{gateway}/alice/multi:1");
    alice
        .run(&[
            "manifest",
            "push",
            "--tls-verify=false",
            "--all",
            "localhost/m:list",
            &index,
        ])
        .assert_ok();
    let index_json = skopeo_inspect(&creds, &["--raw"], &index);
    let platforms: Vec<&str> = index_json["manifests"]
        .as_array()
        .expect("an index")
        .iter()
        .map(|m| m["platform"]["architecture"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(platforms, ["amd64", "arm64"]);
    let arm = |host: &str| {
        let reference = format!("docker://{host}/alice/multi:1");
        let info = skopeo_inspect(&creds, &["--override-arch", "arm64"], &reference);
        (info["Architecture"].clone(), info["Digest"].clone())
    };
    let through = arm(&gateway);
    assert_eq!(through.0, "arm64");
    assert_eq!(through, arm(&stack.registry()));
}

#[test]
fn the_gateway_answers_as_the_registry_does() {
    if !require("docker-registry") {
        return;
    }
    let (stack, gateway) = gateway_stack(Distribution::V2);
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let base = format!("http://{gateway}");

    // Unauthenticated: the registry's own challenge, naming Portunus's realm.
    let challenge = http.get(format!("{base}/v2/")).send().expect("GET /v2/");
    assert_eq!(challenge.status(), 401);
    let header = challenge.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        header.contains(&format!("realm=\"{}/v2/token\"", stack.portunus_url())),
        "{header}"
    );

    // An upload's Location points back at the gateway.
    let push = token(&stack, "repository:alice/app:push,pull");
    let location = start_upload(&http, &base, &push);
    assert!(
        location.starts_with(&format!("{base}/v2/alice/app/blobs/uploads/")),
        "{location}"
    );
    let content = b"a blob through the gateway";
    let digest = format!("sha256:{}", sha256_hex(content));
    let separator = if location.contains('?') { '&' } else { '?' };
    let finished = http
        .put(format!("{location}{separator}digest={digest}"))
        .bearer_auth(&push)
        .header("content-type", "application/octet-stream")
        .body(content.to_vec())
        .send()
        .expect("finish the upload");
    assert_eq!(finished.status(), 201, "{:?}", finished.text());

    // Other spellings of the path reach the same blob; HEAD keeps its length.
    for spelling in [
        format!("/v2/alice/app/blobs/{digest}"),
        format!("/v2/alice%2Fapp/blobs/{digest}"),
        format!("/v2/alice//app/blobs/{digest}"),
        format!("/v2/root/../alice/app/blobs/{digest}"),
    ] {
        let head = http
            .head(format!("{base}{spelling}"))
            .bearer_auth(&push)
            .send()
            .expect("HEAD the blob");
        assert_eq!(head.status(), 200, "{spelling}");
        assert_eq!(
            head.headers()["content-length"],
            content.len().to_string().as_str()
        );
        assert_eq!(head.headers()["docker-content-digest"], digest.as_str());
        let got = http
            .get(format!("{base}{spelling}"))
            .bearer_auth(&push)
            .send()
            .expect("GET the blob");
        assert_eq!(got.status(), 200, "{spelling}");
        assert_eq!(got.bytes().unwrap().as_ref(), content);
    }

    // A range of it, as resuming clients ask.
    let ranged = http
        .get(format!("{base}/v2/alice/app/blobs/{digest}"))
        .bearer_auth(&push)
        .header("range", "bytes=2-5")
        .send()
        .expect("GET a range");
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().unwrap().as_ref(), &content[2..=5]);

    // A path that cannot be read is refused in the registry's format.
    let bad = http
        .get(format!("{base}/v2/alice/app/blobs/%zz"))
        .send()
        .expect("GET a bad path");
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().expect("JSON error");
    assert_eq!(body["errors"][0]["code"], "UNSUPPORTED");
}

/// The value of one line of `/metrics` (`name{labels}`).
fn metric(stack: &Stack, line: &str) -> u64 {
    let text = reqwest::blocking::get(format!("{}/metrics", stack.portunus_url()))
        .and_then(|r| r.text())
        .expect("GET /metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {line} in /metrics:\n{text}"))
}

/// The team `crew` and its public namespace `crew`, made by `api`'s user.
fn public_crew(api: &Api) {
    api.call("POST", "/teams", Some(serde_json::json!({"name": "crew"})));
    api.call(
        "POST",
        "/namespaces",
        Some(serde_json::json!({"name": "crew", "team": "crew", "visibility": "public"})),
    );
}

/// Starts an upload to alice/app at `base`; answers its `Location`.
fn start_upload(http: &reqwest::blocking::Client, base: &str, token: &str) -> String {
    let started = http
        .post(format!("{base}/v2/alice/app/blobs/uploads/"))
        .bearer_auth(token)
        .send()
        .expect("start an upload");
    assert_eq!(started.status(), 202);
    started.headers()["location"].to_str().unwrap().to_owned()
}

/// What `skopeo inspect ARGS REFERENCE` says, as JSON.
fn skopeo_inspect(creds: &str, args: &[&str], reference: &str) -> serde_json::Value {
    let mut all = vec!["inspect", "--tls-verify=false", "--creds", creds];
    all.extend_from_slice(args);
    all.push(reference);
    let inspected = run("skopeo", &all, &[], None);
    inspected.assert_ok();
    serde_json::from_slice(&inspected.output.stdout).expect("skopeo JSON")
}

/// The digest skopeo finds for `image` (`host/name:tag`).
fn skopeo_digest(creds: &str, image: &str) -> String {
    let info = skopeo_inspect(creds, &[], &format!("docker://{image}"));
    info["Digest"].as_str().expect("a digest").to_owned()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes))
}

portunus_e2e::on_both_registries!(
    immutable_tags_hold_through_the_gateway_on_registry_2_8,
    immutable_tags_hold_through_the_gateway_on_distribution_3_0,
    immutable_tags_hold
);

/// A rule `v*` on alice's namespace: v1 keeps its first image against
/// podman, skopeo, a DELETE by digest spelled another way, and Portunus's
/// own tag deletion; `latest` and other tags still move.
fn immutable_tags_hold(distribution: Distribution) {
    if !require("podman") || !require("skopeo") {
        return;
    }
    let (stack, gateway) = gateway_stack(distribution);
    let api = Api::sign_in(&stack, "alice");
    let rule = api.call(
        "POST",
        "/namespaces/alice/immutable-tags",
        Some(serde_json::json!({"pattern": "v*"})),
    );
    assert_eq!(rule["pattern"], "v*");
    assert_eq!(rule["created_by"], "alice");

    let alice = Podman::new(&stack, "alice");
    alice.login(&gateway, "alice", PASSWORD).assert_ok();
    for (image, content) in [("one", "first image"), ("two", "second image, longer")] {
        let tar = layer_tar(stack.dir.path(), content);
        alice
            .run(&[
                "import",
                &tar.to_string_lossy(),
                &format!("localhost/{image}:1"),
            ])
            .assert_ok();
    }
    let remote = |tag: &str| format!("{gateway}/alice/app:{tag}");
    alice.push("localhost/one:1", &remote("v1")).assert_ok();
    let refused = alice.push("localhost/two:1", &remote("v1"));
    refused.assert_failed_saying(&["alice/app:v1 is immutable (rule v* on namespace alice)"]);
    // The same image again is no change; latest and other tags move.
    alice.push("localhost/one:1", &remote("v1")).assert_ok();
    for tag in ["latest", "dev"] {
        alice.push("localhost/one:1", &remote(tag)).assert_ok();
        alice.push("localhost/two:1", &remote(tag)).assert_ok();
    }

    let creds = format!("alice:{PASSWORD}");
    let digest_of = |tag: &str| skopeo_digest(&creds, &remote(tag));
    let v1 = digest_of("v1");
    assert_ne!(v1, digest_of("latest"), "latest moved to the second image");

    // Deleting v1's image: by skopeo, and by a path spelled another way.
    let reference = format!("docker://{}", remote("v1"));
    run(
        "skopeo",
        &[
            "delete",
            "--tls-verify=false",
            "--creds",
            &creds,
            &reference,
        ],
        &[],
        None,
    )
    .assert_failed_saying(&["is the image of alice/app:v1, which is immutable"]);
    let delete = token(&stack, "repository:alice/app:delete,pull");
    let http = reqwest::blocking::Client::new();
    for path in [
        format!("/v2/alice%2Fapp/manifests/{v1}"),
        format!("/v2/alice//app/manifests/{v1}"),
    ] {
        let answer = http
            .delete(format!("http://{gateway}{path}"))
            .bearer_auth(&delete)
            .send()
            .expect("DELETE");
        assert_eq!(answer.status(), 403, "{path}");
        let body: serde_json::Value = answer.json().expect("JSON error");
        assert_eq!(body["errors"][0]["code"], "DENIED", "{path}");
    }
    // Another image pushed under v1 spelled another way.
    let accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
    let second = http
        .get(format!("http://{gateway}/v2/alice/app/manifests/latest"))
        .bearer_auth(&delete)
        .header("accept", accept)
        .send()
        .expect("GET latest's manifest");
    let media_type = second.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let second = second.bytes().expect("the manifest");
    let push = token(&stack, "repository:alice/app:push,pull");
    for path in [
        "/v2/alice%2Fapp/manifests/v1",
        "/v2/alice/./app/manifests/%76%31",
    ] {
        let answer = http
            .put(format!("http://{gateway}{path}"))
            .bearer_auth(&push)
            .header("content-type", &media_type)
            .body(second.clone())
            .send()
            .expect("PUT");
        assert_eq!(answer.status(), 403, "{path}");
    }
    assert_eq!(digest_of("v1"), v1, "v1 still names its first image");

    // Portunus's own deletion keeps to the rule too; a mutable tag goes.
    api.tags_once("alice/app", 3);
    let id = api.repository_id("alice/app");
    let (status, text) = api.answer("DELETE", &format!("/repositories/{id}/tags/v1"), None);
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("alice/app:v1 is immutable"), "{text}");
    let (status, text) = api.answer("DELETE", &format!("/repositories/{id}/tags/dev"), None);
    assert_eq!(status, 204, "{text}");

    // Each refusal is in the activity log, under alice's name.
    let log = api.call(
        "GET",
        "/activities?key=immutable_tags.refuse&per_page=100",
        None,
    );
    let refusals = log["items"]
        .as_array()
        .expect("activities")
        .iter()
        .filter(|a| a["key"] == "immutable_tags.refuse")
        .count();
    assert_eq!(refusals, 6, "{log}");
    assert_eq!(
        metric(
            &stack,
            "portunus_gateway_requests_total{outcome=\"refused_immutable_tag\"}"
        ),
        6
    );

    // Without the rule, v1 moves like any tag.
    let rule_id = rule["id"].as_i64().expect("rule id");
    api.call(
        "DELETE",
        &format!("/namespaces/alice/immutable-tags/{rule_id}"),
        None,
    );
    alice.push("localhost/two:1", &remote("v1")).assert_ok();
    assert_ne!(digest_of("v1"), v1);
}

/// Pulls through the gateway are recorded per account and address: alice
/// twice, bob once, one anonymous pull; a pull straight from the registry
/// is not seen. Those who manage the namespace see who; bob sees counts.
#[test]
fn who_pulled_what_is_recorded() {
    if !require("docker-registry") || !require("podman") || !require("skopeo") {
        return;
    }
    let (stack, gateway) = gateway_stack(Distribution::V2);
    stack.create_user("bob");
    let alice_api = Api::sign_in(&stack, "alice");
    public_crew(&alice_api);
    let alice = Podman::new(&stack, "alice");
    alice.login(&gateway, "alice", PASSWORD).assert_ok();
    let tar = layer_tar(stack.dir.path(), "pulled");
    alice
        .run(&["import", &tar.to_string_lossy(), "localhost/p:1"])
        .assert_ok();
    let image = format!("{gateway}/crew/app:v1");
    alice.push("localhost/p:1", &image).assert_ok();
    alice_api.tags_once("crew/app", 1);
    let id = alice_api.repository_id("crew/app");

    let pull = |podman: &Podman| {
        podman
            .run(&["pull", "--tls-verify=false", &image])
            .assert_ok();
    };
    let fresh_alice = Podman::new(&stack, "alice-again");
    fresh_alice.login(&gateway, "alice", PASSWORD).assert_ok();
    pull(&fresh_alice);
    pull(&alice);
    let bob = Podman::new(&stack, "bob");
    bob.login(&gateway, "bob", PASSWORD).assert_ok();
    pull(&bob);
    Podman::new(&stack, "anonymous")
        .run(&["pull", "--tls-verify=false", &image])
        .assert_ok();
    // Straight from the registry: not through the gateway, not recorded.
    let creds = format!("alice:{PASSWORD}");
    skopeo_digest(&creds, &format!("{}/crew/app:v1", stack.registry()));

    let path = format!("/repositories/{id}/tags/v1/pulls");
    let mut summary = serde_json::Value::Null;
    for _ in 0..100 {
        summary = alice_api.call("GET", &path, None);
        if summary["pulls"] == 4 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        (&summary["pulls"], &summary["people"], &summary["anonymous"]),
        (
            &serde_json::json!(4),
            &serde_json::json!(2),
            &serde_json::json!(1)
        ),
        "{summary}"
    );
    let by: Vec<(String, u64)> = summary["by"]
        .as_array()
        .expect("alice manages crew: she sees who")
        .iter()
        .map(|b| {
            let who = b["account"].as_str().map_or_else(
                || format!("anonymous {}", b["address"].as_str().unwrap()),
                str::to_owned,
            );
            (who, b["pulls"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        by,
        [
            ("alice".to_owned(), 2),
            ("anonymous 127.0.0.1".to_owned(), 1),
            ("bob".to_owned(), 1)
        ]
    );
    // The repository counts the same; bob sees counts, not who.
    let bob_api = Api::sign_in(&stack, "bob");
    let seen_by_bob = bob_api.call("GET", &format!("/repositories/{id}/pulls"), None);
    assert_eq!(seen_by_bob["pulls"], 4, "{seen_by_bob}");
    assert_eq!(seen_by_bob.get("by"), None, "{seen_by_bob}");
    assert_eq!(
        bob_api.status("GET", &format!("/repositories/{id}/pulls.csv")),
        403
    );
    let (status, csv) = alice_api.answer("GET", &format!("/repositories/{id}/pulls.csv"), None);
    assert_eq!(status, 200, "{csv}");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("pulled_at,repository,reference,digest,account,address,client")
    );
    assert_eq!(lines.count(), 4, "{csv}");
    assert_eq!(
        metric(&stack, "portunus_gateway_pulls_total{outcome=\"recorded\"}"),
        4
    );
}

/// Bad input through the gateway: a malformed manifest and a wrong digest
/// get the registry's own answers; an upload cut off mid-blob stores
/// nothing, and the gateway goes on answering.
#[test]
fn bad_input_gets_the_registry_s_answer() {
    if !require("docker-registry") {
        return;
    }
    let (stack, gateway) = gateway_stack(Distribution::V2);
    let push = token(&stack, "repository:alice/app:push,pull");
    let http = reqwest::blocking::Client::new();
    let base = format!("http://{gateway}");
    let start = || start_upload(&http, &base, &push);

    let manifest = http
        .put(format!("{base}/v2/alice/app/manifests/v1"))
        .bearer_auth(&push)
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body("{not a manifest")
        .send()
        .expect("PUT a malformed manifest");
    assert_eq!(manifest.status(), 400);
    let body: serde_json::Value = manifest.json().expect("the registry's error");
    assert_eq!(body["errors"][0]["code"], "MANIFEST_INVALID", "{body}");

    let location = start();
    let wrong = http
        .put(format!("{location}&digest=sha256:{}", "0".repeat(64)))
        .bearer_auth(&push)
        .body("these bytes have another digest")
        .send()
        .expect("PUT with a wrong digest");
    assert_eq!(wrong.status(), 400);
    let body: serde_json::Value = wrong.json().expect("the registry's error");
    assert_eq!(body["errors"][0]["code"], "DIGEST_INVALID", "{body}");

    // Announce 10 MiB, send 1 MiB, hang up.
    let sent = vec![7u8; 1 << 20];
    let digest = format!("sha256:{}", sha256_hex(&sent));
    let location = start();
    let path = location
        .strip_prefix(&base)
        .expect("a Location at the gateway");
    {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(&gateway).expect("connect");
        write!(
            stream,
            "PUT {path}&digest={digest} HTTP/1.1\r\nHost: {gateway}\r\nAuthorization: Bearer {push}\r\nContent-Length: {}\r\n\r\n",
            10 << 20
        )
        .expect("send the head");
        stream.write_all(&sent).expect("send part of the body");
    }
    let head = http
        .head(format!("{base}/v2/alice/app/blobs/{digest}"))
        .bearer_auth(&push)
        .send()
        .expect("HEAD the blob");
    assert_eq!(head.status(), 404, "nothing of the cut upload is stored");
    let answers = http
        .get(format!("{base}/v2/"))
        .bearer_auth(&push)
        .send()
        .expect("GET /v2/");
    assert_eq!(answers.status(), 200, "the gateway goes on");
}

/// Pull limits: 2 manifest pulls a minute per account, 1 per address
/// without one; beyond them 429 TOOMANYREQUESTS with when to retry. Each
/// account has its own allowance, and blobs do not count.
#[test]
fn pull_limits_say_when_to_retry() {
    if !require("docker-registry") || !require("podman") {
        return;
    }
    let gateway = format!("127.0.0.1:{}", free_port());
    let stack = Stack::start_on(
        Distribution::V2,
        &[
            ("PORTUNUS_GATEWAY__LISTEN", gateway.clone()),
            ("PORTUNUS_RATE_LIMITS__PULLS_PER_MINUTE", "2".into()),
            (
                "PORTUNUS_RATE_LIMITS__ANONYMOUS_PULLS_PER_MINUTE",
                "1".into(),
            ),
        ],
    );
    for user in ["root", "alice", "bob"] {
        stack.create_user(user);
    }
    let api = Api::sign_in(&stack, "alice");
    public_crew(&api);
    // Pushed straight to the registry: nothing of it counts.
    let alice = Podman::new(&stack, "alice");
    alice
        .login(&stack.registry(), "alice", PASSWORD)
        .assert_ok();
    let tar = layer_tar(stack.dir.path(), "limited");
    alice
        .run(&["import", &tar.to_string_lossy(), "localhost/l:1"])
        .assert_ok();
    alice
        .push(
            "localhost/l:1",
            &format!("{}/crew/app:v1", stack.registry()),
        )
        .assert_ok();

    let http = reqwest::blocking::Client::new();
    let manifest = |token: &str| {
        http.get(format!("http://{gateway}/v2/crew/app/manifests/v1"))
            .bearer_auth(token)
            .header(
                "accept",
                "application/vnd.docker.distribution.manifest.v2+json",
            )
            .header("accept", "application/vnd.oci.image.manifest.v1+json")
            .send()
            .expect("GET the manifest")
    };
    let scope = "repository:crew/app:pull";
    let alices = token_as(&stack, Some("alice"), scope);
    assert_eq!(manifest(&alices).status(), 200);
    assert_eq!(manifest(&alices).status(), 200);
    let refused = manifest(&alices);
    assert_eq!(refused.status(), 429);
    let header = |name: &str| refused.headers()[name].to_str().unwrap().to_owned();
    let retry: u64 = header("retry-after").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(header("ratelimit-limit"), "2");
    assert_eq!(header("ratelimit-remaining"), "0");
    assert_eq!(header("ratelimit-reset"), retry.to_string());
    let body: serde_json::Value = refused.json().expect("the registry's error format");
    assert_eq!(body["errors"][0]["code"], "TOOMANYREQUESTS", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("too many pulls by your account"),
        "{message}"
    );

    // Bob's allowance is his own; anonymous pulls count by address.
    assert_eq!(
        manifest(&token_as(&stack, Some("bob"), scope)).status(),
        200
    );
    let anonymous = token_as(&stack, None, scope);
    assert_eq!(manifest(&anonymous).status(), 200);
    let refused = manifest(&anonymous);
    assert_eq!(refused.status(), 429);
    let body: serde_json::Value = refused.json().expect("the registry's error format");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("too many pulls from your address"),
        "{message}"
    );
}
