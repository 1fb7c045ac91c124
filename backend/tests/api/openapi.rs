//! `openapi.yaml` must be exactly what `portunus openapi` prints.

#[test]
fn checked_in_spec_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let checked_in = std::fs::read_to_string(path).expect("openapi.yaml at the repository root");
    let generated = portunus::http::rest::spec_yaml();
    assert!(
        checked_in == generated,
        "openapi.yaml is out of date: run `just openapi` (cargo run -p portunus -- openapi > openapi.yaml) and commit it"
    );
}
