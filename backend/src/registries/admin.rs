//! Adding, changing and removing registries (administrators). A registry
//! added here gets a notification secret of its own (sealed in its row),
//! its global namespace and every user's personal namespace; a change of
//! address is checked by asking the registry first (unless told not to);
//! a registry is removed only when nothing but those namespaces is left
//! in it. The configured registry (`[registry]`) is the configuration
//! file's to change.

use chrono::Utc;
use portunus_shared::api;
use portunus_shared::domain::ActivityKey;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use crate::accounts::{namespaces, users};
use crate::audit::{self, Actor, Target};
use crate::authz::{Subject, rest};
use crate::catalog::DEFAULT_REGISTRY;
use crate::config::hosts;
use crate::crypto::secrets::random_hex;
use crate::db::entities::{namespace, registry, registry_event, repository, user};
use crate::db::ids::RegistryId;
use crate::error::{Error, Result};
use crate::registries::live::{Registries, Served, secret_place};
use crate::registries::status;

/// Longest registry name.
const NAME_MAX: usize = 64;

fn require_admin(who: &Subject) -> Result<()> {
    if rest::may_administer(who) {
        Ok(())
    } else {
        Err(rest::refusal(who, "only administrators manage registries"))
    }
}

/// Every registry with how it answers now (administrators).
pub async fn list(registries: &Registries, who: &Subject) -> Result<Vec<api::Registry>> {
    require_admin(who)?;
    let all = registries.all();
    let described = all.iter().map(|served| describe(served, who));
    futures::future::try_join_all(described).await
}

/// One registry with how it answers now (administrators).
pub async fn get(registries: &Registries, who: &Subject, name: &str) -> Result<api::Registry> {
    require_admin(who)?;
    describe(&*registries.named_or_configured(Some(name)).await?, who).await
}

async fn describe(served: &Served, who: &Subject) -> Result<api::Registry> {
    Ok(api::Registry {
        name: served.name.clone(),
        url: served.url.clone(),
        service: served.service.clone(),
        hostnames: served.hostnames.clone(),
        configured: served.configured,
        status: status::of(&served.catalog, who, &served.client_host).await?,
    })
}

/// Adds a registry (administrators); the answer carries its notification
/// secret, for `portunus registry-config --registry NAME`.
pub async fn create(
    db: &DatabaseConnection,
    registries: &Registries,
    by: &user::Model,
    new: api::NewRegistry,
) -> Result<api::RegistryWithSecret> {
    let who = Subject::user(by, None);
    require_admin(&who)?;
    check_name(&new.name)?;
    let url = check_url(&new.url)?;
    let service = check_service(&new.service)?;
    let hostnames = check_hostnames(&new.hostnames)?;
    check_free(registries, None, &new.name, &service, &url, &hostnames).await?;
    if !new.skip_check {
        require_reachable(&url, registries).await?;
    }
    let secret = random_hex(32);
    let txn = crate::db::begin_write(db).await?;
    // Accounts made meanwhile get their personal namespace here too.
    crate::db::serialize(&txn, crate::db::locks::ACCOUNTS).await?;
    let row = registry::ActiveModel {
        name: Set(new.name.clone()),
        hostname: Set(hosts::of_url(&url)),
        external_hostname: Set(None),
        created_at: Set(Utc::now()),
        sync_checkpoint: Set(None),
        last_sync_at: Set(None),
        last_sync_outcome: Set(None),
        url: Set(url.clone()),
        service: Set(Some(service.clone())),
        hostnames: Set(serde_json::to_string(&hostnames).unwrap_or_else(|_| "[]".into())),
        // Sealed once the row has its id, which it is sealed for.
        notification_secret: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| taken_or(e, &new.name))?;
    store_secret(&txn, registries, row.id, &secret).await?;
    namespaces::ensure_global(&txn, RegistryId(row.id)).await?;
    let personal =
        users::copy_personal_namespaces(&txn, registries.configured().id, RegistryId(row.id))
            .await?;
    let params = serde_json::json!({
        "url": url, "service": service, "hostnames": hostnames, "personal_namespaces": personal,
    });
    let target = Target::new("registry", Some(row.id), &row.name);
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::RegistryCreate,
        target,
        Some(params),
    )
    .await?;
    txn.commit().await?;
    // The secret is shown this once: it is answered even if describing the
    // new registry fails.
    let registry = match registries.reload().await {
        Ok(()) => get(registries, &who, &new.name).await,
        Err(e) => Err(e),
    };
    let registry = registry.unwrap_or_else(|e| {
        tracing::warn!(error = %e, registry = %new.name, "added, but cannot describe the registry yet");
        api::Registry {
            name: new.name.clone(),
            url: url.clone(),
            service: service.clone(),
            hostnames: hostnames.clone(),
            configured: false,
            status: api::RegistryStatus {
                url,
                host: row.hostname.clone(),
                reachable: false,
                answer: "not asked yet".into(),
                api_version: None,
                last_sync_at: None,
                last_sync_outcome: None,
            },
        }
    });
    Ok(api::RegistryWithSecret {
        registry,
        notification_secret: secret,
    })
}

