//! `just soak MINUTES`: Portunus under load while things break, for the
//! given minutes (not part of `just test`). A schedule injects faults into
//! two replicas, their PostgreSQL, a registry and a webhook receiver; then
//! it checks that nothing was lost, doubled or broken. The report replaces
//! the "Under faults" section of BENCHMARKS.md; the exit status says
//! whether every check held.
//!
//! Runs under `scripts/with-postgres` with `PORTUNUS_BIN` set to the
//! binary to try.

// A harness: it fails loudly, with context.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::ToSocketAddrs;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portunus_e2e::peers::{Forwarder, HookReceiver, Mood};
use portunus_e2e::{Api, PASSWORD, Stack, postgres_database, sha256_digest};
use serde_json::{Value, json};

/// How one request came out.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Outcome {
    Served,
    /// 503, or no connection: refused, to be retried.
    Refused,
    /// Any other 5xx: never allowed.
    Broken,
    /// A 4xx the load did not expect.
    Unexpected,
}

struct Sample {
    at: Instant,
    kind: &'static str,
    outcome: Outcome,
    status: u16,
}

/// A fault: its name and when it held.
struct Fault {
    name: &'static str,
    from: Instant,
    until: Instant,
}

#[derive(Default)]
struct Record {
    samples: Mutex<Vec<Sample>>,
    /// (repository, tag) → digest of each push the registry accepted.
    accepted: Mutex<BTreeMap<(String, String), String>>,
    faults: Mutex<Vec<Fault>>,
    /// (seconds since start, resident KiB) of the replica never killed.
    memory: Mutex<Vec<(f64, u64)>>,
}

impl Record {
    fn note(&self, kind: &'static str, status: Result<u16, ()>) -> Outcome {
        let (outcome, status) = match status {
            Err(()) => (Outcome::Refused, 0),
            Ok(s) if (200..300).contains(&s) => (Outcome::Served, s),
            Ok(503) => (Outcome::Refused, 503),
            Ok(s) if s >= 500 => (Outcome::Broken, s),
            Ok(s) => (Outcome::Unexpected, s),
        };
        self.samples.lock().expect("samples").push(Sample {
            at: Instant::now(),
            kind,
            outcome,
            status,
        });
        outcome
    }
}

fn main() {
    let minutes: u64 = std::env::args()
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(20);
    let report = soak(Duration::from_secs(minutes * 60));
    let section = report.markdown(minutes);
    println!("{section}");
    write_section(&section);
    if !report.held() {
        eprintln!("the soak found faults it must not (see above)");
        std::process::exit(1);
    }
}

/// What the faults act on.
struct Peers {
    stack: Stack,
    forwarder: Forwarder,
    receiver: HookReceiver,
    pg_data: String,
}

/// What the load and the checks use.
struct Clients {
    app_token: String,
    root_a: Api,
    alice_a: Api,
    alice_b: Api,
    hook: i64,
}

struct Setup {
    peers: Peers,
    replica: portunus_e2e::Replica,
    clients: Clients,
}

fn set_up() -> Setup {
    let database = postgres_database("soak").expect("run under scripts/with-postgres");
    let pg_data =
        std::env::var("PG_TEST_DATA").expect("PG_TEST_DATA (scripts/with-postgres sets it)");
    let mut url = url::Url::parse(&database).expect("a database URL");
    let upstream = (url.host_str().expect("a host"), url.port().expect("a port"))
        .to_socket_addrs()
        .expect("the database's address")
        .next()
        .expect("an address");
    let forwarder = Forwarder::start(upstream);
    url.set_port(Some(forwarder.port)).expect("a port");
    let settings = [
        ("PORTUNUS_DATABASE_URL", url.as_str()),
        ("PORTUNUS_WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true"),
        ("PORTUNUS_WEBHOOKS__FIRST_RETRY_SECONDS", "5"),
        ("PORTUNUS_WEBHOOKS__TIMEOUT_SECONDS", "5"),
        ("PORTUNUS_LOG", "warn"),
    ];
    let stack = Stack::start(&settings);
    stack.create_user("root");
    stack.create_user("alice");
    let replica = stack.start_replica("b");
    let root_a = Api::sign_in(&stack, "root");
    let alice_a = Api::sign_in(&stack, "alice");
    let alice_b = Api::sign_in_at(&replica.url, "alice", PASSWORD);
    let created = alice_a.call("POST", "/tokens", Some(json!({"name": "soak"})));
    let app_token = created["secret"].as_str().expect("a secret").to_owned();
    let receiver = HookReceiver::start();
    let made = alice_a.call(
        "POST",
        "/namespaces/alice/webhooks",
        Some(json!({"name": "soak", "url": receiver.url, "events": ["push"]})),
    );
    let hook = made["webhook"]["id"].as_i64().expect("an id");
    Setup {
        peers: Peers {
            stack,
            forwarder,
            receiver,
            pg_data,
        },
        replica,
        clients: Clients {
            app_token,
            root_a,
            alice_a,
            alice_b,
            hook,
        },
    }
}

