//! Web UI sessions: a random 256-bit cookie value of which only the
//! SHA-256 is stored, with an expiry; a password change ends the others.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::crypto::secrets::{random_hex, sha256_hex};
use crate::db::entities::{refresh_token, session, user};
use crate::error::Result;

/// Starts a session for `user_id` lasting `lifetime` from `now`; returns
/// the cookie value.
pub async fn start(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<String> {
    let token = random_hex(32);
    session::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(sha256_hex(&token)),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
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
