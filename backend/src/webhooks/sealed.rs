//! A webhook's sealed columns: its signing secret, extra headers and
//! basic-authentication password, each sealed for its own column and row
//! (`crypto::sealing`), so that none can be moved into another and read
//! out through it. Values sealed before places are sealed again for
//! theirs at start ([`seal_unplaced`]).

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::crypto::sealing::{Place, SealingError, SealingKey, is_placed};
use crate::db::entities::webhook;
use crate::error::Result;

/// A sealed column of `webhooks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    Secret,
    Headers,
    BasicPassword,
}

impl Sealed {
    const ALL: [Sealed; 3] = [Sealed::Secret, Sealed::Headers, Sealed::BasicPassword];

    fn column(self) -> webhook::Column {
        match self {
            Sealed::Secret => webhook::Column::SecretSealed,
            Sealed::Headers => webhook::Column::HeadersSealed,
            Sealed::BasicPassword => webhook::Column::BasicPasswordSealed,
        }
    }

    fn place(self, row: i64) -> Place<'static> {
        Place {
            table: "webhooks",
            column: match self {
                Sealed::Secret => "secret_sealed",
                Sealed::Headers => "headers_sealed",
                Sealed::BasicPassword => "basic_password_sealed",
            },
            row,
        }
    }

    /// The value of this column in `hook`, sealed.
    fn of(self, hook: &webhook::Model) -> Option<&str> {
        match self {
            Sealed::Secret => Some(hook.secret_sealed.as_str()),
            Sealed::Headers => hook.headers_sealed.as_deref(),
            Sealed::BasicPassword => hook.basic_password_sealed.as_deref(),
        }
    }

    /// Seals `plain` for this column of webhook `row`.
    pub fn seal(self, key: &SealingKey, row: i64, plain: &str) -> String {
        key.seal(self.place(row), plain)
    }

    /// Opens this column of `hook`; `None` when it holds nothing.
    pub fn open(
        self,
        key: &SealingKey,
        hook: &webhook::Model,
    ) -> std::result::Result<Option<String>, SealingError> {
        self.of(hook)
            .map(|sealed| key.open(self.place(hook.id), sealed))
            .transpose()
    }
}

/// What a new webhook keeps sealed.
pub struct Secrets<'a> {
    pub secret: &'a str,
    pub headers: &'a [(String, String)],
    pub basic_password: Option<&'a str>,
}

/// `headers` sealed for webhook `id`; `None` when there are none.
pub fn seal_headers(key: &SealingKey, id: i64, headers: &[(String, String)]) -> Option<String> {
    (!headers.is_empty()).then(|| {
        let json = serde_json::to_string(headers).unwrap_or_default();
        Sealed::Headers.seal(key, id, &json)
    })
}

/// Stores `secrets` in `hook`, a webhook just inserted without them (a
/// value is sealed for its row, so the row's id comes first).
pub async fn store(
    db: &impl ConnectionTrait,
    key: &SealingKey,
    hook: webhook::Model,
    secrets: Secrets<'_>,
) -> Result<webhook::Model> {
    let id = hook.id;
    let mut row: webhook::ActiveModel = hook.into();
    row.secret_sealed = Set(Sealed::Secret.seal(key, id, secrets.secret));
    row.headers_sealed = Set(seal_headers(key, id, secrets.headers));
    row.basic_password_sealed = Set(secrets
        .basic_password
        .map(|password| Sealed::BasicPassword.seal(key, id, password)));
    Ok(row.update(db).await?)
}

/// Seals again, each for its place, every webhook value sealed before
/// places; how many. A value another process sealed again meanwhile is
/// left as that one wrote it.
pub async fn seal_unplaced(db: &impl ConnectionTrait, key: &SealingKey) -> Result<u64> {
    let mut sealed_again = 0;
    for hook in webhook::Entity::find().all(db).await? {
        for column in Sealed::ALL {
            let Some(old) = column.of(&hook).filter(|v| !is_placed(v)) else {
                continue;
            };
            // One that does not open (another key) stays as it is: its
            // deliveries fail saying so, and its owners set it again.
            let Ok(plain) = key.open_unplaced(old) else {
                tracing::warn!(webhook = hook.id, name = %hook.name, "a sealed value of this webhook cannot be opened with this process's key; it stays as it is");
                continue;
            };
            let updated = webhook::Entity::update_many()
                .col_expr(
                    column.column(),
                    Expr::value(column.seal(key, hook.id, &plain)),
                )
                .filter(webhook::Column::Id.eq(hook.id))
                .filter(column.column().eq(old))
                .exec(db)
                .await?;
            sealed_again += updated.rows_affected;
        }
    }
    Ok(sealed_again)
}
