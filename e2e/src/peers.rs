//! Peers the tests start on loopback, stopped when dropped: a throwaway
//! OpenLDAP `slapd` (prepared by `scripts/peers/ldap-setup`), an OpenID
//! Provider (`scripts/peers/oidc-provider.mjs`, npm oidc-provider), an
//! SMTP server that keeps every mail (`scripts/peers/smtp-sink.py`, aiosmtpd),
//! a MariaDB server (Debian's mariadb-server) for a Portus database, a TCP
//! forwarder that can be cut, and a webhook receiver.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port, in_ci, require, run, workspace_root};

/// The base DN of the test directory.
pub const BASE: &str = "dc=example,dc=org";

/// A running slapd with the test directory (see `scripts/peers/ldap-setup`
/// for its entries): plain and StartTLS on `port`, TLS on `tls_port`.
pub struct Slapd {
    pub dir: PathBuf,
    pub port: u16,
    pub tls_port: u16,
    child: Option<Child>,
}

impl Slapd {
    /// Prepares and starts a directory in `dir`; `None` (after a loud
    /// skip message) when slapd is not installed outside CI.
    pub fn start(dir: &Path) -> Option<Slapd> {
        if !require("/usr/sbin/slapd") || !require("ldapmodify") {
            return None;
        }
        let setup = workspace_root().join("scripts/peers/ldap-setup");
        run(
            &setup.to_string_lossy(),
            &[&dir.to_string_lossy()],
            &[],
            None,
        )
        .assert_ok();
        let mut slapd = Slapd {
            dir: dir.to_owned(),
            port: free_port(),
            tls_port: free_port(),
            child: None,
        };
        slapd.resume();
        Some(slapd)
    }

