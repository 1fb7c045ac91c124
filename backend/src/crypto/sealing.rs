//! Sealing secrets that Portunus must give back later (a webhook's signing
//! secret, its extra headers and password, a registry's notification
//! secret): AES-256-GCM with a key kept in a file of the data directory,
//! not in the database, so a copy of the database alone does not reveal
//! them. Each value is sealed for its [`Place`] and opens only there.

use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::crypto::secrets::{create_private_file, random_bytes};

/// The form of values sealed for their place.
const PLACED: &str = "v2.";
/// The form of values sealed before places, for no place.
const UNPLACED: &str = "v1.";

/// Where a sealed value is kept. The cipher authenticates it with the
/// value: moved to another column or row (by someone who can write the
/// database but has not the key) a value no longer opens, so it cannot be
/// read out through what that place is used for (a webhook's header, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub table: &'a str,
    pub column: &'a str,
    /// The row's id.
    pub row: i64,
}

impl Place<'_> {
    fn bytes(&self) -> Vec<u8> {
        format!("{}.{}#{}", self.table, self.column, self.row).into_bytes()
    }
}

/// Whether `sealed` was sealed for a place (else: before places, for none).
pub fn is_placed(sealed: &str) -> bool {
    sealed.starts_with(PLACED)
}

#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error("cannot read or create the sealing key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error(
        "a sealed value cannot be opened with this process's key: it was sealed with another key (every Portunus process on one database needs the same webhooks.key_path file), or for another column or row (moved there in the database), or it is damaged"
    )]
    Open,
}

/// The key that seals and opens values.
pub struct SealingKey {
    key: LessSafeKey,
}

impl SealingKey {
    /// Reads the key in `path`, creating a random one (mode 0600) first
    /// when there is none.
    pub fn load_or_create(path: &Path) -> Result<SealingKey, SealingError> {
        let failed = |reason: String| SealingError::Key {
            path: path.display().to_string(),
            reason,
        };
        let fresh = data_encoding::HEXLOWER.encode(&random_bytes(32));
        create_private_file(path, fresh.as_bytes()).map_err(|e| failed(e.to_string()))?;
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.trim().as_bytes())
            .map_err(|_| failed("it does not hold 64 hexadecimal digits".into()))?;
        SealingKey::from_bytes(&bytes).map_err(failed)
    }

    /// A key of 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<SealingKey, String> {
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| format!("a key must be 32 bytes, not {}", bytes.len()))?;
        Ok(SealingKey {
            key: LessSafeKey::new(key),
        })
    }

    /// Seals `plain` for `place` under a fresh random nonce. A sealed value
    /// reads `v2.BASE64URL(nonce | ciphertext | tag)`.
    pub fn seal(&self, place: Place<'_>, plain: &str) -> String {
        let nonce_bytes: [u8; NONCE_LEN] =
            random_bytes(NONCE_LEN).try_into().unwrap_or([0; NONCE_LEN]);
        let mut sealed = plain.as_bytes().to_vec();
        // Sealing in place fails only for inputs beyond GCM's 64 GiB.
        if self
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(place.bytes()),
                &mut sealed,
            )
            .is_err()
        {
            sealed.clear();
        }
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PLACED}{}", data_encoding::BASE64URL_NOPAD.encode(&out))
    }

    /// Opens what [`SealingKey::seal`] sealed with this key for `place`.
    pub fn open(&self, place: Place<'_>, sealed: &str) -> Result<String, SealingError> {
        let encoded = sealed.strip_prefix(PLACED).ok_or(SealingError::Open)?;
        self.open_with(encoded, Aad::from(place.bytes()))
    }

    /// Opens a value sealed before places (`v1.`), to seal it again for
    /// its place (at start); nothing else may take such a value.
    pub fn open_unplaced(&self, sealed: &str) -> Result<String, SealingError> {
        let encoded = sealed.strip_prefix(UNPLACED).ok_or(SealingError::Open)?;
        self.open_with(encoded, Aad::empty())
    }

    fn open_with<A: AsRef<[u8]>>(
        &self,
        encoded: &str,
        aad: Aad<A>,
    ) -> Result<String, SealingError> {
        let bytes = data_encoding::BASE64URL_NOPAD
            .decode(encoded.as_bytes())
            .map_err(|_| SealingError::Open)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealingError::Open);
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealingError::Open)?;
        let mut rest = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, aad, &mut rest)
            .map_err(|_| SealingError::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealingError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: Place<'static> = Place {
        table: "webhooks",
        column: "headers_sealed",
        row: 7,
    };

    #[test]
    fn what_is_sealed_opens_with_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("webhook-key");
        let key = SealingKey::load_or_create(&path).unwrap();
        let sealed = key.seal(HERE, "s3cret header value");
        assert!(sealed.starts_with("v2.") && is_placed(&sealed), "{sealed}");
        assert!(!sealed.contains("s3cret"));
        assert_ne!(
            sealed,
            key.seal(HERE, "s3cret header value"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(HERE, &sealed).unwrap(), "s3cret header value");
        // The same file gives the same key.
        let again = SealingKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(HERE, &sealed).unwrap(), "s3cret header value");

        let other = SealingKey::from_bytes(&[7; 32]).unwrap();
        assert!(matches!(other.open(HERE, &sealed), Err(SealingError::Open)));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(matches!(key.open(HERE, &tampered), Err(SealingError::Open)));
        assert!(matches!(key.open(HERE, "plain"), Err(SealingError::Open)));
        assert!(matches!(key.open(HERE, "v2."), Err(SealingError::Open)));
    }

    #[test]
    fn a_value_opens_only_where_it_was_sealed_for() {
        let key = SealingKey::from_bytes(&[3; 32]).unwrap();
        let sealed = key.seal(HERE, "the password");
        for elsewhere in [
            Place {
                column: "secret_sealed",
                ..HERE
            },
            Place { row: 8, ..HERE },
            Place {
                table: "registries",
                ..HERE
            },
        ] {
            assert!(
                matches!(key.open(elsewhere, &sealed), Err(SealingError::Open)),
                "{elsewhere:?}"
            );
        }
        assert!(matches!(
            key.open_unplaced(&sealed),
            Err(SealingError::Open)
        ));
    }

    #[test]
    fn values_sealed_before_places_open_only_to_be_sealed_again() {
        let key = SealingKey::from_bytes(&[3; 32]).unwrap();
        // What the first form was: v1 and the same cipher without a place.
        let nonce = [9u8; NONCE_LEN];
        let mut body = b"old secret".to_vec();
        key.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut body)
            .unwrap();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&body);
        let old = format!("v1.{}", data_encoding::BASE64URL_NOPAD.encode(&bytes));
        assert!(!is_placed(&old));
        assert!(matches!(key.open(HERE, &old), Err(SealingError::Open)));
        assert_eq!(key.open_unplaced(&old).unwrap(), "old secret");
    }

    #[test]
    fn a_damaged_key_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("webhook-key");
        std::fs::write(&path, "not hex").unwrap();
        let err = SealingKey::load_or_create(&path).err().unwrap().to_string();
        assert!(
            err.contains("webhook-key") && err.contains("hexadecimal"),
            "{err}"
        );
    }
}
