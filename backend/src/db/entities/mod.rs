//! One sea-orm entity per table; the schema itself lives in the migrations crate.

pub mod activity;
pub mod application_token;
pub mod artifact;
pub mod comment;
pub mod email_confirmation;
pub mod immutable_tag_rule;
pub mod namespace;
pub mod oidc_login;
pub mod password_reset;
pub mod portus_import;
pub mod pull;
pub mod refresh_token;
pub mod registry;
pub mod registry_event;
pub mod repository;
pub mod retention_rule;
pub mod session;
pub mod sign_in_guard;
pub mod star;
pub mod tag;
pub mod team;
pub mod team_member;
pub mod user;
pub mod user_identity;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;

/// A value of a closed set read from a text column: one outside the set
/// means the data is damaged, and is an error rather than a guess.
fn stored<T: std::str::FromStr<Err = String>>(
    column: &str,
    text: &str,
) -> Result<T, sea_orm::DbErr> {
    text.parse()
        .map_err(|e| sea_orm::DbErr::Type(format!("{column} holds {text:?}: {e}")))
}
