//! The registry token endpoint: `GET /v2/token` with HTTP Basic (or no)
//! credentials, and `POST /v2/token`, the OAuth2 form with `grant_type`
//! `password` or `refresh_token`. It parses requests (`request`), hands them
//! to `issuing::exchange` and says its answer: a token as JSON, or a refusal
//! with the registry's error list (which docker shows) and OAuth2's fields.

mod request;

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Body, Request, Response, handler};
use serde_json::json;

use crate::crypto::password::RETRY_AFTER_SECONDS;
use crate::http::state::SharedState;
use crate::issuing::{self, At, Refusal, TokenRequest};
use crate::net::client_address::ClientAddress;

/// How a refusal is said: status, the registry's error code, the OAuth2
/// error code, and the seconds for `Retry-After`.
fn said(refusal: &Refusal) -> (StatusCode, &'static str, &'static str, Option<u64>) {
    use StatusCode as S;
    let (again, away) = (Some(RETRY_AFTER_SECONDS), "temporarily_unavailable");
    match refusal {
        Refusal::BadRequest { oauth, .. } => (S::BAD_REQUEST, "UNSUPPORTED", oauth, None),
        Refusal::Unauthenticated(_) => (S::UNAUTHORIZED, "UNAUTHORIZED", "invalid_grant", None),
        // Registry clients show the message of a 401 only.
        Refusal::DirectoryUnavailable(_) => (S::UNAUTHORIZED, "UNAVAILABLE", away, again),
        Refusal::Denied(_) => (S::FORBIDDEN, "DENIED", "access_denied", None),
        Refusal::RateLimited { retry_after, .. } => (
            S::TOO_MANY_REQUESTS,
            "TOOMANYREQUESTS",
            away,
            Some(*retry_after),
        ),
        Refusal::Busy(_) => (S::SERVICE_UNAVAILABLE, "TOOMANYREQUESTS", away, again),
        Refusal::Unavailable(_) | Refusal::DatabaseAway(_) => {
            (S::SERVICE_UNAVAILABLE, "UNAVAILABLE", away, again)
        }
        Refusal::Internal(_) => (S::INTERNAL_SERVER_ERROR, "UNKNOWN", "server_error", None),
    }
}

fn refused(refusal: Refusal) -> Response {
    let (status, code, oauth, retry_after) = said(&refusal);
    let message = match refusal {
        Refusal::Internal(message) => {
            tracing::error!(%message, "token request failed");
            "internal error while issuing the token; the server log has details".to_owned()
        }
        refusal => refusal.into_message(),
    };
    let body = json!({
        "errors": [{ "code": code, "message": message }],
        "error": oauth,
        "error_description": message,
    });
    let mut builder = Response::builder()
        .status(status)
        .content_type("application/json")
        .header(header::CACHE_CONTROL, "no-store");
    if status == StatusCode::UNAUTHORIZED {
        builder = builder.header(header::WWW_AUTHENTICATE, "Basic realm=\"portunus\"");
    }
    if let Some(seconds) = retry_after {
        builder = builder.header(header::RETRY_AFTER, seconds);
    }
    builder.body(body.to_string())
}

/// The answer to a parsed `request` (or the refusal of a malformed one).
async fn answer(
    state: &SharedState,
    from: &ClientAddress,
    request: Result<TokenRequest, Refusal>,
) -> Response {
    let request = match request {
        Ok(request) => request,
        Err(refusal) => return refused(refusal),
    };
    let issuer = state.issuer();
    let issued = issuing::exchange(&issuer, &from.0, &request, At::now()).await;
    match issued {
        Ok(token) => {
            state.issued_tokens.count(request.grant.kind());
            Response::builder()
                .content_type("application/json")
                .header(header::CACHE_CONTROL, "no-store")
                .body(token.to_json())
        }
        Err(refusal) => refused(refusal),
    }
}

/// `GET /v2/token`
#[handler]
pub async fn get_token(
    req: &Request,
    Data(state): Data<&SharedState>,
    Data(from): Data<&ClientAddress>,
) -> Response {
    let query = req.uri().query().unwrap_or_default();
    let parsed = request::parse_query(query, req.headers().get(header::AUTHORIZATION));
    answer(state, from, parsed).await
}

/// `POST /v2/token` (OAuth2, form-encoded)
#[handler]
pub async fn post_token(
    body: Body,
    Data(state): Data<&SharedState>,
    Data(from): Data<&ClientAddress>,
) -> Response {
    let parsed = match body.into_vec().await {
        Ok(bytes) => request::parse_form(&bytes),
        Err(e) => Err(Refusal::invalid(e.to_string())),
    };
    answer(state, from, parsed).await
}
