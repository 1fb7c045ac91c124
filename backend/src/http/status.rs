//! The status of what an endpoint answered, for middleware that decides by
//! it (an error is answered with its own status).

use poem::Response;
use poem::http::StatusCode;

/// The status of an endpoint's answer, or of its error.
pub fn of(answer: &poem::Result<Response>) -> StatusCode {
    match answer {
        Ok(response) => response.status(),
        Err(error) => error.status(),
    }
}
