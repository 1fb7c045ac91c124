//! Accounts that belong to a directory (LDAP or an OpenID Provider): found
//! by the directory's key for the person, created on their first sign-in,
//! linked to an existing local account only by an explicit rule ([`Link`]),
//! and kept in step with the directory. Every change is an audit activity by
//! `portunus-directory`. A person the directory no longer knows is disabled
//! (and enabled again when it knows them again).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use portunus_shared::domain::{ActivityKey, Directory};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Set,
};
use serde_json::json;

use crate::accounts::{teams, users};
use crate::audit::{self, Actor, Target};
use crate::authz::Role;
use crate::config::GroupMapping;
use crate::db::entities::{application_token, team, team_member, user, user_identity};
use crate::db::ids::{TeamId, UserId};
use crate::directory::{Group, Person};
use crate::error::{Error, Result};

/// The actor of the changes a directory makes.
pub const DIRECTORY_ACTOR: &str = "portunus-directory";

fn actor() -> Actor {
    Actor {
        id: None,
        name: DIRECTORY_ACTOR.into(),
    }
}

/// Which directory vouches for a person, and its rules.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// "ldap" or "oidc".
    pub provider: &'static str,
    /// The OpenID issuer; empty for LDAP.
    pub issuer: &'a str,
    pub groups: &'a GroupMapping,
    /// When the first sign-in may take over an existing local account.
    pub link: Link,
}

/// When a first directory sign-in may take over a local account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Never,
    /// The local account of the same user name (LDAP `link_local_accounts`).
    SameName,
    /// The local account with the same e-mail address, when the directory
    /// says it is verified (OpenID `link_by_verified_email`).
    VerifiedEmail,
}

/// The directory identity of `user` from `provider`, if any.
pub async fn identity_of(
    db: &impl ConnectionTrait,
    user_id: i64,
    provider: &str,
) -> Result<Option<user_identity::Model>> {
    Ok(user_identity::Entity::find()
        .filter(user_identity::Column::UserId.eq(user_id))
        .filter(user_identity::Column::Provider.eq(provider))
        .one(db)
        .await?)
}

