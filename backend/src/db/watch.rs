//! Whether the database answers, as this process last found it. A
//! PostgreSQL server can go away while Portunus runs; a request that asks
//! it then waits for a connection ([`super::ACQUIRE_TIMEOUT`]) before it
//! learns so. Once a probe has found the database silent, requests are
//! answered at once instead ([`Watch::down`]). SQLite is a file of this
//! process and is not watched.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tokio::sync::Notify;

/// How often the probe asks while the database answers (and at once when
/// a request suspects it does not).
pub const PROBE_WHILE_UP: Duration = Duration::from_secs(5);
/// How often it asks while the database does not answer.
pub const PROBE_WHILE_DOWN: Duration = Duration::from_secs(1);
/// Longest a probe waits for its answer.
const PROBE_WAIT: Duration = Duration::from_secs(1);

/// The database has not answered since `since`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Down {
    pub since: DateTime<Utc>,
    /// Why the last probe failed (for administrators and the log).
    pub cause: String,
}

impl Down {
    /// "Portunus cannot reach its database (no answer since ...)".
    pub fn describe(&self) -> String {
        format!(
            "Portunus cannot reach its database (no answer since {})",
            self.since.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }

    /// What to tell someone whose request was not served.
    pub fn message(&self) -> String {
        format!("{}; retry in a moment", self.describe())
    }
}

#[derive(Default)]
pub struct Watch {
    down: Mutex<Option<Down>>,
    suspicion: Notify,
}

/// What a probe's outcome changed.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    None,
    WentAway,
    /// Back after having been away since then.
    CameBack(DateTime<Utc>),
}

impl Watch {
    /// Since when, and why, the database has not answered, if it has not
    /// at the last probe.
    pub fn down(&self) -> Option<Down> {
        self.down.lock().ok()?.clone()
    }

    /// Says that a request just failed for want of the database: the probe
    /// looks now rather than at its next turn, so the first such request
    /// is the last to wait.
    pub fn suspect(&self) {
        self.suspicion.notify_one();
    }

    /// Says the database went away at `now` (for tests of what answers
    /// then; the probe says so in a running server).
    #[cfg(test)]
    pub fn went_away(&self, cause: &str, now: DateTime<Utc>) {
        self.found(Err(cause.to_owned()), now);
    }

    /// Records a probe's outcome at `now`.
    fn found(&self, outcome: Result<(), String>, now: DateTime<Utc>) -> Change {
        let Ok(mut down) = self.down.lock() else {
            return Change::None;
        };
        match (outcome, down.as_mut()) {
            (Ok(()), Some(was)) => {
                let since = was.since;
                *down = None;
                Change::CameBack(since)
            }
            (Ok(()), None) => Change::None,
            (Err(cause), Some(was)) => {
                was.cause = cause;
                Change::None
            }
            (Err(cause), None) => {
                *down = Some(Down { since: now, cause });
                Change::WentAway
            }
        }
    }
}

/// Probes the PostgreSQL database at `url` for as long as the server runs,
/// keeping `watch` up to date (returns at once for SQLite). The probe has
/// a connection of its own: a pool that is merely busy is not a database
/// that is away.
pub async fn keep_watch(url: String, watch: Arc<Watch>) {
    if !url.starts_with("postgres") {
        return;
    }
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .min_connections(0)
        .max_connections(1)
        .connect_timeout(PROBE_WAIT)
        .acquire_timeout(PROBE_WAIT);
    // Connecting lazily: a database away at this moment is what the probe
    // is there to notice.
    options.connect_lazy(true);
    let db = match Database::connect(options).await {
        Ok(db) => db,
        Err(e) => {
            tracing::warn!(error = %e, "cannot set up the database probe; requests find an outage themselves");
            return;
        }
    };
    loop {
        let mut outcome = probe(&db).await;
        if outcome.is_err() && watch.down().is_none() {
            // Once more before saying so: one lost answer is no outage.
            tokio::time::sleep(Duration::from_millis(200)).await;
            outcome = probe(&db).await;
        }
        let change = watch.found(outcome, Utc::now());
        match change {
            Change::WentAway => tracing::error!(
                cause = watch.down().map(|d| d.cause).unwrap_or_default(),
                "the database does not answer: requests that need it are refused at once until it does (asked every second)"
            ),
            Change::CameBack(since) => tracing::warn!(
                away_seconds = (Utc::now() - since).num_seconds(),
                "the database answers again"
            ),
            Change::None => {}
        }
        match watch.down() {
            Some(_) => tokio::time::sleep(PROBE_WHILE_DOWN).await,
            None => {
                let _ = tokio::time::timeout(PROBE_WHILE_UP, watch.suspicion.notified()).await;
            }
        }
    }
}

/// Whether the database answers. A server that answers with an error of
/// its own (too many connections for the probe, say) answers: only no
/// connection, no answer in time, or a server shutting down is away.
async fn probe(db: &DatabaseConnection) -> Result<(), String> {
    match tokio::time::timeout(PROBE_WAIT, db.execute_unprepared("SELECT 1")).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => {
            let e = crate::error::Error::from(e);
            match e.is_outage() {
                true => Err(e.to_string()),
                false => Ok(()),
            }
        }
        Err(_) => Err(format!("no answer within {} s", PROBE_WAIT.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_from_the_first_failed_probe_until_one_answers() {
        let watch = Watch::default();
        let at = |s| DateTime::from_timestamp(s, 0).expect("a time");
        assert_eq!(watch.found(Ok(()), at(0)), Change::None);
        assert_eq!(watch.down(), None);
        assert_eq!(watch.found(Err("refused".into()), at(10)), Change::WentAway);
        assert_eq!(watch.found(Err("timed out".into()), at(11)), Change::None);
        let down = watch.down().expect("down");
        assert_eq!(down.since, at(10), "since the first failure");
        assert_eq!(down.cause, "timed out", "the latest cause");
        assert!(
            down.message().contains("1970-01-01T00:00:10Z"),
            "{}",
            down.message()
        );
        assert_eq!(watch.found(Ok(()), at(12)), Change::CameBack(at(10)));
        assert_eq!(watch.down(), None);
    }
}
