//! "Sign in with NAME": the browser's round trip through the OpenID
//! Provider. Both endpoints answer with redirects, never JSON: a problem
//! sends the browser to the web UI's sign-in page with the reason in
//! `?error=`, which the page shows.

use std::time::Instant;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::auth::{session_cookie, start_session};
use crate::accounts::oidc::{self, Callback};
use crate::accounts::rate_limit::Limited;
use crate::accounts::sessions::Origin;
use crate::error::{Error, Result};
use crate::http::cookies::{self, Cookies};
use crate::http::state::SharedState;
use crate::net::client_address::ClientAddress;

pub struct OidcApi;

#[derive(ApiResponse)]
enum Redirect {
    /// Go there (the provider, the web UI, or its sign-in page with the
    /// reason in `?error=`).
    #[oai(status = 302)]
    Found(
        #[oai(header = "Location")] String,
        #[oai(header = "Set-Cookie")] Option<String>,
    ),
}

/// The sign-in page of the web UI saying `error`.
fn to_sign_in_page(error: &Error) -> Redirect {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("error", &error.to_string())
        .finish();
    Redirect::Found(format!("/signin?{query}"), None)
}

#[OpenApi(tag = "ApiTags::Session")]
impl OidcApi {
    /// Begin signing in through the OpenID Provider (`[oidc]`): redirects
    /// to it. `return_to` is the web UI path to go to afterwards.
    #[oai(path = "/oidc/login", method = "get", operation_id = "oidc_login")]
    async fn login(
        &self,
        state: Data<&SharedState>,
        from: Data<&ClientAddress>,
        return_to: Query<Option<String>>,
    ) -> Redirect {
        // Each start keeps a row until the provider answers: counted as a
        // sign-in of the address.
        let allowed = state
            .limits
            .spend(Limited::SignIn, &from.0.0, Instant::now());
        let begun: Result<_> = match (&state.oidc, allowed) {
            (_, Err(e)) => Err(e),
            (None, _) => Err(Error::NotFound(
                "sign-in through an OpenID Provider is not configured here ([oidc])".into(),
            )),
            (Some(provider), Ok(())) => {
                oidc::begin(
                    &state.db,
                    provider,
                    return_to.0.as_deref(),
                    chrono::Utc::now(),
                )
                .await
            }
        };
        match begun {
            Ok(begun) => {
                // Lax: the provider's redirect back is a cross-site navigation.
                let cookie = Cookies::of(&state.config.public_url).set(
                    cookies::OIDC_BROWSER,
                    &begun.browser_secret,
                    600,
                    "Lax",
                );
                Redirect::Found(begun.authorize_url, Some(cookie))
            }
            Err(e) => to_sign_in_page(&e),
        }
    }

    /// Where the OpenID Provider sends the browser back: checks its answer,
    /// signs the person in (creating their account on the first sign-in)
    /// and redirects to the web UI with the session cookie set.
    #[oai(
        path = "/oidc/callback",
        method = "get",
        operation_id = "oidc_callback"
    )]
    async fn callback(
        &self,
        state: Data<&SharedState>,
        request: &Request,
        #[oai(name = "state")] returned_state: Query<Option<String>>,
        code: Query<Option<String>>,
        error: Query<Option<String>>,
        error_description: Query<Option<String>>,
    ) -> Redirect {
        let Some(provider) = &state.oidc else {
            return to_sign_in_page(&Error::NotFound(
                "sign-in through an OpenID Provider is not configured here ([oidc])".into(),
            ));
        };
        let callback = Callback {
            state: returned_state.0,
            code: code.0,
            error: error.0,
            error_description: error_description.0,
        };
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        let secret = cookies::value(request, cookies::OIDC_BROWSER);
        let now = chrono::Utc::now();
        let finished = oidc::finish(&state.db, provider, callback, secret, now).await;
        let signed_in = match finished {
            Ok((user, return_to)) => {
                let address = request.data::<ClientAddress>().map(|a| a.0.as_str());
                let origin = Origin {
                    client: header(poem::http::header::USER_AGENT).unwrap_or_default(),
                    address: address.unwrap_or_default(),
                };
                start_session(&state, user.id, origin)
                    .await
                    .map(|token| (token, return_to))
            }
            Err(e) => Err(e),
        };
        match signed_in {
            Ok((token, return_to)) => {
                Redirect::Found(return_to, Some(session_cookie(&state, &token)))
            }
            Err(e) => to_sign_in_page(&e),
        }
    }
}
