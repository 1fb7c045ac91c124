//! "Forgot your password?": asking for a link by mail, and setting a new
//! password with it. The request is answered at once and the same whatever
//! the name or address is; the work (and any mail) happens afterwards.

use std::time::Instant;

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;
use portunus_shared::api::{Accepted, PasswordReset, PasswordResetRequest};

use super::ApiTags;
use super::error::{ApiError, ApiResult};
use super::responses::{Done, Taken};
use crate::accounts::rate_limit::Limited;
use crate::accounts::recovery;
use crate::error::Error;
use crate::http::state::SharedState;
use crate::net::client_address::ClientAddress;

pub struct RecoveryApi;

fn mail_off() -> ApiError {
    Error::NotFound(
        "password recovery is off here (no [mail] settings): ask an administrator to set a new password"
            .into(),
    )
    .into()
}

#[OpenApi(tag = "ApiTags::Session")]
impl RecoveryApi {
    /// Ask for a password-reset link by mail, naming the account by its
    /// user name or e-mail address. The answer is the same whether or not
    /// such an account exists.
    #[oai(
        path = "/password-reset",
        method = "post",
        operation_id = "request_password_reset"
    )]
    async fn request(
        &self,
        state: Data<&SharedState>,
        from: Data<&ClientAddress>,
        body: Json<PasswordResetRequest>,
    ) -> ApiResult<Taken> {
        if state.mailer.is_none() {
            return Err(mail_off());
        }
        state
            .limits
            .spend(Limited::PasswordReset, &from.0.0, Instant::now())?;
        let who = body.0.user;
        if who.trim().is_empty() || who.len() > 254 {
            return Err(Error::InvalidInput(
                "give the user name or e-mail address of the account".into(),
            )
            .into());
        }
        let state = state.0.clone();
        tokio::spawn(async move {
            let Some(post) = state.post() else {
                return;
            };
            if let Err(e) = recovery::request(&state.db, post, &who, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "a password-reset request failed");
            }
        });
        Ok(Taken::Accepted(Json(Accepted {
            message: "if that is an account with an e-mail address, a link to set a new password is on its way to it".into(),
        })))
    }

    /// Set a new password with the secret of a link sent by mail (once,
    /// before it expires). Every session and refresh token of the account
    /// ends.
    #[oai(
        path = "/password-reset/complete",
        method = "post",
        operation_id = "complete_password_reset"
    )]
    async fn complete(
        &self,
        state: Data<&SharedState>,
        body: Json<PasswordReset>,
    ) -> ApiResult<Done> {
        if state.mailer.is_none() {
            return Err(mail_off());
        }
        let PasswordReset {
            token,
            new_password,
        } = body.0;
        let now = chrono::Utc::now();
        recovery::complete(&state.db, state.post(), &token, new_password, now).await?;
        Ok(Done::Done)
    }
}
