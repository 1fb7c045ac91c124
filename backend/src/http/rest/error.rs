//! How errors become HTTP answers: the domain error maps to a status and the
//! shared JSON body `{code, message}`; poem's own errors (bad JSON, unknown
//! path, too large) are rewritten to the same body. A 500 logs its cause and
//! tells the client nothing internal.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;
use portunus_shared::api::ErrorBody;
use portunus_shared::domain::ErrorCode;

use crate::crypto::password;
use crate::error::Error;

/// Every error answer the API gives, so each is described in the spec.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed or a value is invalid.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Not signed in, or the credentials are wrong.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Signed in, but not allowed to do this.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such thing, or not visible to you.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The change clashes with existing state.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body is missing or is not `application/json` (answered while the
    /// request is read, before any handler runs).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// This client address tried too often; wait as long as `Retry-After` says.
    #[oai(status = 429)]
    TooManyRequests(
        Json<ErrorBody>,
        /// Seconds to wait before trying again.
        #[oai(header = "Retry-After")]
        u64,
    ),
    /// Something failed on the server; its log has the details.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The registry or the database could not be reached; retry later.
    #[oai(status = 503)]
    Unavailable(
        Json<ErrorBody>,
        /// Seconds to wait before retrying, when Portunus is saturated.
        #[oai(header = "Retry-After")]
        Option<u64>,
    ),
}

pub type ApiResult<T> = Result<T, ApiError>;

fn body(code: ErrorCode, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        code,
        message: message.into(),
    })
}

impl ApiError {
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::Unauthorized(body(ErrorCode::Unauthorized, message))
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::Forbidden(body(ErrorCode::Forbidden, message))
    }

    /// 503 `database_unavailable`, with `Retry-After`.
    pub fn database_unavailable(message: impl Into<String>) -> ApiError {
        ApiError::Unavailable(
            body(ErrorCode::DatabaseUnavailable, message),
            Some(password::RETRY_AFTER_SECONDS),
        )
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::InvalidInput(m) => ApiError::BadRequest(body(ErrorCode::InvalidInput, m)),
            Error::Unauthenticated(m) => ApiError::unauthorized(m),
            Error::Forbidden(m) => ApiError::forbidden(m),
            Error::NotFound(m) => ApiError::NotFound(body(ErrorCode::NotFound, m)),
            Error::Conflict(m) => ApiError::Conflict(body(ErrorCode::Conflict, m)),
            Error::RateLimited {
                message,
                retry_after,
            } => ApiError::TooManyRequests(body(ErrorCode::TooManyRequests, message), retry_after),
            Error::Unavailable(m) => {
                tracing::warn!(message = %m, "registry unavailable");
                ApiError::Unavailable(body(ErrorCode::RegistryUnavailable, m), None)
            }
            Error::DirectoryUnavailable(m) => {
                tracing::warn!(message = %m, "directory unavailable");
                ApiError::Unavailable(body(ErrorCode::DirectoryUnavailable, m), None)
            }
            Error::Busy(m) => {
                tracing::warn!(message = %m, "too many passwords being checked at once");
                ApiError::Unavailable(
                    body(ErrorCode::Busy, m),
                    Some(password::RETRY_AFTER_SECONDS),
                )
            }
            e if e.is_outage() => {
                tracing::error!(error = %e, "the database is unavailable");
                ApiError::database_unavailable("the database is unavailable; retry in a moment")
            }
            Error::Database(_) | Error::Internal(_) => {
                tracing::error!(error = %e, "request failed");
                ApiError::Internal(body(
                    ErrorCode::Internal,
                    "internal error; the server log has details",
                ))
            }
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> ApiError {
        Error::from(e).into()
    }
}

/// Rewrites any error that escaped the handlers (poem's parse errors, 404 for
/// unknown paths, 413, auth failures) into the JSON error body.
pub async fn to_json(error: poem::Error) -> Response {
    let message = error.to_string();
    let response = error.into_response();
    let is_json = response
        .content_type()
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json {
        return response;
    }
    let status = response.status();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (
            ErrorCode::NotFound,
            "no such API path; see openapi.yaml".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "this path does not take that method".to_owned(),
        ),
        StatusCode::UNAUTHORIZED => (
            ErrorCode::Unauthorized,
            "sign in first (session cookie missing or expired)".to_owned(),
        ),
        // The static files' refusal names the file on disk: not for clients.
        StatusCode::FORBIDDEN => (ErrorCode::Forbidden, "this may not be read".to_owned()),
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::TooLarge,
            "the request body is too large".to_owned(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json".to_owned(),
        ),
        s if s.is_server_error() => {
            tracing::error!(%message, "request failed");
            (
                ErrorCode::Internal,
                "internal error; the server log has details".to_owned(),
            )
        }
        _ => (ErrorCode::BadRequest, readable(&message)),
    };
    let body = ErrorBody { code, message };
    poem::web::Json(body).with_status(status).into_response()
}

