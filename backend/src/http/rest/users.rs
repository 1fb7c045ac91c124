//! `/users` (administrators) and `/me/password`: accounts and bots.

use std::time::Instant;

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use portunus_shared::api::{NewUser, PasswordChange, SignedUp, User, UserPage, UserUpdate};

use super::auth::Auth;
use super::email::confirm_in_background;
use super::error::ApiResult;
use super::me::me_of;
use super::responses::{Created, Done};
use super::{ApiTags, GivenUp};
use crate::accounts::lockout::Lockout;
use crate::accounts::rate_limit::Limited;
use crate::accounts::removal::{self, PersonalNamespace};
use crate::accounts::{credentials, recovery, users};
use crate::audit::Actor;
use crate::authz::Subject;
use crate::db::Paging;
use crate::error::Error;
use crate::http::state::SharedState;
use crate::net::client_address::ClientAddress;

pub struct UsersApi;

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// Accounts, by name, optionally those whose name contains `q`
    /// (administrators).
    #[oai(path = "/users", method = "get", operation_id = "list_users")]
    async fn list(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        q: Query<Option<String>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<UserPage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        Ok(Json(
            users::list(
                &state.db,
                &auth.principal().subject(),
                q.0.as_deref(),
                paging,
            )
            .await?,
        ))
    }

    /// Create an account or a bot (administrators).
    #[oai(path = "/users", method = "post", operation_id = "create_user")]
    async fn create(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        body: Json<NewUser>,
    ) -> ApiResult<Created<SignedUp>> {
        let by = auth.principal().for_changes()?;
        let mail = state.post();
        let created = users::create_by(&state.db, by, body.0, mail.is_some()).await?;
        if let Some(post) = mail
            && created.user.password_hash.is_none()
            && !created.user.bot
        {
            let registry = state.config.client_registry_host();
            let now = chrono::Utc::now();
            recovery::welcome(&state.db, post, &created.user, &registry, now)
                .await
                .map_err(|e| {
                    Error::Unavailable(format!(
                        "the account {:?} was created, but its set-your-password mail was not sent ({e}); they can use \"forgot your password?\"",
                        created.user.username
                    ))
                })?;
        }
        if created.user.password_hash.is_some() {
            confirm_in_background(&state, &created.user);
        }
        let notice = created.namespace_notice.clone();
        let user = me_of(&state, created.user).await?;
        Ok(Created::Created(Json(SignedUp {
            user,
            namespace_notice: notice,
        })))
    }

    /// One account (administrators, or the user themself).
    #[oai(path = "/users/:username", method = "get", operation_id = "get_user")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        username: Path<String>,
    ) -> ApiResult<Json<User>> {
        let found = users::find_visible(&state.db, &auth.principal().subject(), &username).await?;
        Ok(Json(users::describe(&state.db, &found).await?))
    }

    /// Change an account: e-mail and display name (the user or administrators),
    /// `admin` and `enabled` (administrators; users may disable themselves).
    #[oai(
        path = "/users/:username",
        method = "patch",
        operation_id = "update_user"
    )]
    async fn update(
        &self,
        state: Data<&SharedState>,
        from: Data<&ClientAddress>,
        auth: Auth,
        username: Path<String>,
        body: Json<UserUpdate>,
    ) -> ApiResult<Json<User>> {
        // A refused address says it is taken: trying addresses one after
        // the other is limited (administrators see the accounts anyway).
        if body.0.email.is_some() && !auth.principal().user.admin {
            state
                .limits
                .spend(Limited::EmailChange, &from.0.0, Instant::now())?;
        }
        let address_given = body.0.email.is_some();
        let updated = users::update(
            &state.db,
            auth.principal().for_changes()?,
            &username,
            body.0,
        )
        .await?;
        if address_given {
            confirm_in_background(&state, &updated);
        }
        Ok(Json(users::describe(&state.db, &updated).await?))
    }

    /// Delete an account (administrators; never the last administrator nor
    /// the last owner of a team). Its activities and comments keep its
    /// name; memberships, tokens, sessions and stars go. An empty personal
    /// namespace is deleted with it; one that holds images needs a choice:
    /// `delete_images=true` erases them from the registry (deletes must be
    /// enabled), `move_namespace_to=TEAM` gives the namespace to a team.
    #[oai(
        path = "/users/:username",
        method = "delete",
        operation_id = "delete_user"
    )]
    async fn delete(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        username: Path<String>,
        /// A team to give the personal namespace to; not with `delete_images`.
        #[oai(validator(min_length = 1, max_length = 255))]
        move_namespace_to: Query<Option<String>>,
        /// Erase the personal namespace's images; not with
        /// `move_namespace_to`.
        delete_images: Query<Option<bool>>,
    ) -> ApiResult<Done> {
        let params = ("move_namespace_to", "delete_images");
        let choice = match GivenUp::from_query(move_namespace_to.0, delete_images.0, params)? {
            GivenUp::MoveTo(team) => PersonalNamespace::MoveTo(team),
            GivenUp::Delete => PersonalNamespace::EraseImages,
            GivenUp::Unsaid => PersonalNamespace::DeleteIfEmpty,
        };
        let by = auth.principal().for_changes()?;
        removal::remove(
            &state.db,
            state.registries.as_ref(),
            &Subject::user(by, None),
            &Actor::of(by),
            &username,
            choice,
            &state.config.policy,
        )
        .await?;
        Ok(Done::Done)
    }

    /// Change your password. Your other sessions and all your refresh tokens
    /// (docker logins) stop working.
    #[oai(
        path = "/me/password",
        method = "put",
        operation_id = "change_password"
    )]
    async fn change_password(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        from: Data<&ClientAddress>,
        body: Json<PasswordChange>,
    ) -> ApiResult<Done> {
        let principal = auth.principal();
        let me = principal.for_changes()?;
        credentials::change_password(
            &state.db,
            Lockout::of(&state.config),
            me,
            body.0,
            principal.session_hash(),
            &from.0.0,
            chrono::Utc::now(),
        )
        .await?;
        let (state, me) = (state.0.clone(), me.clone());
        tokio::spawn(async move {
            if let Some(post) = state.post() {
                recovery::notify_change(post, &me).await;
            }
        });
        Ok(Done::Done)
    }
}
