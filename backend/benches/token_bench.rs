//! Raw token signing rate: how many registry tokens one key signs per second,
//! on one thread and on every core, for RS256 and ES256. The token endpoint
//! benchmark (scripts/bench) is compared against these figures.
//! Prints `name value` lines for scripts/bench to collect.

use std::time::{Duration, Instant};

use portunus::config::{Config, KeyAlgorithm};
use portunus::crypto::mint::{AccessEntry, issue};
use portunus::crypto::signing::TokenSigner;

const RUN_FOR: Duration = Duration::from_secs(3);

fn signs_per_second(signer: &TokenSigner, config: &Config, threads: usize) -> f64 {
    let start = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut n = 0u64;
                    while start.elapsed() < RUN_FOR {
                        let access = vec![AccessEntry {
                            resource_type: "repository".into(),
                            name: "bench/app".into(),
                            actions: vec!["pull".into(), "push".into()],
                        }];
                        if issue(signer, &config.token, "bench", access, chrono::Utc::now()).is_ok()
                        {
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (name, algorithm) in [
        ("rs256", KeyAlgorithm::Rs256),
        ("es256", KeyAlgorithm::Es256),
    ] {
        let Ok(dir) = tempfile::tempdir() else {
            eprintln!("cannot create a temporary directory");
            std::process::exit(1);
        };
        let mut config = Config {
            data_dir: dir.path().to_owned(),
            ..Config::default()
        };
        config.token.algorithm = algorithm;
        let signer = match TokenSigner::load_or_generate(&config) {
            Ok(signer) => signer,
            Err(e) => {
                eprintln!("cannot create a {name} key: {e}");
                std::process::exit(1);
            }
        };
        println!(
            "raw_sign_{name}_1_thread {:.0}",
            signs_per_second(&signer, &config, 1)
        );
        println!(
            "raw_sign_{name}_{cores}_threads {:.0}",
            signs_per_second(&signer, &config, cores)
        );
    }
}
