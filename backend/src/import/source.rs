//! Reading a Portus database, MySQL/MariaDB or PostgreSQL, read-only.
//! Every value is read as text (cast by the database) and parsed here, so
//! one reader serves both engines whatever their column types (MySQL's
//! `tinyint(1)` booleans and `datetime`s, PostgreSQL's `boolean` and
//! `timestamp`s, `int` or `bigint` ids).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement};

use crate::error::{Error, Result};

/// A connected Portus database.
pub struct Source {
    db: DatabaseConnection,
}

/// One row: column name to text (None for NULL).
pub struct Row(HashMap<String, Option<String>>);

impl Source {
    /// Connects to `url`: `mysql://`, `mariadb://` or `postgres://`.
    pub async fn connect(url: &str) -> Result<Source> {
        let url = match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url.to_owned(),
        };
        if !["mysql://", "postgres://", "postgresql://"]
            .iter()
            .any(|p| url.starts_with(p))
        {
            return Err(Error::InvalidInput(
                "--from takes the Portus database's URL: mysql://USER:PASSWORD@HOST/portus_production or postgres://USER:PASSWORD@HOST/portus_production".into(),
            ));
        }
        let db = Database::connect(url.as_str()).await.map_err(|e| {
            Error::InvalidInput(format!(
                "cannot connect to the Portus database: {e}; check the URL, the password and that this machine may connect"
            ))
        })?;
        Ok(Source { db })
    }

    fn quote(&self, name: &str) -> String {
        match self.db.get_database_backend() {
            DatabaseBackend::MySql => format!("`{name}`"),
            _ => format!("\"{name}\""),
        }
    }

    /// `columns` of every row of `table`, by id.
    pub async fn rows(&self, table: &str, columns: &[&str]) -> Result<Vec<Row>> {
        let backend = self.db.get_database_backend();
        let text = match backend {
            DatabaseBackend::MySql => "CHAR",
            _ => "TEXT",
        };
        let selected: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST({} AS {text}) AS {}", self.quote(c), self.quote(c)))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            selected.join(", "),
            self.quote(table),
            self.quote("id")
        );
        let found = self
            .db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .map_err(|e| {
                Error::InvalidInput(format!(
                    "cannot read {table} ({}) from the Portus database: {e}; is it a Portus database?",
                    columns.join(", ")
                ))
            })?;
        found
            .into_iter()
            .map(|row| {
                let mut values = HashMap::new();
                for column in columns {
                    let value: Option<String> = row.try_get("", column).map_err(|e| {
                        Error::InvalidInput(format!("{table}.{column} cannot be read: {e}"))
                    })?;
                    values.insert((*column).to_owned(), value);
                }
                Ok(Row(values))
            })
            .collect()
    }
}

impl Row {
    /// The text of `column`, unless NULL or empty.
    pub fn text(&self, column: &str) -> Option<&str> {
        self.0
            .get(column)
            .and_then(|v| v.as_deref())
            .filter(|v| !v.is_empty())
    }

    pub fn int(&self, column: &str) -> Option<i64> {
        self.text(column).and_then(|v| v.trim().parse().ok())
    }

    /// A boolean as either engine writes it (`1`/`0`, `true`/`false`).
    pub fn flag(&self, column: &str) -> bool {
        matches!(self.text(column), Some("1" | "t" | "true" | "TRUE"))
    }

    /// A time as Rails stored it (UTC, without a zone).
    pub fn time(&self, column: &str) -> Option<DateTime<Utc>> {
        let text = self.text(column)?;
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .map(|t| t.and_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_alike_from_either_engine() {
        let row = Row(HashMap::from([
            ("a".to_owned(), Some("1".to_owned())),
            ("b".to_owned(), Some("false".to_owned())),
            ("t".to_owned(), Some("2019-05-04 10:20:30".to_owned())),
            (
                "u".to_owned(),
                Some("2019-05-04 10:20:30.123456".to_owned()),
            ),
            ("n".to_owned(), None),
            ("e".to_owned(), Some(String::new())),
        ]));
        assert!(row.flag("a") && !row.flag("b") && !row.flag("n"));
        assert_eq!(row.int("a"), Some(1));
        assert_eq!(
            row.time("t").map(|t| t.to_rfc3339()),
            Some("2019-05-04T10:20:30+00:00".into())
        );
        assert!(row.time("u").is_some());
        assert_eq!(row.text("n"), None);
        assert_eq!(row.text("e"), None, "empty reads as absent");
    }
}
