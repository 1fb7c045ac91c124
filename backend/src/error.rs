//! The domain error: what went wrong in words a person can act on. The HTTP
//! layers map it to statuses in one place each (`api::error`, `token`).

use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed or a value is invalid; the message says which.
    #[error("{0}")]
    InvalidInput(String),
    /// Missing or wrong credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The change clashes with existing state (a taken name, say).
    #[error("{0}")]
    Conflict(String),
    /// A service Portunus depends on (the registry) failed; retry later.
    #[error("{0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
