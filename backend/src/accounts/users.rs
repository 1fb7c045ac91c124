//! Accounts: creating a user together with their hidden personal team and
//! private personal namespace, the first-account bootstrap, and look-ups.

use std::collections::HashMap;

use chrono::Utc;
use portunus_shared::api;
use portunus_shared::domain::{ActivityKey, Directory};
use portunus_shared::names::{is_reserved_username, namespace_for_username, validate_username};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::accounts::lockout;
use crate::audit::{self, Actor, Target};
use crate::authz::{Role, Subject, Visibility, rest};
use crate::crypto::password;
use crate::db::Paging;
use crate::db::entities::{
    email_confirmation, namespace, password_reset, registry, team, team_member, user, user_identity,
};
use crate::db::filters::name_contains;
use crate::db::ids::{RegistryId, TeamId, UserId};
use crate::error::{Error, Result};

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    /// Ignored for bots, which sign in with application tokens only.
    pub password: String,
    pub email: Option<String>,
    pub admin: bool,
    /// A bot: no password, no personal namespace, application tokens only.
    pub bot: bool,
    /// Whether the account becomes the administrator when there is none
    /// yet: for the operator's command line and a sign-up with the setup
    /// code (see `setup`), never for a plain sign-up.
    pub bootstrap: bool,
    /// No password yet: the person chooses one through a link sent by mail
    /// (`recovery::welcome`); `password` is ignored.
    pub password_by_mail: bool,
}

/// A created account and what the person should be told about it.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user: user::Model,
    /// The personal namespace (none for bots).
    pub namespace: Option<String>,
    /// Set when the namespace name differs from the user name.
    pub namespace_notice: Option<String>,
    /// Set when this account became admin because it is the first one.
    pub bootstrap_admin: bool,
}

/// Creates a user with their personal team and namespace (bots get neither),
/// in one transaction. A `bootstrap` account becomes admin when there is
/// none yet; otherwise only an explicit `admin` request (by an admin or the
/// operator's CLI) makes one. Bots are never admins.
pub async fn create(db: &DatabaseConnection, new: NewUser, actor: &Actor) -> Result<CreatedUser> {
    check_name(&new.username)?;
    let password_hash = if new.bot || new.password_by_mail {
        None
    } else {
        password::validate(&new.password)?;
        Some(password::hash_blocking(new.password).await?)
    };
    let email = normalise_email(new.email)?;
    let txn = crate::db::begin_write(db).await?;
    let account = Account {
        username: new.username,
        email,
        email_verified_at: None,
        password_hash,
        admin: new.admin,
        bot: new.bot,
        bootstrap: new.bootstrap,
    };
    let created = insert(&txn, account, actor).await?;
    txn.commit().await?;
    Ok(created)
}

/// An account as stored: what [`create`] makes of a [`NewUser`], or a
/// directory of the person it vouches for (no password).
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub username: String,
    pub email: Option<String>,
    /// When a directory vouched for `email`; `None`: to be confirmed.
    pub email_verified_at: Option<chrono::DateTime<Utc>>,
    pub password_hash: Option<String>,
    pub admin: bool,
    pub bot: bool,
    pub bootstrap: bool,
}

