//! `/registries`: the registries Portunus authorizes for, how each answers,
//! and adding, changing and removing them (administrators; the rules are in
//! `registries::admin`).

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use portunus_shared::api::{NewRegistry, Registry, RegistryUpdate, RegistryWithSecret};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::{Created, Done};
use crate::http::state::SharedState;
use crate::registries::admin;

pub struct RegistriesApi;

#[OpenApi(tag = "ApiTags::Registries")]
impl RegistriesApi {
    /// Every registry, the configured one first, each asked how it answers
    /// now (administrators).
    #[oai(path = "/registries", method = "get", operation_id = "list_registries")]
    async fn list(&self, state: Data<&SharedState>, auth: Auth) -> ApiResult<Json<Vec<Registry>>> {
        let who = auth.principal().subject();
        Ok(Json(admin::list(&state.registries, &who).await?))
    }

    /// Add a registry (administrators). It is asked first whether it
    /// answers, unless `skip_check`; the answer holds its notification
    /// secret (also printed by `portunus registry-config --registry NAME`).
    #[oai(
        path = "/registries",
        method = "post",
        operation_id = "create_registry"
    )]
    async fn create(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        body: Json<NewRegistry>,
    ) -> ApiResult<Created<RegistryWithSecret>> {
        let by = auth.principal().for_changes()?;
        let made = admin::create(&state.db, &state.registries, by, body.0).await?;
        Ok(Created::Created(Json(made)))
    }

    /// One registry, asked how it answers now (administrators).
    #[oai(
        path = "/registries/:name",
        method = "get",
        operation_id = "get_registry"
    )]
    async fn get(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
    ) -> ApiResult<Json<Registry>> {
        let who = auth.principal().subject();
        Ok(Json(admin::get(&state.registries, &who, &name).await?))
    }

    /// Change a registry's URL, service or host names (administrators; the
    /// configured one is changed in the configuration file).
    #[oai(
        path = "/registries/:name",
        method = "patch",
        operation_id = "update_registry"
    )]
    async fn update(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        body: Json<RegistryUpdate>,
    ) -> ApiResult<Json<Registry>> {
        let by = auth.principal().for_changes()?;
        let registries = &state.registries;
        Ok(Json(
            admin::update(&state.db, registries, by, &name, body.0).await?,
        ))
    }

    /// Remove a registry that holds no repositories and no team namespaces
    /// (administrators; not the configured one).
    #[oai(
        path = "/registries/:name",
        method = "delete",
        operation_id = "delete_registry"
    )]
    async fn delete(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
    ) -> ApiResult<Done> {
        let by = auth.principal().for_changes()?;
        admin::remove(&state.db, &state.registries, by, &name).await?;
        Ok(Done::Done)
    }

    /// Give a registry a new notification secret, shown this once; its
    /// configuration file needs it before it can notify again.
    #[oai(
        path = "/registries/:name/secret",
        method = "post",
        operation_id = "replace_registry_secret"
    )]
    async fn replace_secret(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
    ) -> ApiResult<Json<RegistryWithSecret>> {
        let by = auth.principal().for_changes()?;
        let registries = &state.registries;
        Ok(Json(
            admin::replace_secret(&state.db, registries, by, &name).await?,
        ))
    }
}
