//! Refresh tokens of the OAuth2 token flow: issued on request
//! (`offline_token=true`, `access_type=offline`) after a password login,
//! bound to one user and one service, never rotated on use (dockerd loses
//! rotated tokens), and dead as soon as the user is disabled or changes
//! password, or once unused for `refresh_token_idle_days`. A user holds at
//! most `refresh_tokens_per_user`: a new one retires the least recently
//! used. Users list and revoke their own.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use portunus_shared::domain::ActivityKey;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use portunus_shared::api;

use crate::audit::{self, Actor, Target};
use crate::authz::{Subject, rest};
use crate::crypto::secrets::{random_hex, sha256_hex};
use crate::db::entities::{refresh_token, user};
use crate::db::ids::UserId;
use crate::error::{Error, Result};

pub const PREFIX: &str = "ptr_";
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// How long refresh tokens live unused, and how many one user may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub idle: Duration,
    pub per_user: u64,
}

impl Limits {
    pub fn of(config: &crate::config::Config) -> Limits {
        Limits {
            idle: Duration::days(i64::from(config.refresh_token_idle_days)),
            per_user: u64::from(config.refresh_tokens_per_user.max(1)),
        }
    }
}

/// When the token was last of use: its last redemption, or its issue.
fn last_active(row: &refresh_token::Model) -> DateTime<Utc> {
    row.last_used_at.unwrap_or(row.created_at)
}

fn password_digest(user: &user::Model) -> String {
    sha256_hex(user.password_hash.as_deref().unwrap_or_default())
}

/// Issues a refresh token for `user` and `service` to the client at
/// `address` at `now`, retiring the
/// least recently used ones beyond `limits.per_user`; returns the secret.
pub async fn issue(
    db: &impl ConnectionTrait,
    limits: Limits,
    user: &user::Model,
    service: &str,
    client_id: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let secret = format!("{PREFIX}{}", random_hex(32));
    let row = refresh_token::ActiveModel {
        user_id: Set(user.id),
        service: Set(service.to_owned()),
        client_id: Set(client_id.chars().take(100).collect()),
        address: Set(address.chars().take(128).collect()),
        token_hash: Set(sha256_hex(&secret)),
        password_digest: Set(password_digest(user)),
        created_at: Set(now),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let target = Target::new("refresh_token", Some(row.id), &row.client_id);
    audit::record(
        db,
        &Actor::user(user.id, &user.username),
        ActivityKey::RefreshTokenCreate,
        target,
        None,
    )
    .await?;
    let mut held = refresh_token::Entity::find()
        .filter(refresh_token::Column::UserId.eq(user.id))
        .all(db)
        .await?;
    if held.len() as u64 > limits.per_user {
        held.sort_by_key(|r| std::cmp::Reverse((last_active(r), r.id)));
        let retired = held.split_off(usize::try_from(limits.per_user).unwrap_or(usize::MAX));
        refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::Id.is_in(retired.iter().map(|r| r.id)))
            .exec(db)
            .await?;
    }
    Ok(secret)
}

/// The user a refresh token stands for, if it is live for `service` at
/// `now`; one unused for longer than `limits.idle` is deleted instead.
pub async fn redeem(
    db: &impl ConnectionTrait,
    limits: Limits,
    secret: &str,
    service: &str,
    now: DateTime<Utc>,
) -> Result<Option<user::Model>> {
    if !secret.starts_with(PREFIX) || secret.len() > 128 {
        return Ok(None);
    }
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if now - last_active(&row) > limits.idle {
        refresh_token::Entity::delete_by_id(row.id).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = user::Entity::find_by_id(row.user_id).one(db).await? else {
        return Ok(None);
    };
    if row.service != service || !user.enabled || row.password_digest != password_digest(&user) {
        return Ok(None);
    }
    if row
        .last_used_at
        .is_none_or(|t| now - t > LAST_USED_RESOLUTION)
    {
        let mut active: refresh_token::ActiveModel = row.into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some(user))
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The user's live refresh tokens.
pub async fn list(
    db: &impl ConnectionTrait,
    limits: Limits,
    who: &Subject,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Vec<api::RefreshTokenInfo>> {
    if !rest::may_see_account(who, UserId(user.id)) {
        return Err(rest::refusal(
            who,
            "only the user themself may list their refresh tokens",
        ));
    }
    let current = password_digest(user);
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::UserId.eq(user.id))
        .order_by_asc(refresh_token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.password_digest == current && now - last_active(r) <= limits.idle)
        .map(|r| api::RefreshTokenInfo {
            id: r.id,
            service: r.service,
            client_id: r.client_id,
            address: r.address,
            created_at: timestamp(r.created_at),
            last_used_at: r.last_used_at.map(timestamp),
        })
        .collect())
}

/// Revokes one of the user's refresh tokens; others' do not exist for them.
pub async fn revoke(db: &impl ConnectionTrait, user: &user::Model, id: i64) -> Result<()> {
    let row = refresh_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.user_id == user.id)
        .ok_or_else(|| Error::NotFound(format!("no refresh token {id} of yours")))?;
    let target = Target::new("refresh_token", Some(row.id), &row.client_id);
    audit::record(
        db,
        &Actor::user(user.id, &user.username),
        ActivityKey::RefreshTokenDestroy,
        target,
        None,
    )
    .await?;
    refresh_token::Entity::delete_by_id(row.id).exec(db).await?;
    Ok(())
}
