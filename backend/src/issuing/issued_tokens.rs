//! How many registry tokens this process issued, by the grant that asked
//! for them (`/metrics`): Basic credentials on a GET (docker login, podman,
//! skopeo), none (anonymous pulls), the OAuth2 password grant (containerd)
//! or the refresh-token grant (docker after its login). Operators see which
//! flows their clients use; tests tell them apart.

use std::sync::atomic::{AtomicU64, Ordering};

/// The grant a token was asked for with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    Basic,
    Anonymous,
    Password,
    RefreshToken,
}

#[derive(Default)]
pub struct IssuedTokens {
    basic: AtomicU64,
    anonymous: AtomicU64,
    password: AtomicU64,
    refresh_token: AtomicU64,
}

impl IssuedTokens {
    /// Counts one token issued for `grant`.
    pub fn count(&self, grant: GrantKind) {
        let counter = match grant {
            GrantKind::Basic => &self.basic,
            GrantKind::Anonymous => &self.anonymous,
            GrantKind::Password => &self.password,
            GrantKind::RefreshToken => &self.refresh_token,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Each grant's name (as the metric's label) and count.
    pub fn each(&self) -> [(&'static str, u64); 4] {
        [
            ("basic", &self.basic),
            ("anonymous", &self.anonymous),
            ("password", &self.password),
            ("refresh_token", &self.refresh_token),
        ]
        .map(|(name, counter)| (name, counter.load(Ordering::Relaxed)))
    }
}