/// The identities of `provider`, with their accounts.
pub async fn members_of(
    db: &impl ConnectionTrait,
    provider: &str,
) -> Result<Vec<(user_identity::Model, user::Model)>> {
    let identities = user_identity::Entity::find()
        .filter(user_identity::Column::Provider.eq(provider))
        .all(db)
        .await?;
    let mut accounts: BTreeMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(identities.iter().map(|i| i.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(identities
        .into_iter()
        .filter_map(|i| {
            let account = accounts.remove(&i.user_id)?;
            Some((i, account))
        })
        .collect())
}

/// The account of `person`, who just signed in with `source`: found by
/// the directory's key, linked or created on the first sign-in, then
/// brought in step with what the directory says.
pub async fn admit(
    db: &DatabaseConnection,
    source: Source<'_>,
    person: &Person,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let txn = crate::db::begin_write(db).await?;
    crate::db::serialize(&txn, crate::db::locks::ACCOUNTS).await?;
    let identity = user_identity::Entity::find()
        .filter(user_identity::Column::Provider.eq(source.provider))
        .filter(user_identity::Column::Issuer.eq(source.issuer))
        .filter(user_identity::Column::Subject.eq(person.subject.as_str()))
        .one(&txn)
        .await?;
    let (account, identity) = match identity {
        Some(identity) => {
            let account = user::Entity::find_by_id(identity.user_id)
                .one(&txn)
                .await?
                .ok_or_else(|| Error::Internal("a directory identity without account".into()))?;
            (account, identity)
        }
        None => {
            let account = match linkable(&txn, source, person).await? {
                Some(local) => link(&txn, source, local).await?,
                None => create(&txn, source, person).await?,
            };
            let identity = user_identity::ActiveModel {
                user_id: Set(account.id),
                provider: Set(source.provider.into()),
                issuer: Set(source.issuer.into()),
                subject: Set(person.subject.clone()),
                suspended: Set(false),
                checked_at: Set(now),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (account, identity)
        }
    };
    let account = bring_in_step(&txn, source, person, account, identity, now).await?;
    txn.commit().await?;
    Ok(account)
}

/// The local account a first sign-in of `person` takes over, if the rule
/// allows one; a clash the rule does not resolve is refused.
async fn linkable(
    txn: &DatabaseTransaction,
    source: Source<'_>,
    person: &Person,
) -> Result<Option<user::Model>> {
    // Both sides must have proven the address: the provider's person, and
    // the local account by a mailed link (else whoever signed up with the
    // address would hand the person an account they prepared).
    if source.link == Link::VerifiedEmail
        && person.email_verified
        && let Some(email) = &person.email
        && let Some(local) = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .filter(user::Column::EmailVerifiedAt.is_not_null())
            .filter(user::Column::Bot.eq(false))
            .one(txn)
            .await?
        && !has_identity(txn, local.id, source.provider).await?
    {
        return Ok(Some(local));
    }
    let Some(same_name) = users::find_by_name_ignoring_case(txn, &person.username).await? else {
        return Ok(None);
    };
    if source.link == Link::SameName
        && !same_name.bot
        && !has_identity(txn, same_name.id, source.provider).await?
    {
        return Ok(Some(same_name));
    }
    const LDAP: &str = Directory::Ldap.as_str();
    let how = match source.provider {
        LDAP => "set ldap.link_local_accounts to let directory sign-ins take over local accounts",
        _ => "set oidc.link_by_verified_email to link accounts by verified e-mail address",
    };
    Err(Error::Conflict(format!(
        "an account named {:?} exists already and does not belong to this directory; an administrator can rename or remove it, or {how}",
        same_name.username
    )))
}

async fn has_identity(txn: &DatabaseTransaction, user_id: i64, provider: &str) -> Result<bool> {
    Ok(identity_of(txn, user_id, provider).await?.is_some())
}

/// Takes over a local account: it keeps its name, namespace, teams and
/// history, but not its password nor any way in that was made before
/// (sessions, refresh tokens, application tokens): whoever made the local
/// account, the directory's person now holds it alone.
async fn link(
    txn: &DatabaseTransaction,
    source: Source<'_>,
    local: user::Model,
) -> Result<user::Model> {
    crate::accounts::sessions::end_everywhere(txn, local.id).await?;
    let tokens = application_token::Entity::delete_many()
        .filter(application_token::Column::UserId.eq(local.id))
        .exec(txn)
        .await?;
    let params = json!({
        "directory": source.provider,
        "issuer": source.issuer,
        "tokens_revoked": tokens.rows_affected,
    });
    audit::record(
        txn,
        &actor(),
        ActivityKey::UserLinkDirectory,
        Target::user(&local),
        Some(params),
    )
    .await?;
    let mut active: user::ActiveModel = local.into();
    active.password_hash = Set(None);
    active.updated_at = Set(Utc::now());
    Ok(active.update(txn).await?)
}

async fn create(
    txn: &DatabaseTransaction,
    source: Source<'_>,
    person: &Person,
) -> Result<user::Model> {
    portunus_shared::names::validate_username(&person.username).map_err(|e| {
        Error::Conflict(format!(
            "the directory's user name cannot name a Portunus account ({e}); ask an administrator to change the user name attribute or claim"
        ))
    })?;
    // A directory address another account has already is left out rather
    // than refusing the sign-in.
    let email = match users::normalise_email(person.email.clone()) {
        Ok(Some(email)) if !users::email_taken(txn, &email, None).await? => Some(email),
        _ => None,
    };
    let account = users::Account {
        username: person.username.clone(),
        email_verified_at: email
            .as_ref()
            .filter(|_| person.email_verified)
            .map(|_| Utc::now()),
        email,
        password_hash: None,
        admin: false,
        bot: false,
        bootstrap: false,
    };
    let by = Actor {
        id: None,
        name: format!("{DIRECTORY_ACTOR} ({})", source.provider),
    };
    Ok(users::insert(txn, account, &by).await?.user)
}

/// Applies what the directory says of `person` to `account`: enabled
/// again if the directory had lost them, e-mail and display name, the
/// administrator flag and the mapped teams.
async fn bring_in_step(
    txn: &DatabaseTransaction,
    source: Source<'_>,
    person: &Person,
    account: user::Model,
    identity: user_identity::Model,
    now: DateTime<Utc>,
) -> Result<user::Model> {
    let target = || Target::user(&account);
    let mut active: user::ActiveModel = account.clone().into();
    let mut changed = false;
    if identity.suspended {
        let params = json!({ "reason": "the directory knows the user again" });
        audit::record(
            txn,
            &actor(),
            ActivityKey::UserEnable,
            target(),
            Some(params),
        )
        .await?;
        active.enabled = Set(true);
        changed = true;
    }
    if let Ok(Some(email)) = users::normalise_email(person.email.clone()) {
        // The directory's word proves an address when it says so (an LDAP
        // entry always does).
        let vouched = person.email_verified.then_some(now);
        if account.email.as_deref() != Some(email.as_str())
            && !users::email_taken(txn, &email, Some(account.id)).await?
        {
            audit::record(txn, &actor(), ActivityKey::UserChangeEmail, target(), None).await?;
            users::void_mailed_links(txn, account.id).await?;
            active.email = Set(Some(email));
            active.email_verified_at = Set(vouched);
            changed = true;
        } else if account.email.as_deref() == Some(email.as_str())
            && account.email_verified_at.is_none()
            && vouched.is_some()
        {
            active.email_verified_at = Set(vouched);
            changed = true;
        }
    }
    if let Some(display_name) = person
        .display_name
        .as_deref()
        .and_then(users::normalise_display_name)
        && account.display_name.as_ref() != Some(&display_name)
    {
        if users::display_name_taken(txn, &display_name, account.id).await? {
            tracing::warn!(user = %account.username, %display_name, "the directory's display name is another account's; keeping the user name");
        } else {
            active.display_name = Set(Some(display_name));
            changed = true;
        }
    }
    let mapping = source.groups;
    if !mapping.admin_group.is_empty() {
        let admin = person.groups.iter().any(|g| g.is(&mapping.admin_group));
        if admin != account.admin {
            let key = if admin {
                ActivityKey::UserGrantAdmin
            } else {
                ActivityKey::UserRevokeAdmin
            };
            let params = json!({ "group": mapping.admin_group });
            audit::record(txn, &actor(), key, target(), Some(params)).await?;
            active.admin = Set(admin);
            changed = true;
        }
    }
    let account = if changed {
        active.updated_at = Set(now);
        active.update(txn).await?
    } else {
        account
    };
    apply_teams(txn, mapping, &account, &person.groups).await?;
    let mut confirmed: user_identity::ActiveModel = identity.into();
    confirmed.suspended = Set(false);
    confirmed.checked_at = Set(now);
    confirmed.update(txn).await?;
    Ok(account)
}

/// The role in each mapped team that `groups` give (the highest wins);
/// teams the groups give nothing in are absent.
pub fn roles_from(mapping: &GroupMapping, groups: &[Group]) -> BTreeMap<String, Role> {
    let mut roles: BTreeMap<String, Role> = BTreeMap::new();
    for rule in &mapping.teams {
        if groups.iter().any(|g| g.is(&rule.group)) {
            let role = roles.entry(rule.team.clone()).or_insert(rule.role);
            *role = (*role).max(rule.role);
        }
    }
    roles
}

/// Makes `account`'s memberships in the mapped teams what `groups` say:
/// added, changed, removed. Teams not in the mapping are left alone; a
/// mapped team missing in Portunus is created when someone belongs in it.
async fn apply_teams(
    txn: &DatabaseTransaction,
    mapping: &GroupMapping,
    account: &user::Model,
    groups: &[Group],
) -> Result<()> {
    let wanted = roles_from(mapping, groups);
    let mut mapped: Vec<&str> = mapping.teams.iter().map(|t| t.team.as_str()).collect();
    mapped.sort_unstable();
    mapped.dedup();
    for name in mapped {
        let want = wanted.get(name).copied();
        let team = match team::Entity::find()
            .filter(team::Column::Name.eq(name))
            .one(txn)
            .await?
        {
            Some(team) if team.hidden => continue,
            Some(team) => team,
            None if want.is_none() => continue,
            None => create_team(txn, name).await?,
        };
        let membership = teams::membership(txn, TeamId(team.id), UserId(account.id)).await?;
        let target = Target::new("team", Some(team.id), &team.name);
        match (membership, want) {
            (None, None) => {}
            (Some(m), Some(role)) if m.role()? == role => {}
            (None, Some(role)) => {
                let params = json!({ "user": account.username, "role": role.as_str() });
                audit::record(
                    txn,
                    &actor(),
                    ActivityKey::TeamAddMember,
                    target,
                    Some(params),
                )
                .await?;
                team_member::ActiveModel {
                    team_id: Set(team.id),
                    user_id: Set(account.id),
                    role: Set(role.as_str().into()),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
            }
            (Some(m), Some(role)) => {
                let params = json!({ "user": account.username, "role": role.as_str() });
                audit::record(
                    txn,
                    &actor(),
                    ActivityKey::TeamChangeMemberRole,
                    target,
                    Some(params),
                )
                .await?;
                let mut active: team_member::ActiveModel = m.into();
                active.role = Set(role.as_str().into());
                active.update(txn).await?;
            }
            (Some(m), None) => {
                let params =
                    json!({ "user": account.username, "reason": "not in a group of this team" });
                audit::record(
                    txn,
                    &actor(),
                    ActivityKey::TeamRemoveMember,
                    target,
                    Some(params),
                )
                .await?;
                team_member::Entity::delete_by_id(m.id).exec(txn).await?;
            }
        }
    }
    Ok(())
}

async fn create_team(txn: &DatabaseTransaction, name: &str) -> Result<team::Model> {
    let team = team::ActiveModel {
        name: Set(name.into()),
        description: Set(
            "Members come from directory groups (see the server's configuration).".into(),
        ),
        hidden: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let target = Target::new("team", Some(team.id), &team.name);
    audit::record(txn, &actor(), ActivityKey::TeamCreate, target, None).await?;
    Ok(team)
}

/// The directory no longer knows `account`: it is disabled (marked so it
/// is enabled again when the directory knows them again), and its web
/// sessions and refresh tokens end. Application tokens stop working while
/// the account is disabled. Returns whether anything changed.
pub async fn suspend(
    db: &DatabaseConnection,
    identity: &user_identity::Model,
    account: &user::Model,
    now: DateTime<Utc>,
) -> Result<bool> {
    if identity.suspended || !account.enabled {
        return Ok(false);
    }
    let txn = crate::db::begin_write(db).await?;
    let params = json!({ "reason": "the directory no longer knows the user" });
    audit::record(
        &txn,
        &actor(),
        ActivityKey::UserDisable,
        Target::user(account),
        Some(params),
    )
    .await?;
    let mut active: user::ActiveModel = account.clone().into();
    active.enabled = Set(false);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let mut marked: user_identity::ActiveModel = identity.clone().into();
    marked.suspended = Set(true);
    marked.checked_at = Set(now);
    marked.update(&txn).await?;
    crate::accounts::sessions::end_everywhere(&txn, account.id).await?;
    txn.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TeamGroup;

    fn group(name: &str, dn: &str) -> Group {
        Group {
            name: name.into(),
            dn: dn.into(),
        }
    }

    #[test]
    fn groups_give_the_highest_role_of_each_mapped_team() {
        let rule = |group: &str, team: &str, role| TeamGroup {
            group: group.into(),
            team: team.into(),
            role,
        };
        let mapping = GroupMapping {
            admin_group: String::new(),
            teams: vec![
                rule("developers", "web", Role::Contributor),
                rule("cn=Leads,ou=groups,dc=example,dc=org", "web", Role::Owner),
                rule("readers", "web", Role::Viewer),
                rule("ops", "infra", Role::Owner),
            ],
        };
        let groups = [
            group("readers", "cn=readers,ou=groups,dc=example,dc=org"),
            group("leads", "cn=leads,ou=groups,dc=example,dc=org"),
            group("developers", ""),
        ];
        let roles = roles_from(&mapping, &groups);
        assert_eq!(
            roles.into_iter().collect::<Vec<_>>(),
            [("web".to_owned(), Role::Owner)],
            "by DN in any case; the highest role wins; unmapped teams absent"
        );
        assert!(
            roles_from(&mapping, &[group("DEVELOPERS", "")]).get("web") == Some(&Role::Contributor)
        );
        assert!(roles_from(&mapping, &[]).is_empty());
    }
}
