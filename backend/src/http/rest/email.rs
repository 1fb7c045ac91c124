//! Confirming e-mail addresses: the link mailed when an address is given
//! (at sign-up, by an administrator, by a change), mailing it again, and
//! following it. See `accounts::email_confirmation`.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use portunus_shared::api::{Accepted, EmailConfirmation};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::{Done, Taken};
use crate::accounts::email_confirmation;
use crate::authz::Subject;
use crate::db::entities::user;
use crate::error::Error;
use crate::http::state::SharedState;

pub struct EmailApi;

fn mail_off() -> Error {
    Error::Conflict(
        "e-mail addresses cannot be confirmed here: there are no [mail] settings; ask an administrator"
            .into(),
    )
}

/// Mails `user` the link that confirms their address, after the answer;
/// a mail that cannot go out is logged (they can ask again).
pub(super) fn confirm_in_background(state: &SharedState, user: &user::Model) {
    if state.mailer.is_none() || !email_confirmation::needs_confirming(user) {
        return;
    }
    let (state, user) = (state.clone(), user.clone());
    tokio::spawn(async move {
        let Some(post) = state.post() else {
            return;
        };
        if let Err(e) = email_confirmation::send(&state.db, post, &user, chrono::Utc::now()).await {
            tracing::warn!(error = %e, user = %user.username, "cannot send the e-mail confirmation link");
        }
    });
}

#[OpenApi(tag = "ApiTags::Users")]
impl EmailApi {
    /// Mail the account's address a new link that confirms it (the account
    /// itself, or administrators); at most five an hour.
    #[oai(
        path = "/users/:username/email-confirmation",
        method = "post",
        operation_id = "send_email_confirmation"
    )]
    async fn send(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        username: Path<String>,
    ) -> ApiResult<Taken> {
        let by = auth.principal().for_changes()?;
        let post = state.post().ok_or_else(mail_off)?;
        let who = Subject::user(by, None);
        let email =
            email_confirmation::send_again(&state.db, post, &who, &username, chrono::Utc::now())
                .await?;
        Ok(Taken::Accepted(Json(Accepted {
            message: format!("a link that confirms the address is on its way to {email}"),
        })))
    }

    /// Confirm an e-mail address with the secret of the link mailed to it
    /// (once, before it expires, while it is still the account's address).
    #[oai(
        path = "/email-confirmation/complete",
        method = "post",
        operation_id = "confirm_email"
    )]
    async fn confirm(
        &self,
        state: Data<&SharedState>,
        body: Json<EmailConfirmation>,
    ) -> ApiResult<Done> {
        if state.mailer.is_none() {
            return Err(mail_off().into());
        }
        email_confirmation::confirm(&state.db, &body.0.token, chrono::Utc::now()).await?;
        Ok(Done::Done)
    }
}
