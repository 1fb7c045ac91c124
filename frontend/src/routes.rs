//! Which page a path shows. One match over the path's segments instead of a
//! typed route per page: the router's per-route generic code was a tenth of
//! the WebAssembly, and pages get their parameters already parsed.

use leptos::prelude::*;

use crate::pages::{
    AuditLogPage, ExplorePage, ExploredRepositoryPage, ForgotPasswordPage, Home, NamespacePage,
    NamespacesPage, PermissionsPage, ProfilePage, RegistryEventsPage, RepositoriesPage,
    RepositoryPage, ResetPasswordPage, SearchPage, SignInPage, SignUpPage, TagPage, TeamPage,
    TeamsPage, TokensPage, UsersPage,
};

/// A page of the web UI with what its path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Home,
    SignIn,
    SignUp,
    ForgotPassword,
    ResetPassword,
    Repositories,
    Repository(i64),
    Tag(i64, String),
    Explore,
    ExploredRepository(i64),
    Search,
    RegistryEvents,
    Users,
    AuditLog,
    Teams,
    Team(String),
    Namespaces,
    Namespace(String),
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
            ["repositories"] => Route::Repositories,
            ["repositories", r] => id(r).map_or(Route::NotFound, Route::Repository),
            ["repositories", r, "tags", tag] => {
                id(r).map_or(Route::NotFound, |r| Route::Tag(r, (*tag).to_owned()))
            }
            ["explore"] => Route::Explore,
            ["explore", r] => id(r).map_or(Route::NotFound, Route::ExploredRepository),
            ["search"] => Route::Search,
            ["admin", "events"] => Route::RegistryEvents,
            ["admin", "users"] => Route::Users,
            ["admin", "activities"] => Route::AuditLog,
            ["teams"] => Route::Teams,
            ["teams", name] => Route::Team((*name).to_owned()),
            ["namespaces"] => Route::Namespaces,
            ["namespaces", name] => Route::Namespace((*name).to_owned()),
            ["tokens"] => Route::Tokens,
            ["permissions"] => Route::Permissions,
            ["profile"] => Route::Profile,
            _ => Route::NotFound,
        }
    }

    /// The page itself.
    pub fn view(self) -> AnyView {
        match self {
            Route::Home => view! { <Home /> }.into_any(),
            Route::SignIn => view! { <SignInPage /> }.into_any(),
            Route::SignUp => view! { <SignUpPage /> }.into_any(),
            Route::ForgotPassword => view! { <ForgotPasswordPage /> }.into_any(),
            Route::ResetPassword => view! { <ResetPasswordPage /> }.into_any(),
            Route::Repositories => view! { <RepositoriesPage /> }.into_any(),
            Route::Repository(id) => view! { <RepositoryPage id /> }.into_any(),
            Route::Tag(id, tag) => view! { <TagPage id tag /> }.into_any(),
            Route::Explore => view! { <ExplorePage /> }.into_any(),
            Route::ExploredRepository(id) => view! { <ExploredRepositoryPage id /> }.into_any(),
            Route::Search => view! { <SearchPage /> }.into_any(),
            Route::RegistryEvents => view! { <RegistryEventsPage /> }.into_any(),
            Route::Users => view! { <UsersPage /> }.into_any(),
            Route::AuditLog => view! { <AuditLogPage /> }.into_any(),
            Route::Teams => view! { <TeamsPage /> }.into_any(),
            Route::Team(name) => view! { <TeamPage name /> }.into_any(),
            Route::Namespaces => view! { <NamespacesPage /> }.into_any(),
            Route::Namespace(name) => view! { <NamespacePage name /> }.into_any(),
            Route::Tokens => view! { <TokensPage /> }.into_any(),
            Route::Permissions => view! { <PermissionsPage /> }.into_any(),
            Route::Profile => view! { <ProfilePage /> }.into_any(),
            Route::NotFound => view! {
                <div class="card">
                    <h1>"Page not found"</h1>
                    <a href="/">"Go to the start page"</a>
                </div>
            }
            .into_any(),
        }
    }
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
    fn unknown_paths_and_bad_ids_are_not_found() {
        assert_eq!(Route::of("/repositories/twelve"), Route::NotFound);
        assert_eq!(Route::of("/explore/1/2"), Route::NotFound);
        assert_eq!(Route::of("/nowhere"), Route::NotFound);
        assert_eq!(Route::of("/teams/%FF%"), Route::Team("%FF%".to_owned()));
    }
}
