//! The account making the request.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use portunus_shared::api::{Me, WebSession};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::Done;
use crate::accounts::{sessions, users};
use crate::db::entities::user;
use crate::error::Result;
use crate::http::state::SharedState;

pub struct MeApi;

#[OpenApi(tag = "ApiTags::Me")]
impl MeApi {
    /// Who you are signed in as.
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(&self, state: Data<&SharedState>, auth: Auth) -> ApiResult<Json<Me>> {
        Ok(Json(me_of(&state, auth.principal().user.clone()).await?))
    }

    /// Your web UI sessions, newest first, with the browser and address
    /// each signed in from; `current` marks the one asking.
    #[oai(
        path = "/me/sessions",
        method = "get",
        operation_id = "list_my_sessions"
    )]
    async fn sessions(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
    ) -> ApiResult<Json<Vec<WebSession>>> {
        let principal = auth.principal();
        let (who, me) = (principal.subject(), &principal.user);
        let now = chrono::Utc::now();
        let list = sessions::list(&state.db, &who, me, principal.session_hash(), now).await?;
        Ok(Json(list))
    }

    /// End one of your web UI sessions (that browser must sign in again).
    #[oai(
        path = "/me/sessions/:id",
        method = "delete",
        operation_id = "end_my_session"
    )]
    async fn end_session(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        sessions::end_one(&state.db, auth.principal().for_changes()?, id.0).await?;
        Ok(Done::Done)
    }
}

/// The wire form of a user as seen by that user.
pub async fn me_of(state: &SharedState, user: user::Model) -> Result<Me> {
    let namespace = users::personal_namespace(&state.db, user.id).await?;
    let directory = users::directories_of(&state.db, [user.id])
        .await?
        .remove(&user.id);
    Ok(Me {
        id: user.id,
        username: user.username,
        email_verified: user.email.is_some() && user.email_verified_at.is_some(),
        email: user.email,
        display_name: user.display_name,
        admin: user.admin,
        directory,
        namespace,
    })
}
