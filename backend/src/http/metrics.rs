//! `GET /metrics`: counters of this process and figures from the database in
//! the Prometheus text format. Counts only, never names; open unless
//! `metrics_token` is set. The database figures come from
//! [`crate::http::stored_figures::StoredFigures`], counted at most every 15 s however often anyone asks.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::Instant;

use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use portunus_shared::domain::ErrorCode;

use crate::http::state::SharedState;

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Whether `req` carries `Authorization: Bearer METRICS_TOKEN` (never
/// when no `metrics_token` is set).
pub(crate) fn bears_metrics_token(req: &Request, state: &SharedState) -> bool {
    let token = &state.config.metrics_token;
    let given = req
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    !token.is_empty() && crate::crypto::secrets::same(given.as_bytes(), token.as_bytes())
}

/// `GET /metrics`
#[handler]
pub async fn render(req: &Request, Data(state): Data<&SharedState>) -> Response {
    if !state.config.metrics_token.is_empty() && !bears_metrics_token(req, state) {
        return poem::web::Json(serde_json::json!({
            "code": ErrorCode::Unauthorized,
            "message": "metrics need Authorization: Bearer METRICS_TOKEN (metrics_token in the configuration)"
        }))
        .with_status(poem::http::StatusCode::UNAUTHORIZED)
        .into_response();
    }
    let m = &state.events.counters;
    let mut out = String::new();
    family(
        &mut out,
        "portunus_registry_events_total",
        "counter",
        "Registry events handled by this process, by outcome.",
    );
    for (outcome, counter) in [
        ("stored", &m.events_stored),
        ("duplicate", &m.events_duplicate),
        ("refused", &m.events_refused),
        ("applied", &m.events_applied),
        ("failed", &m.events_failed),
        ("held_unknown_registry", &m.events_held),
    ] {
        let _ = writeln!(
            out,
            "portunus_registry_events_total{{outcome=\"{outcome}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    family(
        &mut out,
        "portunus_tokens_issued_total",
        "counter",
        "Registry tokens issued by this process, by the grant that asked for them.",
    );
    for (grant, n) in state.issued_tokens.each() {
        let _ = writeln!(out, "portunus_tokens_issued_total{{grant=\"{grant}\"}} {n}");
    }
    if let Some(gateway) = &state.gateway {
        gateway_figures(&mut out, gateway);
    }
    match state.stored_figures.get(&state.db, Instant::now()).await {
        Ok(figures) => {
            family(
                &mut out,
                "portunus_stored",
                "gauge",
                "What the database holds: registry events by state, repositories, tags, users (refreshed at most every 15 s).",
            );
            for (what, n) in figures {
                let _ = writeln!(out, "portunus_stored{{what=\"{what}\"}} {n}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: the database did not answer"),
    }
    out.with_content_type("text/plain; version=0.0.4")
        .into_response()
}

/// The gateway's counters: requests by outcome, pulls recorded and lost.
fn gateway_figures(out: &mut String, gateway: &crate::gateway::Gateway) {
    family(
        out,
        "portunus_gateway_requests_total",
        "counter",
        "Registry API requests the gateway answered, by outcome.",
    );
    let c = &gateway.counters;
    for (outcome, counter) in [
        ("forwarded", &c.forwarded),
        ("refused_immutable_tag", &c.refused_immutable),
        ("refused_pull_limit", &c.refused_pull_limit),
        ("refused_bad_path", &c.refused_bad_path),
        ("registry_unreachable", &c.registry_unreachable),
    ] {
        let _ = writeln!(
            out,
            "portunus_gateway_requests_total{{outcome=\"{outcome}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    if let Some(pulls) = gateway.pull_log() {
        family(
            out,
            "portunus_gateway_pulls_total",
            "counter",
            "Pulls the gateway recorded, and those it could not (queue full, database away).",
        );
        let _ = writeln!(
            out,
            "portunus_gateway_pulls_total{{outcome=\"recorded\"}} {}",
            pulls.written()
        );
        let _ = writeln!(
            out,
            "portunus_gateway_pulls_total{{outcome=\"lost\"}} {}",
            pulls.lost()
        );
    }
}
