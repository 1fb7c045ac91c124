//! Sealing secrets that Portunus must give back later (a webhook's signing
//! secret, its extra headers and password): AES-256-GCM with a key kept in
//! a file of the data directory, not in the database, so a copy of the
//! database alone does not reveal them. A sealed value reads
//! `v1.BASE64URL(nonce | ciphertext | tag)`.

use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::crypto::secrets::{create_private_file, random_bytes};

const VERSION: &str = "v1.";

#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error("cannot read or create the sealing key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error(
        "a sealed value cannot be opened with this process's key: it was sealed with another key (every Portunus process on one database needs the same webhooks.key_path file) or it is damaged"
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

    /// Seals `plain` under a fresh random nonce.
    pub fn seal(&self, plain: &str) -> String {
        let nonce_bytes: [u8; NONCE_LEN] =
            random_bytes(NONCE_LEN).try_into().unwrap_or([0; NONCE_LEN]);
        let mut sealed = plain.as_bytes().to_vec();
        // Sealing in place fails only for inputs beyond GCM's 64 GiB.
        if self
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::empty(),
                &mut sealed,
            )
            .is_err()
        {
            sealed.clear();
        }
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", data_encoding::BASE64URL_NOPAD.encode(&out))
    }

    /// Opens what [`SealingKey::seal`] sealed with this key.
    pub fn open(&self, sealed: &str) -> Result<String, SealingError> {
        let encoded = sealed.strip_prefix(VERSION).ok_or(SealingError::Open)?;
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
            .open_in_place(nonce, Aad::empty(), &mut rest)
            .map_err(|_| SealingError::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealingError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_sealed_opens_with_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("webhook-key");
        let key = SealingKey::load_or_create(&path).unwrap();
        let sealed = key.seal("s3cret header value");
        assert!(sealed.starts_with("v1."), "{sealed}");
        assert!(!sealed.contains("s3cret"));
        assert_ne!(
            sealed,
            key.seal("s3cret header value"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).unwrap(), "s3cret header value");
        // The same file gives the same key.
        let again = SealingKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "s3cret header value");

        let other = SealingKey::from_bytes(&[7; 32]).unwrap();
        assert!(matches!(other.open(&sealed), Err(SealingError::Open)));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(matches!(key.open(&tampered), Err(SealingError::Open)));
        assert!(matches!(key.open("plain"), Err(SealingError::Open)));
        assert!(matches!(key.open("v1."), Err(SealingError::Open)));
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
