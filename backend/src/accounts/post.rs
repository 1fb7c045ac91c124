//! Mail from Portunus to one person: the configured mailer, the settings
//! that bound its links, and the web UI's address the links point to. A
//! link's secret rides in the fragment, which browsers never send, so it
//! stays out of logs and `Referer` headers.

use crate::config::MailSettings;
use crate::mail::Mailer;

/// Where mail goes from, and what it links to.
#[derive(Clone, Copy)]
pub struct Post<'a> {
    pub mailer: &'a Mailer,
    pub settings: &'a MailSettings,
    /// The web UI's address (`public_url`).
    pub public_url: &'a str,
}

impl Post<'_> {
    /// The web UI's `page` (a path) carrying `secret`.
    pub fn link(&self, page: &str, secret: &str) -> String {
        format!(
            "{}{page}#token={secret}",
            self.public_url.trim_end_matches('/')
        )
    }
}
