//! The HTTP layer: which path goes where, the middleware around it, and a
//! thin handler per route: the REST API (`rest`, under `/api/v1`), the
//! registry token endpoint (`token`), the registry notification endpoint
//! (`webhooks`), `/metrics`, `/health` and `/ready` (`health`), and the
//! web UI (`spa`); while the database is away, `database_away`. Handlers parse, make
//! one domain call and map its result; they may import every domain
//! layer below, and nothing imports them but `app`.

pub mod content_policy;
pub mod cookies;
pub mod database_away;
pub mod health;
pub mod metrics;
pub mod readiness;
pub mod remembered;
pub mod rest;
pub mod same_origin;
pub mod spa;
pub mod state;
pub mod status;
pub mod stored_figures;
pub mod token;
pub mod webhooks;

use std::sync::Arc;

use poem::http::header::CONTENT_SECURITY_POLICY;
use poem::http::{HeaderValue, Method, StatusCode};
use poem::middleware::{SetHeader, Tracing};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, post};
use tokio::io::AsyncReadExt;

use state::SharedState;

/// Headers on every answer: no framing (clickjacking), no content sniffing,
/// no referrer leaving the site. The Content-Security-Policy is the web
/// UI's own on its files and [`content_policy::NOTHING`] on the rest.
const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
];

/// Every route of Portunus, ready to serve.
pub fn routes(state: SharedState) -> impl Endpoint {
    let api = rest::service(&state.config.public_url);
    let max_body_bytes = state.config.max_body_bytes;
    let address_header: Arc<str> = state.config.client_address_header.as_str().into();
    let own_origin = same_origin::own_origin(&state.config.public_url);
    let own_cookies = cookies::Cookies::of(&state.config.public_url);
    let allowed = Arc::new(rest::allow::AllowedMethods::of(&api.spec()));
    let docs = rest::docs(&api);
    docs.into_iter()
        .fold(Route::new(), |routes, (path, endpoint)| {
            routes.at(path, get(endpoint))
        })
        .nest(
            rest::API_PREFIX,
            api.around(rest::auth::outage_is_not_unauthorized)
                .around(database_away::answer_at_once)
                .around(changes_move_the_epoch)
                .around(move |endpoint, request| {
                    same_origin::refuse_cross_site(endpoint, request, own_origin.clone())
                })
                .around(move |endpoint, request| {
                    rest::allow::add_allow(endpoint, request, allowed.clone())
                }),
        )
        .at("/v2/token", get(token::get_token).post(token::post_token))
        .at(
            "/v2/webhooks/events",
            post(webhooks::receive).around(database_away::answer_at_once),
        )
        .at("/metrics", get(metrics::render))
        .at("/health", get(health::health))
        .at("/ready", get(health::ready))
        .nest("/", spa::endpoint(&state.config))
        .around(move |endpoint, request| cookies::canonical(endpoint, request, own_cookies))
        .around(move |endpoint, request| limit_body(endpoint, request, max_body_bytes))
        .around(move |endpoint, request| {
            crate::net::client_address::record(endpoint, request, address_header.clone())
        })
        .catch_all_error(rest::error::to_json)
        .with(
            SECURITY_HEADERS
                .iter()
                .fold(SetHeader::new(), |set, (name, value)| {
                    set.overriding(*name, *value)
                }),
        )
        .around(with_default_policy)
        .with(Tracing)
        .data(state)
}

/// Moves the authorization epoch after every REST request that may have
/// changed something (all but reads and refusals: a 4xx changes nothing
/// that token answers depend on, nor does a 503, which failed for want of
/// the database or the registry; the OpenID Connect callback creates and
/// updates accounts), so token answers never reuse what this process has
/// changed. (Moving it for requests refused during a database outage
/// would end the pulls answered from memory, `issuing::standby`.)
async fn changes_move_the_epoch<E: Endpoint>(
    endpoint: Arc<E>,
    request: Request,
) -> poem::Result<Response> {
    let reads = [Method::GET, Method::HEAD, Method::OPTIONS].contains(request.method())
        && !request.uri().path().contains("/oidc/");
    let state = request.data::<SharedState>().cloned();
    let answer = endpoint
        .call(request)
        .await
        .map(IntoResponse::into_response);
    let status = status::of(&answer);
    let refused = status.is_client_error() || status == StatusCode::SERVICE_UNAVAILABLE;
    if !reads
        && !refused
        && let Some(state) = state
    {
        state.epoch.moved();
    }
    answer
}

/// Gives answers that set no Content-Security-Policy the one that allows
/// nothing (the web UI sets its own).
async fn with_default_policy<E: Endpoint>(
    endpoint: Arc<E>,
    request: Request,
) -> poem::Result<Response> {
    let mut response = match endpoint.call(request).await {
        Ok(answer) => answer.into_response(),
        Err(error) => error.into_response(),
    };
    let headers = response.headers_mut();
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(content_policy::NOTHING),
        );
    }
    Ok(response)
}

/// Refuses bodies declared larger than `max` with 413, and cuts undeclared
/// (chunked) ones at `max`, so no request can make the server buffer more.
async fn limit_body<E: Endpoint>(
    endpoint: Arc<E>,
    mut request: Request,
    max: usize,
) -> poem::Result<Response> {
    let declared = request
        .headers()
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(poem::Error::from_string(
            format!("the request body is larger than the {max} bytes allowed"),
            StatusCode::PAYLOAD_TOO_LARGE,
        ));
    }
    let body = request.take_body();
    request.set_body(Body::from_async_read(
        body.into_async_read().take(max as u64),
    ));
    endpoint
        .call(request)
        .await
        .map(poem::IntoResponse::into_response)
}
