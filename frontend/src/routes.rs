//! Which route a path names, and each route's path. One match over the
//! path's segments instead of a typed route per page: the router's
//! per-route generic code was a tenth of the WebAssembly, and pages get
//! their parameters already parsed (`app` shows the page of each).

use portunus_shared::api::Activity;
use portunus_shared::domain::ActivityKey;

/// A page of the web UI with what its path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Home,
    SignIn,
    SignUp,
    ForgotPassword,
    ResetPassword,
    ConfirmEmail,
    Repositories,
    Repository(i64),
    Tag(i64, String),
    Explore,
    ExploredRepository(i64),
    Search,
    RegistryEvents,
    Registries,
    Users,
    AuditLog,
    GlobalWebhooks,
    InstallationImmutableTags,
    Teams,
    Team(String),
    Namespaces,
    Namespace(String),
    /// A namespace of a registry added through the API: (registry, name).
    RegistryNamespace(String, String),
    Tokens,
    Permissions,
    Profile,
    NotFound,
}

impl Route {
    /// The page for `path` (the URL's path, still percent-encoded).
    pub fn of(path: &str) -> Route {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode)
            .collect();
        let id = |s: &str| s.parse::<i64>().ok();
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        match parts.as_slice() {
            [] => Route::Home,
            ["signin"] => Route::SignIn,
            ["signup"] => Route::SignUp,
            ["forgot-password"] => Route::ForgotPassword,
            ["reset-password"] => Route::ResetPassword,
            ["confirm-email"] => Route::ConfirmEmail,
            ["repositories"] => Route::Repositories,
            ["repositories", r] => id(r).map_or(Route::NotFound, Route::Repository),
            ["repositories", r, "tags", tag] => {
                id(r).map_or(Route::NotFound, |r| Route::Tag(r, (*tag).to_owned()))
            }
            ["explore"] => Route::Explore,
            ["explore", r] => id(r).map_or(Route::NotFound, Route::ExploredRepository),
            ["search"] => Route::Search,
            ["admin", "events"] => Route::RegistryEvents,
            ["admin", "registries"] => Route::Registries,
            ["admin", "users"] => Route::Users,
            ["admin", "activities"] => Route::AuditLog,
            ["admin", "webhooks"] => Route::GlobalWebhooks,
            ["admin", "immutable-tags"] => Route::InstallationImmutableTags,
            ["teams"] => Route::Teams,
            ["teams", name] => Route::Team((*name).to_owned()),
            ["namespaces"] => Route::Namespaces,
            ["namespaces", name] => Route::Namespace((*name).to_owned()),
            ["registries", registry, "namespaces", name] => {
                Route::RegistryNamespace((*registry).to_owned(), (*name).to_owned())
            }
            ["tokens"] => Route::Tokens,
            ["permissions"] => Route::Permissions,
            ["profile"] => Route::Profile,
            _ => Route::NotFound,
        }
    }

    /// The path that shows this page (`Route::of` reads it back).
    pub fn path(&self) -> String {
        match self {
            Route::Home => "/".to_owned(),
            Route::SignIn => "/signin".to_owned(),
            Route::SignUp => "/signup".to_owned(),
            Route::ForgotPassword => "/forgot-password".to_owned(),
            Route::ResetPassword => "/reset-password".to_owned(),
            Route::ConfirmEmail => "/confirm-email".to_owned(),
            Route::Repositories => "/repositories".to_owned(),
            Route::Repository(id) => format!("/repositories/{id}"),
            Route::Tag(id, tag) => format!("/repositories/{id}/tags/{}", encode(tag)),
            Route::Explore => "/explore".to_owned(),
            Route::ExploredRepository(id) => format!("/explore/{id}"),
            Route::Search => "/search".to_owned(),
            Route::RegistryEvents => "/admin/events".to_owned(),
            Route::Registries => "/admin/registries".to_owned(),
            Route::Users => "/admin/users".to_owned(),
            Route::AuditLog => "/admin/activities".to_owned(),
            Route::GlobalWebhooks => "/admin/webhooks".to_owned(),
            Route::InstallationImmutableTags => "/admin/immutable-tags".to_owned(),
            Route::Teams => "/teams".to_owned(),
            Route::Team(name) => format!("/teams/{}", encode(name)),
            Route::Namespaces => "/namespaces".to_owned(),
            Route::Namespace(name) => format!("/namespaces/{}", encode(name)),
            Route::RegistryNamespace(registry, name) => format!(
                "/registries/{}/namespaces/{}",
                encode(registry),
                encode(name)
            ),
            Route::Tokens => "/tokens".to_owned(),
            Route::Permissions => "/permissions".to_owned(),
            Route::Profile => "/profile".to_owned(),
            Route::NotFound => "/not-found".to_owned(),
        }
    }

    /// The page of a namespace.
    pub fn of_namespace(ns: &crate::api::NamespaceRef) -> Route {
        match &ns.registry {
            None => Route::Namespace(ns.name.clone()),
            Some(registry) => Route::RegistryNamespace(registry.clone(), ns.name.clone()),
        }
    }

    /// The page showing what an activity was done to, unless the activity
    /// deleted it. A push of `ns/app:tag` leads to the tag's page.
    pub fn of_activity(activity: &Activity) -> Option<Route> {
        if activity.key.ends_with(".delete") {
            return None;
        }
        let target = activity.target.clone();
        match (activity.target_type.as_str(), activity.target_id) {
            ("repository", Some(id)) => {
                let name = target.rsplit('/').next().unwrap_or_default();
                match name.split_once(':') {
                    Some((_, tag))
                        if !name.contains('@')
                            && activity.key == ActivityKey::RepositoryPush.as_str() =>
                    {
                        Some(Route::Tag(id, tag.to_owned()))
                    }
                    _ => Some(Route::Repository(id)),
                }
            }
            ("team", _) => Some(Route::Team(target)),
            ("namespace", _) => Some(Route::Namespace(target)),
            _ => None,
        }
    }
}

