//! The HTTP application: which path goes where, the middleware around it, and
//! running it until Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::middleware::Tracing;
use poem::{Body, Endpoint, EndpointExt, Request, Response, Route, Server, get, post};
use tokio::io::AsyncReadExt;

use crate::api;
use crate::events;
use crate::spa;
use crate::state::SharedState;
use crate::token;

/// Every route of Portunus, ready to serve.
pub fn routes(state: SharedState) -> impl Endpoint {
    let api = api::service(&state.config.public_url);
    let max_body_bytes = state.config.max_body_bytes;
    Route::new()
        .nest(api::API_PREFIX, api)
        .at("/v2/token", get(token::get_token).post(token::post_token))
        .at("/v2/webhooks/events", post(events::receive))
        .at("/metrics", get(crate::metrics::render))
        .nest("/", spa::endpoint(&state.config))
        .around(move |endpoint, request| limit_body(endpoint, request, max_body_bytes))
        .catch_all_error(api::error::to_json)
        .with(Tracing)
        .data(state)
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

/// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish.
pub async fn serve(state: SharedState) -> std::io::Result<()> {
    tokio::spawn(crate::events::process::run(state.clone()));
    tokio::spawn(scheduled_sync(state.clone()));
    tokio::spawn(crate::retention::scheduled(state.clone()));
    let acceptor = TcpListener::bind(state.config.listen)
        .into_acceptor()
        .await?;
    let addresses: Vec<String> = acceptor
        .local_addr()
        .iter()
        .map(|a| a.to_string())
        .collect();
    tracing::info!(listen = %addresses.join(", "), public_url = %state.config.public_url, "Portunus is serving");
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            routes(state),
            shutdown_signal(),
            Some(Duration::from_secs(5)),
        )
        .await
}

/// Runs catalog syncs as `registry.sync` says.
async fn scheduled_sync(state: SharedState) {
    use crate::config::SyncStrategy;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let strategy = state.config.registry.sync;
    let options = crate::sync::Options {
        delete: strategy == SyncStrategy::UpdateDelete,
        dry_run: false,
        concurrency: 8,
        fresh: false,
    };
    let run_once = match strategy {
        SyncStrategy::Off => return,
        SyncStrategy::Initial => {
            let known = crate::db::entities::repository::Entity::find()
                .count(&state.db)
                .await
                .unwrap_or(1);
            if known > 0 {
                return;
            }
            true
        }
        SyncStrategy::OnStart => true,
        SyncStrategy::Update | SyncStrategy::UpdateDelete => false,
    };
    loop {
        match crate::sync::run_pass(&state, options, |_| {}).await {
            Ok(summary) => tracing::info!(?summary, "catalog sync done"),
            Err(e) => {
                tracing::warn!(error = %e, "catalog sync failed; events still keep Portunus current")
            }
        }
        if run_once {
            return;
        }
        tokio::time::sleep(Duration::from_secs(
            state.config.registry.sync_interval_seconds.max(60),
        ))
        .await;
    }
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
    }
    tracing::info!("shutting down");
}