/// Changes a registry's address, service or host names (administrators;
/// not the configured one).
pub async fn update(
    db: &DatabaseConnection,
    registries: &Registries,
    by: &user::Model,
    name: &str,
    change: api::RegistryUpdate,
) -> Result<api::Registry> {
    let who = Subject::user(by, None);
    require_admin(&who)?;
    let served = changeable(registries, name).await?;
    let url = match &change.url {
        Some(url) => check_url(url)?,
        None => served.url.clone(),
    };
    let service = match &change.service {
        Some(service) => check_service(service)?,
        None => served.service.clone(),
    };
    let hostnames = match &change.hostnames {
        Some(names) => check_hostnames(names)?,
        None => served.hostnames.clone(),
    };
    check_free(
        registries,
        Some(served.id.0),
        name,
        &service,
        &url,
        &hostnames,
    )
    .await?;
    if url != served.url && !change.skip_check {
        require_reachable(&url, registries).await?;
    }
    let txn = crate::db::begin_write(db).await?;
    registry::Entity::update_many()
        .col_expr(registry::Column::Url, Expr::value(url.clone()))
        .col_expr(registry::Column::Hostname, Expr::value(hosts::of_url(&url)))
        .col_expr(registry::Column::Service, Expr::value(service.clone()))
        .col_expr(
            registry::Column::Hostnames,
            Expr::value(serde_json::to_string(&hostnames).unwrap_or_else(|_| "[]".into())),
        )
        .filter(registry::Column::Id.eq(served.id))
        .exec(&txn)
        .await
        .map_err(|e| taken_or(e, name))?;
    let params = serde_json::json!({ "url": url, "service": service, "hostnames": hostnames });
    let target = Target::new("registry", Some(served.id.0), name);
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::RegistryUpdate,
        target,
        Some(params),
    )
    .await?;
    txn.commit().await?;
    registries.reload().await?;
    get(registries, &who, name).await
}

/// Gives a registry a new notification secret (administrators; not the
/// configured one, whose secret is `registry.notification_secret`).
pub async fn replace_secret(
    db: &DatabaseConnection,
    registries: &Registries,
    by: &user::Model,
    name: &str,
) -> Result<api::RegistryWithSecret> {
    let who = Subject::user(by, None);
    require_admin(&who)?;
    let served = changeable(registries, name).await?;
    let secret = random_hex(32);
    let txn = crate::db::begin_write(db).await?;
    store_secret(&txn, registries, served.id.0, &secret).await?;
    let target = Target::new("registry", Some(served.id.0), name);
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::RegistryReplaceSecret,
        target,
        None,
    )
    .await?;
    txn.commit().await?;
    registries.reload().await?;
    Ok(api::RegistryWithSecret {
        registry: get(registries, &who, name).await?,
        notification_secret: secret,
    })
}

/// Removes a registry that holds no repositories and no namespaces but its
/// global one and the personal ones (administrators; not the configured
/// one). Its stored events go with it.
pub async fn remove(
    db: &DatabaseConnection,
    registries: &Registries,
    by: &user::Model,
    name: &str,
) -> Result<()> {
    require_admin(&Subject::user(by, None))?;
    let served = changeable(registries, name).await?;
    let txn = crate::db::begin_write(db).await?;
    // On PostgreSQL, nothing is put into its namespaces until this ends
    // (a repository insert waits for these row locks); SQLite writes one
    // at a time anyway.
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        namespace::Entity::find()
            .filter(namespace::Column::RegistryId.eq(served.id))
            .lock_exclusive()
            .all(&txn)
            .await?;
    }
    let of_registry = Query::select()
        .column(namespace::Column::Id)
        .from(namespace::Entity)
        .and_where(Expr::col(namespace::Column::RegistryId).eq(served.id))
        .to_owned();
    let repositories = repository::Entity::find()
        .filter(repository::Column::NamespaceId.in_subquery(of_registry))
        .count(&txn)
        .await?;
    if repositories > 0 {
        return Err(Error::Conflict(format!(
            "the registry {name:?} still holds {repositories} repositories in Portunus: delete them first (the repository pages, or DELETE /api/v1/repositories/ID)"
        )));
    }
    let team_namespaces: Vec<String> = namespace::Entity::find()
        .filter(namespace::Column::RegistryId.eq(served.id))
        .filter(namespace::Column::Global.eq(false))
        .filter(namespace::Column::PersonalUserId.is_null())
        .all(&txn)
        .await?
        .into_iter()
        .map(|ns| ns.name)
        .collect();
    if !team_namespaces.is_empty() {
        return Err(Error::Conflict(format!(
            "the registry {name:?} still has the team namespaces {}: delete them first (DELETE /api/v1/namespaces/NAME?registry={name})",
            team_namespaces.join(", ")
        )));
    }
    registry_event::Entity::delete_many()
        .filter(registry_event::Column::RegistryId.eq(served.id))
        .exec(&txn)
        .await?;
    namespace::Entity::delete_many()
        .filter(namespace::Column::RegistryId.eq(served.id))
        .exec(&txn)
        .await?;
    registry::Entity::delete_by_id(served.id).exec(&txn).await?;
    let target = Target::new("registry", Some(served.id.0), name);
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::RegistryDelete,
        target,
        None,
    )
    .await?;
    txn.commit().await?;
    registries.reload().await
}

