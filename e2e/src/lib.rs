//! The end-to-end test kit: a real Docker Distribution registry and a real
//! `portunus` process per test, on free loopback ports, with throwaway state;
//! and helpers to run the real clients against them.

// A test kit: failing loudly with context is its job.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub mod browser;
pub mod peers;

pub const PASSWORD: &str = "e2e-password-123";

/// True when running under CI, where a missing tool is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// Whether `program` is installed. When it is not, outside CI this prints a
/// loud skip reason; in CI it fails the test.
pub fn require(program: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let message = format!("{program} is not installed: run scripts/install-tools test");
        assert!(!in_ci(), "{message}");
        eprintln!("\n!!! SKIPPED: {message} !!!\n");
    }
    found
}

/// A loopback port nobody listens on, and that no other test of this
/// process has been given: the kernel may hand a just-released port out
/// again, and two tests starting services on one port would each talk to
/// the other's.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        if given.insert(port) {
            return port;
        }
    }
}

fn wait_for_port(port: u16, what: &str, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited with {status}; log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} within 20 s");
}

/// The `portunus` binary built by `cargo build -p portunus`, next to this test.
pub fn portunus_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("PORTUNUS_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let bin = dir.join("portunus");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p portunus` first (just test does)",
        bin.display()
    );
    bin
}

/// The `portunus` binary of the release of 2026-11-22 (or of `commit`),
/// built once from this repository's history by `scripts/previous-release`
/// (`scripts/install-tools test` builds it ahead); `None` after a loud skip
/// message when it cannot be built outside CI.
pub fn previous_release(commit: Option<&str>) -> Option<PathBuf> {
    let mut command = Command::new(workspace_root().join("scripts/previous-release"));
    command.args(commit).stderr(Stdio::inherit());
    let output = command.output().expect("run scripts/previous-release");
    if !output.status.success() {
        let message = "scripts/previous-release could not build the earlier release (see above)";
        assert!(!in_ci(), "{message}");
        eprintln!("\n!!! SKIPPED: {message} !!!\n");
        return None;
    }
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Some(PathBuf::from(path))
}

/// Which registry a [`Stack`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Distribution {
    /// Debian's Docker Distribution 2.8 (`docker-registry`).
    V2,
    /// CNCF Distribution 3.0, built from source by `scripts/peer
    /// distribution3` (this binary).
    V3(PathBuf),
}

/// Two tests that run `check(distribution)`: `$v2` on registry 2.8 and
/// `$v3` on Distribution 3.0 (each skipped loudly outside CI when its
/// registry is missing).
#[macro_export]
macro_rules! on_both_registries {
    ($v2:ident, $v3:ident, $check:path) => {
        #[test]
        fn $v2() {
            if let Some(distribution) = $crate::Distribution::v2() {
                $check(distribution);
            }
        }

        #[test]
        fn $v3() {
            if let Some(distribution) = $crate::Distribution::v3() {
                $check(distribution);
            }
        }
    };
}

impl Distribution {
    /// Debian's registry 2.8, when installed (see [`require`]).
    pub fn v2() -> Option<Distribution> {
        require("docker-registry").then_some(Distribution::V2)
    }

    /// Distribution 3.0, built once and cached (`scripts/install-tools
    /// test` builds it ahead); `None` after a loud skip message when it
    /// cannot be built outside CI.
    pub fn v3() -> Option<Distribution> {
        built_peer("distribution3").map(Distribution::V3)
    }

    fn program(&self) -> &Path {
        match self {
            Distribution::V2 => Path::new("docker-registry"),
            Distribution::V3(path) => path,
        }
    }

    /// The arguments that make `registry-config` write this version's
    /// form (none for 2.x, the default, which earlier releases lack).
    fn config_arguments(&self) -> &'static [&'static str] {
        match self {
            Distribution::V2 => &[],
            Distribution::V3(_) => &["--distribution", "3"],
        }
    }
}

/// A peer built from source by `scripts/peer NAME`, which prints the
/// binary's path; `None` after a loud skip message outside CI when it
/// cannot be built.
pub fn built_peer(name: &str) -> Option<PathBuf> {
    let script = workspace_root().join("scripts/peer");
    let built = Command::new(&script)
        .arg(name)
        .stderr(Stdio::inherit())
        .output();
    match built {
        Ok(output) if output.status.success() => Some(PathBuf::from(
            String::from_utf8_lossy(&output.stdout).trim(),
        )),
        _ => {
            let message = format!("scripts/peer could not build {name} (see above)");
            assert!(!in_ci(), "{message}");
            eprintln!("\n!!! SKIPPED: {message} !!!\n");
            None
        }
    }
}

