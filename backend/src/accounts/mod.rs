//! People and what they hold: users and bots, teams and their members,
//! namespaces, application and refresh tokens, password checks with
//! lockout and rate limits. Decisions come from `authz`; every change is recorded by
//! `audit`. Accounts of a directory (LDAP, OpenID Connect) are kept in
//! step with it. Imports `directory`, `authz`, `audit`, `crypto`, `config`,
//! `db`, `error`.

pub mod app_tokens;
pub mod credentials;
pub mod directory;
pub mod email_confirmation;
pub mod ldap;
pub mod lockout;
pub mod namespaces;
pub mod oidc;
pub mod post;
pub mod rate_limit;
pub mod recovery;
pub mod refresh_tokens;
pub mod removal;
pub mod sessions;
pub mod setup;
pub mod sign_up;
pub mod teams;
pub mod throttle;
pub mod users;
pub mod vacancy;
