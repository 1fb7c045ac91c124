//! Setting a password by a link sent by mail: "forgot your password?",
//! the set-your-password link of an account an administrator created, and
//! the notice that a password changed. A link's secret is stored only as
//! its SHA-256 and works once, until it expires; using it ends every
//! session and refresh token of the account. Accounts of a directory are
//! told by mail to change their password there.

use chrono::{DateTime, Duration, Utc};
use portunus_shared::domain::{ActivityKey, Directory};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::accounts::post::Post;
use crate::accounts::{credentials, email_confirmation, users};
use crate::audit::{self, Actor, Target};
use crate::crypto::secrets::{random_hex, sha256_hex};
use crate::db::entities::{password_reset, user};
use crate::error::{Error, Result};
use crate::mail::Mail;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Asked for by the account's owner.
    Reset,
    /// A new account an administrator created without a password.
    Welcome,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Welcome => "welcome",
        }
    }
}

/// The page a link opens.
const PAGE: &str = "/reset-password";

/// How long a link for `purpose` works.
fn lifetime(post: Post<'_>, purpose: Purpose) -> Duration {
    match purpose {
        Purpose::Reset => Duration::minutes(i64::from(post.settings.reset_link_minutes)),
        Purpose::Welcome => Duration::hours(i64::from(post.settings.welcome_link_hours)),
    }
}

/// What became of a request for a reset link (for the audit log and the
/// tests; the person asking is told the same whatever it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A link went to the account's address.
    Sent,
    /// The account belongs to a directory: a mail says so.
    Directory,
    /// No account has that name or address (or it has no address, or is a
    /// bot or disabled): nothing was sent.
    Nothing,
}

/// The account `who` names (its user name in any case, or its e-mail).
async fn find(db: &DatabaseConnection, who: &str) -> Result<Option<user::Model>> {
    let who = who.trim();
    if who.contains('@')
        && let Some(found) = user::Entity::find()
            .filter(user::Column::Email.eq(who))
            .one(db)
            .await?
    {
        return Ok(Some(found));
    }
    users::find_by_name_ignoring_case(db, who).await
}

/// Handles "forgot your password?" for `who` (a user name or e-mail
/// address) at `now`: mails a link if that is an account with an address,
/// or tells a directory account where its password lives. Recorded in the
/// audit log either way.
pub async fn request(
    db: &DatabaseConnection,
    post: Post<'_>,
    who: &str,
    now: DateTime<Utc>,
) -> Result<Requested> {
    let found = find(db, who).await?;
    let outcome = match &found {
        Some(user) if user.enabled && !user.bot && user.email.is_some() => {
            let directories = users::directories_of(db, [user.id]).await?;
            match directories.get(&user.id) {
                Some(directory) => {
                    post.mailer
                        .send(directory_mail(post, user, directory))
                        .await
                        .map_err(Error::Unavailable)?;
                    Requested::Directory
                }
                None => {
                    let secret = issue(db, post, user, Purpose::Reset, now).await?;
                    post.mailer
                        .send(reset_mail(post, user, &secret))
                        .await
                        .map_err(Error::Unavailable)?;
                    Requested::Sent
                }
            }
        }
        _ => Requested::Nothing,
    };
    let claimed: String = who.chars().take(64).collect();
    let (actor, target) = match &found {
        Some(user) => (Actor::of(user), Target::user(user)),
        None => (
            Actor {
                id: None,
                name: claimed.clone(),
            },
            Target::new("user", None, &claimed),
        ),
    };
    let params = json!({ "outcome": format!("{outcome:?}").to_lowercase() });
    audit::record(
        db,
        &actor,
        ActivityKey::UserPasswordResetRequested,
        target,
        Some(params),
    )
    .await?;
    Ok(outcome)
}

