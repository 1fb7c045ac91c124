//! Users (with their password hashes), teams, their members, and
//! application tokens.

use chrono::Utc;
use portunus_shared::domain::Role;
use portunus_shared::names;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::Run;
use crate::accounts::users::{self, Account};
use crate::db::entities::{application_token, team, team_member, user};
use crate::error::Result;

impl Run<'_> {
    pub(super) async fn users(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "users",
                &[
                    "id",
                    "username",
                    "email",
                    "encrypted_password",
                    "admin",
                    "enabled",
                    "bot",
                    "display_name",
                    "ldap_name",
                    "provider",
                    "created_at",
                ],
            )
            .await?;
        for row in rows {
            let (Some(id), Some(name)) = (row.int("id"), row.text("username")) else {
                continue;
            };
            if self.already("user", id).await? {
                continue;
            }
            if let Err(e) = names::validate_username(name) {
                self.skip("user", format!("{name:?}: {e}"));
                continue;
            }
            if name == "portus" {
                self.skip(
                    "user",
                    format!("{name:?}: Portus's own API account (portus:create_api_account); Portunus reads the registry with tokens it signs itself"),
                );
                continue;
            }
            if names::is_reserved_username(name) {
                self.skip(
                    "user",
                    format!("{name:?}: the name is reserved for Portunus itself"),
                );
                continue;
            }
            if let Some(here) = users::find_by_name_ignoring_case(self.txn, name).await? {
                (self.say)(format!(
                    "user {name:?} is here already (as {:?}): linked, left as it is",
                    here.username
                ));
                self.remember("user", id, here.id, true).await?;
                continue;
            }
            let mut email = users::normalise_email(row.text("email").map(str::to_owned))
                .ok()
                .flatten();
            if let Some(address) = &email
                && users::email_taken(self.txn, address, None).await?
            {
                (self.say)(format!(
                    "user {name:?}: the e-mail address {address} is another account's here; imported without one"
                ));
                email = None;
            }
            let account = Account {
                username: name.to_owned(),
                email,
                // Portus never confirmed addresses: their owners do here.
                email_verified_at: None,
                // A directory's or provider's users signed in there (Portus
                // kept a copy of the directory password); bots use tokens.
                password_hash: row
                    .text("encrypted_password")
                    .filter(|_| {
                        !row.flag("bot")
                            && row.text("ldap_name").is_none()
                            && row.text("provider").is_none()
                    })
                    .map(str::to_owned),
                admin: row.flag("admin"),
                bot: row.flag("bot"),
                bootstrap: false,
            };
            let made = users::insert(self.txn, account, &self.actor).await?;
            let mut stored: user::ActiveModel = made.user.clone().into();
            stored.enabled = Set(row.flag("enabled"));
            if let Some(at) = row.time("created_at") {
                stored.created_at = Set(at);
            }
            if let Some(display) = row
                .text("display_name")
                .and_then(users::normalise_display_name)
            {
                if users::display_name_taken(self.txn, &display, made.user.id).await? {
                    (self.say)(format!(
                        "user {name:?}: the display name {display:?} is taken here; left out"
                    ));
                } else {
                    stored.display_name = Set(Some(display));
                }
            }
            stored.update(self.txn).await?;
            if let Some(notice) = made.namespace_notice {
                (self.say)(format!("user {name:?}: {notice}"));
            }
            if row.text("ldap_name").is_some() || row.text("provider").is_some() {
                (self.say)(format!(
                    "user {name:?} signed in through a directory or provider in Portus; configure [ldap] or [oidc] and they sign in the same way"
                ));
            } else if row.text("encrypted_password").is_none() && !row.flag("bot") {
                (self.say)(format!(
                    "user {name:?} has no password in Portus; an administrator sets one, or they use \"Forgot your password?\""
                ));
            }
            self.remember("user", id, made.user.id, false).await?;
        }
        self.report("user");
        Ok(())
    }

    pub(super) async fn teams(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "teams",
                &["id", "name", "description", "hidden", "created_at"],
            )
            .await?;
        for row in rows {
            let (Some(id), Some(name)) = (row.int("id"), row.text("name")) else {
                continue;
            };
            // Personal teams and the global namespace's: Portunus has its own.
            if row.flag("hidden") {
                continue;
            }
            if self.already("team", id).await? {
                continue;
            }
            if let Err(e) = names::validate_team_name(name) {
                self.skip("team", format!("{name:?}: {e}"));
                continue;
            }
            let here = team::Entity::find()
                .filter(team::Column::Name.eq(name))
                .one(self.txn)
                .await?;
            if let Some(here) = here {
                if here.hidden {
                    self.skip(
                        "team",
                        format!("{name:?}: the name is a personal team here"),
                    );
                    continue;
                }
                (self.say)(format!(
                    "team {name:?} is here already: linked, left as it is (Portus's members are not added to it)"
                ));
                self.remember("team", id, here.id, true).await?;
                continue;
            }
            let made = team::ActiveModel {
                name: Set(name.to_owned()),
                description: Set(row.text("description").unwrap_or_default().to_owned()),
                hidden: Set(false),
                created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("team", id, made.id, false).await?;
        }
        self.report("team");
        self.members().await
    }

    pub(super) async fn members(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "team_users",
                &["id", "user_id", "team_id", "role", "created_at"],
            )
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            let (Some(portus_team), Some(portus_user)) = (row.int("team_id"), row.int("user_id"))
            else {
                continue;
            };
            // Members of hidden teams: their personal team, or the global
            // namespace's owners (the administrators).
            let Some(team_id) = self.mapped("team", portus_team).await? else {
                continue;
            };
            if self.already("team_member", id).await? {
                continue;
            }
            let Some(user_id) = self.mapped("user", portus_user).await? else {
                self.skip(
                    "team_member",
                    format!("of Portus user {portus_user}: the user was not imported"),
                );
                continue;
            };
            // Rights are given only to teams and accounts this import
            // made: a name that was here may be someone else.
            if self.is_linked("team", team_id).await? || self.is_linked("user", user_id).await? {
                self.skip(
                    "team_member",
                    format!("of Portus user {portus_user}: the team or the account was here before the import (add them by hand)"),
                );
                continue;
            }
            let role = match row.int("role") {
                Some(2) => Role::Owner,
                Some(1) => Role::Contributor,
                _ => Role::Viewer,
            };
            let here = team_member::Entity::find()
                .filter(team_member::Column::TeamId.eq(team_id))
                .filter(team_member::Column::UserId.eq(user_id))
                .one(self.txn)
                .await?;
            if let Some(here) = here {
                self.remember("team_member", id, here.id, true).await?;
                continue;
            }
            let made = team_member::ActiveModel {
                team_id: Set(team_id),
                user_id: Set(user_id),
                role: Set(role.as_str().to_owned()),
                created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("team_member", id, made.id, false).await?;
        }
        self.report("team_member");
        Ok(())
    }

    pub(super) async fn application_tokens(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "application_tokens",
                &["id", "application", "token_hash", "user_id"],
            )
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            if self.already("application_token", id).await? {
                continue;
            }
            let name: String = row
                .text("application")
                .unwrap_or("Portus token")
                .chars()
                .take(80)
                .collect();
            let user = self.mapped_from(&row, "user_id", "user").await?;
            let (Some(user), Some(bcrypt)) = (user, row.text("token_hash")) else {
                self.skip(
                    "application_token",
                    format!("{name:?}: its user was not imported, or it has no hash"),
                );
                continue;
            };
            if self.is_linked("user", user).await? {
                self.skip(
                    "application_token",
                    format!(
                        "{name:?}: its account was here before the import, and may be someone else"
                    ),
                );
                continue;
            }
            let taken = application_token::Entity::find()
                .filter(application_token::Column::UserId.eq(user))
                .filter(application_token::Column::Name.eq(name.as_str()))
                .one(self.txn)
                .await?;
            if taken.is_some() {
                self.skip(
                    "application_token",
                    format!("{name:?}: its user has a token of that name here"),
                );
                continue;
            }
            let made = application_token::ActiveModel {
                user_id: Set(user),
                name: Set(name),
                // Never a SHA-256 (those are hex): replaced at the first use.
                token_hash: Set(format!(
                    "portus-unused-{}",
                    crate::crypto::secrets::random_hex(16)
                )),
                portus_hash: Set(Some(bcrypt.to_owned())),
                scope: Set(None),
                expires_at: Set(None),
                last_used_at: Set(None),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("application_token", id, made.id, false)
                .await?;
        }
        self.report("application_token");
        Ok(())
    }
}
