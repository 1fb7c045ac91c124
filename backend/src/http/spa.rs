//! Serving the built web UI: files from `web_dir`, and `index.html` for any
//! other path so deep links work on reload. When the UI is not built, a plain
//! page says how to build it.

use poem::endpoint::StaticFilesEndpoint;
use poem::http::StatusCode;
use poem::http::header::CONTENT_SECURITY_POLICY;
use poem::middleware::SetHeader;
use poem::{EndpointExt, IntoResponse, Response, handler};

use crate::config::Config;
use crate::http::content_policy;

#[handler]
fn not_built() -> Response {
    "The Portunus web UI is not built. Run `just build-ui` (or `just run`), then reload."
        .with_status(StatusCode::SERVICE_UNAVAILABLE)
        .into_response()
}

/// The endpoint for every path that is not the API or the registry
/// protocol, with the web UI's Content-Security-Policy.
pub fn endpoint(config: &Config) -> poem::endpoint::BoxEndpoint<'static> {
    if let Ok(index) = std::fs::read_to_string(config.web_dir.join("index.html")) {
        StaticFilesEndpoint::new(&config.web_dir)
            .index_file("index.html")
            .fallback_to_index()
            .with(
                SetHeader::new()
                    .overriding(CONTENT_SECURITY_POLICY, content_policy::web_ui(&index)),
            )
            .boxed()
    } else {
        tracing::warn!(web_dir = %config.web_dir.display(), "web UI not built; serving a notice instead");
        not_built.map_to_response().boxed()
    }
}
