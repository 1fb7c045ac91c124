//! Webhooks, their headers and passwords sealed.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};

use super::{Run, Seen};
use crate::db::entities::webhook;
use crate::error::Result;
use crate::import::source::Row;

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
            if let Seen::Already = self.seen("webhook", id).await? {
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
            let own: Vec<(String, String)> = headers
                .iter()
                .filter(|h| h.int("webhook_id") == Some(id))
                .filter_map(|h| {
                    Some((
                        h.text("name")?.to_ascii_lowercase(),
                        h.text("value")?.to_owned(),
                    ))
                })
                .collect();
            let secret = format!("whsec_{}", crate::crypto::secrets::random_hex(24));
            let username = row.text("username").map(str::to_owned);
            let now = Utc::now();
            let made = webhook::ActiveModel {
                namespace_id: Set(Some(ns)),
                name: Set(name.chars().take(100).collect()),
                url: Set(url.to_owned()),
                events: Set("push,delete".into()),
                enabled: Set(row.flag("enabled")),
                secret_sealed: Set(self.sealing.seal(&secret)),
                headers_sealed: Set((!own.is_empty()).then(|| {
                    self.sealing
                        .seal(&serde_json::to_string(&own).unwrap_or_default())
                })),
                basic_password_sealed: Set(username
                    .as_ref()
                    .map(|_| self.sealing.seal(row.text("password").unwrap_or_default()))),
                basic_username: Set(username),
                created_by_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            (self.say)(format!(
                "webhook {name:?}: its deliveries are now signed (X-Portunus-Signature-256); its owners replace the secret to learn it"
            ));
            self.remember("webhook", id, made.id, false).await?;
        }
        self.report("webhook");
        Ok(())
    }
}
