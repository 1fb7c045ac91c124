//! LDAP accounts kept in step without a password: the periodic check of
//! every account the directory vouched for (still there? which groups?),
//! and the check a refresh token's use triggers once the last one is older
//! than `ldap.cache_seconds`. A person the directory no longer finds is
//! suspended; an unreachable directory changes nothing.

use chrono::{DateTime, Utc};
use portunus_shared::domain::Directory;
use sea_orm::DatabaseConnection;

use crate::accounts::directory::{self, Link, Source};
use crate::db::entities::user;
use crate::db::epoch::Epoch;
use crate::directory::ldap::Ldap;
use crate::error::{Error, Result};

/// The provider name of LDAP identities.
pub const PROVIDER: &str = Directory::Ldap.as_str();

/// The rules of the LDAP directory as a source of accounts.
pub fn source(ldap: &Ldap) -> Source<'_> {
    let settings = ldap.settings();
    Source {
        provider: PROVIDER,
        issuer: "",
        groups: &settings.groups,
        link: match settings.link_local_accounts {
            true => Link::SameName,
            false => Link::Never,
        },
    }
}

/// Refuses a local account named like a person the directory knows: that
/// person would find their name taken (or sign in against a stranger's
/// password), and grants made to the name would go to the stranger. A
/// directory that cannot answer refuses too (it cannot say the name is
/// free); without a directory every name is free.
pub async fn refuse_directory_name(ldap: Option<&Ldap>, username: &str) -> Result<()> {
    let Some(ldap) = ldap else {
        return Ok(());
    };
    match ldap.look_up(username.trim()).await? {
        Some(_) => Err(Error::Conflict(format!(
            "{username:?} is a user of the LDAP directory: they sign in with their directory password, which makes their account; choose another name"
        ))),
        None => Ok(()),
    }
}

/// What one pass over the directory accounts did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub checked: usize,
    pub suspended: usize,
}

/// Checks every LDAP account against the directory at `now`.
pub async fn check_all(db: &DatabaseConnection, ldap: &Ldap, now: DateTime<Utc>) -> Result<Pass> {
    let mut pass = Pass::default();
    for (identity, account) in directory::members_of(db, PROVIDER).await? {
        match ldap.look_up(&identity.subject).await? {
            Some(person) => {
                directory::admit(db, source(ldap), &person, now).await?;
            }
            None => {
                if directory::suspend(db, &identity, &account, now).await? {
                    pass.suspended += 1;
                }
            }
        }
        pass.checked += 1;
    }
    Ok(pass)
}

/// `account` as the directory has it now, when it is an LDAP account last
/// checked longer than `ldap.cache_seconds` ago (others as they are);
/// `None` when the directory no longer knows them (they are suspended).
/// Asking the directory moves `epoch` (the account or its teams may change).
pub async fn recheck(
    db: &DatabaseConnection,
    epoch: &Epoch,
    ldap: Option<&Ldap>,
    account: user::Model,
    now: DateTime<Utc>,
) -> Result<Option<user::Model>> {
    let Some(ldap) = ldap else {
        return Ok(Some(account));
    };
    let Some(identity) = directory::identity_of(db, account.id, PROVIDER).await? else {
        return Ok(Some(account));
    };
    let fresh = chrono::Duration::seconds(
        i64::try_from(ldap.settings().cache_seconds).unwrap_or(i64::MAX / 1000),
    );
    if now - identity.checked_at <= fresh {
        return Ok(Some(account));
    }
    let found = ldap.look_up(&identity.subject).await?;
    let result = match found {
        Some(person) => Some(directory::admit(db, source(ldap), &person, now).await?),
        None => {
            directory::suspend(db, &identity, &account, now).await?;
            None
        }
    };
    epoch.moved();
    Ok(result)
}
