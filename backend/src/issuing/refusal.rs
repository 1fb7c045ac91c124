//! Why a token is not issued, as a closed set; `http::token` maps each kind
//! onto the status, error code and `Retry-After` the protocol expects.

use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The request is malformed or names what is not here: the OAuth2
    /// error code and a message.
    BadRequest {
        oauth: &'static str,
        message: String,
    },
    /// Credentials missing, wrong, ended, or not for this name.
    Unauthenticated(String),
    /// The directory could not check the password; said as a refusal,
    /// since registry clients show the message of a 401 only.
    DirectoryUnavailable(String),
    /// The rules refuse this sign-in (a directory account whose name a
    /// local account holds, say).
    Denied(String),
    /// Too many attempts from the address (or for the name there).
    RateLimited { message: String, retry_after: u64 },
    /// Too many passwords being checked at once.
    Busy(String),
    /// A service other than the database (the LDAP directory) is away.
    Unavailable(String),
    /// The database is away, and what is asked is not answered from
    /// memory: the message says what still is.
    DatabaseAway(String),
    /// A fault of Portunus; the message is for the log only.
    Internal(String),
}

impl Refusal {
    /// A malformed request (`invalid_request`).
    pub fn invalid(message: impl Into<String>) -> Refusal {
        Refusal::BadRequest {
            oauth: "invalid_request",
            message: message.into(),
        }
    }

    pub fn unauthenticated(message: impl Into<String>) -> Refusal {
        Refusal::Unauthenticated(message.into())
    }

    /// What is said of it (of an internal fault, what the log gets).
    pub fn into_message(self) -> String {
        match self {
            Refusal::BadRequest { message, .. }
            | Refusal::Unauthenticated(message)
            | Refusal::DirectoryUnavailable(message)
            | Refusal::Denied(message)
            | Refusal::RateLimited { message, .. }
            | Refusal::Busy(message)
            | Refusal::Unavailable(message)
            | Refusal::DatabaseAway(message)
            | Refusal::Internal(message) => message,
        }
    }
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Refusal {
        match e {
            Error::Busy(message) => Refusal::Busy(message),
            Error::RateLimited {
                message,
                retry_after,
            } => Refusal::RateLimited {
                message,
                retry_after,
            },
            Error::DirectoryUnavailable(message) => {
                tracing::warn!(%message, "a login could not be checked");
                Refusal::DirectoryUnavailable(format!(
                    "{message}; your password was not checked: retry in a moment"
                ))
            }
            e if e.is_outage() => {
                tracing::error!(error = %e, "token request failed: a service is unavailable");
                match e {
                    // Names the service (the LDAP directory, say).
                    Error::Unavailable(message) => {
                        Refusal::Unavailable(format!("{message}; retry in a moment"))
                    }
                    _ => Refusal::DatabaseAway(
                        "Portunus cannot reach its database; retry in a moment".into(),
                    ),
                }
            }
            Error::Conflict(message) | Error::Forbidden(message) => Refusal::Denied(message),
            e => Refusal::Internal(e.to_string()),
        }
    }
}
