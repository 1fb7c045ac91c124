//! For load balancers and orchestrators: `GET /health` answers while the
//! process runs (it reads nothing); `GET /ready` says whether this process
//! can serve, as JSON with 200 or 503: ready when the database answers and
//! holds exactly the migrations this build knows. How the registry answers is
//! reported beside it but does not decide: tokens are signed and the web UI
//! works without it, and a registry that is down is no reason for a load
//! balancer to drop every Portunus replica.

use std::time::Duration;

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use sea_orm::DbBackend;
use serde::Serialize;

use crate::catalog::registries::Served;
use crate::db::SchemaState;
use crate::http::state::SharedState;

/// Longest wait for the database, and for the registry.
const DATABASE_WAIT: Duration = Duration::from_secs(2);
const REGISTRY_WAIT: Duration = Duration::from_secs(3);

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

#[derive(Serialize, Clone)]
struct RegistryCheck {
    name: String,
    url: String,
    reachable: bool,
    /// The `Docker-Distribution-Api-Version` it answered with.
    api_version: Option<String>,
    /// How long it took, or why it did not answer.
    answer: String,
}

/// `GET /health`
#[handler]
pub fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "alive" }))
}

/// `GET /ready`
#[handler]
pub async fn ready(Data(state): Data<&SharedState>) -> Response {
    let all = state.registries.all();
    let (database, mut registries) = tokio::join!(
        database(state),
        futures::future::join_all(all.iter().map(|served| registry(served)))
    );
    let configured = all.iter().position(|s| s.configured).unwrap_or_default();
    let registry = registries.remove(configured);
    registries.insert(0, registry.clone());
    let ready = database.reachable && database.error.is_none();
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
    DatabaseCheck {
        backend,
        reachable,
        pending_migrations: schema.pending,
        unknown_migrations: schema.unknown,
        error,
    }
}

async fn registry(served: &Served) -> RegistryCheck {
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
    RegistryCheck {
        name: served.name.clone(),
        url: client.base().to_owned(),
        reachable,
        api_version,
        answer,
    }
}
