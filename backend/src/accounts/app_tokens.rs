//! Application tokens for scripts and CI: 256-bit random secrets shown once
//! and stored only as SHA-256 (a slow hash adds nothing for random secrets).
//! Accepted as the password in `docker login` and as `Authorization: Bearer`
//! on the REST API. Listed and revoked by their user or an admin only.
//! Tokens brought from Portus have no `ptn_` prefix and arrive as
//! passwords: see [`authenticate_portus`].

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use portunus_shared::api;
use portunus_shared::domain::ActivityKey;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::audit::{self, Actor, Target};
use crate::authz::{Subject, TokenAccess, TokenScope, rest};
use crate::crypto::secrets::{random_hex, sha256_hex};
use crate::db::entities::{application_token, registry, user};
use crate::db::ids::{RegistryId, UserId};
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
/// Limited scopes stored before tokens named their registry have none
/// (see [`of_default_registry`]).
fn stored_scope(token: &application_token::Model) -> Result<TokenScope> {
    let Some(stored) = &token.scope else {
        return Ok(TokenScope {
            resources: Vec::new(),
            access: TokenAccess::Delete,
            registry_id: None,
        });
    };
    serde_json::from_value(stored.clone()).map_err(|e| {
        Error::Internal(format!(
            "application token {} has an unreadable scope: {e}",
            token.id
        ))
    })
}

/// Whether `scope` is limited and was stored before tokens named their
/// registry: its resources are in the default registry.
fn of_default_registry(scope: &TokenScope) -> bool {
    scope.limited() && scope.registry_id.is_none()
}

/// The registries by id, their names as values.
async fn registry_names(db: &impl ConnectionTrait) -> Result<BTreeMap<i64, String>> {
    Ok(registry::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
}

/// The id of the registry named `name`.
async fn registry_named(db: &impl ConnectionTrait, name: &str) -> Result<RegistryId> {
    registry::Entity::find()
        .filter(registry::Column::Name.eq(name))
        .one(db)
        .await?
        .map(|r| RegistryId(r.id))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "there is no registry {name:?} (GET /api/v1/info lists them)"
            ))
        })
}

/// The wire form of `token` of `owner`, naming its registry from `names`.
fn describe(
    token: &application_token::Model,
    owner: &str,
    names: &BTreeMap<i64, String>,
) -> Result<api::ApplicationToken> {
    let mut scope = stored_scope(token)?;
    if of_default_registry(&scope) {
        scope.registry_id = names
            .iter()
            .find_map(|(id, name)| (name == registry::DEFAULT).then_some(RegistryId(*id)));
    }
    Ok(api::ApplicationToken {
        id: token.id,
        name: token.name.clone(),
        user: owner.to_owned(),
        registry: scope.registry_id.and_then(|id| names.get(&id.0).cloned()),
        resources: scope.resources,
        access: scope.access,
        expires_at: token.expires_at.map(timestamp),
        last_used_at: token.last_used_at.map(timestamp),
        created_at: timestamp(token.created_at),
    })
}

async fn parse_scope(
    db: &impl ConnectionTrait,
    new: &api::NewApplicationToken,
) -> Result<TokenScope> {
    let access = new.access.unwrap_or(TokenAccess::Delete);
    let resources = new.resources.clone().unwrap_or_default();
    for resource in &resources {
        portunus_shared::names::parse_repository_path(resource)
            .map_err(|e| Error::InvalidInput(format!("resource {resource:?}: {e}")))?;
    }
    let registry_id = match (&new.registry, resources.is_empty()) {
        (Some(name), true) => {
            return Err(Error::InvalidInput(format!(
                "registry {name:?} limits only a token limited to resources there; give resources, or leave registry out for a token that reaches every registry"
            )));
        }
        (_, true) => None,
        (name, false) => {
            let name = name.as_deref().unwrap_or(registry::DEFAULT);
            Some(registry_named(db, name).await?)
        }
    };
    Ok(TokenScope {
        resources,
        access,
        registry_id,
    })
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
    let scope = parse_scope(db, &new).await?;
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
        ActivityKey::ApplicationTokenCreate,
        target,
        Some(json!({"user": owner.username})),
    )
    .await?;
    Ok(api::CreatedApplicationToken {
        token: describe(&token, &owner.username, &registry_names(db).await?)?,
        secret,
    })
}

fn ensure_may_manage(who: &Subject, owner: &user::Model) -> Result<()> {
    if rest::may_see_account(who, UserId(owner.id)) {
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
    let names = registry_names(db).await?;
    application_token::Entity::find()
        .filter(application_token::Column::UserId.eq(owner.id))
        .order_by_asc(application_token::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|t| describe(t, &owner.username, &names))
        .collect()
}

/// Revokes token `id`: its user or an admin may; to anyone else it does not exist.
pub async fn revoke(db: &DatabaseConnection, by: &user::Model, id: i64) -> Result<()> {
    let not_found = || Error::NotFound(format!("no application token {id} of yours"));
    let token = application_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if !rest::may_see_account(&Subject::user(by, None), UserId(token.user_id)) {
        return Err(not_found());
    }
    let target = Target::new("application_token", Some(token.id), &token.name);
    audit::record(
        db,
        &Actor::of(by),
        ActivityKey::ApplicationTokenDestroy,
        target,
        None,
    )
    .await?;
    application_token::Entity::delete_by_id(token.id)
        .exec(db)
        .await?;
    Ok(())
}

/// Whom a live application token lets in, and how far.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Its owner, enabled.
    pub user: user::Model,
    pub scope: TokenScope,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The enabled user and scope behind a secret, if it is a token live at
/// `now`.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Verified>> {
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
    admit(db, token, now).await
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
    now: DateTime<Utc>,
) -> Result<Option<Verified>> {
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
        return admit(db, token, now).await;
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
            return admit(db, token, now).await;
        }
    }
    Ok(None)
}

/// The enabled owner and scope of a found token, unless it expired by
/// `now`; notes its use (to the minute).
async fn admit(
    db: &impl ConnectionTrait,
    token: application_token::Model,
    now: DateTime<Utc>,
) -> Result<Option<Verified>> {
    let expires_at = token.expires_at;
    if expires_at.is_some_and(|t| t <= now) {
        return Ok(None);
    }
    let Some(owner) = user::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(None);
    };
    if !owner.enabled {
        return Ok(None);
    }
    let mut scope = stored_scope(&token)?;
    if of_default_registry(&scope) {
        scope.registry_id = Some(registry_named(db, registry::DEFAULT).await?);
    }
    if token
        .last_used_at
        .is_none_or(|t| now - t > LAST_USED_RESOLUTION)
    {
        let mut active: application_token::ActiveModel = token.into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some(Verified {
        user: owner,
        scope,
        expires_at,
    }))
}