/// Inserts an account with its personal team and namespace (bots get
/// neither) within `txn`, refusing taken and reserved names.
pub(crate) async fn insert(
    txn: &DatabaseTransaction,
    new: Account,
    actor: &Actor,
) -> Result<CreatedUser> {
    check_name(&new.username)?;
    // Two first sign-ups at once must not both become administrators.
    crate::db::serialize(txn, crate::db::locks::ACCOUNTS).await?;
    if find_by_name_ignoring_case(txn, &new.username)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "the user name {:?} is taken; choose another",
            new.username
        )));
    }
    if let Some(email) = &new.email
        && email_taken(txn, email, None).await?
    {
        return Err(Error::Conflict(format!(
            "the e-mail address {email} is already in use"
        )));
    }
    let admin_exists = user::Entity::find()
        .filter(user::Column::Admin.eq(true))
        .one(txn)
        .await?
        .is_some();
    let admin = !new.bot && (new.admin || (new.bootstrap && !admin_exists));
    let now = Utc::now();
    let created = user::ActiveModel {
        username: Set(new.username.clone()),
        email: Set(new.email),
        email_verified_at: Set(new.email_verified_at),
        display_name: Set(None),
        password_hash: Set(new.password_hash),
        admin: Set(admin),
        enabled: Set(true),
        bot: Set(new.bot),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let namespace = match new.bot {
        true => None,
        false => Some(create_personal_namespace(txn, &created).await?),
    };
    let target = Target::user(&created);
    let params =
        serde_json::json!({ "admin": created.admin, "bot": created.bot, "namespace": namespace });
    audit::record(txn, actor, ActivityKey::UserCreate, target, Some(params)).await?;

    let namespace_notice = namespace.as_ref().filter(|ns| **ns != new.username).map(|ns| {
        format!(
            "the user name {:?} is not a valid namespace name, so the personal namespace is {ns:?}: push to {ns}/IMAGE",
            new.username
        )
    });
    Ok(CreatedUser {
        user: created,
        namespace,
        namespace_notice,
        bootstrap_admin: admin && !new.admin,
    })
}

/// Refuses invalid user names and those Portunus acts under itself.
fn check_name(username: &str) -> Result<()> {
    validate_username(username).map_err(|e| Error::InvalidInput(e.to_string()))?;
    if is_reserved_username(username) {
        return Err(Error::Conflict(format!(
            "the user name {username:?} is reserved for Portunus itself; choose another"
        )));
    }
    Ok(())
}

/// Whether another account than `except` has the e-mail address `email`.
pub(crate) async fn email_taken(
    db: &impl ConnectionTrait,
    email: &str,
    except: Option<i64>,
) -> Result<bool> {
    let mut query = user::Entity::find().filter(user::Column::Email.eq(email));
    if let Some(id) = except {
        query = query.filter(user::Column::Id.ne(id));
    }
    Ok(query.count(db).await? > 0)
}

/// Longest display name kept, in characters.
const MAX_DISPLAY_NAME: usize = 100;

/// A display name as stored: trimmed, control characters dropped, at most
/// [`MAX_DISPLAY_NAME`] characters; none when nothing is left.
pub(crate) fn normalise_display_name(text: &str) -> Option<String> {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_DISPLAY_NAME)
        .collect();
    Some(kept.trim_end().to_owned()).filter(|d| !d.is_empty())
}

/// Whether another account than `except` goes by `display_name`, as its
/// display name or its user name, whatever the case: display names are
/// unique, so nobody is shown under a name someone else uses.
pub(crate) async fn display_name_taken(
    db: &impl ConnectionTrait,
    display_name: &str,
    except: i64,
) -> Result<bool> {
    // Lowered by the database on both sides, as the unique index does.
    let same = |column: user::Column| {
        Expr::expr(Func::lower(Expr::col(column))).eq(Func::lower(Expr::val(display_name)))
    };
    Ok(user::Entity::find()
        .filter(user::Column::Id.ne(except))
        .filter(
            Condition::any()
                .add(same(user::Column::DisplayName))
                .add(same(user::Column::Username)),
        )
        .count(db)
        .await?
        > 0)
}

/// Creates an account or a bot as `by`, an administrator (others sign
/// up). Without a password, when `mail` is on and there is an address, the
/// account is made for its owner to choose one through a mailed link.
pub async fn create_by(
    db: &DatabaseConnection,
    by: &user::Model,
    new: api::NewUser,
    mail: bool,
) -> Result<CreatedUser> {
    if !rest::may_administer(&Subject::user(by, None)) {
        return Err(Error::Forbidden(
            "only administrators create accounts here; others sign up".into(),
        ));
    }
    let password_by_mail = !new.bot && new.password.is_none();
    if password_by_mail && !(mail && new.email.is_some()) {
        return Err(Error::InvalidInput(
            match mail {
                true => "a password is required, or an e-mail address to send a set-your-password link to (or set bot: true)",
                false => "a password is required (or set bot: true); without [mail] no link can be sent",
            }
            .into(),
        ));
    }
    let new = NewUser {
        username: new.username,
        password: new.password.unwrap_or_default(),
        email: new.email,
        admin: new.admin,
        bot: new.bot,
        bootstrap: false,
        password_by_mail,
    };
    create(db, new, &Actor::of(by)).await
}