/// Stores a new link for `user` and returns its secret.
async fn issue(
    db: &DatabaseConnection,
    post: Post<'_>,
    user: &user::Model,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<String> {
    let secret = random_hex(32);
    password_reset::ActiveModel {
        token_hash: Set(sha256_hex(&secret)),
        user_id: Set(user.id),
        purpose: Set(purpose.as_str().into()),
        created_at: Set(now),
        expires_at: Set(now + lifetime(post, purpose)),
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// Mails `user` (an account an administrator just created without a
/// password) a link to choose one.
pub async fn welcome(
    db: &DatabaseConnection,
    post: Post<'_>,
    user: &user::Model,
    registry: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(email) = &user.email else {
        return Err(Error::InvalidInput(
            "an account without a password needs an e-mail address for its set-your-password link"
                .into(),
        ));
    };
    let secret = issue(db, post, user, Purpose::Welcome, now).await?;
    let hours = post.settings.welcome_link_hours;
    let mail = Mail {
        to: email.clone(),
        subject: "Your Portunus account".into(),
        body: format!(
            "An administrator created the Portunus account {name} for you at {url}.\n\n\
             Choose your password here (the link works once, for {hours} hours):\n{link}\n\n\
             Then sign in to the web UI, and log in to the registry with\n  docker login {registry} -u {name}\n",
            name = user.username,
            url = post.public_url,
            link = post.link(PAGE, &secret),
        ),
    };
    post.mailer.send(mail).await.map_err(Error::Unavailable)
}

/// Sets the password of the account a link with `secret` was made for, at
/// `now`: once, before it expires, following the rules of sign-up. Every
/// session and refresh token of the account ends, every other link of it
/// stops working, and the owner is told by mail when `post` says so.
pub async fn complete(
    db: &DatabaseConnection,
    post: Option<Post<'_>>,
    secret: &str,
    new_password: String,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let invalid = || {
        Error::InvalidInput(
            "this link is unknown, used or expired; ask for a new one (\"forgot your password?\")"
                .into(),
        )
    };
    let link = password_reset::Entity::find_by_id(sha256_hex(secret.trim()))
        .one(db)
        .await?
        .filter(|link| link.expires_at > now)
        .ok_or_else(invalid)?;
    let user = user::Entity::find_by_id(link.user_id)
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    let hash = credentials::new_password_hash(db, &user, new_password).await?;
    let txn = crate::db::begin_write(db).await?;
    // Taken by one use only, whatever runs at the same time.
    let taken = password_reset::Entity::delete_by_id(link.token_hash.clone())
        .exec(&txn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(invalid());
    }
    password_reset::Entity::delete_many()
        .filter(password_reset::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    let key = match link.purpose.as_str() {
        "welcome" => ActivityKey::UserChoosePassword,
        _ => ActivityKey::UserResetPassword,
    };
    credentials::store_password(&txn, &user, hash, &Actor::of(&user), key).await?;
    // The link went to the account's address (changing it voids links),
    // so following it proves the address too.
    if let Some(email) = user
        .email
        .as_deref()
        .filter(|_| user.email_verified_at.is_none())
    {
        email_confirmation::mark_confirmed(&txn, user.id, email, now).await?;
    }
    txn.commit().await?;
    if let Some(post) = post {
        notify_change(post, &user).await;
    }
    Ok(user)
}

/// Tells `user` by mail that their password changed, if `[mail]` says so;
/// a mail that cannot be sent is logged, not an error.
pub async fn notify_change(post: Post<'_>, user: &user::Model) {
    let Some(email) = user
        .email
        .clone()
        .filter(|_| post.settings.notify_password_change)
    else {
        return;
    };
    let mail = Mail {
        to: email,
        subject: "Your Portunus password was changed".into(),
        body: format!(
            "The password of the Portunus account {name} at {url} was just changed.\n\n\
             If that was not you, reset it at once ({url}/forgot-password) and tell your administrators.\n",
            name = user.username,
            url = post.public_url.trim_end_matches('/'),
        ),
    };
    if let Err(e) = post.mailer.send(mail).await {
        tracing::warn!(error = %e, user = %user.username, "cannot send the password-change notice");
    }
}

fn reset_mail(post: Post<'_>, user: &user::Model, secret: &str) -> Mail {
    Mail {
        to: user.email.clone().unwrap_or_default(),
        subject: "Reset your Portunus password".into(),
        body: format!(
            "Someone (hopefully you) asked to reset the password of the Portunus account {name} at {url}.\n\n\
             Set a new password here (the link works once, for {minutes} minutes):\n{link}\n\n\
             If you did not ask, ignore this mail: your password stays as it is.\n",
            name = user.username,
            url = post.public_url,
            minutes = post.settings.reset_link_minutes,
            link = post.link(PAGE, secret),
        ),
    }
}

fn directory_mail(post: Post<'_>, user: &user::Model, directory: &Directory) -> Mail {
    let what = match directory {
        Directory::Ldap => "your organisation's LDAP directory",
        Directory::Oidc => "your organisation's identity provider (OpenID Connect)",
    };
    Mail {
        to: user.email.clone().unwrap_or_default(),
        subject: "Your Portunus password".into(),
        body: format!(
            "Someone (hopefully you) asked to reset the password of the Portunus account {name} at {url}.\n\n\
             This account signs in with {what}, so Portunus keeps no password for it: change or recover \
             your password where your organisation manages it, or ask your administrators.\n",
            name = user.username,
            url = post.public_url,
        ),
    }
}
