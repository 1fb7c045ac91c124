//! Webhooks, their headers and passwords sealed.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};

use super::Run;
use crate::db::entities::webhook;
use crate::error::Result;
use crate::import::source::Row;
use crate::webhooks::manage::{check_headers, new_secret};
use crate::webhooks::sealed::{self, Secrets};
use portunus_shared::api;

impl Run<'_> {
    pub(super) async fn webhooks(&mut self) -> Result<()> {
        let headers: Vec<Row> = self
            .rows("webhook_headers", &["id", "webhook_id", "name", "value"])
            .await?;
        let rows = self
            .rows(
                "webhooks",
                &[
                    "id",
                    "namespace_id",
                    "name",
                    "url",
                    "username",
                    "password",
                    "request_method",
                    "content_type",
                    "enabled",
                ],
            )
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            if self.already("webhook", id).await? {
                continue;
            }
            let name = row.text("name").unwrap_or("Portus webhook").to_owned();
            let ns = self.mapped_from(&row, "namespace_id", "namespace").await?;
            let (Some(ns), Some(url)) = (ns, row.text("url")) else {
                self.skip(
                    "webhook",
                    format!("{name:?}: no URL, or its namespace was not imported"),
                );
                continue;
            };
            if let Err(e) = crate::webhooks::target::check_url(url, true) {
                self.skip("webhook", format!("{name:?}: {e}"));
                continue;
            }
            if row.int("request_method") == Some(0) || row.int("content_type") == Some(1) {
                (self.say)(format!(
                    "webhook {name:?}: Portus sent it as GET or a form; Portunus POSTs JSON (README, \"Webhooks\"): check the receiver"
                ));
            }
            // Basic authentication only with both parts, as Portus sent it.
            let basic = row.text("username").zip(row.text("password"));
            let given: Vec<api::WebhookHeader> = headers
                .iter()
                .filter(|h| h.int("webhook_id") == Some(id))
                .filter_map(|h| {
                    Some(api::WebhookHeader {
                        name: h.text("name")?.to_owned(),
                        value: h.text("value").unwrap_or_default().to_owned(),
                    })
                })
                .collect();
            let own = match check_headers(&given, basic.is_some()) {
                Ok(own) => own,
                Err(e) => {
                    (self.say)(format!(
                        "webhook {name:?}: its headers are left out ({e}); set them again"
                    ));
                    Vec::new()
                }
            };
            let secret = new_secret();
            let now = Utc::now();
            let made = webhook::ActiveModel {
                namespace_id: Set(Some(ns)),
                name: Set(name.chars().take(100).collect()),
                url: Set(url.to_owned()),
                events: Set("push,delete".into()),
                enabled: Set(row.flag("enabled")),
                secret_sealed: Set(String::new()),
                basic_username: Set(basic.map(|(user, _)| user.to_owned())),
                created_by_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            let secrets = Secrets {
                secret: &secret,
                headers: &own,
                basic_password: basic.map(|(_, password)| password),
            };
            let made = sealed::store(self.txn, self.sealing, made, secrets).await?;
            (self.say)(format!(
                "webhook {name:?}: its deliveries are now signed (X-Portunus-Signature-256); its owners replace the secret to learn it"
            ));
            self.remember("webhook", id, made.id, false).await?;
        }
        self.report("webhook");
        Ok(())
    }
}