/// Two replicas on one PostgreSQL (behind a forwarder), a real registry,
/// and a mixed load: token requests, pushes of small images, API reads and
/// writes, webhook deliveries to a receiver that is sometimes slow or
/// failing.
fn soak(length: Duration) -> Report {
    let Setup {
        mut peers,
        replica,
        clients,
    } = set_up();
    let record = Arc::new(Record::default());
    let started = Instant::now();
    let deadline = started + length;
    let stop = AtomicBool::new(false);
    let urls = [peers.stack.portunus_url(), replica.url.clone()];
    let registry = peers.stack.registry();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client");
    let pid_b = replica.pid();
    let counter = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for pusher in 0..2 {
            let (record, urls, registry, client) = (&record, &urls, &registry, &client);
            let (stop, counter, token) = (&stop, &counter, clients.app_token.as_str());
            scope.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    let repo = format!("alice/soak{}", n % 20);
                    let tag = format!("p{pusher}-{n}");
                    let url = &urls[n % 2];
                    let scope = format!("repository:{repo}:pull,push");
                    let token = match token_for(client, url, "alice", token, &scope) {
                        Ok(token) => {
                            record.note("token (push)", Ok(200));
                            token
                        }
                        Err(status) => {
                            record.note("token (push)", status);
                            std::thread::sleep(Duration::from_millis(500));
                            continue;
                        }
                    };
                    match push(client, registry, &token, &repo, &tag) {
                        Ok(digest) => {
                            record.note("push", Ok(201));
                            record
                                .accepted
                                .lock()
                                .expect("accepted")
                                .insert((repo, tag), digest);
                            // A busy CI fleet, not a flood.
                            std::thread::sleep(Duration::from_millis(100));
                        }
                        Err(status) => {
                            record.note("push", status);
                            std::thread::sleep(Duration::from_millis(500));
                        }
                    }
                }
            });
        }
        let (record, urls, client, stop) = (&record, &urls, &client, &stop);
        scope.spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let scope = format!("repository:alice/soak{}:pull", n % 20);
                let status = match token_for(client, &urls[n % 2], "alice", PASSWORD, &scope) {
                    Ok(_) => Ok(200),
                    Err(status) => status,
                };
                record.note("token (pull, password)", status);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let (alice_a, alice_b) = (&clients.alice_a, &clients.alice_b);
        scope.spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let api = [alice_a, alice_b][n % 2];
                let path = ["/repositories", "/activities", "/teams"][n % 3];
                record.note("API read", status_of(api.try_answer("GET", path, None)));
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let root = &clients.root_a;
        scope.spawn(move || {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let name = format!("soak-{n}");
                let made = root.try_answer("POST", "/teams", Some(json!({"name": name})));
                if record.note("API write", status_of(made)) == Outcome::Served {
                    let gone = root.try_answer("DELETE", &format!("/teams/{name}"), None);
                    record.note("API write", status_of(gone));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        scope.spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                if let Some(kib) = resident_kib(pid_b) {
                    let at = started.elapsed().as_secs_f64();
                    record.memory.lock().expect("memory").push((at, kib));
                }
                std::thread::sleep(Duration::from_secs(5));
            }
        });
        inject_faults(&mut peers, record, started, deadline);
        stop.store(true, Ordering::SeqCst);
    });
    settle_and_check(&peers, &clients, &record, started)
}