/// A running registry and Portunus, stopped when dropped.
pub struct Stack {
    pub dir: tempfile::TempDir,
    pub registry_port: u16,
    pub portunus_port: u16,
    /// Extra `PORTUNUS_*` settings given to every `portunus` command.
    env: Vec<(String, String)>,
    /// The `portunus` binary its commands run: this build's, or an
    /// earlier release's ([`Stack::start_release`]).
    bin: PathBuf,
    /// The registry it runs.
    distribution: Distribution,
    children: Vec<Child>,
}

impl Stack {
    /// Starts both; `extra_env` adds Portunus settings (`PORTUNUS_*`).
    pub fn start(extra_env: &[(&str, &str)]) -> Stack {
        Stack::start_release(portunus_bin(), extra_env)
    }

    /// [`Stack::start`] with the `portunus` binary `bin` (an earlier
    /// release's, from [`previous_release`]).
    pub fn start_release(bin: PathBuf, extra_env: &[(&str, &str)]) -> Stack {
        Stack::start_full(bin, Distribution::V2, extra_env)
    }

    /// [`Stack::start_with`] in front of the registry `distribution`.
    pub fn start_on(distribution: Distribution, settings: &[(&str, String)]) -> Stack {
        let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Stack::start_full(portunus_bin(), distribution, &env)
    }

    fn start_full(bin: PathBuf, distribution: Distribution, extra_env: &[(&str, &str)]) -> Stack {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut stack = Stack {
            bin,
            distribution,
            registry_port: free_port(),
            portunus_port: free_port(),
            dir,
            env: extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            children: Vec::new(),
        };
        let config = stack.registry_config();
        let registry_yml = stack.path("registry.yml");
        std::fs::write(&registry_yml, config).expect("write registry.yml");
        let mut registry = Command::new(stack.distribution.program());
        registry.arg("serve").arg(&registry_yml);
        stack.spawn_service(registry, "registry", stack.registry_port);
        let mut portunus = stack.portunus();
        portunus.arg("serve");
        stack.spawn_service(portunus, "portunus", stack.portunus_port);
        stack
    }

    /// [`Stack::start`] with settings whose values are owned (as the peers
    /// in `peers` give them).
    pub fn start_with(settings: &[(&str, String)]) -> Stack {
        let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Stack::start(&env)
    }

