//! `/namespaces/{name}/webhooks` and `/webhooks`: outgoing webhooks, their
//! secrets, deliveries and tests (the rules are in `webhooks::manage`).

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use portunus_shared::api::{
    NewWebhook, Webhook, WebhookDelivery, WebhookDeliveryPage, WebhookUpdate, WebhookWithSecret,
};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::{Created, Done};
use crate::db::Paging;
use crate::http::state::SharedState;
use crate::webhooks::manage;

pub struct WebhooksApi;

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// A namespace's webhooks (those who manage the namespace).
    #[oai(
        path = "/namespaces/:name/webhooks",
        method = "get",
        operation_id = "list_namespace_webhooks"
    )]
    async fn list_in_namespace(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        /// The namespace's registry, by name (default: the configured one).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
    ) -> ApiResult<Json<Vec<Webhook>>> {
        let who = auth.principal().subject();
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?
            .id;
        Ok(Json(
            manage::list(&state.db, &state.webhooks, registry, &who, Some(&name)).await?,
        ))
    }

    /// Add a webhook to a namespace. The answer holds its signing secret,
    /// shown this once.
    #[oai(
        path = "/namespaces/:name/webhooks",
        method = "post",
        operation_id = "create_namespace_webhook"
    )]
    async fn create_in_namespace(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        /// The namespace's registry, by name (default: the configured one).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
        body: Json<NewWebhook>,
    ) -> ApiResult<Created<WebhookWithSecret>> {
        let by = auth.principal().for_changes()?;
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?
            .id;
        let made = manage::create(
            &state.db,
            &state.webhooks,
            registry,
            by,
            Some(&name),
            body.0,
        )
        .await?;
        Ok(Created::Created(Json(made)))
    }

    /// The global webhooks, told about every namespace (administrators).
    #[oai(
        path = "/webhooks",
        method = "get",
        operation_id = "list_global_webhooks"
    )]
    async fn list_global(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
    ) -> ApiResult<Json<Vec<Webhook>>> {
        let who = auth.principal().subject();
        let registry = state.registries.configured().id;
        Ok(Json(
            manage::list(&state.db, &state.webhooks, registry, &who, None).await?,
        ))
    }

    /// Add a global webhook (administrators). The answer holds its signing
    /// secret, shown this once.
    #[oai(
        path = "/webhooks",
        method = "post",
        operation_id = "create_global_webhook"
    )]
    async fn create_global(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        body: Json<NewWebhook>,
    ) -> ApiResult<Created<WebhookWithSecret>> {
        let by = auth.principal().for_changes()?;
        let registry = state.registries.configured().id;
        let made = manage::create(&state.db, &state.webhooks, registry, by, None, body.0).await?;
        Ok(Created::Created(Json(made)))
    }

    /// One webhook.
    #[oai(path = "/webhooks/:id", method = "get", operation_id = "get_webhook")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<Webhook>> {
        let who = auth.principal().subject();
        Ok(Json(
            manage::get(&state.db, &state.webhooks, &who, id.0).await?,
        ))
    }

    /// Change a webhook: what is given changes, the rest stays.
    #[oai(
        path = "/webhooks/:id",
        method = "patch",
        operation_id = "update_webhook"
    )]
    async fn update(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        body: Json<WebhookUpdate>,
    ) -> ApiResult<Json<Webhook>> {
        let by = auth.principal().for_changes()?;
        Ok(Json(
            manage::update(&state.db, &state.webhooks, by, id.0, body.0).await?,
        ))
    }

    /// Delete a webhook and its delivery log.
    #[oai(
        path = "/webhooks/:id",
        method = "delete",
        operation_id = "delete_webhook"
    )]
    async fn delete(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        manage::delete(&state.db, auth.principal().for_changes()?, id.0).await?;
        Ok(Done::Done)
    }

    /// Replace the signing secret; the new one is in the answer, this once.
    #[oai(
        path = "/webhooks/:id/secret",
        method = "post",
        operation_id = "replace_webhook_secret"
    )]
    async fn replace_secret(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<WebhookWithSecret>> {
        let by = auth.principal().for_changes()?;
        Ok(Json(
            manage::replace_secret(&state.db, &state.webhooks, by, id.0).await?,
        ))
    }

    /// A webhook's deliveries, newest first: each request body, the
    /// receiver's status and answer, how long it took.
    #[oai(
        path = "/webhooks/:id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn deliveries(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<WebhookDeliveryPage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let who = auth.principal().subject();
        Ok(Json(
            manage::deliveries(&state.db, &who, id.0, paging).await?,
        ))
    }

    /// Send a delivery again (as a new delivery, at once).
    #[oai(
        path = "/webhooks/:id/deliveries/:delivery/resend",
        method = "post",
        operation_id = "resend_webhook_delivery"
    )]
    async fn resend(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        delivery: Path<i64>,
    ) -> ApiResult<Created<WebhookDelivery>> {
        let by = auth.principal().for_changes()?;
        let queued = manage::resend(&state.db, &state.webhooks, by, id.0, delivery.0).await?;
        Ok(Created::Created(Json(queued)))
    }

    /// Send a test event (`ping`); refused (409) for a disabled webhook.
    #[oai(
        path = "/webhooks/:id/ping",
        method = "post",
        operation_id = "ping_webhook"
    )]
    async fn ping(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Created<WebhookDelivery>> {
        let by = auth.principal().for_changes()?;
        let queued = manage::ping(&state.db, &state.webhooks, by, id.0).await?;
        Ok(Created::Created(Json(queued)))
    }
}