/// The registry `name`, unless it is the configured one.
async fn changeable(registries: &Registries, name: &str) -> Result<std::sync::Arc<Served>> {
    let served = registries.named_or_configured(Some(name)).await?;
    if served.configured {
        return Err(Error::Conflict(format!(
            "the registry {name:?} is the configured one: change [registry] and token.service in the configuration file and restart"
        )));
    }
    Ok(served)
}

fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= NAME_MAX
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !valid {
        return Err(Error::InvalidInput(format!(
            "registry name {name:?}: use 1 to {NAME_MAX} lowercase letters, digits and dashes, like \"europe\" or \"ci-cache\""
        )));
    }
    if name == DEFAULT_REGISTRY {
        return Err(Error::Conflict(format!(
            "{DEFAULT_REGISTRY:?} is the configured registry's name; choose another"
        )));
    }
    Ok(())
}

/// The URL without a trailing slash, if it is an http(s) URL of a host.
fn check_url(url: &str) -> Result<String> {
    let url = url.trim();
    match url::Url::parse(url) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.query().is_none()
                && u.fragment().is_none()
                && u.username().is_empty()
                && u.password().is_none() =>
        {
            Ok(url.trim_end_matches('/').to_owned())
        }
        _ => Err(Error::InvalidInput(format!(
            "url {url:?} is not an http(s) URL of the registry, like \"https://registry.example.org\" (no credentials, query or fragment)"
        ))),
    }
}

fn check_service(service: &str) -> Result<String> {
    let service = service.trim();
    if service.is_empty() || service.len() > 255 || service.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "service: 1 to 255 printable characters, the registry's auth.token.service (like \"registry-europe\")".into(),
        ));
    }
    Ok(service.to_owned())
}

fn check_hostnames(names: &[String]) -> Result<Vec<String>> {
    if names.len() > 20 {
        return Err(Error::InvalidInput(
            "at most 20 host names per registry".into(),
        ));
    }
    names
        .iter()
        .map(|name| {
            hosts::check(name).map_err(Error::InvalidInput)?;
            Ok(name.trim().to_owned())
        })
        .collect()
}

/// Refuses a name, service or host another registry has.
async fn check_free(
    registries: &Registries,
    this: Option<i64>,
    name: &str,
    service: &str,
    url: &str,
    hostnames: &[String],
) -> Result<()> {
    registries.reload().await?;
    let mine: Vec<String> = std::iter::once(hosts::of_url(url))
        .chain(hostnames.iter().cloned())
        .collect();
    for other in registries.all().iter().filter(|s| Some(s.id.0) != this) {
        if other.name == name {
            return Err(Error::Conflict(format!(
                "there is a registry named {name:?} already"
            )));
        }
        if other.service == service {
            return Err(Error::Conflict(format!(
                "the registry {:?} has the service {service:?}; each registry needs its own (its tokens say which registry they are for)",
                other.name
            )));
        }
        if let Some(shared) = mine.iter().find(|h| hosts::is_known(h, &other.names())) {
            return Err(Error::Conflict(format!(
                "the registry {:?} is known by the host {shared:?} already; registries cannot share a host name (its events would be taken for the other's)",
                other.name
            )));
        }
    }
    Ok(())
}

/// Asks the registry at `url` for its API root, without a token: nothing
/// Portunus signs goes to an address before it is saved.
async fn require_reachable(url: &str, registries: &Registries) -> Result<()> {
    let probe = registries.client_for(url);
    match probe.answers_unsigned().await {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::InvalidInput(format!(
            "the registry at {url} does not answer Portunus ({e}); check the URL, or set skip_check to add it anyway"
        ))),
    }
}

/// A unique-index refusal as the conflict it is.
fn taken_or(e: sea_orm::DbErr, name: &str) -> Error {
    let message = e.to_string();
    if message.contains("UNIQUE") || message.contains("unique") || message.contains("duplicate") {
        Error::Conflict(format!(
            "a registry named {name:?}, or with its service, was added meanwhile"
        ))
    } else {
        e.into()
    }
}

/// Stores `secret` sealed as the notification secret of registry `id`.
async fn store_secret(
    txn: &impl ConnectionTrait,
    registries: &Registries,
    id: i64,
    secret: &str,
) -> Result<()> {
    let sealed = registries
        .sealing_key()
        .seal(secret_place(RegistryId(id)), secret);
    registry::Entity::update_many()
        .col_expr(registry::Column::NotificationSecret, Expr::value(sealed))
        .filter(registry::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}
