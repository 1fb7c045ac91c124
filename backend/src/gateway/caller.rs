//! Who is asking: the registry token a request carries, verified with
//! Portunus's own key and checked as the registry checks it (issuer,
//! audience, times with its 60 s of leeway). Verified tokens are remembered
//! by their hash until they expire, so a push of many blobs verifies once.
//! A token that does not verify is no caller; the registry refuses it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::crypto::mint::AccessEntry;
use crate::crypto::signing::TokenSigner;

/// The leeway the registry allows on `exp` and `nbf`.
const LEEWAY_SECONDS: i64 = 60;

/// How many verified tokens are remembered; past it, expired ones are
/// forgotten, and if that is not enough, all.
const REMEMBERED: usize = 10_000;

/// The account behind a verified token and what the token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The account's name; empty for an anonymous token.
    pub subject: String,
    pub access: Vec<AccessEntry>,
    /// Unix seconds after which the registry refuses the token.
    expires: i64,
    /// The service (registry) it is for.
    service: String,
}

impl Caller {
    /// Whether the token grants `action` on the repository `name`.
    pub fn may(&self, name: &str, action: &str) -> bool {
        self.access.iter().any(|entry| {
            entry.resource_type == "repository"
                && entry.name == name
                && entry.actions.iter().any(|a| a == action || a == "*")
        })
    }
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    #[serde(default)]
    sub: String,
    aud: String,
    exp: i64,
    nbf: i64,
    #[serde(default)]
    access: Vec<AccessEntry>,
}

/// Reads callers from `Authorization` headers.
pub struct Callers {
    signer: Arc<TokenSigner>,
    issuer: String,
    /// Verified tokens by their SHA-256.
    remembered: Mutex<HashMap<[u8; 32], Arc<Caller>>>,
}

impl Callers {
    pub fn new(signer: Arc<TokenSigner>, issuer: &str) -> Callers {
        Callers {
            signer,
            issuer: issuer.to_owned(),
            remembered: Mutex::new(HashMap::new()),
        }
    }

    /// The caller of a request to the registry of `service` with the
    /// `Authorization` header `authorization`, at Unix second `now`.
    pub fn of(&self, authorization: Option<&str>, service: &str, now: i64) -> Option<Arc<Caller>> {
        let token = authorization?.strip_prefix("Bearer ")?.trim();
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let remembered = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(caller) = remembered.get(&hash) {
            let current = now <= caller.expires + LEEWAY_SECONDS;
            return (current && caller.service == service).then(|| caller.clone());
        }
        drop(remembered);
        let claims: Claims = serde_json::from_slice(&self.signer.verify(token)?).ok()?;
        let valid = claims.iss == self.issuer
            && claims.aud == service
            && now <= claims.exp + LEEWAY_SECONDS
            && claims.nbf - LEEWAY_SECONDS <= now;
        if !valid {
            return None;
        }
        let caller = Arc::new(Caller {
            subject: claims.sub,
            access: claims.access,
            expires: claims.exp,
            service: claims.aud,
        });
        let mut remembered = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        if remembered.len() >= REMEMBERED {
            remembered.retain(|_, c| now <= c.expires + LEEWAY_SECONDS);
            if remembered.len() >= REMEMBERED {
                remembered.clear();
            }
        }
        remembered.insert(hash, caller.clone());
        Some(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn signer() -> (tempfile::TempDir, Arc<TokenSigner>) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            ..Config::default()
        };
        let signer = Arc::new(TokenSigner::load_or_generate(&config).unwrap());
        (dir, signer)
    }

    fn token(signer: &TokenSigner, iss: &str, aud: &str, nbf: i64, exp: i64) -> String {
        let claims = serde_json::json!({
            "iss": iss, "sub": "alice", "aud": aud, "exp": exp, "nbf": nbf, "iat": nbf,
            "jti": "x",
            "access": [{"type": "repository", "name": "alice/app", "actions": ["pull", "push"]}],
        });
        format!("Bearer {}", signer.sign(&claims).unwrap())
    }

    #[test]
    fn a_token_is_read_as_the_registry_reads_it() {
        let (_dir, signer) = signer();
        let callers = Callers::new(signer.clone(), "portunus");
        let now = 1_000_000;
        let good = token(&signer, "portunus", "registry", now - 5, now + 300);
        let caller = callers.of(Some(&good), "registry", now).unwrap();
        assert_eq!(caller.subject, "alice");
        assert!(caller.may("alice/app", "push") && caller.may("alice/app", "pull"));
        assert!(!caller.may("alice/app", "delete") && !caller.may("alice/other", "pull"));
        // Remembered, and still checked for its service and time.
        assert!(callers.of(Some(&good), "registry", now + 360).is_some());
        assert_eq!(callers.of(Some(&good), "registry", now + 361), None);
        assert_eq!(callers.of(Some(&good), "other", now), None);

        for (refused, why) in [
            (
                token(&signer, "someone", "registry", now, now + 300),
                "issuer",
            ),
            (
                token(&signer, "portunus", "other", now, now + 300),
                "audience",
            ),
            (
                token(&signer, "portunus", "registry", now - 900, now - 61),
                "expired",
            ),
            (
                token(&signer, "portunus", "registry", now + 61, now + 300),
                "not yet valid",
            ),
        ] {
            assert_eq!(callers.of(Some(&refused), "registry", now), None, "{why}");
        }
        assert_eq!(callers.of(None, "registry", now), None);
        assert_eq!(callers.of(Some("Basic YTpi"), "registry", now), None);
        assert_eq!(
            callers.of(Some("Bearer not.a.token"), "registry", now),
            None
        );
    }
}
