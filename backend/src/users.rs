//! Accounts: creating a user together with their hidden personal team and
//! private personal namespace, the first-account bootstrap, and look-ups.

use chrono::Utc;
use portunus_shared::names::{namespace_for_username, validate_username};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};

use crate::audit::{self, Actor, Target};
use crate::db::entities::{namespace, team, team_member, user};
use crate::error::{Error, Result};
use crate::password;

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub admin: bool,
}

/// A created account and what the person should be told about it.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user: user::Model,
    pub namespace: String,
    /// Set when the namespace name differs from the user name.
    pub namespace_notice: Option<String>,
    /// Set when this account became admin because it is the first one.
    pub bootstrap_admin: bool,
}

/// Creates a user, their personal team and namespace, in one transaction.
/// The first account of an installation becomes admin; after that only an
/// explicit `admin` request (by an admin or the operator's CLI) does.
pub async fn create(
    db: &DatabaseConnection,
    registry_id: i64,
    new: NewUser,
    actor: &Actor,
) -> Result<CreatedUser> {
    validate_username(&new.username).map_err(|e| Error::InvalidInput(e.to_string()))?;
    password::validate(&new.password)?;
    let email = normalise_email(new.email)?;
    let password_hash = password::hash_blocking(new.password).await?;

    let txn = db.begin().await?;
    if find_by_name_ignoring_case(&txn, &new.username)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "the user name {:?} is taken; choose another",
            new.username
        )));
    }
    if let Some(email) = &email {
        let taken = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&txn)
            .await?;
        if taken.is_some() {
            return Err(Error::Conflict(format!(
                "the e-mail address {email} is already in use"
            )));
        }
    }
    let admin_exists = user::Entity::find()
        .filter(user::Column::Admin.eq(true))
        .one(&txn)
        .await?
        .is_some();
    let bootstrap_admin = !admin_exists && !new.admin;
    let now = Utc::now();
    let created = user::ActiveModel {
        username: Set(new.username.clone()),
        email: Set(email),
        display_name: Set(None),
        password_hash: Set(Some(password_hash)),
        admin: Set(new.admin || !admin_exists),
        enabled: Set(true),
        bot: Set(false),
        failed_attempts: Set(0),
        locked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    let namespace_name = free_namespace_name(&txn, registry_id, &new.username).await?;
    let team = team::ActiveModel {
        name: Set(namespace_name.clone()),
        description: Set(format!("Personal team of {}", new.username)),
        hidden: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    team_member::ActiveModel {
        team_id: Set(team.id),
        user_id: Set(created.id),
        role: Set("owner".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    namespace::ActiveModel {
        registry_id: Set(registry_id),
        name: Set(namespace_name.clone()),
        team_id: Set(team.id),
        visibility: Set("private".into()),
        description: Set(String::new()),
        global: Set(false),
        personal_user_id: Set(Some(created.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "user.create",
        Target {
            kind: "user",
            id: Some(created.id),
            name: &created.username,
        },
        Some(serde_json::json!({ "admin": created.admin, "namespace": namespace_name })),
    )
    .await?;
    txn.commit().await?;

    let namespace_notice = (namespace_name != new.username).then(|| {
        format!(
            "the user name {:?} is not a valid namespace name, so the personal namespace is {:?}: push to {}/IMAGE",
            new.username, namespace_name, namespace_name
        )
    });
    Ok(CreatedUser {
        user: created,
        namespace: namespace_name,
        namespace_notice,
        bootstrap_admin,
    })
}

fn normalise_email(email: Option<String>) -> Result<Option<String>> {
    let Some(email) = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
        });
    if !valid {
        return Err(Error::InvalidInput(format!(
            "{email:?} is not an e-mail address (expected name@example.org)"
        )));
    }
    Ok(Some(email))
}

/// The personal namespace name for `username`, with `-2`, `-3`... appended
/// when that namespace or team name is already taken.
async fn free_namespace_name(
    db: &impl ConnectionTrait,
    registry_id: i64,
    username: &str,
) -> Result<String> {
    let base = namespace_for_username(username).ok_or_else(|| {
        Error::InvalidInput(format!(
            "the user name {username:?} has no letters or digits to name a namespace after"
        ))
    })?;
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let namespace_taken = namespace::Entity::find()
            .filter(namespace::Column::RegistryId.eq(registry_id))
            .filter(namespace::Column::Name.eq(candidate.as_str()))
            .one(db)
            .await?
            .is_some();
        let team_taken = team::Entity::find()
            .filter(team::Column::Name.eq(candidate.as_str()))
            .one(db)
            .await?
            .is_some();
        if !namespace_taken && !team_taken {
            return Ok(candidate);
        }
    }
    Err(Error::Conflict(format!(
        "no free namespace name could be found for {username:?}"
    )))
}

async fn find_by_name_ignoring_case(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(user::Column::Username))).eq(username.to_lowercase()),
        )
        .one(db)
        .await?)
}

/// The user with exactly this name.
pub async fn find_by_name(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?)
}

/// The name of the user's personal namespace, if they have one.
pub async fn personal_namespace(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<String>> {
    Ok(namespace::Entity::find()
        .filter(namespace::Column::PersonalUserId.eq(user_id))
        .one(db)
        .await?
        .map(|n| n.name))
}
