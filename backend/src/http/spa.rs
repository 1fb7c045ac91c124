//! Serving the built web UI: files from `web_dir`, and `index.html` for any
//! other path so deep links work on reload. When the UI is not built, a plain
//! page says how to build it.

use poem::endpoint::StaticFilesEndpoint;
use poem::http::StatusCode;
use poem::{EndpointExt, IntoResponse, Response, handler};

use crate::config::Config;

#[handler]
fn not_built() -> Response {
    "The Portunus web UI is not built. Run `just build-ui` (or `just run`), then reload."
        .with_status(StatusCode::SERVICE_UNAVAILABLE)
        .into_response()
}

/// The endpoint for every path that is not the API or the registry protocol.
pub fn endpoint(config: &Config) -> poem::endpoint::BoxEndpoint<'static> {
    if config.web_dir.join("index.html").is_file() {
        StaticFilesEndpoint::new(&config.web_dir)
            .index_file("index.html")
            .fallback_to_index()
            .boxed()
    } else {
        tracing::warn!(web_dir = %config.web_dir.display(), "web UI not built; serving a notice instead");
        not_built.map_to_response().boxed()
    }
}
