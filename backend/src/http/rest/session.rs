//! Signing in and out of the web UI, and signing up.

use std::time::Instant;

use poem::web::Data;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use portunus_shared::api::{Me, SignIn, SignUp, SignedUp};

use super::ApiTags;
use super::auth::{SessionAuth, session_cookie, start_session};
use super::error::{ApiError, ApiResult};
use super::me::me_of;
use crate::accounts::lockout::Attempt;
use crate::accounts::rate_limit::Limited;
use crate::accounts::throttle::{Door, Outcome};
use crate::accounts::{credentials, sessions, sign_up};
use crate::http::state::SharedState;
use crate::net::client_address::ClientAddress;

pub struct SessionApi;

#[derive(ApiResponse)]
enum SignedIn {
    /// Signed in; the session cookie is set.
    #[oai(status = 200)]
    Ok(Json<Me>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum SignedOut {
    /// Signed out; the session cookie is cleared.
    #[oai(status = 204)]
    Ok(#[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum Created {
    /// The account was created; sign in next.
    #[oai(status = 201)]
    Ok(Json<SignedUp>),
}

#[OpenApi(tag = "ApiTags::Session")]
impl SessionApi {
    /// Sign in with a user name and password; sets the session cookie.
    #[oai(path = "/session", method = "post", operation_id = "sign_in")]
    async fn sign_in(
        &self,
        state: Data<&SharedState>,
        from: Data<&ClientAddress>,
        #[oai(name = "User-Agent")] agent: Header<Option<String>>,
        body: Json<SignIn>,
    ) -> ApiResult<SignedIn> {
        let SignIn { username, password } = body.0;
        let (throttle, address) = (state.throttle(), from.0.0.as_str());
        let admitted = throttle.admit(
            Door::WebSignIn,
            address,
            &username,
            &password,
            Instant::now(),
        )?;
        let attempt = Attempt {
            username: &username,
            address,
            now: chrono::Utc::now(),
        };
        let checked =
            credentials::sign_in(&state.db, state.sign_in_check(), attempt, &password).await;
        let outcome = match &checked {
            Ok(Ok(_)) => Outcome::Accepted,
            Ok(Err(_)) => Outcome::Refused,
            Err(_) => Outcome::Unchecked,
        };
        throttle.settle(admitted, outcome, Instant::now());
        let user = checked?.map_err(|failure| ApiError::unauthorized(failure.message()))?;
        let origin = sessions::Origin {
            client: agent.0.as_deref().unwrap_or_default(),
            address: &from.0.0,
        };
        let token = start_session(&state, user.id, origin).await?;
        let me = me_of(&state, user).await?;
        Ok(SignedIn::Ok(Json(me), session_cookie(&state, &token)))
    }

    /// Sign out: ends this session and clears the cookie.
    #[oai(path = "/session", method = "delete", operation_id = "sign_out")]
    async fn sign_out(&self, state: Data<&SharedState>, auth: SessionAuth) -> ApiResult<SignedOut> {
        if let Some(hash) = auth.0.session_hash() {
            sessions::end(&state.db, hash).await?;
        }
        Ok(SignedOut::Ok(session_cookie(&state, "")))
    }

    /// Create an account (when sign-up is enabled). It becomes the first
    /// administrator only with the setup code the server printed at start
    /// while there was none; never otherwise.
    #[oai(path = "/signup", method = "post", operation_id = "sign_up")]
    async fn sign_up(
        &self,
        state: Data<&SharedState>,
        from: Data<&ClientAddress>,
        body: Json<SignUp>,
    ) -> ApiResult<Created> {
        sign_up::open(state.config.signup)?;
        state
            .limits
            .spend(Limited::SignUp, &from.0.0, Instant::now())?;
        let ldap = state.ldap.as_deref();
        let created = sign_up::sign_up(&state.db, &state.setup, ldap, body.0).await?;
        super::email::confirm_in_background(&state, &created.user);
        let notice = created.namespace_notice.clone();
        let user = me_of(&state, created.user).await?;
        Ok(Created::Ok(Json(SignedUp {
            user,
            namespace_notice: notice,
        })))
    }
}