    /// Starts slapd (again) on the same ports and data.
    pub fn resume(&mut self) {
        let urls = format!(
            "ldap://127.0.0.1:{}/ ldaps://127.0.0.1:{}/",
            self.port, self.tls_port
        );
        let child = Command::new("/usr/sbin/slapd")
            .arg("-f")
            .arg(self.dir.join("slapd.conf"))
            .args(["-h", &urls, "-d", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start slapd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "slapd did not listen in 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops slapd (the data stays, for `resume`).
    pub fn pause(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    pub fn tls_url(&self) -> String {
        format!("ldaps://127.0.0.1:{}", self.tls_port)
    }

    /// The CA that signed the server's certificate.
    pub fn ca_file(&self) -> String {
        self.dir.join("ca.crt").to_string_lossy().into_owned()
    }

    /// Portunus settings for search-then-bind over StartTLS, with
    /// `developers` → team `developers` (contributor) and `admins` as the
    /// administrators' group.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PORTUNUS_LDAP__URL", self.url()),
            ("PORTUNUS_LDAP__START_TLS", "true".into()),
            ("PORTUNUS_LDAP__CA_FILE", self.ca_file()),
            ("PORTUNUS_LDAP__SERVICE_DN", format!("cn=readonly,{BASE}")),
            ("PORTUNUS_LDAP__SERVICE_PASSWORD", "readonlypw".into()),
            ("PORTUNUS_LDAP__USER_BASE", format!("ou=people,{BASE}")),
            ("PORTUNUS_LDAP__GROUP_BASE", format!("ou=groups,{BASE}")),
            ("PORTUNUS_LDAP__GROUPS__ADMIN_GROUP", "admins".into()),
            (
                "PORTUNUS_LDAP__GROUPS__TEAMS",
                r#"[{group="developers",team="developers",role="contributor"}]"#.into(),
            ),
        ]
    }

    /// Applies an LDIF change as the directory's administrator.
    pub fn modify(&self, ldif: &str) {
        run(
            "ldapmodify",
            &[
                "-x",
                "-H",
                &self.url(),
                "-D",
                &format!("cn=admin,{BASE}"),
                "-w",
                "adminpw",
            ],
            &[],
            Some(ldif),
        )
        .assert_ok();
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.pause();
    }
}

/// A running OpenID Provider with one client (`test-client`,
/// `test-secret`) whose login form takes any name and password.
pub struct OpenIdProvider {
    pub port: u16,
    child: Child,
}

impl OpenIdProvider {
    /// A free port for a provider started later (its issuer URL goes into
    /// Portunus's settings before Portunus's port is known).
    pub fn reserve_port() -> u16 {
        free_port()
    }

    /// Starts the provider on `port`, sending browsers back to
    /// `redirect_uri`; `None` (after a loud skip message) when node or the
    /// oidc-provider package is missing outside CI.
    pub fn start(port: u16, redirect_uri: &str, log: &Path) -> Option<OpenIdProvider> {
        if !require("node") {
            return None;
        }
        let tools = std::env::var_os("PORTUNUS_TOOLS_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/portunus-tools"))
            })
            .unwrap_or_default();
        let module = tools.join("oidc-provider/node_modules/oidc-provider/lib/index.js");
        if !module.is_file() {
            let message = format!(
                "{} is missing: run scripts/install-tools test",
                module.display()
            );
            assert!(!in_ci(), "{message}");
            eprintln!("\n!!! SKIPPED: {message} !!!\n");
            return None;
        }
        let log_file = std::fs::File::create(log).expect("provider log");
        let mut child = Command::new("node")
            .arg(workspace_root().join("scripts/peers/oidc-provider.mjs"))
            .env("OIDC_PROVIDER_MODULE", &module)
            .env("PORT", port.to_string())
            .env("REDIRECT_URI", redirect_uri)
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file)
            .spawn()
            .expect("start the OpenID Provider");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the OpenID Provider exited with {status}: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the OpenID Provider did not listen in 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(OpenIdProvider { port, child })
    }

    pub fn issuer(port: u16) -> String {
        format!("http://127.0.0.1:{port}")
    }

    /// Portunus settings for this provider (issuer on `port`), named
    /// "Test ID", with `developers` → team `developers` (contributor) and
    /// `admins` as the administrators' group.
    pub fn settings(port: u16) -> Vec<(&'static str, String)> {
        vec![
            ("PORTUNUS_OIDC__ISSUER", Self::issuer(port)),
            ("PORTUNUS_OIDC__NAME", "Test ID".into()),
            ("PORTUNUS_OIDC__CLIENT_ID", "test-client".into()),
            ("PORTUNUS_OIDC__CLIENT_SECRET", "test-secret".into()),
            ("PORTUNUS_OIDC__GROUPS__ADMIN_GROUP", "admins".into()),
            (
                "PORTUNUS_OIDC__GROUPS__TEAMS",
                r#"[{group="developers",team="developers",role="contributor"}]"#.into(),
            ),
        ]
    }
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `path` under the tools directory (`PORTUNUS_TOOLS_DIR`, by default
/// ~/.cache/portunus-tools); `None` (after a loud skip message) when it is
/// missing outside CI.
pub fn installed_tool(path: &str) -> Option<PathBuf> {
    let tools = std::env::var_os("PORTUNUS_TOOLS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/portunus-tools")))
        .unwrap_or_default();
    let tool = tools.join(path);
    if tool.exists() {
        return Some(tool);
    }
    let message = format!(
        "{} is missing: run scripts/install-tools test",
        tool.display()
    );
    assert!(!in_ci(), "{message}");
    eprintln!("\n!!! SKIPPED: {message} !!!\n");
    None
}

/// A running SMTP server that writes every mail it takes into `dir`.
pub struct SmtpSink {
    pub port: u16,
    pub dir: PathBuf,
    child: Child,
}

