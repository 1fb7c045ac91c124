//! Web UI sessions: a random 256-bit cookie value of which only the
//! SHA-256 is stored, with an expiry, the browser and address it started
//! from and when it was last used; a password change ends the others, and
//! people list theirs and end any of them.

use chrono::{DateTime, Duration, Utc};
use portunus_shared::api;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::authz::{Subject, rest};
use crate::crypto::secrets::{random_hex, sha256_hex};
use crate::db::entities::{refresh_token, session, user};
use crate::db::ids::UserId;
use crate::error::{Error, Result};

/// How often a session's `last_used_at` is written at most.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(5);

/// Where a session starts from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The browser's User-Agent (cut to 200 characters).
    pub client: &'a str,
    pub address: &'a str,
}

/// Starts a session for `user_id` from `origin`, lasting `lifetime` from
/// `now`; returns the cookie value.
pub async fn start(
    db: &impl ConnectionTrait,
    user_id: i64,
    origin: Origin<'_>,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<String> {
    let token = random_hex(32);
    session::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(sha256_hex(&token)),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
        client: Set(origin.client.chars().take(200).collect()),
        address: Set(origin.address.chars().take(128).collect()),
        last_used_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The enabled user whose live session (at `now`) this cookie value is, with
/// the session's hash; `None` for unknown, expired or disabled.
pub async fn user_of(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(user::Model, String)>> {
    let hash = sha256_hex(token);
    let Some(session) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    if session
        .last_used_at
        .is_none_or(|t| now - t > LAST_USED_RESOLUTION)
    {
        let mut active: session::ActiveModel = session.clone().into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    let user = user::Entity::find_by_id(session.user_id).one(db).await?;
    Ok(user.filter(|u| u.enabled).map(|u| (u, hash)))
}

/// Ends the session with this hash.
pub async fn end(db: &impl ConnectionTrait, session_hash: &str) -> Result<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(session_hash))
        .exec(db)
        .await?;
    Ok(())
}

/// Signs `user_id` out everywhere: every web session and every refresh
/// token (docker's identity tokens) ends. Application tokens stay.
pub async fn end_everywhere(db: &impl ConnectionTrait, user_id: i64) -> Result<()> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// `user`'s live sessions at `now`, newest first, for `who` (the user
/// themself); `current` is the hash of the session asking, which the list
/// marks.
pub async fn list(
    db: &impl ConnectionTrait,
    who: &Subject,
    user: &user::Model,
    current: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<api::WebSession>> {
    if !rest::may_see_account(who, UserId(user.id)) {
        return Err(rest::refusal(
            who,
            "only the user themself may list their sessions",
        ));
    }
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user.id))
        .filter(session::Column::ExpiresAt.gt(now))
        .order_by_desc(session::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| api::WebSession {
            id: s.id,
            current: current == Some(s.token_hash.as_str()),
            client: s.client,
            address: s.address,
            created_at: timestamp(s.created_at),
            last_used_at: s.last_used_at.map(timestamp),
            expires_at: timestamp(s.expires_at),
        })
        .collect())
}

/// Ends `user`'s session `id`; others' sessions do not exist for them.
pub async fn end_one(db: &impl ConnectionTrait, user: &user::Model, id: i64) -> Result<()> {
    let ended = session::Entity::delete_many()
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::UserId.eq(user.id))
        .exec(db)
        .await?;
    if ended.rows_affected == 0 {
        return Err(Error::NotFound(format!("you have no session {id}")));
    }
    Ok(())
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