    /// Starts another `docker-registry` on `port`, configured by `portunus
    /// registry-config --registry NAME` (the registry must have been added
    /// through the API with that address); stopped with the stack.
    pub fn start_registry(&mut self, name: &str, port: u16) -> String {
        let output = self
            .portunus()
            .args(["registry-config", "--registry", name])
            .args(self.distribution.config_arguments())
            .arg("--storage-dir")
            .arg(self.path(&format!("storage-{name}")))
            .output()
            .expect("run portunus registry-config --registry");
        assert!(
            output.status.success(),
            "registry-config --registry {name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let config = String::from_utf8(output.stdout).expect("UTF-8 config");
        let yml = self.path(&format!("registry-{name}.yml"));
        std::fs::write(&yml, &config).expect("write the registry's config");
        let mut registry = Command::new(self.distribution.program());
        registry.arg("serve").arg(&yml);
        let child = self.spawn_logged(registry, &format!("registry-{name}"), port);
        // Before Portunus: `stop_portunus` stops the last child.
        self.children.insert(1, child);
        config
    }

    /// Stops Portunus (the registry keeps running).
    pub fn stop_portunus(&mut self) {
        if let Some(mut portunus) = self.children.pop() {
            let _ = portunus.kill();
            let _ = portunus.wait();
        }
    }

    /// Stops the registry (started first; Portunus keeps running).
    pub fn stop_registry(&mut self) {
        if !self.children.is_empty() {
            let mut registry = self.children.remove(0);
            let _ = registry.kill();
            let _ = registry.wait();
        }
    }

    /// Starts the registry again on the same port, configuration and storage.
    pub fn restart_registry(&mut self) {
        let mut registry = Command::new(self.distribution.program());
        registry.arg("serve").arg(self.path("registry.yml"));
        let child = self.spawn_logged(registry, "registry", self.registry_port);
        self.children.insert(0, child);
    }

    /// Makes the `portunus` commands that follow run `bin` (a restart
    /// starts it), as an upgrade replaces the binary.
    pub fn replace_binary(&mut self, bin: PathBuf) {
        self.bin = bin;
    }

    /// Starts Portunus again on the same port and data.
    pub fn restart_portunus(&mut self) {
        let mut portunus = self.portunus();
        portunus.arg("serve");
        self.spawn_service(portunus, "portunus", self.portunus_port);
    }

    /// Sets a `PORTUNUS_*` setting for the `portunus` commands that follow
    /// (a restart picks it up).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Starts a long-running process logging to NAME.log and waits until it
    /// listens on `port`.
    fn spawn_service(&mut self, command: Command, name: &str, port: u16) {
        let child = self.spawn_logged(command, name, port);
        self.children.push(child);
    }

    fn spawn_logged(&self, mut command: Command, name: &str, port: u16) -> Child {
        let log = self.path(&format!("{name}.log"));
        let mut child = command
            .stdout(log_file(&log))
            .stderr(log_file(&log))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        wait_for_port(port, name, &mut child, &log);
        child
    }

    /// Another Portunus process with this stack's settings, its own data
    /// directory (`data-NAME`) and port: a replica, when the settings name a
    /// shared (PostgreSQL) database. The registry keeps notifying the first.
    pub fn start_replica(&self, name: &str) -> Replica {
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let mut command = self.portunus();
        command
            .env("PORTUNUS_DATA_DIR", self.path(&format!("data-{name}")))
            .env("PORTUNUS_LISTEN", format!("127.0.0.1:{port}"))
            .env("PORTUNUS_PUBLIC_URL", &url)
            .arg("serve");
        Replica {
            child: self.spawn_logged(command, &format!("portunus-{name}"), port),
            url,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `host:port` of the registry, as clients name it.
    pub fn registry(&self) -> String {
        format!("127.0.0.1:{}", self.registry_port)
    }

    pub fn portunus_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.portunus_port)
    }

    /// A `portunus` command with this stack's configuration.
    pub fn portunus(&self) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .env("PORTUNUS_DATA_DIR", self.path("data"))
            .env(
                "PORTUNUS_LISTEN",
                format!("127.0.0.1:{}", self.portunus_port),
            )
            .env("PORTUNUS_PUBLIC_URL", self.portunus_url())
            .env(
                "PORTUNUS_REGISTRY__URL",
                format!("http://{}", self.registry()),
            )
            .env("PORTUNUS_WEB_DIR", workspace_root().join("frontend/dist"))
            .env("PORTUNUS_LOG", "info");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }

    fn registry_config(&self) -> String {
        let output = self
            .portunus()
            .arg("registry-config")
            .args(self.distribution.config_arguments())
            .arg("--storage-dir")
            .arg(self.path("storage"))
            .output()
            .expect("run portunus registry-config");
        assert!(
            output.status.success(),
            "registry-config failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 config")
    }

    /// Creates a user through the CLI, the password on standard input.
    pub fn create_user(&self, name: &str) -> String {
        self.create_user_with(name, &[])
    }

    /// [`Stack::create_user`] with more arguments (`--local`, `--admin`).
    pub fn create_user_with(&self, name: &str, extra: &[&str]) -> String {
        let mut child = self
            .portunus()
            .args(["user", "create", name])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run portunus user create");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            writeln!(stdin, "{PASSWORD}").expect("write the password");
        }
        let output = child.wait_with_output().expect("portunus user create");
        assert!(
            output.status.success(),
            "user create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn portunus_log(&self) -> String {
        std::fs::read_to_string(self.path("portunus.log")).unwrap_or_default()
    }