/// The hidden personal team (owned by `user`) and a private personal
/// namespace of that name in every registry.
async fn create_personal_namespace(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> Result<String> {
    let name = free_namespace_name(db, &user.username).await?;
    let now = Utc::now();
    let team = team::ActiveModel {
        name: Set(name.clone()),
        description: Set(format!("Personal team of {}", user.username)),
        hidden: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    team_member::ActiveModel {
        team_id: Set(team.id),
        user_id: Set(user.id),
        role: Set(Role::Owner.as_str().into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let registries: Vec<i64> = registry::Entity::find()
        .select_only()
        .column(registry::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let namespaces = registries.into_iter().map(|id| {
        personal_namespace_row(RegistryId(id), &name, TeamId(team.id), UserId(user.id), now)
    });
    namespace::Entity::insert_many(namespaces)
        .exec_without_returning(db)
        .await?;
    Ok(name)
}

/// The private personal namespace `name` of `user_id`, owned by their
/// personal team `team_id`, in registry `registry_id`.
fn personal_namespace_row(
    registry_id: RegistryId,
    name: &str,
    team_id: TeamId,
    user_id: UserId,
    now: chrono::DateTime<Utc>,
) -> namespace::ActiveModel {
    namespace::ActiveModel {
        registry_id: Set(registry_id.0),
        name: Set(name.to_owned()),
        team_id: Set(team_id.0),
        visibility: Set(Visibility::Private.as_str().into()),
        description: Set(String::new()),
        global: Set(false),
        personal_user_id: Set(Some(user_id.0)),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Gives every account of registry `from` its personal namespace in
/// registry `to` (a new one); returns how many.
pub(crate) async fn copy_personal_namespaces(
    db: &impl ConnectionTrait,
    from: RegistryId,
    to: RegistryId,
) -> Result<u64> {
    let personal = namespace::Entity::find()
        .filter(namespace::Column::RegistryId.eq(from))
        .filter(namespace::Column::PersonalUserId.is_not_null())
        .all(db)
        .await?;
    let now = Utc::now();
    // In slices, well under every database's limit of bound values.
    for chunk in personal.chunks(500) {
        let rows = chunk.iter().filter_map(|ns| {
            let user_id = ns.personal_user_id?;
            Some(personal_namespace_row(
                to,
                &ns.name,
                TeamId(ns.team_id),
                UserId(user_id),
                now,
            ))
        });
        namespace::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(personal.len() as u64)
}

pub(crate) fn normalise_email(email: Option<String>) -> Result<Option<String>> {
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

/// The personal namespace name for `username` (free in every registry), with `-2`, `-3`... appended
/// when that namespace or team name is already taken.
async fn free_namespace_name(db: &impl ConnectionTrait, username: &str) -> Result<String> {
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
        // In any registry: the personal namespace has this name in each.
        let namespace_taken = namespace::Entity::find()
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

pub(crate) async fn find_by_name_ignoring_case(
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

/// The directory ("ldap", "oidc") each of these accounts belongs to;
/// local accounts are absent.
pub async fn directories_of(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Directory>> {
    Ok(user_identity::Entity::find()
        .filter(user_identity::Column::UserId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| Some((i.user_id, i.provider.parse().ok()?)))
        .collect())
}

/// The wire form of an account.
pub async fn describe(db: &impl ConnectionTrait, u: &user::Model) -> Result<api::User> {
    let locked = lockout::last_locked(db, [u.username.as_str()]).await?;
    let mut directories = directories_of(db, [u.id]).await?;
    Ok(to_api(
        u,
        personal_namespace(db, u.id).await?,
        locked.get(&u.username).copied(),
        directories.remove(&u.id),
    ))
}

fn to_api(
    u: &user::Model,
    namespace: Option<String>,
    locked_at: Option<chrono::DateTime<Utc>>,
    directory: Option<Directory>,
) -> api::User {
    api::User {
        id: u.id,
        username: u.username.clone(),
        email: u.email.clone(),
        email_verified: u.email.is_some() && u.email_verified_at.is_some(),
        display_name: u.display_name.clone(),
        admin: u.admin,
        enabled: u.enabled,
        bot: u.bot,
        namespace,
        locked_at: locked_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        directory,
        created_at: u
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

pub(crate) fn require_admin(who: &Subject) -> Result<()> {
    if rest::may_administer(who) {
        Ok(())
    } else {
        Err(rest::refusal(
            who,
            "only administrators may manage other accounts",
        ))
    }
}

/// Enabled accounts whose user name or display name contains `q`, by
/// name, at most `limit`: for signed-in people (see
/// [`rest::may_look_up_people`]); others get an empty list.
pub async fn find_people(
    db: &impl ConnectionTrait,
    who: &Subject,
    q: &str,
    limit: u64,
) -> Result<Vec<api::Person>> {
    if !rest::may_look_up_people(who) {
        return Ok(Vec::new());
    }
    let matching = Condition::any()
        .add(name_contains(user::Column::Username, q))
        .add(name_contains(user::Column::DisplayName, q));
    Ok(user::Entity::find()
        .filter(user::Column::Enabled.eq(true))
        .filter(matching)
        .order_by_asc(user::Column::Username)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|u| api::Person {
            username: u.username,
            display_name: u.display_name,
        })
        .collect())
}

/// The account `name`, for admins or the user themself; others get "not found".
pub async fn find_visible(
    db: &impl ConnectionTrait,
    who: &Subject,
    name: &str,
) -> Result<user::Model> {
    match find_by_name(db, name).await? {
        Some(u) if rest::may_see_account(who, UserId(u.id)) => Ok(u),
        _ => Err(Error::NotFound(format!("no user {name:?}"))),
    }
}

/// A page of accounts whose name contains `filter`, by name (admins only).
pub async fn list(
    db: &DatabaseConnection,
    who: &Subject,
    filter: Option<&str>,
    page: Paging,
) -> Result<api::UserPage> {
    require_admin(who)?;
    let mut query = user::Entity::find().order_by_asc(user::Column::Username);
    if let Some(filter) = filter.filter(|f| !f.is_empty()) {
        query = query.filter(name_contains(user::Column::Username, filter));
    }
    let paginator = query.paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    let found = paginator.fetch_page(page.page.saturating_sub(1)).await?;
    let namespaces: HashMap<i64, String> = namespace::Entity::find()
        .filter(namespace::Column::PersonalUserId.is_in(found.iter().map(|u| u.id)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|n| Some((n.personal_user_id?, n.name)))
        .collect();
    let locked = lockout::last_locked(db, found.iter().map(|u| u.username.as_str())).await?;
    let directories = directories_of(db, found.iter().map(|u| u.id)).await?;
    let items = found
        .iter()
        .map(|u| {
            to_api(
                u,
                namespaces.get(&u.id).cloned(),
                locked.get(&u.username).copied(),
                directories.get(&u.id).cloned(),
            )
        })
        .collect();
    Ok(page.page_of(items, total))
}

pub(crate) async fn other_enabled_admins(db: &impl ConnectionTrait, except: i64) -> Result<u64> {
    Ok(user::Entity::find()
        .filter(user::Column::Admin.eq(true))
        .filter(user::Column::Enabled.eq(true))
        .filter(user::Column::Id.ne(except))
        .count(db)
        .await?)
}

/// Lifts the lockout of the account `name` for `actor` (an operator at
/// the command line); returns whether it was locked.
pub async fn unlock_account(db: &DatabaseConnection, name: &str, actor: &Actor) -> Result<bool> {
    let txn = crate::db::begin_write(db).await?;
    let found = find_by_name(&txn, name)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {name:?}")))?;
    let locked = lockout::unlock(&txn, &found.username).await?;
    if locked {
        audit::record(
            &txn,
            actor,
            ActivityKey::UserUnlock,
            Target::user(&found),
            None,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(locked)
}

/// Changes an account. Admins change anything; users their e-mail, display
/// name, and may disable themselves. The last enabled administrator can be
/// neither demoted nor disabled.
pub async fn update(
    db: &DatabaseConnection,
    by: &user::Model,
    name: &str,
    change: api::UserUpdate,
) -> Result<user::Model> {
    update_as(db, &Subject::user(by, None), &Actor::of(by), name, change).await
}

/// [`update`] by `subject` (the operator at the command line, say),
/// recorded as done by `actor`.
pub async fn update_as(
    db: &DatabaseConnection,
    subject: &Subject,
    actor: &Actor,
    name: &str,
    change: api::UserUpdate,
) -> Result<user::Model> {
    let txn = crate::db::begin_write(db).await?;
    let target_user = find_visible(&txn, subject, name).await?;
    let target = || Target::user(&target_user);
    let mut active: user::ActiveModel = target_user.clone().into();
    if let Some(admin) = change.admin.filter(|a| *a != target_user.admin) {
        require_admin(subject)?;
        if target_user.bot && admin {
            return Err(Error::InvalidInput("bots cannot be administrators".into()));
        }
        if !admin && other_enabled_admins(&txn, target_user.id).await? == 0 {
            return Err(Error::Conflict(
                "this is the last administrator; make someone else administrator first".into(),
            ));
        }
        let key = if admin {
            ActivityKey::UserGrantAdmin
        } else {
            ActivityKey::UserRevokeAdmin
        };
        audit::record(&txn, actor, key, target(), None).await?;
        active.admin = Set(admin);
    }
    if let Some(enabled) = change.enabled.filter(|e| *e != target_user.enabled) {
        if !rest::may_set_enabled(subject, UserId(target_user.id), enabled) {
            return Err(Error::Forbidden(
                "only administrators may enable accounts or disable others'".into(),
            ));
        }
        if !enabled && target_user.admin && other_enabled_admins(&txn, target_user.id).await? == 0 {
            return Err(Error::Conflict(
                "this is the last administrator; it cannot be disabled".into(),
            ));
        }
        let key = if enabled {
            ActivityKey::UserEnable
        } else {
            ActivityKey::UserDisable
        };
        audit::record(&txn, actor, key, target(), None).await?;
        active.enabled = Set(enabled);
    }
    if change.unlock == Some(true) {
        require_admin(subject)?;
        if lockout::unlock(&txn, &target_user.username).await? {
            audit::record(&txn, actor, ActivityKey::UserUnlock, target(), None).await?;
        }
    }
    if change.email.is_some() {
        let email = normalise_email(change.email)?;
        if let Some(email) = &email
            && email_taken(&txn, email, Some(target_user.id)).await?
        {
            return Err(Error::Conflict(format!(
                "the e-mail address {email} is already in use"
            )));
        }
        if email != target_user.email {
            audit::record(&txn, actor, ActivityKey::UserChangeEmail, target(), None).await?;
            active.email = Set(email);
            active.email_verified_at = Set(None);
            void_mailed_links(&txn, target_user.id).await?;
        }
    }
    if let Some(display_name) = change.display_name {
        let display_name = normalise_display_name(&display_name);
        if let Some(name) = &display_name
            && target_user.display_name.as_ref() != Some(name)
            && display_name_taken(&txn, name, target_user.id).await?
        {
            return Err(Error::Conflict(format!(
                "another account is called {name:?}; choose another display name"
            )));
        }
        active.display_name = Set(display_name);
    }
    active.updated_at = Set(Utc::now());
    // Two changes at once can both pass the checks above; the unique
    // indexes then refuse the second.
    let updated = active.update(&txn).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict(
            "another account took that display name or e-mail address just now; choose another"
                .into(),
        ),
        _ => e.into(),
    })?;
    txn.commit().await?;
    Ok(updated)
}

/// Voids every link mailed to account `user_id` (its address changed):
/// confirmation links and password-reset links alike.
pub(crate) async fn void_mailed_links(db: &impl ConnectionTrait, user_id: i64) -> Result<()> {
    email_confirmation::Entity::delete_many()
        .filter(email_confirmation::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    password_reset::Entity::delete_many()
        .filter(password_reset::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
