//! Immutable tags at the gateway: a manifest pushed under a protected tag
//! that already names another image, a protected tag deleted, or the
//! image of a protected tag deleted by digest, is refused `403 DENIED`
//! with the rule in words (docker and podman print it). Everything else
//! passes. Where a tag points is asked of the registry at that moment.

use poem::http::{Method, StatusCode};
use poem::{Body, Request, Response};
use sha2::{Digest, Sha256};

use super::caller::Caller;
use super::path::{Reference, Route};
use crate::audit::{self, Actor, Target};
use crate::catalog::Catalog;
use crate::catalog::immutable_tags::{self, Protection};
use crate::registry::RegistryError;
use portunus_shared::domain::ActivityKey;

/// The largest manifest Distribution accepts (4 MiB); a manifest pushed
/// under a protected tag is read whole to learn its digest.
const MAX_MANIFEST: usize = 4 << 20;

/// `Some(answer)` when the request must not reach the registry. A
/// manifest read to judge it is put back into `request`.
pub async fn judge(
    catalog: &Catalog,
    caller: Option<&Caller>,
    route: &Route,
    request: &mut Request,
) -> Option<Response> {
    let Route::Manifest { name, reference } = route else {
        return None;
    };
    let method = request.method().clone();
    let action = match method {
        Method::PUT => "push",
        Method::DELETE => "delete",
        _ => return None,
    };
    // Unless the registry would take the request, it answers itself.
    let caller = caller.filter(|c| c.may(name, action))?;
    let rules = match immutable_tags::applying_to(&catalog.db, catalog.registry_id, name).await {
        Ok(rules) if rules.is_empty() => return None,
        Ok(rules) => rules,
        Err(e) => return Some(unavailable(&e.to_string())),
    };
    let refusal = match (method, reference) {
        (Method::PUT, Reference::Tag(tag)) => match immutable_tags::protecting(&rules, tag) {
            Some(rule) => moved(catalog, name, tag, rule, request).await,
            None => Ok(None),
        },
        (Method::PUT, Reference::Digest(_)) => Ok(None),
        (_, Reference::Tag(tag)) => match immutable_tags::protecting(&rules, tag) {
            Some(rule) => Ok(Some(format!(
                "{name}:{tag} is immutable ({})",
                rule.describe()
            ))),
            None => Ok(None),
        },
        (_, Reference::Digest(digest)) => held(catalog, name, digest, &rules).await,
    };
    match refusal {
        Ok(None) => None,
        Ok(Some(why)) => {
            record(catalog, caller, name, action, &why).await;
            Some(super::registry_error(StatusCode::FORBIDDEN, "DENIED", &why))
        }
        Err(answer) => Some(answer),
    }
}

/// Why a manifest PUT to the protected `tag` moves it, if it does: the
/// tag names an image already, and not this one.
async fn moved(
    catalog: &Catalog,
    name: &str,
    tag: &str,
    rule: &Protection,
    request: &mut Request,
) -> Result<Option<String>, Response> {
    let body = match request.take_body().into_bytes_limit(MAX_MANIFEST).await {
        Ok(body) => body,
        Err(_) => {
            return Err(super::registry_error(
                StatusCode::BAD_REQUEST,
                "MANIFEST_INVALID",
                "the manifest is larger than 4 MiB, or was not sent whole",
            ));
        }
    };
    let pushed = format!(
        "sha256:{}",
        data_encoding::HEXLOWER.encode(&Sha256::digest(&body))
    );
    request.set_body(Body::from(body));
    match catalog.registry.manifest_digest(name, tag).await {
        Ok(current) if current == pushed => Ok(None),
        Ok(current) => Ok(Some(format!(
            "{name}:{tag} is immutable ({}): it names {current}; push under a new tag",
            rule.describe()
        ))),
        Err(RegistryError::NotFound(_)) => Ok(None),
        Err(e) => Err(unavailable(&e.to_string())),
    }
}

/// Why deleting the image `digest` of `name` would take a protected tag's
/// image, if it would. Only the protected tags are asked where they point.
async fn held(
    catalog: &Catalog,
    name: &str,
    digest: &str,
    rules: &[Protection],
) -> Result<Option<String>, Response> {
    let tags = match catalog.registry.tags(name).await {
        Ok(tags) => tags,
        Err(RegistryError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(unavailable(&e.to_string())),
    };
    let mut protected: Vec<(String, &Protection)> = tags
        .into_iter()
        .filter_map(|tag| {
            let rule = immutable_tags::protecting(rules, &tag)?;
            Some((tag, rule))
        })
        .collect();
    protected.sort_by(|a, b| a.0.cmp(&b.0));
    for (tag, rule) in protected {
        match catalog.registry.manifest_digest(name, &tag).await {
            Ok(current) if current == digest => {
                return Ok(Some(format!(
                    "{digest} is the image of {name}:{tag}, which is immutable ({})",
                    rule.describe()
                )));
            }
            Ok(_) | Err(RegistryError::NotFound(_)) => {}
            Err(e) => return Err(unavailable(&e.to_string())),
        }
    }
    Ok(None)
}

/// Records the refusal in the activity log (a failure to record is
/// logged, and the refusal stands).
async fn record(catalog: &Catalog, caller: &Caller, name: &str, action: &str, why: &str) {
    let db = &catalog.db;
    let account = crate::accounts::users::find_by_name(db, &caller.subject).await;
    let actor = match account {
        Ok(Some(account)) => Actor::of(&account),
        _ => Actor {
            id: None,
            name: caller.subject.clone(),
        },
    };
    let repo = crate::catalog::recording::find(db, catalog.registry_id, name)
        .await
        .ok()
        .flatten();
    let params = serde_json::json!({"action": action, "reason": why});
    let recorded = audit::record(
        db,
        &actor,
        ActivityKey::ImmutableTagsRefuse,
        Target::repository(repo.as_ref(), name),
        Some(params),
    )
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, repository = name, "cannot record a refused change of an immutable tag");
    }
}

fn unavailable(reason: &str) -> Response {
    tracing::warn!(
        reason,
        "cannot judge a change against the immutable-tag rules"
    );
    super::registry_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "UNAVAILABLE",
        "Portunus cannot check its immutable-tag rules right now; try again shortly",
    )
}
