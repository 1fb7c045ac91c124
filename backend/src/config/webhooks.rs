//! `[webhooks]`: how Portunus delivers webhooks (timeouts, retries, which
//! addresses a webhook may reach, the key that seals their secrets).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// How long one attempt waits for the receiver's answer, in seconds.
    pub timeout_seconds: u64,
    /// Attempts before a delivery counts as failed (it can be re-sent).
    pub max_attempts: u32,
    /// The wait before the second attempt, in seconds; it doubles for each
    /// further one (up to an hour).
    pub first_retry_seconds: u64,
    /// How long finished deliveries (delivered or failed) stay in the log,
    /// in days.
    pub keep_deliveries_days: u32,
    /// Whether webhooks may reach loopback, private (RFC 1918, ULA),
    /// link-local and other non-public addresses. Off, a namespace owner
    /// cannot make Portunus probe the network it runs in.
    pub allow_private_targets: bool,
    /// The file holding the key that seals webhook secrets, headers and
    /// passwords in the database (created on first start); empty:
    /// DATA_DIR/webhook-key. Replicas need the same key.
    pub key_path: String,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            timeout_seconds: 10,
            max_attempts: 8,
            first_retry_seconds: 30,
            keep_deliveries_days: 30,
            allow_private_targets: false,
            key_path: String::new(),
        }
    }
}

impl WebhookSettings {
    pub(super) fn validate(&self) -> Result<(), String> {
        if !(1..=300).contains(&self.timeout_seconds) {
            return Err(format!(
                "webhooks.timeout_seconds = {} is outside 1..=300",
                self.timeout_seconds
            ));
        }
        if !(1..=50).contains(&self.max_attempts) {
            return Err(format!(
                "webhooks.max_attempts = {} is outside 1..=50",
                self.max_attempts
            ));
        }
        if !(1..=3650).contains(&self.keep_deliveries_days) {
            return Err(format!(
                "webhooks.keep_deliveries_days = {} is outside 1..=3650",
                self.keep_deliveries_days
            ));
        }
        if !(1..=3600).contains(&self.first_retry_seconds) {
            return Err(format!(
                "webhooks.first_retry_seconds = {} is outside 1..=3600",
                self.first_retry_seconds
            ));
        }
        Ok(())
    }
}
