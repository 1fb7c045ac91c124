//! Proving an e-mail address: a link mailed to it confirms that the
//! account's owner reads that mailbox. Only a confirmed address may link a
//! directory sign-in to a local account (`oidc.link_by_verified_email`),
//! so an address typed in at sign-up by someone else takes nothing over.
//!
//! A link confirms the one address it was mailed to, once, until it
//! expires; changing the address voids it. Following a set-your-password
//! or reset link proves the address as well.

use chrono::{DateTime, Duration, Utc};
use portunus_shared::domain::ActivityKey;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

use crate::accounts::post::Post;
use crate::accounts::users;
use crate::audit::{self, Actor, Target};
use crate::authz::Subject;
use crate::crypto::secrets::{random_hex, sha256_hex};
use crate::db::entities::{email_confirmation, user};
use crate::error::{Error, Result};
use crate::mail::Mail;

/// The page a link opens.
const PAGE: &str = "/confirm-email";

/// Most links mailed to one account in an hour, so the "send it again"
/// button cannot flood a mailbox.
pub const MOST_PER_HOUR: u64 = 5;

/// Mails `user` a link that confirms their present address, at `now`.
/// Nothing to do (no address, already confirmed, a bot) is `Ok(false)`.
pub async fn send(
    db: &DatabaseConnection,
    post: Post<'_>,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(email) = user.email.clone().filter(|_| needs_confirming(user)) else {
        return Ok(false);
    };
    email_confirmation::Entity::delete_many()
        .filter(email_confirmation::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    let recent = email_confirmation::Entity::find()
        .filter(email_confirmation::Column::UserId.eq(user.id))
        .filter(email_confirmation::Column::CreatedAt.gt(now - Duration::hours(1)))
        .count(db)
        .await?;
    if recent >= MOST_PER_HOUR {
        return Err(Error::RateLimited {
            message: format!(
                "{MOST_PER_HOUR} confirmation links went to {email} in the last hour; use the newest, or ask again later"
            ),
            retry_after: 3600,
        });
    }
    let secret = random_hex(32);
    let hours = post.settings.confirm_link_hours;
    email_confirmation::ActiveModel {
        token_hash: Set(sha256_hex(&secret)),
        user_id: Set(user.id),
        email: Set(email.clone()),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(i64::from(hours))),
    }
    .insert(db)
    .await?;
    let mail = Mail {
        to: email.clone(),
        subject: "Confirm your e-mail address for Portunus".into(),
        body: format!(
            "The Portunus account {name} at {url} gave this address, {email}.\n\n\
             Confirm that it is yours here (the link works once, for {hours} hours):\n{link}\n\n\
             If you do not know this account, ignore this mail: the address stays unconfirmed.\n",
            name = user.username,
            url = post.public_url,
            link = post.link(PAGE, &secret),
        ),
    };
    post.mailer.send(mail).await.map_err(Error::Unavailable)?;
    Ok(true)
}

/// Mails account `username` a new link at `now`, as asked by `who` (the
/// account itself or an administrator); the address it went to.
pub async fn send_again(
    db: &DatabaseConnection,
    post: Post<'_>,
    who: &Subject,
    username: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let user = users::find_visible(db, who, username).await?;
    let Some(email) = user.email.clone() else {
        return Err(Error::Conflict(format!(
            "the account {:?} has no e-mail address to confirm; set one first",
            user.username
        )));
    };
    if user.email_verified_at.is_some() {
        return Err(Error::Conflict(format!("{email} is confirmed already")));
    }
    send(db, post, &user, now).await?;
    Ok(email)
}

/// Whether `user` has an address that a link could confirm.
pub fn needs_confirming(user: &user::Model) -> bool {
    user.email.is_some() && user.email_verified_at.is_none() && !user.bot
}

/// Confirms the address the link with `secret` was mailed to, at `now`:
/// once, before it expires, and only while it is still the account's.
/// Links expire after `mail.confirm_link_hours`; changing the address
/// unconfirms it and voids every link mailed before, the password-reset
/// ones too (`users::void_mailed_links`).
pub async fn confirm(
    db: &DatabaseConnection,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let invalid = || {
        Error::InvalidInput(
            "this confirmation link is unknown, used or expired, or the address changed since; ask for a new one on your profile page"
                .into(),
        )
    };
    let txn = crate::db::begin_write(db).await?;
    let link = email_confirmation::Entity::find_by_id(sha256_hex(secret.trim()))
        .one(&txn)
        .await?
        .filter(|link| link.expires_at > now)
        .ok_or_else(invalid)?;
    email_confirmation::Entity::delete_many()
        .filter(email_confirmation::Column::UserId.eq(link.user_id))
        .exec(&txn)
        .await?;
    if !mark_confirmed(&txn, link.user_id, &link.email, now).await? {
        return Err(invalid());
    }
    let user = user::Entity::find_by_id(link.user_id)
        .one(&txn)
        .await?
        .ok_or_else(invalid)?;
    let params = json!({ "email": link.email });
    audit::record(
        &txn,
        &Actor::of(&user),
        ActivityKey::UserConfirmEmail,
        Target::user(&user),
        Some(params),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Records that account `user_id` proved `email` at `now`, if that is
/// still its address; whether it is. Following a set-your-password or
/// reset link proves the address this way too.
pub(crate) async fn mark_confirmed(
    db: &impl ConnectionTrait,
    user_id: i64,
    email: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let updated = user::Entity::update_many()
        .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::Email.eq(email))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}
