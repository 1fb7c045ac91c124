//! The HTTP side of `db::watch`: while the database is known to be away,
//! the REST API and the registry's event endpoint answer at once with 503,
//! `Retry-After` and `database_unavailable` rather than each waiting for a
//! connection (the registry keeps its events and sends them again); and an
//! answer of 503 from them has the probe look at once. The token endpoint
//! does its own (`issuing::standby`: pulls go on).

use std::sync::Arc;

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::http::rest::error::ApiError;
use crate::http::state::SharedState;
use crate::http::status;

/// Middleware: see the module's header.
pub async fn answer_at_once<E: Endpoint>(
    endpoint: Arc<E>,
    request: Request,
) -> poem::Result<Response> {
    let Some(state) = request.data::<SharedState>().cloned() else {
        return endpoint
            .call(request)
            .await
            .map(IntoResponse::into_response);
    };
    if let Some(down) = state.database.down() {
        return Ok(ApiError::database_unavailable(down.message()).into_response());
    }
    let answer = endpoint
        .call(request)
        .await
        .map(IntoResponse::into_response);
    if status::of(&answer) == StatusCode::SERVICE_UNAVAILABLE {
        state.database.suspect();
    }
    answer
}