/// The patterns the API description gives strings, with what each asks
/// for in words (every `pattern` in openapi.yaml is here; a test checks).
pub const PATTERNS: &[(&str, &str)] = &[
    (
        "^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$",
        "be 1 to 80 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit",
    ),
    (
        "^[a-z0-9]+([._-][a-z0-9]+)*$",
        "be lowercase letters and digits, joined by single '.', '_' or '-'",
    ),
    (
        "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$",
        "be 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit",
    ),
    (
        "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$",
        "be a repository name: lowercase letters and digits joined by '.', '_', '__' or dashes, its parts separated by '/'",
    ),
    ("[^\\s\\u0085]", "not be empty or only spaces"),
];

/// poem-openapi's refusal of a value the API description forbids, in
/// words: `field \`name\` verification failed. pattern("...")` becomes
/// "name must be lowercase letters and digits, ...". Other messages pass
/// as they are.
fn readable(message: &str) -> String {
    let Some((before, rule)) = message.split_once("verification failed. ") else {
        if let Some(name) = message
            .strip_prefix("failed to parse parameter `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name)
            .filter(|_| message.contains("date-time"))
        {
            return format!("{name} must be an RFC 3339 time like 2026-11-22T00:00:00Z");
        }
        return message.to_owned();
    };
    let Some(field) = before.rsplit('`').nth(1) else {
        return message.to_owned();
    };
    let bound = |prefix: &str| {
        rule.strip_prefix(prefix)
            .and_then(|r| r.split([',', ')']).next())
            .map(str::to_owned)
    };
    let wanted = if let Some(n) = bound("minLength(") {
        format!("have at least {n} characters")
    } else if let Some(n) = bound("maxLength(") {
        format!("have at most {n} characters")
    } else if let Some(n) = bound("minimum(") {
        format!("be at least {n}")
    } else if let Some(n) = bound("maximum(") {
        format!("be at most {n}")
    } else if let Some(pattern) = rule
        .strip_prefix("pattern(\"")
        .and_then(|r| r.strip_suffix("\")"))
    {
        // The message shows the pattern as Rust's Debug does: `\\` for `\`.
        let pattern = pattern.replace("\\\\", "\\");
        match PATTERNS.iter().find(|(p, _)| *p == pattern) {
            Some((_, words)) => (*words).to_owned(),
            None => format!("match {pattern}"),
        }
    } else {
        return message.to_owned();
    };
    format!("{field} must {wanted}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_of_the_description_say_what_is_wanted() {
        for (message, expected) in [
            (
                "parse request payload error: failed to parse \"SignUp\": field `password` verification failed. minLength(8)",
                "password must have at least 8 characters",
            ),
            (
                "failed to parse parameter `q`: verification failed. minLength(1)",
                "q must have at least 1 characters",
            ),
            (
                "parse request payload error: failed to parse \"RetentionRule\": field `keep_newest` verification failed. minimum(1, exclusive: false)",
                "keep_newest must be at least 1",
            ),
            (
                "parse request payload error: failed to parse \"NewNamespace\": field `name` verification failed. pattern(\"^[a-z0-9]+([._-][a-z0-9]+)*$\")",
                "name must be lowercase letters and digits, joined by single '.', '_' or '-'",
            ),
        ] {
            let said = readable(message);
            assert!(said.starts_with(expected), "{said}");
        }
        assert_eq!(
            readable(
                "failed to parse parameter `since`: failed to parse \"string_date-time\": input contains invalid characters"
            ),
            "since must be an RFC 3339 time like 2026-11-22T00:00:00Z"
        );
        assert_eq!(readable("something else"), "something else");
    }

    #[test]
    fn busy_and_outages_are_503_and_busy_says_when_to_retry() {
        match ApiError::from(Error::Busy("too many".into())) {
            ApiError::Unavailable(body, retry) => {
                assert_eq!(body.0.code, ErrorCode::Busy);
                assert_eq!(retry, Some(password::RETRY_AFTER_SECONDS));
            }
            other => panic!("{other:?}"),
        }
        let closed = sea_orm::DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout);
        match ApiError::from(Error::Database(closed)) {
            ApiError::Unavailable(body, retry) => {
                assert_eq!(body.0.code, ErrorCode::DatabaseUnavailable);
                assert_eq!(retry, Some(password::RETRY_AFTER_SECONDS));
            }
            other => panic!("{other:?}"),
        }
        let refused = sea_orm::DbErr::RecordNotFound("x".into());
        assert!(matches!(
            ApiError::from(Error::Database(refused)),
            ApiError::Internal(_)
        ));
    }
}