/// The faults, one after another over the soak, each with a quiet spell
/// before it; the receiver is slow or failing now and then in between.
/// The faults: SIGKILL of the replica the registry notifies and its
/// restart, a PostgreSQL restart, the database cut off, a registry
/// restart, the webhook receiver down for a minute.
fn inject_faults(peers: &mut Peers, record: &Record, started: Instant, deadline: Instant) {
    type Step = fn(&mut Peers);
    let faults: [(&'static str, Step); 5] = [
        (
            "replica A (notified by the registry) killed, restarted after 10 s",
            |s| {
                s.stack.stop_portunus();
                std::thread::sleep(Duration::from_secs(10));
                s.stack.restart_portunus();
            },
        ),
        ("PostgreSQL restarted", |s| {
            restart_postgres(&s.pg_data);
        }),
        ("the registry restarted", |s| {
            s.stack.stop_registry();
            std::thread::sleep(Duration::from_secs(3));
            s.stack.restart_registry();
        }),
        ("the webhook receiver down for a minute", |s| {
            s.receiver.set(Mood::Down);
            std::thread::sleep(Duration::from_secs(60));
            s.receiver.set(Mood::Answers);
        }),
        ("PostgreSQL cut off for 20 s", |s| {
            s.forwarder.cut();
            std::thread::sleep(Duration::from_secs(20));
            s.forwarder.restore();
        }),
    ];
    let total = deadline.saturating_duration_since(started);
    let slot = total / (faults.len() as u32 + 1);
    let mut next = 0;
    while Instant::now() < deadline {
        let elapsed = started.elapsed();
        if next < faults.len() && elapsed >= slot * (next as u32 + 1) {
            let (name, step) = faults[next];
            eprintln!("[{:>5.0} s] fault: {name}", elapsed.as_secs_f64());
            let from = Instant::now();
            step(peers);
            let until = Instant::now();
            record
                .faults
                .lock()
                .expect("faults")
                .push(Fault { name, from, until });
            next += 1;
            continue;
        }
        // Between faults, the receiver's moods: mostly fine.
        let half_minutes = elapsed.as_secs() / 30;
        peers.receiver.set(match half_minutes % 7 {
            3 => Mood::Slow,
            5 => Mood::Fails,
            _ => Mood::Answers,
        });
        std::thread::sleep(Duration::from_secs(1));
    }
    peers.receiver.set(Mood::Answers);
}

/// Restarts the server whose data directory is `data`, the one
/// `scripts/with-postgres` names (in `PG_TEST_DATA`).
fn restart_postgres(data: &str) {
    let pg_ctl = "/usr/lib/postgresql/15/bin/pg_ctl";
    // The server's output goes to the log scripts/with-postgres keeps
    // beside its data directory: a server holding this program's pipe
    // would keep the command from ever ending.
    let log = std::path::Path::new(data).with_file_name("log");
    let log = log.to_string_lossy();
    let args = ["-D", data, "-l", &log, "-m", "fast", "-w", "restart"];
    let mut command = if is_root() {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--", pg_ctl]).args(args);
        c
    } else {
        let mut c = std::process::Command::new(pg_ctl);
        c.args(args);
        c
    };
    let status = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run pg_ctl");
    assert!(status.success(), "pg_ctl restart failed: see {log}");
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

fn status_of(answer: Result<(u16, String), String>) -> Result<u16, ()> {
    answer.map(|(status, _)| status).map_err(|_| ())
}

/// A registry token from the replica at `url`, or how asking failed.
fn token_for(
    client: &reqwest::blocking::Client,
    url: &str,
    user: &str,
    secret: &str,
    scope: &str,
) -> Result<String, Result<u16, ()>> {
    let answer = client
        .get(format!("{url}/v2/token?service=registry&scope={scope}"))
        .basic_auth(user, Some(secret))
        .send()
        .map_err(|_| Err(()))?;
    let status = answer.status().as_u16();
    if status != 200 {
        return Err(Ok(status));
    }
    let body: Value = answer.json().map_err(|_| Err(()))?;
    body["token"].as_str().map(str::to_owned).ok_or(Ok(status))
}

/// Pushes a small image unique to `repo:tag`; its manifest's digest, or
/// the status that stopped it.
fn push(
    client: &reqwest::blocking::Client,
    registry: &str,
    token: &str,
    repo: &str,
    tag: &str,
) -> Result<String, Result<u16, ()>> {
    let base = format!("http://{registry}/v2/{repo}");
    let upload = |content: &[u8]| -> Result<(String, usize), Result<u16, ()>> {
        let digest = sha256_digest(content);
        let started = client
            .post(format!("{base}/blobs/uploads/"))
            .bearer_auth(token)
            .send()
            .map_err(|_| Err(()))?;
        if started.status().as_u16() != 202 {
            return Err(Ok(started.status().as_u16()));
        }
        let location = started
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .ok_or(Ok(202))?
            .to_owned();
        let location = match location.starts_with('/') {
            true => format!("http://{registry}{location}"),
            false => location,
        };
        let join = if location.contains('?') { '&' } else { '?' };
        let put = client
            .put(format!("{location}{join}digest={digest}"))
            .bearer_auth(token)
            .header("Content-Type", "application/octet-stream")
            .body(content.to_vec())
            .send()
            .map_err(|_| Err(()))?;
        match put.status().as_u16() {
            201 => Ok((digest, content.len())),
            other => Err(Ok(other)),
        }
    };
    let (config, config_size) = upload(format!("{{\"soak\":\"{repo}:{tag}\"}}").as_bytes())?;
    let (layer, layer_size) = upload(format!("layer of {repo}:{tag}").as_bytes())?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": layer_size}],
    })
    .to_string();
    let put = client
        .put(format!("{base}/manifests/{tag}"))
        .bearer_auth(token)
        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        .body(manifest.clone())
        .send()
        .map_err(|_| Err(()))?;
    match put.status().as_u16() {
        201 => Ok(sha256_digest(manifest.as_bytes())),
        other => Err(Ok(other)),
    }
}

fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// What the soak found.
struct Report {
    seconds: f64,
    pushes: usize,
    /// Accepted pushes Portunus does not list with their digest.
    unrecorded: Vec<String>,
    /// (repository:tag, times) recorded more than once in the audit log.
    doubled: Vec<(String, usize)>,
    deliveries: BTreeMap<String, usize>,
    /// Deliveries whose receipts do not agree with their state.
    delivery_faults: Vec<String>,
    /// Deliveries answered, then sent again (same id) because the process
    /// that sent them was killed before it recorded the answer.
    resent_after_kill: usize,
    /// Unexpected 4xx answers: (kind, status) → how many.
    unexpected: BTreeMap<(&'static str, u16), usize>,
    /// Requests by kind: (served, refused, broken, unexpected).
    requests: BTreeMap<&'static str, [usize; 4]>,
    broken: Vec<String>,
    /// Per fault: its name, how long, share of requests refused meanwhile.
    faults: Vec<(String, f64, usize, usize)>,
    /// Resident memory of replica B: at the middle and at the end, KiB.
    memory: (u64, u64),
}

impl Report {
    fn memory_growth(&self) -> f64 {
        let (middle, end) = self.memory;
        if middle == 0 {
            return 0.0;
        }
        (end as f64 - middle as f64) / middle as f64
    }

    fn held(&self) -> bool {
        self.unrecorded.is_empty()
            && self.doubled.is_empty()
            && self.delivery_faults.is_empty()
            && self.broken.is_empty()
            && self.memory_growth() < 0.10
    }

