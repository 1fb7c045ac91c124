//! Facts about this Portunus that the web UI and scripts need before signing in.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;
use portunus_shared::api::{RegistryName, ServerInfo};

use super::ApiTags;
use crate::http::state::SharedState;

pub struct InfoApi;

#[OpenApi(tag = "ApiTags::Info")]
impl InfoApi {
    /// Version, the registry people push to, whether sign-up is open, and
    /// whether the installation still waits for its first administrator.
    #[oai(path = "/info", method = "get", operation_id = "get_info")]
    async fn info(&self, state: Data<&SharedState>) -> Json<ServerInfo> {
        Json(ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            registry: state.config.client_registry_host(),
            signup: state.config.signup,
            // Unknown while the database is away: then the form asks nothing more.
            setup: state.config.signup && state.setup.pending(&state.db).await.unwrap_or(false),
            ldap: state.ldap.is_some(),
            oidc: state.oidc.as_ref().map(|o| o.settings().name.clone()),
            password_reset: state.mailer.is_some(),
            registries: state
                .registries
                .all()
                .iter()
                .map(|r| RegistryName {
                    name: r.name.clone(),
                    host: r.client_host.clone(),
                })
                .collect(),
        })
    }
}
