//! The first administrator. An installation without one must not belong to
//! whoever reaches it first, so no sign-up becomes administrator on its own:
//! the operator creates the first one with `portunus user create` (the
//! first account made there is the administrator), or signs up presenting
//! the setup code that each server process prints in its log at start while
//! there is no administrator.

use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::crypto::secrets;
use crate::db::entities::user;
use crate::error::{Error, Result};

/// Random bytes in a setup code (80 bits, 16 base32 characters).
const CODE_BYTES: usize = 10;

pub struct Setup {
    code: String,
    /// Set once an administrator exists; there is no going back (the last
    /// one can be neither deleted nor demoted).
    done: AtomicBool,
}

impl Default for Setup {
    fn default() -> Setup {
        let raw = data_encoding::BASE32_NOPAD.encode(&secrets::random_bytes(CODE_BYTES));
        let groups: Vec<&str> = (0..raw.len())
            .step_by(4)
            .map(|i| &raw[i..(i + 4).min(raw.len())])
            .collect();
        Setup {
            code: groups.join("-"),
            done: AtomicBool::new(false),
        }
    }
}

impl Setup {
    /// This process's code, as printed (`XXXX-XXXX-XXXX-XXXX`).
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Whether the installation still waits for its first administrator.
    pub async fn pending(&self, db: &impl ConnectionTrait) -> Result<bool> {
        if self.done.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let admin = user::Entity::find()
            .filter(user::Column::Admin.eq(true))
            .one(db)
            .await?;
        if admin.is_some() {
            self.done.store(true, Ordering::Relaxed);
        }
        Ok(admin.is_none())
    }

    /// Whether `given` is this process's code (case, spaces and dashes
    /// aside), compared in constant time.
    pub fn accepts(&self, given: &str) -> bool {
        let normal = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_uppercase())
                .collect()
        };
        secrets::same(normal(given).as_bytes(), normal(&self.code).as_bytes())
    }

    /// Whether a sign-up presenting `code` becomes the first
    /// administrator: not without a code; with one, only while there is
    /// no administrator (409) and only if it is this process's (403).
    pub async fn admits(&self, db: &impl ConnectionTrait, code: Option<&str>) -> Result<bool> {
        let Some(code) = code.filter(|code| !code.trim().is_empty()) else {
            return Ok(false);
        };
        if !self.pending(db).await? {
            return Err(Error::Conflict(
                "this installation has an administrator already; sign up without a setup code"
                    .into(),
            ));
        }
        if !self.accepts(code) {
            return Err(Error::Forbidden(
                "wrong setup code: use the one in the log of the Portunus process you reach (printed at its start while there is no administrator)"
                    .into(),
            ));
        }
        Ok(true)
    }

    /// Says in the log how to create the first administrator, if none
    /// exists: with the setup code when people may sign up.
    pub async fn announce(&self, db: &impl ConnectionTrait, signup: bool) -> Result<()> {
        if !self.pending(db).await? {
            return Ok(());
        }
        if signup {
            tracing::warn!(
                setup_code = %self.code,
                "there is no administrator yet: create one with `portunus user create NAME`, or sign up in the web UI with this setup code (valid until this process stops)"
            );
        } else {
            tracing::warn!(
                "there is no administrator yet (and sign-up is off): create one with `portunus user create NAME`"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_grouped_and_forgiving_to_type() {
        let setup = Setup::default();
        let code = setup.code().to_owned();
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(code.matches('-').count(), 3, "{code}");
        assert_ne!(Setup::default().code(), code);
        assert!(setup.accepts(&code));
        assert!(setup.accepts(&code.to_lowercase().replace('-', " ")));
        assert!(!setup.accepts(&code[..18]));
        assert!(!setup.accepts(""));
        assert!(!setup.accepts(Setup::default().code()));
    }
}
