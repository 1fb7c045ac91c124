//! The OCI distribution-spec conformance suite (v1.1.1, built from source by
//! `../shared/peers/oci-conformance/build`) with Portunus's tokens, straight
//! to the registry and through the gateway, on Distribution 2.8 and 3.0: the
//! gateway passes exactly the checks the registry passes alone.

use portunus_e2e::{Distribution, PASSWORD, Stack, built_peer, free_port, require};

/// The checks of one run that passed and those that failed, by name and
/// sorted (two setup steps have the same name, so not sets).
#[derive(Debug)]
struct Outcome {
    passed: Vec<String>,
    failed: Vec<String>,
}

/// Runs the suite against `root_url` as alice, in repositories under
/// `alice/PREFIX-*` (each run its own, so runs do not see each other).
fn run_suite(suite: &std::path::Path, stack: &Stack, root_url: &str, prefix: &str) -> Outcome {
    let report = stack.path(&format!("conformance-{prefix}"));
    std::fs::create_dir_all(&report).expect("report directory");
    let output = std::process::Command::new(suite)
        .env("OCI_ROOT_URL", root_url)
        .env("OCI_NAMESPACE", format!("alice/{prefix}-main"))
        .env("OCI_CROSSMOUNT_NAMESPACE", format!("alice/{prefix}-other"))
        .env("OCI_USERNAME", "alice")
        .env("OCI_PASSWORD", PASSWORD)
        .env("OCI_TEST_PULL", "1")
        .env("OCI_TEST_PUSH", "1")
        .env("OCI_TEST_CONTENT_DISCOVERY", "1")
        .env("OCI_TEST_CONTENT_MANAGEMENT", "1")
        .env("OCI_REPORT_DIR", &report)
        .current_dir(&report)
        .output()
        .expect("run the conformance suite");
    let junit = std::fs::read_to_string(report.join("junit.xml")).unwrap_or_else(|e| {
        panic!(
            "the suite wrote no junit.xml ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut outcome = Outcome {
        passed: Vec::new(),
        failed: Vec::new(),
    };
    for case in junit.split("<testcase ").skip(1) {
        let attribute = |name: &str| {
            let start = case.find(&format!("{name}=\""))? + name.len() + 2;
            Some(case[start..].split('"').next()?.to_owned())
        };
        let (Some(name), Some(status)) = (attribute("name"), attribute("status")) else {
            continue;
        };
        // The suite reports its HTML report as a passing case too.
        if name == "html custom reporter" {
            continue;
        }
        match status.as_str() {
            "passed" => outcome.passed.push(name),
            "skipped" | "pending" => {}
            _ => outcome.failed.push(name),
        }
    }
    outcome.passed.sort();
    outcome.failed.sort();
    outcome
}

/// Runs the suite straight to the registry of `distribution` and through
/// the gateway; both pass `expected_passes` checks, the same ones.
fn same_through_the_gateway(distribution: Distribution, expected_passes: usize) {
    let Some(suite) = built_peer("oci-conformance") else {
        return;
    };
    let gateway = format!("127.0.0.1:{}", free_port());
    let stack = Stack::start_on(
        distribution,
        &[("PORTUNUS_GATEWAY__LISTEN", gateway.clone())],
    );
    stack.create_user("root");
    stack.create_user("alice");
    let direct = run_suite(
        &suite,
        &stack,
        &format!("http://{}", stack.registry()),
        "direct",
    );
    let through = run_suite(&suite, &stack, &format!("http://{gateway}"), "gateway");
    assert_eq!(
        direct.passed.len(),
        expected_passes,
        "the registry alone passes a different number of checks; it failed {:#?}",
        direct.failed
    );
    assert_eq!(
        through.passed, direct.passed,
        "through the gateway, other checks pass than straight to the registry"
    );
}

#[test]
fn conformance_through_the_gateway_equals_registry_2_8() {
    if !require("docker-registry") {
        return;
    }
    same_through_the_gateway(Distribution::V2, 62);
}

#[test]
fn conformance_through_the_gateway_equals_distribution_3_0() {
    let Some(v3) = Distribution::v3() else {
        return;
    };
    same_through_the_gateway(v3, 68);
}
