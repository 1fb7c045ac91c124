//! The domain error: what went wrong in words a person can act on. The HTTP
//! layers map it to statuses in one place each (`api::error`, `token`).

use sea_orm::{DbErr, RuntimeErr};

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
    /// The LDAP directory or OpenID Provider could not answer (the message
    /// names it); not a verdict on anyone's credentials.
    #[error("{0}")]
    DirectoryUnavailable(String),
    /// Portunus is saturated (too many password checks at once); retry in a
    /// moment.
    #[error("{0}")]
    Busy(String),
    /// This client asked too often; it may again after `retry_after` seconds.
    #[error("{message}")]
    RateLimited { message: String, retry_after: u64 },
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether a service Portunus depends on could not be reached (the
    /// database, the registry), so that retrying later may work: a 503, never
    /// a verdict on the request or its credentials.
    pub fn is_outage(&self) -> bool {
        match self {
            Error::Unavailable(_) | Error::DirectoryUnavailable(_) | Error::Busy(_) => true,
            Error::Database(e) => database_unreachable(e),
            _ => false,
        }
    }
}

/// Whether the database failed to answer at all, rather than refused what
/// it was asked: no connection, or a server shutting down, starting or
/// restarting (SQLSTATE classes 08, connection exceptions, and 57P,
/// operator intervention).
fn database_unreachable(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match &**e {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => true,
                Sqlx::Database(e) => e
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}
