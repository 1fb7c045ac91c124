//! The ids that cross the domain's boundary: one type per kind of row, so a
//! registry's id cannot be passed where a team's is meant. (Namespaces
//! cross it by name, and the audit reads their ids from rows.) Rows keep
//! plain `i64` columns; an id is made from one with `From`, and filters a
//! column as it is (it is a sea-orm value).

use std::fmt;

macro_rules! row_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl From<$name> for sea_orm::Value {
            fn from(id: $name) -> Self {
                id.0.into()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

row_id! {
    /// An account (`users.id`).
    UserId;
    /// A team (`teams.id`).
    TeamId;
    /// A repository (`repositories.id`).
    RepositoryId;
    /// A registry (`registries.id`).
    RegistryId;
}

#[cfg(test)]
mod tests {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

    use super::*;
    use crate::db::entities::namespace;

    #[test]
    fn an_id_filters_its_column_as_the_number_would() {
        let backend = sea_orm::DatabaseBackend::Sqlite;
        let by_id = namespace::Entity::find()
            .filter(namespace::Column::RegistryId.eq(RegistryId(7)))
            .build(backend)
            .to_string();
        let by_number = namespace::Entity::find()
            .filter(namespace::Column::RegistryId.eq(7i64))
            .build(backend)
            .to_string();
        assert_eq!(by_id, by_number);
        assert_eq!(RegistryId::from(7).to_string(), "7");
        assert_eq!(i64::from(UserId(3)), 3);
    }
}
