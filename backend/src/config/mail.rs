//! `[mail]`: the SMTP server Portunus sends mail through (password
//! recovery, set-your-password links, password-change notices, links that
//! confirm e-mail addresses). Off while `host` is empty.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// The SMTP server; empty turns mail (and password recovery) off.
    pub host: String,
    pub port: u16,
    /// `starttls` (upgrade before anything is sent), `tls` (implicit TLS,
    /// usually port 465) or `none` (only for a server on this machine).
    pub security: MailSecurity,
    /// Empty: no authentication.
    pub username: String,
    pub password: String,
    /// The sender, e.g. `Portunus <portunus@example.org>`.
    pub from: String,
    /// How long a password-reset link works, in minutes.
    pub reset_link_minutes: u32,
    /// How long the set-your-password link of an account an administrator
    /// created works, in hours.
    pub welcome_link_hours: u32,
    /// How long a link that confirms an e-mail address works, in hours.
    pub confirm_link_hours: u32,
    /// Whether people get a mail when their password changes.
    pub notify_password_change: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    Starttls,
    Tls,
    None,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            host: String::new(),
            port: 587,
            security: MailSecurity::Starttls,
            username: String::new(),
            password: String::new(),
            from: "Portunus <portunus@localhost>".into(),
            reset_link_minutes: 60,
            welcome_link_hours: 72,
            confirm_link_hours: 48,
            notify_password_change: true,
        }
    }
}

impl MailSettings {
    pub fn enabled(&self) -> bool {
        !self.host.is_empty()
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        if !self.enabled() {
            return Ok(());
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "mail.from {:?} is not an address (e.g. \"Portunus <portunus@example.org>\")",
                self.from
            ));
        }
        if !(1..=7 * 24 * 60).contains(&self.reset_link_minutes) {
            return Err(format!(
                "mail.reset_link_minutes is {}; 1 to 10080 (a week) is allowed",
                self.reset_link_minutes
            ));
        }
        if !(1..=30 * 24).contains(&self.welcome_link_hours) {
            return Err(format!(
                "mail.welcome_link_hours is {}; 1 to 720 (30 days) is allowed",
                self.welcome_link_hours
            ));
        }
        if !(1..=30 * 24).contains(&self.confirm_link_hours) {
            return Err(format!(
                "mail.confirm_link_hours is {}; 1 to 720 (30 days) is allowed",
                self.confirm_link_hours
            ));
        }
        if self.username.is_empty() != self.password.is_empty() {
            return Err("mail.username and mail.password go together".into());
        }
        Ok(())
    }
}
