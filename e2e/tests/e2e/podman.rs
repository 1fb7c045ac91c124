//! podman and skopeo against the real registry through Portunus.

use std::path::PathBuf;

use portunus_e2e::{PASSWORD, Run, Stack, layer_tar, require, run};

/// podman with its own storage and credentials file, so tests don't interfere.
pub struct Podman {
    root: PathBuf,
    authfile: PathBuf,
}

impl Podman {
    pub fn new(stack: &Stack, name: &str) -> Podman {
        let podman = Podman {
            root: stack.path(&format!("podman-{name}")),
            authfile: stack.path(&format!("auth-{name}.json")),
        };
        std::fs::write(&podman.authfile, "{}").expect("empty authfile");
        podman
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let root = self.root.join("root");
        let runroot = self.root.join("runroot");
        let mut all = vec![
            "--storage-driver",
            "vfs",
            "--root",
            root.to_str().unwrap_or_default(),
            "--runroot",
            runroot.to_str().unwrap_or_default(),
        ];
        all.extend_from_slice(args);
        run(
            "podman",
            &all,
            &[("REGISTRY_AUTH_FILE", &self.authfile)],
            None,
        )
    }

    pub fn login(&self, registry: &str, user: &str, password: &str) -> Run {
        self.run(&[
            "login",
            "--tls-verify=false",
            "-u",
            user,
            "-p",
            password,
            registry,
        ])
    }

    pub fn push(&self, local: &str, remote: &str) -> Run {
        self.run(&[
            "push",
            "--tls-verify=false",
            local,
            &format!("docker://{remote}"),
        ])
    }
}

fn skopeo_inspect(image: &str, creds: Option<&str>, authfile: &std::path::Path) -> Run {
    let reference = format!("docker://{image}");
    let authfile = authfile.to_string_lossy();
    let mut args = vec!["inspect", "--tls-verify=false", "--authfile", &authfile];
    if let Some(creds) = creds {
        args.extend(["--creds", creds]);
    }
    args.push(&reference);
    run("skopeo", &args, &[], None)
}

#[test]
fn podman_login_push_and_refusals() {
    if !require("podman") || !require("skopeo") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("root"); // the first account is the administrator
    stack.create_user("alice");
    stack.create_user("bob");
    let registry = stack.registry();
    let alice = Podman::new(&stack, "alice");
    let bob = Podman::new(&stack, "bob");

    alice
        .login(&registry, "alice", "wrong-password")
        .assert_refused();
    alice.login(&registry, "alice", PASSWORD).assert_ok();
    bob.login(&registry, "bob", PASSWORD).assert_ok();

    let tar = layer_tar(stack.dir.path(), "podman e2e");
    let tar = tar.to_string_lossy();
    alice.run(&["import", &tar, "localhost/e2e:1"]).assert_ok();
    bob.run(&["import", &tar, "localhost/e2e:1"]).assert_ok();

    // Into one's own namespace: allowed. Into someone else's: refused.
    alice
        .push("localhost/e2e:1", &format!("{registry}/alice/app:1"))
        .assert_ok();
    alice
        .push("localhost/e2e:1", &format!("{registry}/bob/app:1"))
        .assert_refused();
    alice
        .push("localhost/e2e:1", &format!("{registry}/app:1"))
        .assert_refused();
    bob.push("localhost/e2e:1", &format!("{registry}/bob/app:1"))
        .assert_ok();

    let creds = format!("alice:{PASSWORD}");
    let empty_auth = stack.path("empty-auth.json");
    std::fs::write(&empty_auth, "{}").expect("authfile");
    let inspected = skopeo_inspect(
        &format!("{registry}/alice/app:1"),
        Some(&creds),
        &empty_auth,
    );
    inspected.assert_ok();
    let info: serde_json::Value =
        serde_json::from_slice(&inspected.output.stdout).expect("skopeo JSON");
    assert_eq!(info["Name"], format!("{registry}/alice/app"));
    assert!(
        info["Digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:"))
    );

    // Anonymous pulls are refused; so is reading another user's namespace.
    skopeo_inspect(&format!("{registry}/alice/app:1"), None, &empty_auth).assert_refused();
    skopeo_inspect(&format!("{registry}/bob/app:1"), Some(&creds), &empty_auth).assert_refused();
    // Deleting (skopeo asks for `*`): Bob may not touch Alice's image; she may.
    let reference = format!("docker://{registry}/alice/app:1");
    let empty = empty_auth.to_string_lossy();
    let delete = |creds: &str| {
        let args = [
            "delete",
            "--tls-verify=false",
            "--authfile",
            &empty,
            "--creds",
            creds,
            &reference,
        ];
        run("skopeo", &args, &[], None)
    };
    delete(&format!("bob:{PASSWORD}")).assert_refused();
    skopeo_inspect(
        &format!("{registry}/alice/app:1"),
        Some(&creds),
        &empty_auth,
    )
    .assert_ok();
    delete(&creds).assert_ok();
    skopeo_inspect(
        &format!("{registry}/alice/app:1"),
        Some(&creds),
        &empty_auth,
    )
    .assert_missing();
}

#[test]
fn a_transformed_user_name_pushes_to_its_namespace() {
    if !require("podman") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    let out = stack.create_user("Carol.Smith");
    assert!(
        out.contains("carol.smith"),
        "the CLI says which namespace: {out}"
    );
    let carol = Podman::new(&stack, "carol");
    carol
        .login(&stack.registry(), "Carol.Smith", PASSWORD)
        .assert_ok();
    let tar = layer_tar(stack.dir.path(), "carol");
    carol
        .run(&["import", &tar.to_string_lossy(), "localhost/c:1"])
        .assert_ok();
    carol
        .push(
            "localhost/c:1",
            &format!("{}/carol.smith/c:1", stack.registry()),
        )
        .assert_ok();
}

/// ECDSA is the default (every other test uses it); keys made with RSA, as
/// earlier installations have, keep working.
#[test]
fn an_rsa_signing_key_is_trusted_by_the_registry() {
    if !require("podman") || !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[("PORTUNUS_TOKEN__ALGORITHM", "rs256")]);
    stack.create_user("root");
    let token = portunus_e2e::registry_token(&stack, "root", &["repository:root/r:pull"]);
    let header = token.split('.').next().expect("a JWT header");
    let header = data_encoding::BASE64URL_NOPAD
        .decode(header.as_bytes())
        .expect("base64url");
    assert!(
        String::from_utf8_lossy(&header).contains("\"alg\":\"RS256\""),
        "{}",
        String::from_utf8_lossy(&header)
    );
    stack.create_user("dave");
    let dave = Podman::new(&stack, "dave");
    dave.login(&stack.registry(), "dave", PASSWORD).assert_ok();
    let tar = layer_tar(stack.dir.path(), "rsa");
    dave.run(&["import", &tar.to_string_lossy(), "localhost/d:1"])
        .assert_ok();
    dave.push("localhost/d:1", &format!("{}/dave/d:1", stack.registry()))
        .assert_ok();
    dave.push("localhost/d:1", &format!("{}/erin/d:1", stack.registry()))
        .assert_refused();
}
