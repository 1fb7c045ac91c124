//! Who people are, by account id: user name and display name, read in one
//! query for a page of rows that name them (pushers, authors, members,
//! actors).

use std::collections::HashMap;

use portunus_shared::api::Person;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::db::entities::user;

/// The people with these ids (ids of removed accounts are left out).
pub async fn people_of(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Person>, DbErr> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple::<(i64, String, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, username, display_name)| {
            (
                id,
                Person {
                    username,
                    display_name,
                },
            )
        })
        .collect())
}