    /// Waits (20 s at most) for a line of Portunus's log that contains
    /// `text`; returns it.
    pub fn wait_for_log(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(line) = self.portunus_log().lines().find(|l| l.contains(text)) {
                return line.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {text:?}:\n{}",
                self.portunus_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A Portunus process started by [`Stack::start_replica`]; stopped when
/// dropped.
pub struct Replica {
    pub url: String,
    child: Child,
}

impl Replica {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Ends the process at once, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A new, empty PostgreSQL database on the test server
/// (`PORTUNUS_TEST_DATABASE_URL`, set by `scripts/with-postgres`, which
/// `just test` runs the tests under); `None` after a loud skip message
/// when there is none outside CI.
pub fn postgres_database(purpose: &str) -> Option<String> {
    let Ok(base) = std::env::var("PORTUNUS_TEST_DATABASE_URL") else {
        let message =
            "PORTUNUS_TEST_DATABASE_URL is not set: run the tests under scripts/with-postgres";
        assert!(!in_ci(), "{message}");
        eprintln!("\n!!! SKIPPED: {message} !!!\n");
        return None;
    };
    let name = format!("portunus_e2e_{purpose}_{}", std::process::id());
    let psql = Path::new("/usr/lib/postgresql/15/bin/psql");
    let created = Command::new(psql)
        .args([
            base.as_str(),
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .expect("run psql");
    assert!(
        created.status.success(),
        "cannot create the database: {}",
        String::from_utf8_lossy(&created.stderr)
    );
    let mut url = url::Url::parse(&base).expect("PORTUNUS_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

impl Drop for Stack {
    /// Stops both, then checks that Portunus logged no secret of the test.
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !std::thread::panicking() {
            let secret = std::fs::read_to_string(self.path("data/notification-secret"));
            let leaks = secrets_in(&self.portunus_log(), secret.as_deref().unwrap_or("").trim());
            assert!(leaks.is_empty(), "Portunus logged secrets: {leaks:?}");
        }
    }
}

/// The secrets a test plants that appear in `log`: the test password, the
/// notification secret, and any application or refresh token or JWT.
pub fn secrets_in(log: &str, notification_secret: &str) -> Vec<String> {
    let mut found = Vec::new();
    for planted in [PASSWORD, notification_secret] {
        if !planted.is_empty() && log.contains(planted) {
            found.push(planted.to_owned());
        }
    }
    for prefix in ["ptn_", "ptr_", "eyJ"] {
        for (at, _) in log.match_indices(prefix) {
            let rest = &log[at + prefix.len()..];
            let body: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if body.len() >= 16 {
                found.push(format!("{prefix}{body}"));
            }
        }
    }
    found
}

fn log_file(path: &Path) -> Stdio {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The result of a client command, for assertions with context.
pub struct Run {
    pub command: String,
    pub output: Output,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.output.status.success()
    }

    pub fn text(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert!(self.ok(), "`{}` failed:\n{}", self.command, self.text());
        self
    }

    /// Asserts that the client failed because it was refused (its output
    /// says so), not for another reason (a network error, a missing image).
    #[track_caller]
    pub fn assert_refused(&self) -> &Self {
        assert!(
            !self.ok(),
            "`{}` should have been refused:\n{}",
            self.command,
            self.text()
        );
        self.assert_failed_saying(REFUSAL_WORDS)
    }

    /// Asserts that the client failed because what it asked for is not
    /// there (deleted, erased), not because it was refused.
    #[track_caller]
    pub fn assert_missing(&self) -> &Self {
        self.assert_failed_saying(&["manifest unknown", "not found"])
    }

    /// Asserts that the client failed and its output says one of `words`
    /// (in lower case).
    #[track_caller]
    pub fn assert_failed_saying(&self, words: &[&str]) -> &Self {
        assert!(
            !self.ok(),
            "`{}` should have failed:\n{}",
            self.command,
            self.text()
        );
        let said = self.text().to_lowercase();
        assert!(
            words.iter().any(|word| said.contains(word)),
            "`{}` failed, but saying none of {words:?}:\n{}",
            self.command,
            self.text()
        );
        self
    }
}

/// What registry clients (docker, podman, skopeo, ctr) say when the
/// registry or the token endpoint refuses them, in lower case.
const REFUSAL_WORDS: &[&str] = &[
    "unauthorized",
    "denied",
    "requested access",
    "invalid username/password",
    "authentication required",
    "insufficient_scope",
    "401",
    "403",
    "forbidden",
];

/// Runs `program args...` with extra environment, capturing its output.
pub fn run(program: &str, args: &[&str], env: &[(&str, &Path)], stdin: Option<&str>) -> Run {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    command.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let output = child.wait_with_output().expect("wait for the client");
    Run {
        command: format!("{program} {}", args.join(" ")),
        output,
    }
}

/// Runs `command` with `stdin` (or none) and returns its output.
pub fn output_of(mut command: Command, stdin: Option<&str>) -> Output {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run the command");
    {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(stdin.unwrap_or_default().as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait for the command")
}

/// A tar file with one small file in it, to import as an image layer.
pub fn layer_tar(dir: &Path, content: &str) -> PathBuf {
    let rootfs = dir.join(format!("rootfs-{}", content.len()));
    std::fs::create_dir_all(&rootfs).expect("rootfs");
    std::fs::write(rootfs.join("hello.txt"), content).expect("layer file");
    let tar = dir.join(format!("layer-{}.tar", content.len()));
    run(
        "tar",
        &[
            "-C",
            &rootfs.to_string_lossy(),
            "-cf",
            &tar.to_string_lossy(),
            ".",
        ],
        &[],
        None,
    )
    .assert_ok();
    tar
}

/// A REST API client signed in as one user (session cookie).
pub struct Api {
    base: String,
    cookie: String,
    http: reqwest::blocking::Client,
}

impl Api {
    /// Signs `username` in (password [`PASSWORD`]).
    pub fn sign_in(stack: &Stack, username: &str) -> Api {
        Api::sign_in_with(stack, username, PASSWORD)
    }

    /// Signs `username` in with `password`.
    pub fn sign_in_with(stack: &Stack, username: &str, password: &str) -> Api {
        Api::sign_in_at(&stack.portunus_url(), username, password)
    }

    /// Signs `username` in with `password` at the Portunus process at
    /// `portunus_url` (a replica, say).
    pub fn sign_in_at(portunus_url: &str, username: &str, password: &str) -> Api {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        let response = http
            .post(format!("{portunus_url}/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .expect("sign in");
        assert!(
            response.status().is_success(),
            "sign in {username}: {}",
            response.status()
        );
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        Api {
            base: format!("{portunus_url}/api/v1"),
            cookie,
            http,
        }
    }

    /// The session cookie (`portunus_session=...`).
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    /// Sends a request and returns just the status.
    pub fn status(&self, method: &str, path: &str) -> u16 {
        self.answer(method, path, None).0
    }

    /// Sends a request and returns the JSON body; panics on a non-2xx
    /// answer, naming the request.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let (status, text) = self.answer(method, path, body);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// The page of `GET /repositories` once it lists `count` repositories
    /// (Portunus records pushes as the registry reports them); waits 10 s
    /// at most.
    pub fn repositories_once(&self, count: u64) -> serde_json::Value {
        for _ in 0..100 {
            let page = self.call("GET", "/repositories", None);
            if page["total"] == count {
                return page;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("Portunus did not list {count} repositories within 10 s");
    }

    /// Waits (10 s at most) until Portunus lists repository `name` with
    /// `tags` tags (it records pushes as the registry reports them).
    pub fn tags_once(&self, name: &str, tags: u64) {
        for _ in 0..100 {
            let page = self.call("GET", &format!("/repositories?q={name}"), None);
            let found = page["items"]
                .as_array()
                .and_then(|items| items.iter().find(|r| r["name"] == name))
                .map(|r| r["tags"].clone());
            if found == Some(serde_json::json!(tags)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("Portunus did not list {name} with {tags} tags within 10 s");
    }

    /// The id of the repository `name`, which Portunus must list.
    pub fn repository_id(&self, name: &str) -> i64 {
        let page = self.call("GET", &format!("/repositories?q={name}"), None);
        page["items"]
            .as_array()
            .and_then(|items| items.iter().find(|r| r["name"] == name))
            .and_then(|r| r["id"].as_i64())
            .unwrap_or_else(|| panic!("{name} is not listed: {page}"))
    }

    /// The members of `team` with their roles, sorted by name.
    pub fn team_members(&self, team: &str) -> Vec<(String, String)> {
        let team = self.call("GET", &format!("/teams/{team}"), None);
        let mut members: Vec<(String, String)> = team["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| {
                (
                    m["username"].as_str().unwrap_or_default().to_owned(),
                    m["role"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        members.sort();
        members
    }

    /// Sends a request and returns the status and the body, whatever they are.
    pub fn answer(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, String) {
        self.try_answer(method, path, body).expect("API request")
    }

    /// [`Api::answer`], or why no answer came (no connection, say).
    pub fn try_answer(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(u16, String), String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("HTTP method");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Cookie", &self.cookie);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        Ok((status, response.text().unwrap_or_default()))
    }
}

/// Pushes `repos` small images straight through the registry API as `user`
/// (password [`PASSWORD`]), named `{prefix}{i}`, each with `tags` tags on the
/// same manifest. Much faster than a client for hundreds of repositories.
pub fn fill_registry(stack: &Stack, user: &str, prefix: &str, repos: usize, tags: usize) {
    for i in 0..repos {
        let repo = format!("{prefix}{i}");
        let token = registry_token(stack, user, &[&format!("repository:{repo}:pull,push")]);
        push_small_image(stack, &token, &repo, tags);
    }
}

/// What `docker login` gets from the token endpoint for `user` and
/// `password`: the status and the body.
pub fn token_login(stack: &Stack, user: &str, password: &str) -> (u16, String) {
    let response = reqwest::blocking::Client::new()
        .get(format!(
            "{}/v2/token?service=registry&account={user}&client_id=docker",
            stack.portunus_url()
        ))
        .basic_auth(user, Some(password))
        .send()
        .expect("token request");
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

/// A registry token for `user` (password [`PASSWORD`]) asking for `scopes`.
pub fn registry_token(stack: &Stack, user: &str, scopes: &[&str]) -> String {
    registry_token_from(&stack.portunus_url(), user, scopes)
}

/// [`registry_token`] from the Portunus process at `portunus_url`.
pub fn registry_token_from(portunus_url: &str, user: &str, scopes: &[&str]) -> String {
    registry_token_with(portunus_url, user, PASSWORD, scopes)
}

/// [`registry_token_from`] with `password` (or an application token).
pub fn registry_token_with(
    portunus_url: &str,
    user: &str,
    password: &str,
    scopes: &[&str],
) -> String {
    let query: String = scopes.iter().map(|s| format!("&scope={s}")).collect();
    let answer: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{portunus_url}/v2/token?service=registry{query}"))
        .basic_auth(user, Some(password))
        .send()
        .and_then(|r| r.json())
        .expect("token");
    answer["token"].as_str().expect("token").to_owned()
}

/// The claims of a JWT, without checking its signature.
pub fn token_claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    let json = data_encoding::BASE64URL_NOPAD
        .decode(payload.as_bytes())
        .expect("base64url claims");
    serde_json::from_slice(&json).expect("JSON claims")
}

/// `sha256:` and the hex SHA-256 of `content`, as the registry names blobs.
pub fn sha256_digest(content: &[u8]) -> String {
    use std::fmt::Write;
    let hash = <sha2::Sha256 as sha2::Digest>::digest(content);
    let mut hex = String::from("sha256:");
    for b in hash {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Uploads a blob to `repo` straight through the registry API; returns its
/// digest and size.
pub fn upload_blob(stack: &Stack, token: &str, repo: &str, content: &[u8]) -> (String, usize) {
    let http = reqwest::blocking::Client::new();
    let registry = format!("http://{}", stack.registry());
    let digest = sha256_digest(content);
    let started = http
        .post(format!("{registry}/v2/{repo}/blobs/uploads/"))
        .bearer_auth(token)
        .send()
        .expect("upload");
    let location = started
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("upload location")
        .to_owned();
    let location = if location.starts_with("http") {
        location
    } else {
        format!("{registry}{location}")
    };
    let separator = if location.contains('?') { '&' } else { '?' };
    let put = http
        .put(format!("{location}{separator}digest={digest}"))
        .bearer_auth(token)
        .header("Content-Type", "application/octet-stream")
        .body(content.to_vec())
        .send()
        .expect("blob put");
    assert!(put.status().is_success(), "blob put: {}", put.status());
    (digest, content.len())
}

/// Puts an OCI manifest under `reference` (a tag or its digest); returns
/// its digest.
pub fn put_manifest(
    stack: &Stack,
    token: &str,
    repo: &str,
    reference: &str,
    manifest: &serde_json::Value,
) -> String {
    let body = manifest.to_string();
    let reference = if reference.is_empty() {
        sha256_digest(body.as_bytes())
    } else {
        reference.to_owned()
    };
    let put = reqwest::blocking::Client::new()
        .put(format!(
            "http://{}/v2/{repo}/manifests/{reference}",
            stack.registry()
        ))
        .bearer_auth(token)
        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        .body(body.clone())
        .send()
        .expect("manifest put");
    let status = put.status();
    assert!(
        status.is_success(),
        "manifest put {repo}:{reference}: {status} {}",
        put.text().unwrap_or_default()
    );
    sha256_digest(body.as_bytes())
}

/// Pushes one small image to `repo` with `tags` tags (`t0`, `t1`, ...)
/// straight through the registry API, with a registry token already in hand;
/// returns the manifest's digest.
pub fn push_small_image(stack: &Stack, token: &str, repo: &str, tags: usize) -> String {
    let (config, config_size) = upload_blob(
        stack,
        token,
        repo,
        format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"repo\":\"{repo}\"}}").as_bytes(),
    );
    let (layer, layer_size) =
        upload_blob(stack, token, repo, format!("layer of {repo}").as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": layer_size}],
    });
    let mut digest = String::new();
    for t in 0..tags {
        digest = put_manifest(stack, token, repo, &format!("t{t}"), &manifest);
    }
    digest
}
