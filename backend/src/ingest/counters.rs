//! Counters of what this process did with registry events since it
//! started, for `GET /metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of what this process did since it started.
#[derive(Default)]
pub struct Counters {
    pub events_stored: AtomicU64,
    pub events_duplicate: AtomicU64,
    pub events_refused: AtomicU64,
    pub events_applied: AtomicU64,
    pub events_failed: AtomicU64,
    pub events_held: AtomicU64,
}

impl Counters {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}
