//! The pure visibility rules (`authz::rest`) and the SQL filters that list
//! what someone may see (`authz::visibility`) agree: for every subject
//! (anonymous, administrator, member in each role, outsider) and every
//! namespace (each visibility x each role of the member, personal, global)
//! and team, on SQLite and PostgreSQL.

use std::collections::BTreeSet;

use portunus::accounts::{namespaces, teams};
use portunus::authz::{Subject, facts, rest, visibility};
use portunus::db::entities::{namespace, team};
use portunus_shared::api::{NewNamespace, NewTeam};
use portunus_shared::domain::{Role, Visibility};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::kit::kits;

#[tokio::test]
async fn sql_filters_list_exactly_what_the_rules_let_each_subject_see() {
    for kit in kits().await {
        let db = &kit.state.db;
        let registry_id = kit.state.registries.configured().id;
        let policy = &kit.state.config.policy;
        let root = kit.create_user("root").await.user;
        assert!(root.admin, "{}: the first account administers", kit.backend);
        let ann = kit.create_user("ann").await.user;
        let bob = kit.create_user("bob").await.user;
        for visibility in Visibility::ALL {
            for role in [
                None,
                Some(Role::Viewer),
                Some(Role::Contributor),
                Some(Role::Owner),
            ] {
                let name = format!("{}-{}", visibility, role.map_or("none", |r| r.as_str()));
                let new_team = NewTeam {
                    name: name.clone(),
                    description: String::new(),
                };
                teams::create(db, &root, new_team, policy)
                    .await
                    .expect("team");
                if let Some(role) = role {
                    teams::set_member(db, &root, &name, "ann", role)
                        .await
                        .expect("member");
                }
                let new = NewNamespace {
                    name: name.clone(),
                    team: name.clone(),
                    visibility: Some(*visibility),
                    description: None,
                    registry: None,
                };
                namespaces::create(db, registry_id, &root, new, policy)
                    .await
                    .expect("namespace");
            }
        }
        let all_spaces = namespace::Entity::find().all(db).await.unwrap();
        let all_teams = team::Entity::find()
            .filter(team::Column::Hidden.eq(false))
            .all(db)
            .await
            .unwrap();
        assert_eq!(
            all_spaces.len(),
            12 + 3 + 1,
            "{}: 12 team, 3 personal, the global",
            kit.backend
        );

        let subjects = [
            ("anonymous", Subject::anonymous()),
            ("root", Subject::user(&root, None)),
            ("ann", Subject::user(&ann, None)),
            ("bob", Subject::user(&bob, None)),
        ];
        for (who, subject) in &subjects {
            let mut by_rule = BTreeSet::new();
            for ns in &all_spaces {
                let found = facts::facts_for(db, ns, subject).await.unwrap();
                if rest::may_see_namespace(subject, &found) {
                    by_rule.insert(ns.name.clone());
                }
            }
            let by_sql = namespaces_listed(db, subject).await;
            assert_eq!(by_sql, by_rule, "{} namespaces of {who}", kit.backend);

            let mut by_rule = BTreeSet::new();
            for t in &all_teams {
                let role =
                    facts::role_in_team(db, portunus::db::ids::TeamId(t.id), subject.user_id)
                        .await
                        .unwrap();
                if rest::may_see_team(subject, role) {
                    by_rule.insert(t.name.clone());
                }
            }
            let mut query = team::Entity::find().filter(team::Column::Hidden.eq(false));
            if let Some(filter) = visibility::teams(subject, team::Column::Id) {
                query = query.filter(filter);
            }
            let by_sql: BTreeSet<String> = query
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.name)
                .collect();
            assert_eq!(by_sql, by_rule, "{} teams of {who}", kit.backend);
        }

        // The sets themselves, so that agreeing on nothing cannot pass.
        let ann_sees = namespaces_listed(db, &subjects[2].1).await;
        let expected: BTreeSet<String> = [
            "ann",
            "private-viewer",
            "private-contributor",
            "private-owner",
            "protected-none",
            "protected-viewer",
            "protected-contributor",
            "protected-owner",
            "public-none",
            "public-viewer",
            "public-contributor",
            "public-owner",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain(
            all_spaces
                .iter()
                .filter(|n| n.global)
                .map(|n| n.name.clone()),
        )
        .collect();
        assert_eq!(ann_sees, expected, "{}", kit.backend);
        let anonymous_sees = namespaces_listed(db, &subjects[0].1).await;
        assert_eq!(
            anonymous_sees.len(),
            4 + 1,
            "{}: public ones and the global: {anonymous_sees:?}",
            kit.backend
        );
    }
}

/// The names of the namespaces the SQL filter lists for `subject`.
async fn namespaces_listed(db: &DatabaseConnection, subject: &Subject) -> BTreeSet<String> {
    let mut query = namespace::Entity::find();
    if let Some(filter) = visibility::namespaces(
        subject,
        namespace::Column::Visibility,
        namespace::Column::TeamId,
    ) {
        query = query.filter(filter);
    }
    query
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
}

#[tokio::test]
async fn the_database_refuses_roles_and_visibilities_outside_their_sets() {
    use sea_orm::ConnectionTrait;
    for kit in kits().await {
        kit.create_user("root").await;
        let db = &kit.state.db;
        for statement in [
            "UPDATE team_members SET role = 'boss'",
            "UPDATE namespaces SET visibility = 'secret'",
        ] {
            let refused = db.execute_unprepared(statement).await;
            assert!(
                refused.is_err(),
                "{}: {statement} was accepted",
                kit.backend
            );
        }
        for statement in [
            "UPDATE team_members SET role = 'viewer'",
            "UPDATE namespaces SET visibility = 'protected'",
        ] {
            db.execute_unprepared(statement)
                .await
                .unwrap_or_else(|e| panic!("{}: {statement}: {e}", kit.backend));
        }
    }
}
