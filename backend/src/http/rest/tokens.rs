//! `/tokens` and `/users/{name}/tokens`: application tokens for scripts and CI.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use portunus_shared::api::{ApplicationToken, CreatedApplicationToken, NewApplicationToken};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::{Created, Done};
use crate::accounts::app_tokens;
use crate::accounts::refresh_tokens;
use crate::accounts::users;
use crate::authz::{Subject, rest};
use crate::db::entities::user;
use crate::db::ids::UserId;
use crate::error::{Error, Result};
use crate::http::state::SharedState;

pub struct TokensApi;

async fn user_named(state: &SharedState, who: &Subject, name: &str) -> Result<user::Model> {
    let found = users::find_by_name(&state.db, name).await?;
    match found {
        // Others' accounts are not revealed to non-admins.
        Some(u) if rest::may_see_account(who, UserId(u.id)) => Ok(u),
        _ => Err(Error::NotFound(format!(
            "no user {name:?} whose tokens you may manage"
        ))),
    }
}

#[OpenApi(tag = "ApiTags::Tokens")]
impl TokensApi {
    /// Your application tokens (never their secrets).
    #[oai(path = "/tokens", method = "get", operation_id = "list_my_tokens")]
    async fn list_mine(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
    ) -> ApiResult<Json<Vec<ApplicationToken>>> {
        let principal = auth.principal();
        let tokens = app_tokens::list(&state.db, &principal.subject(), &principal.user).await?;
        Ok(Json(tokens))
    }

    /// Create an application token for yourself. The secret is in this answer
    /// only; use it as the `docker login` password or as a Bearer token.
    #[oai(path = "/tokens", method = "post", operation_id = "create_my_token")]
    async fn create_mine(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        body: Json<NewApplicationToken>,
    ) -> ApiResult<Created<CreatedApplicationToken>> {
        let me = auth.principal().for_changes()?;
        Ok(Created::Created(Json(
            app_tokens::create(&state.db, me, me, body.0).await?,
        )))
    }

    /// Revoke a token: yours, or anyone's for administrators.
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "revoke_token")]
    async fn revoke(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        app_tokens::revoke(&state.db, auth.principal().for_changes()?, id.0).await?;
        Ok(Done::Done)
    }

    /// Your refresh tokens: the long-lived logins of `docker login` and other
    /// OAuth2 clients. A password change revokes them all.
    #[oai(
        path = "/refresh-tokens",
        method = "get",
        operation_id = "list_refresh_tokens"
    )]
    async fn list_refresh(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
    ) -> ApiResult<Json<Vec<portunus_shared::api::RefreshTokenInfo>>> {
        Ok(Json(
            refresh_tokens::list(
                &state.db,
                refresh_tokens::Limits::of(&state.config),
                &auth.principal().subject(),
                &auth.principal().user,
                chrono::Utc::now(),
            )
            .await?,
        ))
    }

    /// Revoke one of your refresh tokens (that client must log in again).
    #[oai(
        path = "/refresh-tokens/:id",
        method = "delete",
        operation_id = "revoke_refresh_token"
    )]
    async fn revoke_refresh(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        refresh_tokens::revoke(&state.db, auth.principal().for_changes()?, id.0).await?;
        Ok(Done::Done)
    }

    /// A user's tokens (that user or administrators).
    #[oai(
        path = "/users/:username/tokens",
        method = "get",
        operation_id = "list_user_tokens"
    )]
    async fn list_for(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        username: Path<String>,
    ) -> ApiResult<Json<Vec<ApplicationToken>>> {
        let who = auth.principal().subject();
        let owner = user_named(&state, &who, &username).await?;
        Ok(Json(app_tokens::list(&state.db, &who, &owner).await?))
    }

    /// Create a token for a user, e.g. a bot (that user or administrators).
    #[oai(
        path = "/users/:username/tokens",
        method = "post",
        operation_id = "create_user_token"
    )]
    async fn create_for(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        username: Path<String>,
        body: Json<NewApplicationToken>,
    ) -> ApiResult<Created<CreatedApplicationToken>> {
        let by = auth.principal().for_changes()?;
        let owner = user_named(&state, &auth.principal().subject(), &username).await?;
        Ok(Created::Created(Json(
            app_tokens::create(&state.db, by, &owner, body.0).await?,
        )))
    }
}
