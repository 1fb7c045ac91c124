//! The account making the request.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;
use portunus_shared::api::Me;

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use crate::accounts::users;
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
        email: user.email,
        display_name: user.display_name,
        admin: user.admin,
        directory,
        namespace,
    })
}
