//! Files that hold secrets: written once with mode 0600, never logged, and
//! created without racing another Portunus process doing the same.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rand::RngCore;
use sha2::{Digest, Sha256};

/// Writes `contents` to a new file readable only by its owner. Returns
/// `Ok(false)` when the file already exists (someone else won the race).
pub fn create_private_file(path: &Path, contents: &[u8]) -> std::io::Result<bool> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(contents)?;
            file.sync_all()?;
            Ok(true)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// `n` random bytes, hex-encoded.
pub fn random_hex(n: usize) -> String {
    data_encoding::HEXLOWER.encode(&random_bytes(n))
}

/// `n` random bytes from aws-lc's generator (seeded by the operating
/// system; no system call per use).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        // aws-lc has no source: the operating system's, directly.
        rand::rngs::OsRng.fill_bytes(&mut bytes);
    }
    bytes
}

/// Reads the secret in `path`, generating a random one first when absent.
pub fn load_or_create_secret(path: &Path) -> std::io::Result<String> {
    create_private_file(path, random_hex(32).as_bytes())?;
    Ok(std::fs::read_to_string(path)?.trim().to_owned())
}

/// Constant-time comparison, so a secret cannot be guessed byte by byte.
pub fn same(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The SHA-256 of `secret` in lower-case hex: what is stored of session
/// cookies, application and refresh tokens, never the secrets themselves.
pub fn sha256_hex(secret: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(secret.as_bytes()))
}

/// The configured notification secret, or the generated one in `data_dir`.
pub fn notification_secret(config: &crate::config::Config) -> crate::error::Result<String> {
    if !config.registry.notification_secret.is_empty() {
        return Ok(config.registry.notification_secret.clone());
    }
    let path = config.notification_secret_path();
    load_or_create_secret(&path).map_err(|e| {
        crate::error::Error::Internal(format!("cannot read or create {}: {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn secret_is_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn constant_time_comparison() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abd", b"abc"));
        assert!(!same(b"ab", b"abc"));
    }
}
