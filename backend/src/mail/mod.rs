//! Sending mail through the configured SMTP server (`[mail]`, lettre over
//! rustls): plain-text messages to one person. What the messages say is the
//! business of their callers. Imports `config`, `error`.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSecurity, MailSettings};

/// The configured SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
}

/// A message to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    /// The mailer of `settings`; `None` when mail is off.
    pub fn from_settings(settings: &MailSettings) -> Result<Option<Mailer>, String> {
        if !settings.enabled() {
            return Ok(None);
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let host = settings.host.as_str();
        let builder = match settings.security {
            MailSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            MailSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            MailSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|e| format!("mail.host {host:?}: {e}"))?;
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(std::time::Duration::from_secs(20)));
        if !settings.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.username.clone(),
                settings.password.clone(),
            ));
        }
        let from = settings
            .from
            .parse()
            .map_err(|e| format!("mail.from {:?}: {e}", settings.from))?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
            server: format!("{host}:{}", settings.port),
        }))
    }

    /// Sends `mail`; the error says what failed, naming the server.
    pub async fn send(&self, mail: Mail) -> Result<(), String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| format!("cannot mail {:?}: {e}", mail.to))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            format!(
                "the mail server {} did not take the message: {e}",
                self.server
            )
        })
    }
}
