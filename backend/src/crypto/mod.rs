//! Secrets and keys: random values and constant-time comparison, password
//! hashing, the token signing key and the registry tokens it mints. Imports
//! only `config` and `error` of this crate.

pub mod mint;
pub mod password;
pub mod sealing;
pub mod secrets;
pub mod signing;
