//! For load balancers and orchestrators: `GET /health` answers while the
//! process runs (it reads nothing); `GET /ready` says whether this process
//! can serve, as JSON with 200 or 503: ready when the database answers and
//! holds exactly the migrations this build knows. How the registry answers is
//! reported beside it but does not decide. Details go to administrators
//! only.

use std::time::{Duration, Instant};

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Request, Response, handler};
use sea_orm::DbBackend;
use serde::Serialize;

use crate::db::SchemaState;
use crate::http::readiness::RegistryCheck;
use crate::http::rest::auth::presented_session;
use crate::http::state::SharedState;
use crate::registries::Served;

/// Longest wait for the database, and for the registry.
const DATABASE_WAIT: Duration = Duration::from_secs(2);
const REGISTRY_WAIT: Duration = Duration::from_secs(3);

/// How long the registries' answers are served before they are asked again.
pub const REGISTRIES_MAX_AGE: Duration = Duration::from_secs(5);

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    database: DatabaseCheck,
    /// The configured registry.
    registry: RegistryCheck,
    /// Every registry, the configured one first.
    registries: Vec<RegistryCheck>,
}

#[derive(Serialize)]
struct DatabaseCheck {
    backend: &'static str,
    reachable: bool,
    /// Migrations this build knows that the database has not had.
    pending_migrations: Vec<String>,
    /// Migrations the database has had that this build does not know.
    unknown_migrations: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Whether `req` may see the details: an administrator's session, or
/// `metrics_token`.
async fn may_see_details(req: &Request, state: &SharedState) -> bool {
    if crate::http::metrics::bears_metrics_token(req, state) {
        return true;
    }
    let Some(cookie) = presented_session(req) else {
        return false;
    };
    if state.database.down().is_some() {
        // Sessions are in the database.
        return false;
    }
    matches!(
        crate::accounts::sessions::user_of(&state.db, cookie, chrono::Utc::now()).await,
        Ok(Some((user, _))) if user.admin
    )
}

/// `GET /health`
#[handler]
pub fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "alive" }))
}

/// `GET /ready`
///
/// The registry does not decide readiness: tokens are signed and the web UI
/// works without it, and a registry that is down is no reason for a load
/// balancer to drop every Portunus replica. Anyone learns whether it is
/// ready and the names of what it checked; addresses, answers, versions and
/// errors go to administrators (session cookie) and to holders of
/// `metrics_token`. The registries are asked at most every
/// [`REGISTRIES_MAX_AGE`], however often anyone asks.
#[handler]
pub async fn ready(req: &Request, Data(state): Data<&SharedState>) -> Response {
    let asked = state
        .registry_checks
        .get(Instant::now(), REGISTRIES_MAX_AGE, || async {
            Ok::<_, std::convert::Infallible>(registries(state).await)
        });
    let (mut database, registries, details) =
        tokio::join!(database(state), asked, may_see_details(req, state));
    let mut registries = registries.unwrap_or_else(|never| match never {});
    let ready = database.reachable && database.error.is_none();
    if !details {
        registries = registries.into_iter().map(RegistryCheck::outline).collect();
        if !database.reachable {
            database.error = Some(
                "the database does not answer (administrators see why here, or in the log)".into(),
            );
        }
    }
    let Some(registry) = registries.first().cloned() else {
        return Json(serde_json::json!({"ready": false, "error": "no registry is configured"}))
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .into_response();
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Json(Readiness {
        ready,
        database,
        registry,
        registries,
    })
    .with_status(status)
    .into_response()
}

async fn database(state: &SharedState) -> DatabaseCheck {
    let backend = match state.db.get_database_backend() {
        DbBackend::Sqlite => "sqlite",
        DbBackend::Postgres => "postgres",
        _ => "other",
    };
    if let Some(down) = state.database.down() {
        // Known from the probe: answered without waiting again.
        return DatabaseCheck {
            backend,
            reachable: false,
            pending_migrations: Vec::new(),
            unknown_migrations: Vec::new(),
            error: Some(format!("{}: {}", down.describe(), down.cause)),
        };
    }
    let read = tokio::time::timeout(DATABASE_WAIT, crate::db::schema_state(&state.db));
    let (reachable, schema, error) = match read.await {
        Ok(Ok(schema)) => {
            let error = if !schema.unknown.is_empty() {
                Some("a newer Portunus migrated this database: upgrade this one".to_owned())
            } else if !schema.pending.is_empty() {
                Some("the database lacks migrations this build applies at start (restored from an older backup?): restart Portunus".to_owned())
            } else {
                None
            };
            (true, schema, error)
        }
        Ok(Err(e)) => (false, SchemaState::default(), Some(e.to_string())),
        Err(_) => (
            false,
            SchemaState::default(),
            Some(format!("no answer within {} s", DATABASE_WAIT.as_secs())),
        ),
    };
    if !reachable {
        state.database.suspect();
    }
    DatabaseCheck {
        backend,
        reachable,
        pending_migrations: schema.pending,
        unknown_migrations: schema.unknown,
        error,
    }
}

/// Every registry's answer, the configured one first.
async fn registries(state: &SharedState) -> Vec<RegistryCheck> {
    let all = state.registries.all();
    let gateway = state.config.gateway.address().is_some();
    let mut checks =
        futures::future::join_all(all.iter().map(|served| registry(served, gateway))).await;
    let configured = all.iter().position(|s| s.configured).unwrap_or_default();
    if configured < checks.len() {
        let first = checks.remove(configured);
        checks.insert(0, first);
    }
    checks
}

/// How `served` answers; behind the gateway, also whether clients could
/// pass by it.
async fn registry(served: &Served, gateway: bool) -> RegistryCheck {
    let client = &served.catalog.registry;
    let (reachable, api_version, answer) =
        match tokio::time::timeout(REGISTRY_WAIT, client.probe()).await {
            Ok(Ok((version, took))) => (
                true,
                version,
                format!("answered in {} ms", took.as_millis()),
            ),
            Ok(Err(e)) => (false, None, e.to_string()),
            Err(_) => (
                false,
                None,
                format!("no answer within {} s", REGISTRY_WAIT.as_secs()),
            ),
        };
    let warning = match gateway {
        true => {
            let public = crate::gateway::exposure::public_addresses(client.base()).await;
            crate::gateway::exposure::warning(client.base(), &public)
        }
        false => None,
    };
    RegistryCheck::answered(
        served.name.clone(),
        client.base().to_owned(),
        reachable,
        api_version,
        answer,
    )
    .warning(warning)
}
