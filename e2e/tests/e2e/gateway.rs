//! The gateway (`[gateway]`) in front of the real registry: podman and
//! skopeo push and pull through it, its answers are the registry's, and a
//! path is read as the registry reads it.

use portunus_e2e::{Distribution, PASSWORD, Stack, free_port, require, run};

use crate::podman::Podman;

/// A stack whose clients use the gateway in front of `distribution`;
/// answers it and the gateway's `host:port`.
fn gateway_stack(distribution: Distribution) -> (Stack, String) {
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
    let answer: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!(
            "{}/v2/token?service=registry&scope={scope}",
            stack.portunus_url()
        ))
        .basic_auth("alice", Some(PASSWORD))
        .send()
        .expect("ask for a token")
        .json()
        .expect("a token answer");
    answer["token"].as_str().expect("a token").to_owned()
}

#[test]
fn podman_and_skopeo_push_and_pull_through_the_gateway_to_registry_2_8() {
    if require("docker-registry") {
        push_and_pull_through_the_gateway(Distribution::V2);
    }
}

#[test]
fn podman_and_skopeo_push_and_pull_through_the_gateway_to_distribution_3_0() {
    if let Some(v3) = Distribution::v3() {
        push_and_pull_through_the_gateway(v3);
    }
}

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
    let digest_at = |host: &str, image: &str| {
        let reference = format!("docker://{host}/{image}");
        let inspected = run(
            "skopeo",
            &[
                "inspect",
                "--tls-verify=false",
                "--creds",
                &creds,
                &reference,
            ],
            &[],
            None,
        );
        inspected.assert_ok();
        let info: serde_json::Value =
            serde_json::from_slice(&inspected.output.stdout).expect("skopeo JSON");
        info["Digest"].as_str().expect("a digest").to_owned()
    };
    let pushed = digest_at(&gateway, "alice/app:1");
    assert!(pushed.starts_with("sha256:"), "{pushed}");
    assert_eq!(digest_at(&stack.registry(), "alice/app:1"), pushed);

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
    assert_eq!(digest_at(&gateway, "alice/copy:1"), pushed);

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
    let started = http
        .post(format!("{base}/v2/alice/app/blobs/uploads/"))
        .bearer_auth(&push)
        .send()
        .expect("start an upload");
    assert_eq!(started.status(), 202);
    let location = started.headers()["location"].to_str().unwrap().to_owned();
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

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes))
}
