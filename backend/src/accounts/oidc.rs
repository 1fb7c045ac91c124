//! Signing in through the OpenID Provider: a sign-in begun in a browser is
//! kept in the database (so any replica can finish it) under the hash of
//! its `state`, bound to the browser by the hash of a cookie, for ten
//! minutes and one use. Finishing it checks the provider's answer and
//! admits the person as `accounts::directory` does for every directory.

use chrono::{DateTime, Duration, Utc};
use portunus_shared::domain::{ActivityKey, Directory};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::accounts::credentials::record_failure;
use crate::accounts::directory::{self, Link, Source};
use crate::audit::{self, Actor, Target};
use crate::crypto::secrets::{random_hex, same, sha256_hex};
use crate::db::entities::{oidc_login, user};
use crate::directory::Person;
use crate::directory::oidc::{Oidc, Refused};
use crate::error::{Error, Result};

/// The provider name of OpenID Connect identities.
pub const PROVIDER: &str = Directory::Oidc.as_str();

/// How long a begun sign-in may take.
const PENDING_LIFETIME: Duration = Duration::minutes(10);

/// Most sign-ins kept waiting for the provider's answer; past it the
/// oldest are forgotten (anyone may start one, so a flood must not grow
/// the table without bound, nor lock real sign-ins out).
const MOST_PENDING: u64 = 10_000;

/// The rules of the OpenID Provider as a source of accounts.
pub fn source(oidc: &Oidc) -> Source<'_> {
    let settings = oidc.settings();
    Source {
        provider: PROVIDER,
        issuer: &settings.issuer,
        groups: &settings.groups,
        link: match settings.link_by_verified_email {
            true => Link::VerifiedEmail,
            false => Link::Never,
        },
    }
}

/// A sign-in begun: send the browser to `authorize_url` with
/// `browser_secret` in a cookie.
#[derive(Debug, Clone)]
pub struct Begun {
    pub authorize_url: String,
    pub browser_secret: String,
}

