# Portunus: `just run` starts it with a registry, `just test` runs every test.
# `just --list` shows this menu.

set shell := ["bash", "-euo", "pipefail", "-c"]

tools_dir := env_var_or_default("PORTUNUS_TOOLS_DIR", env_var("HOME") / ".cache/portunus-tools")
export PATH := tools_dir / "node_modules/.bin" + ":" + tools_dir / "schemathesis/bin" + ":" + env_var("HOME") / ".cargo/bin:" + env_var("PATH")

# Show the recipes.
default:
    @just --list

# Install what is missing, build, and run Portunus in front of a local registry.
run: (tools "run") build-ui build
    scripts/run-local

# Run every test: unit, API (SQLite and PostgreSQL), real clients, browser.
test: (tools "test") build-ui build
    cargo fmt --all -- --check
    cargo clippy --all-targets --quiet -- -D warnings
    cargo clippy -p portunus-frontend --target wasm32-unknown-unknown --quiet -- -D warnings
    scripts/ensure-dockerd
    scripts/with-postgres cargo test --no-fail-fast
    cargo test -p portunus-frontend --quiet
    @echo "all tests passed"

# The fast loop: formatting, clippy, unit tests and the API tests on SQLite (minutes; `just test` runs everything).
check:
    cargo fmt --all -- --check
    cargo clippy --all-targets --quiet -- -D warnings
    cargo test --quiet -p portunus-shared -p portunus-migrations -p portunus --lib
    cargo test --quiet -p portunus --test api

# Measure the token endpoint, signing, events, sync and the web UI's download; writes BENCHMARKS.md.
bench: (tools "bench") build-ui
    cargo build --release -p portunus --bins --benches
    scripts/bench

# Soak Portunus for MINUTES under load and faults (two replicas on PostgreSQL, a registry); writes "Under faults" in BENCHMARKS.md.
soak minutes="20": (tools "test") build-ui
    cargo build --release -p portunus --bin portunus
    cargo build -p portunus-e2e --bin soak
    scripts/with-postgres env PORTUNUS_BIN="${CARGO_TARGET_DIR:-target}/release/portunus" "${CARGO_TARGET_DIR:-target}/debug/soak" {{minutes}}

# Fuzz the parsers of untrusted input (scopes, token requests, notifications, manifests), SECONDS each.
fuzz seconds="60":
    scripts/fuzz {{seconds}}

# Install the tools a task needs (run, test or bench), skipping what is there.
tools what="test":
    scripts/install-tools {{what}}

# Build the server.
build:
    cargo build -p portunus

# Build the web UI into frontend/dist.
build-ui:
    cargo fetch --quiet
    TRUNK_TOOLS_WASM_BINDGEN="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)" trunk build --release

# Run the portunus command with the settings `just run` uses, e.g. `just portunus user create alice`.
portunus *args: build
    PORTUNUS_DATA_DIR=.run/data PORTUNUS_WEB_DIR=frontend/dist PORTUNUS_REGISTRY__URL=http://127.0.0.1:5001 PORTUNUS_GATEWAY__LISTEN=127.0.0.1:5000 target/debug/portunus {{args}}

# Regenerate openapi.yaml from the code.
openapi:
    cargo run --quiet -p portunus -- openapi > openapi.yaml

# Format the code and apply clippy's suggestions.
fmt:
    cargo fmt --all

# Refresh the README's screenshots from the browser tests' own.
screenshots: build-ui build
    cd e2e && cargo test --test e2e browser
    for page in dashboard dashboard-admin dashboard-dark dashboard-phone repository tag explore namespace team profile audit-log users webhooks registries; do cp "target/e2e-$page.png" "docs/screenshots/$page.png"; done
