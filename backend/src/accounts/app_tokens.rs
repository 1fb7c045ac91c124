//! Application tokens for scripts and CI: 256-bit random secrets shown once
//! and stored only as SHA-256 (a slow hash adds nothing for random secrets).
//! Accepted as the password in `docker login` and as `Authorization: Bearer`
//! on the REST API. Listed and revoked by their user or an admin only.
//! Tokens brought from Portus have no `ptn_` prefix and arrive as
//! passwords: see [`authenticate_portus`].

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use portunus_shared::api;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::audit::{self, Actor, Target};
use crate::authz::{Subject, TokenAccess, TokenScope, rest};
use crate::crypto::secrets::{random_hex, sha256_hex};
use crate::db::entities::{application_token, user};
use crate::error::{Error, Result};

/// Every secret starts with this, so secret scanners and people recognise it.
pub const PREFIX: &str = "ptn_";
/// Most tokens one user may hold.
pub const MAX_PER_USER: u64 = 50;
/// How stale `last_used_at` may get before a use writes it again.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

pub fn hash(secret: &str) -> String {
    sha256_hex(secret)
}

pub fn looks_like_token(secret: &str) -> bool {
    secret.starts_with(PREFIX)
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The scope stored with a token; tokens without one reach everything. A
/// stored scope that cannot be read is an error, never "everything".
pub fn scope_of(token: &application_token::Model) -> Result<TokenScope> {
    match &token.scope {
        None => Ok(TokenScope {
            resources: Vec::new(),
            access: TokenAccess::Delete,
        }),
        Some(stored) => serde_json::from_value(stored.clone()).map_err(|e| {
            Error::Internal(format!(
                "application token {} has an unreadable scope: {e}",
                token.id
            ))
        }),
    }
}

pub fn describe(token: &application_token::Model, owner: &str) -> Result<api::ApplicationToken> {
    let scope = scope_of(token)?;
    Ok(api::ApplicationToken {
        id: token.id,
        name: token.name.clone(),
        user: owner.to_owned(),
        resources: scope.resources,
        access: scope.access,
        expires_at: token.expires_at.map(timestamp),
        last_used_at: token.last_used_at.map(timestamp),
        created_at: timestamp(token.created_at),
    })
}

fn parse_scope(new: &api::NewApplicationToken) -> Result<TokenScope> {
    let access = new.access.unwrap_or(TokenAccess::Delete);
    let resources = new.resources.clone().unwrap_or_default();
    for resource in &resources {
        portunus_shared::names::parse_repository_path(resource)
            .map_err(|e| Error::InvalidInput(format!("resource {resource:?}: {e}")))?;
    }
    Ok(TokenScope { resources, access })
}

/// Creates a token acting as `owner`; `by` is `owner` or an admin.
pub async fn create(
    db: &DatabaseConnection,
    by: &user::Model,
    owner: &user::Model,
    new: api::NewApplicationToken,
) -> Result<api::CreatedApplicationToken> {
    ensure_may_manage(&Subject::user(by, None), owner)?;
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::InvalidInput(
            "a token name has 1 to 80 characters".into(),
        ));
    }
    let scope = parse_scope(&new)?;
    let expires_at = match new.expires_at.as_deref() {
        None => None,
        Some(text) => {
            let t = DateTime::parse_from_rfc3339(text)
                .map_err(|_| {
                    Error::InvalidInput(format!(
                        "expires_at {text:?} is not an RFC 3339 time like 2027-01-31T00:00:00Z"
                    ))
                })?
                .with_timezone(&Utc);
            if t <= Utc::now() {
                return Err(Error::InvalidInput("expires_at lies in the past".into()));
            }
            Some(t)
        }
    };
    let mine =
        application_token::Entity::find().filter(application_token::Column::UserId.eq(owner.id));
    if mine.clone().count(db).await? >= MAX_PER_USER {
        return Err(Error::Conflict(format!(
            "{} has {MAX_PER_USER} tokens already; revoke some first",
            owner.username
        )));
    }
    if mine
        .filter(application_token::Column::Name.eq(name.as_str()))
        .count(db)
        .await?
        > 0
    {
        return Err(Error::Conflict(format!(
            "{} has a token called {name:?} already",
            owner.username
        )));
    }
    let secret = format!("{PREFIX}{}", random_hex(32));
    let token = application_token::ActiveModel {
        user_id: Set(owner.id),
        name: Set(name),
        token_hash: Set(hash(&secret)),
        scope: Set(serde_json::to_value(&scope).ok()),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let target = Target::new("application_token", Some(token.id), &token.name);
    audit::record(
        db,
        &Actor::of(by),
        "application_token.create",
        target,
        Some(json!({"user": owner.username})),
    )
    .await?;
    Ok(api::CreatedApplicationToken {
        token: describe(&token, &owner.username)?,
        secret,
    })
}