/// `segment` with everything but unreserved characters percent-escaped.
fn encode(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A path segment with its percent-escapes undone (kept as is if they do
/// not make UTF-8).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| segment.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap_or_else(|_| segment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_pages_and_parameters() {
        assert_eq!(Route::of("/"), Route::Home);
        assert_eq!(Route::of("/repositories/12"), Route::Repository(12));
        assert_eq!(Route::of("/repositories/12/"), Route::Repository(12));
        assert_eq!(
            Route::of("/repositories/12/tags/v1.0"),
            Route::Tag(12, "v1.0".to_owned())
        );
        assert_eq!(
            Route::of("/teams/qa%20team"),
            Route::Team("qa team".to_owned())
        );
        assert_eq!(
            Route::of("/namespaces/%C3%A9t%C3%A9"),
            Route::Namespace("été".to_owned())
        );
        assert_eq!(Route::of("/admin/users"), Route::Users);
    }

    #[test]
    fn a_path_reads_back_as_its_page() {
        for route in [
            Route::Home,
            Route::Tag(3, "v1.0+build".to_owned()),
            Route::Team("qa team/ü".to_owned()),
            Route::Namespace("ops".to_owned()),
            Route::RegistryNamespace("europe".to_owned(), "ops".to_owned()),
            Route::Registries,
            Route::ExploredRepository(9),
            Route::AuditLog,
            Route::GlobalWebhooks,
            Route::InstallationImmutableTags,
        ] {
            assert_eq!(Route::of(&route.path()), route, "{}", route.path());
        }
    }

    fn activity(key: ActivityKey, target_type: &str, target: &str, id: Option<i64>) -> Activity {
        Activity {
            id: 1,
            actor: "alice".to_owned(),
            actor_display_name: None,
            key: key.as_str().to_owned(),
            target_type: target_type.to_owned(),
            target: target.to_owned(),
            target_id: id,
            parameters: None,
            created_at: "2026-11-30T12:00:00Z".to_owned(),
        }
    }

    #[test]
    fn an_activity_leads_to_what_it_was_done_to() {
        let push = activity(
            ActivityKey::RepositoryPush,
            "repository",
            "ops/web:1.2",
            Some(7),
        );
        assert_eq!(
            Route::of_activity(&push),
            Some(Route::Tag(7, "1.2".to_owned()))
        );
        let by_digest = activity(
            ActivityKey::RepositoryPush,
            "repository",
            "ops/web@sha256:ab",
            Some(7),
        );
        assert_eq!(Route::of_activity(&by_digest), Some(Route::Repository(7)));
        let star = activity(
            ActivityKey::RepositoryStar,
            "repository",
            "localhost:5000/web",
            Some(7),
        );
        assert_eq!(Route::of_activity(&star), Some(Route::Repository(7)));
        let member = activity(ActivityKey::TeamAddMember, "team", "qa", Some(2));
        assert_eq!(
            Route::of_activity(&member),
            Some(Route::Team("qa".to_owned()))
        );
        let gone = activity(
            ActivityKey::RepositoryDelete,
            "repository",
            "ops/web",
            Some(7),
        );
        assert_eq!(Route::of_activity(&gone), None);
        let unknown_id = activity(ActivityKey::RepositoryPush, "repository", "ops/web:1", None);
        assert_eq!(Route::of_activity(&unknown_id), None);
        let user = activity(ActivityKey::UserCreate, "user", "bob", Some(4));
        assert_eq!(Route::of_activity(&user), None);
    }

    #[test]
    fn unknown_paths_and_bad_ids_are_not_found() {
        assert_eq!(Route::of("/repositories/twelve"), Route::NotFound);
        assert_eq!(Route::of("/explore/1/2"), Route::NotFound);
        assert_eq!(Route::of("/nowhere"), Route::NotFound);
        assert_eq!(Route::of("/teams/%FF%"), Route::Team("%FF%".to_owned()));
    }
}