/// A path of the web UI to return to: `return_to` if it is one, else `/`
/// (never another site: `//host` and `/\host` are refused).
pub fn safe_return(return_to: Option<&str>) -> String {
    match return_to {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 512
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Begins a sign-in that returns to `return_to` (a path of the web UI).
pub async fn begin(
    db: &DatabaseConnection,
    oidc: &Oidc,
    return_to: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Begun> {
    let started = oidc.begin().await?;
    let browser_secret = random_hex(32);
    oidc_login::Entity::delete_many()
        .filter(oidc_login::Column::CreatedAt.lt(now - PENDING_LIFETIME))
        .exec(db)
        .await?;
    keep_at_most(db, MOST_PENDING - 1).await?;
    oidc_login::ActiveModel {
        state_hash: Set(sha256_hex(&started.state)),
        browser_hash: Set(sha256_hex(&browser_secret)),
        nonce: Set(started.nonce),
        pkce_verifier: Set(started.pkce_verifier),
        return_to: Set(safe_return(return_to)),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(Begun {
        authorize_url: started.authorize_url,
        browser_secret,
    })
}

/// Forgets the oldest pending sign-ins beyond `most`.
async fn keep_at_most(db: &DatabaseConnection, most: u64) -> Result<()> {
    let pending = oidc_login::Entity::find().count(db).await?;
    if pending <= most {
        return Ok(());
    }
    let oldest: Vec<String> = oidc_login::Entity::find()
        .select_only()
        .column(oidc_login::Column::StateHash)
        .order_by_asc(oidc_login::Column::CreatedAt)
        .limit(pending - most)
        .into_tuple()
        .all(db)
        .await?;
    oidc_login::Entity::delete_many()
        .filter(oidc_login::Column::StateHash.is_in(oldest))
        .exec(db)
        .await?;
    Ok(())
}

/// What the provider sent the browser back with.
#[derive(Debug, Clone, Default)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    /// The provider's refusal (`error`, `error_description`).
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Finishes the sign-in the browser holding `browser_secret` began: the
/// signed-in account and the web UI path to go to. Every outcome is in the
/// audit log.
pub async fn finish(
    db: &DatabaseConnection,
    oidc: &Oidc,
    callback: Callback,
    browser_secret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(user::Model, String)> {
    let outcome = async {
        let (person, return_to) = answer(db, oidc, callback, browser_secret, now).await?;
        let user = directory::admit(db, source(oidc), &person, now).await?;
        if !user.enabled {
            return Err(Error::Forbidden(
                "this account is disabled; ask an administrator to enable it".into(),
            ));
        }
        Ok((user, return_to))
    }
    .await;
    match &outcome {
        Ok((user, _)) => {
            let params = json!({ "directory": PROVIDER });
            audit::record(
                db,
                &Actor::of(user),
                ActivityKey::AuthSignIn,
                Target::user(user),
                Some(params),
            )
            .await?;
        }
        Err(e) => {
            let params = json!({ "directory": PROVIDER, "reason": e.to_string() });
            record_failure(
                db,
                "(OpenID Connect)",
                ActivityKey::AuthSignInFailed,
                Some(params),
            )
            .await?;
        }
    }
    outcome
}

/// Who the provider says signed in, once the pending sign-in is taken (one
/// use), checked to be this browser's and recent; and where to go then.
async fn answer(
    db: &DatabaseConnection,
    oidc: &Oidc,
    callback: Callback,
    browser_secret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Person, String)> {
    let expired = || {
        Error::Unauthenticated(
            "this sign-in is unknown, used or older than ten minutes; start again".into(),
        )
    };
    let state = callback.state.ok_or_else(expired)?;
    // One use: taken whatever happens next.
    let pending = oidc_login::Entity::find_by_id(sha256_hex(&state))
        .one(db)
        .await?
        .ok_or_else(expired)?;
    oidc_login::Entity::delete_by_id(pending.state_hash.clone())
        .exec(db)
        .await?;
    if now - pending.created_at > PENDING_LIFETIME {
        return Err(expired());
    }
    let same_browser = browser_secret.is_some_and(|secret| {
        same(
            sha256_hex(secret).as_bytes(),
            pending.browser_hash.as_bytes(),
        )
    });
    if !same_browser {
        return Err(Error::Unauthenticated(
            "this sign-in was begun in another browser; start again here".into(),
        ));
    }
    if let Some(error) = callback.error {
        let detail = callback.error_description.unwrap_or(error);
        return Err(Error::Unauthenticated(format!(
            "{} refused the sign-in: {detail}",
            oidc.name()
        )));
    }
    let code = callback
        .code
        .ok_or_else(|| Error::Unauthenticated(format!("{} sent no code", oidc.name())))?;
    let person = oidc
        .finish(&code, &pending.nonce, &pending.pkce_verifier)
        .await
        .map_err(|e| match e {
            Refused::Unavailable(m) => Error::DirectoryUnavailable(m),
            Refused::Invalid(m) => Error::Unauthenticated(m),
        })?;
    Ok((person, pending.return_to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pending_sign_ins_beyond_the_most_forget_the_oldest() {
        for (backend, db) in crate::db::fixtures::databases().await {
            let start = Utc::now();
            for i in 0..5 {
                oidc_login::ActiveModel {
                    state_hash: Set(format!("state{i}")),
                    browser_hash: Set(String::new()),
                    nonce: Set(String::new()),
                    pkce_verifier: Set(String::new()),
                    return_to: Set("/".into()),
                    created_at: Set(start + Duration::seconds(i)),
                }
                .insert(&db)
                .await
                .expect("a pending sign-in");
            }
            keep_at_most(&db, 3).await.expect("kept");
            let mut left: Vec<String> = oidc_login::Entity::find()
                .all(&db)
                .await
                .expect("read")
                .into_iter()
                .map(|p| p.state_hash)
                .collect();
            left.sort();
            assert_eq!(left, ["state2", "state3", "state4"], "{backend}");
            keep_at_most(&db, 3).await.expect("nothing to forget");
            assert_eq!(oidc_login::Entity::find().count(&db).await.unwrap(), 3);
        }
    }

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        assert_eq!(safe_return(Some("/repositories/3")), "/repositories/3");
        for unsafe_target in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "repositories",
            "/a\nb",
        ] {
            assert_eq!(safe_return(Some(unsafe_target)), "/", "{unsafe_target:?}");
        }
        assert_eq!(safe_return(None), "/");
    }
}