    fn markdown(&self, minutes: u64) -> String {
        let mut out = String::new();
        let verdict = |ok: bool| if ok { "holds" } else { "**FAILS**" };
        out.push_str(&format!(
            "## Under faults\n\n`just soak {minutes}` ({:.0} minutes, {}): two replicas (A, B) on one PostgreSQL 15 behind a forwarder, a real registry notifying A. Two pushers (small images through the registry API, tokens from A and B in turn with an application token), a client asking pull tokens with a password, an API reader (A and B) and an API writer (teams made and deleted), a webhook on every push to a receiver that is slow or failing now and then. Faults, one after another with quiet spells between.\n\n",
            self.seconds / 60.0,
            chrono::Utc::now().format("%Y-%m-%d")
        ));
        out.push_str("| check | result | |\n|---|---|---|\n");
        out.push_str(&format!(
            "| pushes the registry accepted, each recorded with its digest, exactly once in the audit log | {} pushes; {} unrecorded, {} doubled | {} |\n",
            self.pushes,
            self.unrecorded.len(),
            self.doubled.len(),
            verdict(self.unrecorded.is_empty() && self.doubled.is_empty())
        ));
        let states: Vec<String> = self
            .deliveries
            .iter()
            .map(|(state, n)| format!("{n} {state}"))
            .collect();
        out.push_str(&format!(
            "| webhook deliveries: delivered ones received exactly once (or sent again, same id, after their sender was killed before it recorded the answer), failed or waiting ones visible | {}; {} sent again after a kill; {} disagreeing | {} |\n",
            states.join(", "),
            self.resent_after_kill,
            self.delivery_faults.len(),
            verdict(self.delivery_faults.is_empty())
        ));
        out.push_str(&format!(
            "| answers 5xx other than 503 | {} | {} |\n",
            self.broken.len(),
            verdict(self.broken.is_empty())
        ));
        out.push_str(&format!(
            "| resident memory of replica B, middle → end | {} MB → {} MB ({:+.1}%) | {} |\n\n",
            self.memory.0 / 1024,
            self.memory.1 / 1024,
            self.memory_growth() * 100.0,
            verdict(self.memory_growth() < 0.10)
        ));
        out.push_str("| requests | served | refused (503 or no connection) | 5xx | unexpected 4xx |\n|---|---|---|---|---|\n");
        for (kind, [served, refused, broken, odd]) in &self.requests {
            out.push_str(&format!(
                "| {kind} | {served} | {refused} | {broken} | {odd} |\n"
            ));
        }
        if !self.unexpected.is_empty() {
            let listed: Vec<String> = self
                .unexpected
                .iter()
                .map(|((kind, status), n)| format!("{n} × {status} to {kind}"))
                .collect();
            out.push_str(&format!("\nUnexpected 4xx: {}.\n", listed.join(", ")));
        }
        out.push_str("\n| fault | lasted | requests meanwhile | refused |\n|---|---|---|---|\n");
        for (name, seconds, total, refused) in &self.faults {
            let share = if *total == 0 {
                0.0
            } else {
                *refused as f64 * 100.0 / *total as f64
            };
            out.push_str(&format!(
                "| {name} | {seconds:.0} s | {total} | {refused} ({share:.0}%) |\n"
            ));
        }
        out.push_str("\nRefused requests are what clients retry: 503 with `Retry-After`, or no connection to a replica that is down. Pull tokens for credentials verified before the database went away are served meanwhile (README, Production).\n");
        for line in self.unrecorded.iter().chain(&self.broken).take(20) {
            out.push_str(&format!("\n- {line}"));
        }
        for (what, times) in self.doubled.iter().take(20) {
            out.push_str(&format!("\n- {what} recorded {times} times"));
        }
        for line in self.delivery_faults.iter().take(20) {
            out.push_str(&format!("\n- {line}"));
        }
        out
    }
}

/// Brings everything back, waits for the registry's and the webhooks'
/// retries, and checks: every push the registry accepted is recorded
/// exactly once, every webhook delivery arrived exactly once or is visibly
/// failed or waiting, no answer was a 5xx other than 503, the other
/// replica's resident memory grew less than 10% over the second half. It
/// also reports what share of requests was refused during each fault.
fn settle_and_check(peers: &Peers, clients: &Clients, record: &Record, started: Instant) -> Report {
    let seconds = started.elapsed().as_secs_f64();
    let accepted = record.accepted.lock().expect("accepted").clone();
    eprintln!(
        "[{seconds:>5.0} s] load stopped; {} pushes accepted; settling",
        accepted.len()
    );
    let admin = &clients.root_a;
    let tags_of = |repo: &str| -> BTreeMap<String, String> {
        let Ok((200, text)) = admin.try_answer("GET", &format!("/repositories?q={repo}"), None)
        else {
            return BTreeMap::new();
        };
        let page: Value = serde_json::from_str(&text).unwrap_or_default();
        let Some(id) = page["items"]
            .as_array()
            .and_then(|items| items.iter().find(|r| r["name"] == repo))
            .and_then(|r| r["id"].as_i64())
        else {
            return BTreeMap::new();
        };
        let mut tags = BTreeMap::new();
        if let Ok((200, text)) = admin.try_answer("GET", &format!("/repositories/{id}/tags"), None)
        {
            let listed: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
            for t in &listed {
                let digest = t["digest"].as_str().unwrap_or_default().to_owned();
                tags.insert(t["name"].as_str().unwrap_or_default().to_owned(), digest);
            }
        }
        tags
    };
    let repos: BTreeSet<String> = accepted.keys().map(|(r, _)| r.clone()).collect();
    let wait_until = Instant::now() + Duration::from_secs(300);
    let unrecorded = loop {
        let mut listed = BTreeMap::new();
        for repo in &repos {
            listed.insert(repo.clone(), tags_of(repo));
        }
        let missing: Vec<String> = accepted
            .iter()
            .filter(|((repo, tag), digest)| {
                listed.get(repo).and_then(|t| t.get(tag)) != Some(*digest)
            })
            .map(|((repo, tag), digest)| format!("{repo}:{tag} ({digest}) not recorded"))
            .collect();
        if missing.is_empty() || Instant::now() > wait_until {
            break missing;
        }
        std::thread::sleep(Duration::from_secs(5));
    };
    let mut pushes_logged: BTreeMap<String, usize> = BTreeMap::new();
    for page in 1..1000 {
        let path = format!("/activities?key=repository.push&per_page=500&page={page}");
        let Ok((200, text)) = admin.try_answer("GET", &path, None) else {
            break;
        };
        let page: Value = serde_json::from_str(&text).unwrap_or_default();
        let items = page["items"].as_array().cloned().unwrap_or_default();
        for a in &items {
            let what = a["target"].as_str().unwrap_or_default().to_owned();
            *pushes_logged.entry(what).or_default() += 1;
        }
        if items.len() < 500 {
            break;
        }
    }
    let doubled: Vec<(String, usize)> = pushes_logged.into_iter().filter(|(_, n)| *n > 1).collect();
    // Webhooks: wait while deliveries are pending (their retries run).
    let wait_until = Instant::now() + Duration::from_secs(300);
    let deliveries = loop {
        let all = deliveries_of(admin, clients.hook);
        let pending = all.iter().filter(|d| d["state"] == "pending").count();
        if pending == 0 || Instant::now() > wait_until {
            break all;
        }
        std::thread::sleep(Duration::from_secs(5));
    };
    let received = peers.receiver.received.lock().expect("received").clone();
    let mut answered: BTreeMap<String, Vec<Instant>> = BTreeMap::new();
    for r in received.iter().filter(|r| r.answered) {
        if let Some(id) = r.header("x-portunus-delivery") {
            answered.entry(id.to_owned()).or_default().push(r.at);
        }
    }
    // A process killed between the receiver's answer and recording it
    // sends the delivery again (same id) once its claim ends: allowed,
    // when the first answer came just before a kill.
    let kills: Vec<Instant> = record
        .faults
        .lock()
        .expect("faults")
        .iter()
        .filter(|f| f.name.contains("killed"))
        .map(|f| f.from)
        .collect();
    let just_before_a_kill = |at: Instant| {
        kills
            .iter()
            .any(|k| at <= *k && k.duration_since(at) < Duration::from_secs(5))
    };
    let mut resent_after_kill = 0;
    let mut states = BTreeMap::new();
    let mut delivery_faults = Vec::new();
    for d in &deliveries {
        let state = d["state"].as_str().unwrap_or_default().to_owned();
        let id = d["delivery_id"].as_str().unwrap_or_default();
        let times = answered.get(id).cloned().unwrap_or_default();
        let got = times.len();
        let agrees = match state.as_str() {
            "delivered"
                if got == 2 && times.iter().min().is_some_and(|t| just_before_a_kill(*t)) =>
            {
                resent_after_kill += 1;
                true
            }
            "delivered" => got == 1,
            _ => got == 0,
        };
        if !agrees {
            delivery_faults.push(format!(
                "delivery {id} is {state} and was answered {got} times"
            ));
        }
        *states.entry(state).or_insert(0) += 1;
    }
    let pushes_delivered = deliveries.iter().filter(|d| d["event"] == "push").count();
    if pushes_delivered != accepted.len() {
        delivery_faults.push(format!(
            "{} push deliveries for {} pushes",
            pushes_delivered,
            accepted.len()
        ));
    }
    let samples = record.samples.lock().expect("samples");
    let mut requests: BTreeMap<&'static str, [usize; 4]> = BTreeMap::new();
    let mut broken = Vec::new();
    let mut unexpected = BTreeMap::new();
    for s in samples.iter() {
        if s.outcome == Outcome::Unexpected {
            *unexpected.entry((s.kind, s.status)).or_insert(0) += 1;
        }
        let counts = requests.entry(s.kind).or_default();
        counts[s.outcome as usize] += 1;
        if s.outcome == Outcome::Broken {
            broken.push(format!(
                "{} answered {} at {:.0} s",
                s.kind,
                s.status,
                s.at.duration_since(started).as_secs_f64()
            ));
        }
    }
    let faults = record
        .faults
        .lock()
        .expect("faults")
        .iter()
        .map(|f| {
            let within: Vec<&Sample> = samples
                .iter()
                .filter(|s| s.at >= f.from && s.at <= f.until + Duration::from_secs(5))
                .collect();
            let refused = within
                .iter()
                .filter(|s| s.outcome == Outcome::Refused)
                .count();
            (
                f.name.to_owned(),
                f.until.duration_since(f.from).as_secs_f64(),
                within.len(),
                refused,
            )
        })
        .collect();
    let memory = record.memory.lock().expect("memory");
    let at_or_after = |t: f64| {
        memory
            .iter()
            .find(|(at, _)| *at >= t)
            .map_or(0, |(_, kib)| *kib)
    };
    let end = memory.last().map_or(0, |(_, kib)| *kib);
    Report {
        seconds,
        pushes: accepted.len(),
        unrecorded,
        doubled,
        deliveries: states,
        delivery_faults,
        resent_after_kill,
        unexpected,
        requests,
        broken,
        faults,
        memory: (at_or_after(seconds / 2.0), end),
    }
}

fn deliveries_of(admin: &Api, hook: i64) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1..1000 {
        let path = format!("/webhooks/{hook}/deliveries?per_page=500&page={page}");
        let Ok((200, text)) = admin.try_answer("GET", &path, None) else {
            break;
        };
        let page: Value = serde_json::from_str(&text).unwrap_or_default();
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let last = items.len() < 500;
        all.extend(items);
        if last {
            break;
        }
    }
    all
}

/// Replaces the "Under faults" section of BENCHMARKS.md (or adds it).
fn write_section(section: &str) {
    let path = portunus_e2e::workspace_root().join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let kept = match text.find("## Under faults") {
        Some(start) => {
            let rest = &text[start + 2..];
            let end = rest.find("\n## ").map_or(text.len(), |e| start + 2 + e + 1);
            format!("{}{}", &text[..start], &text[end..])
        }
        None => text,
    };
    let updated = format!("{}\n{}\n", kept.trim_end(), section.trim_end());
    std::fs::write(&path, updated).expect("write BENCHMARKS.md");
}