impl SmtpSink {
    /// Starts the server keeping mail in `dir`; `None` (after a loud skip
    /// message) when aiosmtpd is not installed outside CI.
    pub fn start(dir: &Path) -> Option<SmtpSink> {
        let python = installed_tool("aiosmtpd/bin/python")?;
        let port = free_port();
        let child = Command::new(python)
            .arg(workspace_root().join("scripts/peers/smtp-sink.py"))
            .arg(port.to_string())
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the SMTP server");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the SMTP server did not listen in 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(SmtpSink {
            port,
            dir: dir.to_owned(),
            child,
        })
    }

    /// Portunus settings to send mail through this server.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PORTUNUS_MAIL__HOST", "127.0.0.1".into()),
            ("PORTUNUS_MAIL__PORT", self.port.to_string()),
            ("PORTUNUS_MAIL__SECURITY", "none".into()),
            (
                "PORTUNUS_MAIL__FROM",
                "Portunus <portunus@example.org>".into(),
            ),
        ]
    }

    /// Every mail taken so far, oldest first, as its text.
    pub fn mails(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("a mail"))
            .collect()
    }

    /// Waits until `count` mails were taken (20 s at most); returns them all.
    pub fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "{count} mails expected, {} arrived: {mails:?}",
                mails.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for exactly `count` mails ([`Self::wait_for`]) and takes them
    /// away: the next count starts from none.
    pub fn take(&self, count: usize) -> Vec<String> {
        let mails = self.wait_for(count);
        assert_eq!(mails.len(), count, "{mails:?}");
        for entry in std::fs::read_dir(&self.dir).expect("the mail directory") {
            let path = entry.expect("a mail").path();
            if path.extension().is_some_and(|e| e == "eml") {
                std::fs::remove_file(&path).expect("remove a mail");
            }
        }
        mails
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway MariaDB server in a directory of its own, on a loopback
/// port, holding an empty database `portus` that the user `portus`
/// (password `portus`) may use. Starts in about a second.
pub struct MariaDb {
    pub port: u16,
    socket: PathBuf,
    child: Child,
}

impl MariaDb {
    /// `None` (after a loud skip message) when MariaDB is not installed
    /// outside CI.
    pub fn start(dir: &Path) -> Option<MariaDb> {
        if !require("mariadbd") || !require("mariadb-install-db") || !require("mariadb") {
            return None;
        }
        let data = dir.join("mariadb");
        let me = run("id", &["-un"], &[], None).text().trim().to_owned();
        run(
            "mariadb-install-db",
            &[
                "--no-defaults",
                &format!("--datadir={}", data.display()),
                &format!("--user={me}"),
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ],
            &[],
            None,
        )
        .assert_ok();
        let port = free_port();
        let socket = dir.join("mariadb.sock");
        let log = std::fs::File::create(dir.join("mariadb.log")).expect("MariaDB log");
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.join("mariadb.pid").display()))
            .arg(format!("--port={port}"))
            .args(["--bind-address=127.0.0.1", "--skip-name-resolve"])
            .arg(format!("--user={me}"))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start mariadbd");
        let server = MariaDb {
            port,
            socket,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !server.sql(None, "SELECT 1").ok() {
            assert!(
                Instant::now() < deadline,
                "MariaDB did not answer in 20 s: {}",
                std::fs::read_to_string(dir.join("mariadb.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
            .sql(
                None,
                "CREATE DATABASE portus; CREATE USER 'portus'@'127.0.0.1' IDENTIFIED BY 'portus'; \
                 GRANT ALL ON portus.* TO 'portus'@'127.0.0.1';",
            )
            .assert_ok();
        Some(server)
    }

    /// Runs `sql` as the server's administrator, in `database` if given.
    pub fn sql(&self, database: Option<&str>, sql: &str) -> crate::Run {
        let socket = format!("--socket={}", self.socket.display());
        let mut args = vec![socket.as_str(), "-u", "root"];
        args.extend(database);
        run("mariadb", &args, &[], Some(sql))
    }

    /// The URL Portunus reads the `portus` database by.
    pub fn url(&self) -> String {
        format!("mysql://portus:portus@127.0.0.1:{}/portus", self.port)
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP forwarder on a loopback port to `upstream` (PostgreSQL, say),
/// which a test can cut: then it still takes connections but answers
/// nothing and drops the ones it carried, as a database host that went
/// away does. [`Forwarder::restore`] carries traffic again.
pub struct Forwarder {
    pub port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    carried: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Forwarder {
    pub fn start(upstream: std::net::SocketAddr) -> Forwarder {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let forwarder = Forwarder {
            port,
            cut: Default::default(),
            carried: Default::default(),
        };
        let (cut, carried) = (forwarder.cut.clone(), forwarder.carried.clone());
        std::thread::spawn(move || {
            // Taken while cut: held open, never answered.
            let mut held = Vec::new();
            for client in listener.incoming().flatten() {
                if cut.load(Ordering::SeqCst) {
                    held.push(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(upstream) else {
                    continue;
                };
                let streams = [&client, &server].map(|s| s.try_clone().expect("clone a stream"));
                carried.lock().expect("streams").extend(streams);
                for (mut from, mut to) in [
                    (
                        client.try_clone().expect("clone"),
                        server.try_clone().expect("clone"),
                    ),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        forwarder
    }

    /// The address to give clients instead of the upstream's.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// From now on nothing gets through, and what was connected is dropped.
    pub fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for stream in self.carried.lock().expect("streams").drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Carries new connections again.
    pub fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A request the [`HookReceiver`] got: its headers (names in lower case),
/// its body, whether it is answered 204, and when it came.
#[derive(Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub answered: bool,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the [`HookReceiver`] treats what comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mood {
    /// 204 at once.
    Answers = 0,
    /// 204 after three seconds.
    Slow = 1,
    /// 500 at once.
    Fails = 2,
    /// Closes the connection without a word, as a receiver that is down.
    Down = 3,
}

/// An HTTP receiver of webhooks on a free loopback port that keeps every
/// request; answers 204 unless told otherwise ([`HookReceiver::set`]).
pub struct HookReceiver {
    pub url: String,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    mood: std::sync::Arc<std::sync::atomic::AtomicU8>,
}

impl HookReceiver {
    pub fn start() -> HookReceiver {
        use std::io::{BufRead, BufReader, Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a receiver");
        let url = format!(
            "http://{}/portunus",
            listener.local_addr().expect("address")
        );
        let receiver = HookReceiver {
            url,
            received: Default::default(),
            mood: Default::default(),
        };
        let (log, mood) = (receiver.received.clone(), receiver.mood.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mood = mood.load(Ordering::SeqCst);
                if mood == Mood::Down as u8 {
                    continue;
                }
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
                    let mut headers = Vec::new();
                    let mut line = String::new();
                    let _ = reader.read_line(&mut line);
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':') {
                            headers
                                .push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                        }
                    }
                    let length = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    if mood == Mood::Slow as u8 {
                        std::thread::sleep(Duration::from_secs(3));
                    }
                    let answer: &[u8] = match mood == Mood::Fails as u8 {
                        true => b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        false => b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
                    };
                    // Kept before it is answered: whoever learns of the
                    // answer finds it here.
                    log.lock().expect("received").push(Received {
                        headers,
                        body,
                        answered: mood != Mood::Fails as u8,
                        at: Instant::now(),
                    });
                    let _ = stream.write_all(answer);
                });
            }
        });
        receiver
    }

    /// Treats what comes from now on as `mood` says.
    pub fn set(&self, mood: Mood) {
        self.mood
            .store(mood as u8, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A PostgreSQL 15 server of the test's own (a throwaway cluster with
/// trust authentication on a free loopback port), which the test may stop
/// as a crash would and start again on the same data.
pub struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

impl Postgres {
    /// Makes and starts the cluster; `None` (after a loud skip message)
    /// when PostgreSQL 15 is not installed outside CI.
    pub fn start() -> Option<Postgres> {
        if !require(&format!("{PG_BIN}/initdb")) {
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("portunus-e2e-pg")
            .tempdir()
            .expect("a directory for the cluster");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("open the cluster's directory to its server");
        let postgres = Postgres {
            dir,
            port: free_port(),
        };
        if postgres.as_root() {
            let owned = Command::new("chown")
                .args(["postgres"])
                .arg(postgres.dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(owned, "chown the cluster's directory to postgres");
        }
        let data = postgres.data();
        postgres.pg(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        postgres.resume();
        Some(postgres)
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`).
    pub fn stop(&self) {
        let data = self.data();
        self.pg("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    /// Starts the server (again) on the same port and data.
    pub fn resume(&self) {
        let (data, log) = (self.data(), self.path("log"));
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        self.pg(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        );
    }

    fn data(&self) -> String {
        self.path("data")
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    fn as_root(&self) -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    }

    /// PostgreSQL's `tool`, run as the user postgres when this is root;
    /// nothing it starts holds this process's output.
    fn command(&self, tool: &str) -> Command {
        let program = format!("{PG_BIN}/{tool}");
        let mut command = match self.as_root() {
            true => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--", &program]);
                c
            }
            false => Command::new(&program),
        };
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// Runs `tool` with `args`; panics with the server's log if it fails.
    fn pg(&self, tool: &str, args: &[&str]) {
        let status = self
            .command(tool)
            .args(args)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        assert!(
            status.success(),
            "{tool} {args:?} failed; the server's log: {}",
            std::fs::read_to_string(self.path("log")).unwrap_or_default()
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .status();
    }
}