fn ensure_may_manage(who: &Subject, owner: &user::Model) -> Result<()> {
    if rest::may_see_account(who, owner.id) {
        Ok(())
    } else {
        Err(rest::refusal(
            who,
            "only the user themself or an administrator may manage their application tokens",
        ))
    }
}

/// The tokens of `owner`, for `owner` or an admin.
pub async fn list(
    db: &DatabaseConnection,
    who: &Subject,
    owner: &user::Model,
) -> Result<Vec<api::ApplicationToken>> {
    ensure_may_manage(who, owner)?;
    application_token::Entity::find()
        .filter(application_token::Column::UserId.eq(owner.id))
        .order_by_asc(application_token::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|t| describe(t, &owner.username))
        .collect()
}

/// Revokes token `id`: its user or an admin may; to anyone else it does not exist.
pub async fn revoke(db: &DatabaseConnection, by: &user::Model, id: i64) -> Result<()> {
    let not_found = || Error::NotFound(format!("no application token {id} of yours"));
    let token = application_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if !rest::may_see_account(&Subject::user(by, None), token.user_id) {
        return Err(not_found());
    }
    let target = Target::new("application_token", Some(token.id), &token.name);
    audit::record(
        db,
        &Actor::of(by),
        "application_token.destroy",
        target,
        None,
    )
    .await?;
    application_token::Entity::delete_by_id(token.id)
        .exec(db)
        .await?;
    Ok(())
}

/// The enabled user and scope behind a secret, if it is a live token.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
) -> Result<Option<(user::Model, TokenScope)>> {
    if !looks_like_token(secret) || secret.len() > 128 {
        return Ok(None);
    }
    let Some(token) = application_token::Entity::find()
        .filter(application_token::Column::TokenHash.eq(hash(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    admit(db, token).await
}

/// Whether `secret` has the shape of Portus's tokens (Devise's
/// `friendly_token`: 20 URL-safe Base64 characters), so that other
/// passwords never cost a bcrypt check.
pub fn looks_like_portus_token(secret: &str) -> bool {
    secret.len() == 20
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// How many unused Portus tokens of one user are tried (Portus kept at
/// most five per user), each a bcrypt check on the hashing threads.
const MAX_PORTUS_TOKENS: u64 = 5;

/// The user and scope behind `secret` if it is one of `username`'s tokens
/// brought from Portus (see `import::portus`): one used here before,
/// stored since as SHA-256 like every token, or one not used yet, checked
/// against Portus's bcrypt hash and then stored as SHA-256, so only its
/// first use costs a bcrypt check.
pub async fn authenticate_portus(
    db: &impl ConnectionTrait,
    username: &str,
    secret: &str,
) -> Result<Option<(user::Model, TokenScope)>> {
    if !looks_like_portus_token(secret) {
        return Ok(None);
    }
    let Some(owner) = crate::accounts::users::find_by_name(db, username).await? else {
        return Ok(None);
    };
    let theirs = || {
        application_token::Entity::find()
            .filter(application_token::Column::UserId.eq(owner.id))
            .filter(application_token::Column::PortusHash.is_not_null())
    };
    let hashed = hash(secret);
    let used = theirs()
        .filter(application_token::Column::TokenHash.eq(hashed.as_str()))
        .one(db)
        .await?;
    if let Some(token) = used {
        return admit(db, token).await;
    }
    let waiting = theirs()
        .filter(application_token::Column::PortusHash.ne(""))
        .order_by_asc(application_token::Column::Id)
        .limit(MAX_PORTUS_TOKENS)
        .all(db)
        .await?;
    for token in waiting {
        let bcrypt = token.portus_hash.clone();
        if crate::crypto::password::verify_blocking(secret.to_owned(), bcrypt).await? {
            // Stored as every token from now on; an empty mark keeps it
            // recognisable without its prefix.
            let mut stored: application_token::ActiveModel = token.into();
            stored.token_hash = Set(hashed);
            stored.portus_hash = Set(Some(String::new()));
            let token = stored.update(db).await?;
            return admit(db, token).await;
        }
    }
    Ok(None)
}

/// The enabled owner and scope of a found token, unless it expired; notes
/// its use (to the minute).
async fn admit(
    db: &impl ConnectionTrait,
    token: application_token::Model,
) -> Result<Option<(user::Model, TokenScope)>> {
    let now = Utc::now();
    if token.expires_at.is_some_and(|t| t <= now) {
        return Ok(None);
    }
    let Some(owner) = user::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(None);
    };
    if !owner.enabled {
        return Ok(None);
    }
    let scope = scope_of(&token)?;
    if token
        .last_used_at
        .is_none_or(|t| now - t > LAST_USED_RESOLUTION)
    {
        let mut active: application_token::ActiveModel = token.into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some((owner, scope)))
}
