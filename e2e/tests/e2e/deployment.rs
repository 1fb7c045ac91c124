//! The systemd unit in `deploy/`: `systemd-analyze verify` finds nothing
//! to say about it, `systemd-analyze security` rates it well hardened, and
//! Portunus starts the way the unit starts it (its command line and every
//! `Environment=` setting, with the unit's paths moved into a temporary
//! directory and the configuration file made from `config.example.toml`,
//! as the README says), becomes ready, and stops cleanly on SIGTERM.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use portunus_e2e::{free_port, output_of, portunus_bin, require, workspace_root};

fn unit_text() -> String {
    std::fs::read_to_string(workspace_root().join("deploy/portunus.service"))
        .expect("deploy/portunus.service")
}

/// The values of `key=` lines in the unit, in order.
fn settings(unit: &str, key: &str) -> Vec<String> {
    let prefix = format!("{key}=");
    unit.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(str::to_owned)
        .collect()
}

fn analyze(args: &[&str], unit: &Path) -> (bool, String, String) {
    let mut command = Command::new("systemd-analyze");
    command.args(args).arg(unit);
    let out = output_of(command, None);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_systemd_unit_is_clean_hardened_and_starts_portunus() {
    if !require("systemd-analyze") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = portunus_bin();
    let unit = unit_text();
    let local = dir.path().join("portunus.service");
    std::fs::write(
        &local,
        unit.replace("/usr/local/bin/portunus", &bin.display().to_string()),
    )
    .expect("write the unit");

    let (ok, _, warnings) = analyze(&["verify"], &local);
    assert!(
        ok && warnings.trim().is_empty(),
        "systemd-analyze verify: {warnings}"
    );
    let (_, report, _) = analyze(&["security", "--offline=yes"], &local);
    let exposure: f64 = report
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for portunus.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{report}"));
    assert!(
        exposure <= 2.0,
        "exposure {exposure} (0 best, 10 worst):\n{report}"
    );

    // Start it as systemd would, the unit's paths moved into `dir`.
    let port = free_port();
    let config = std::fs::read_to_string(workspace_root().join("config.example.toml"))
        .expect("config.example.toml");
    let listen = "listen = \"127.0.0.1:8080\"";
    assert!(config.contains(listen), "the example listens on 8080");
    let config_path = dir.path().join("config.toml");
    std::fs::write(
        &config_path,
        config.replace(listen, &format!("listen = \"127.0.0.1:{port}\"")),
    )
    .expect("write the configuration");
    let web = workspace_root().join("frontend/dist");
    let moved = |value: &str| -> String {
        value
            .replace(
                "/etc/portunus/config.toml",
                &config_path.display().to_string(),
            )
            .replace(
                "/var/lib/portunus",
                &dir.path().join("data").display().to_string(),
            )
            .replace("/usr/local/share/portunus/web", &web.display().to_string())
    };
    let exec = settings(&unit, "ExecStart");
    assert_eq!(exec.len(), 1, "one ExecStart");
    let mut words = exec[0].split_whitespace();
    assert_eq!(words.next(), Some("/usr/local/bin/portunus"));
    let mut command = Command::new(&bin);
    command.args(words.map(moved)).env_clear();
    command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for setting in settings(&unit, "Environment") {
        let (key, value) = setting.split_once('=').expect("KEY=value");
        command.env(key, moved(value));
    }
    let log = dir.path().join("portunus.log");
    let out = std::fs::File::create(&log).expect("log file");
    let mut child = command
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .stdin(Stdio::null())
        .spawn()
        .expect("start portunus as the unit does");
    let ready = format!("http://127.0.0.1:{port}/ready");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut answer = None;
    while Instant::now() < deadline && answer.is_none() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "portunus exited with {status}:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        answer = reqwest::blocking::get(&ready)
            .ok()
            .filter(|r| r.status().as_u16() == 200)
            .and_then(|r| r.json::<serde_json::Value>().ok());
        std::thread::sleep(Duration::from_millis(100));
    }
    let answer = answer.unwrap_or_else(|| {
        panic!(
            "not ready within 30 s:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    });
    assert_eq!(answer["database"]["backend"], "sqlite", "{answer}");
    assert!(
        dir.path().join("data/token-signing.key").is_file(),
        "its state went to the unit's StateDirectory"
    );

    // systemd stops it with SIGTERM and waits TimeoutStopSec.
    let stop: u64 = settings(&unit, "TimeoutStopSec")[0]
        .parse()
        .expect("seconds");
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(stop);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "stopped with {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running {stop} s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
