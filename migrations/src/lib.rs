//! The database schema of Portunus as an ordered list of migrations. A released
//! migration never changes: changes come as new files named
//! `mYYYYMMDD_HHMMSS_what.rs`. The server runs them at start.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261122_000002_refresh_tokens;
mod m20261122_000003_image_metadata;
mod m20261122_000004_stars;
mod m20261122_000005_artifacts_comments_retention;
mod m20261130_000006_closed_sets;
mod m20261130_000007_sign_in_guards;
mod m20261130_000008_directory_identities;
mod m20261130_000009_password_resets;
mod m20261130_000010_session_origins;
mod m20261130_000011_comment_authors;
mod m20261130_000012_unique_display_names;
mod m20261130_000013_registry_sync_outcome;
mod m20261130_000014_replicas;
mod m20261130_000015_list_indexes;
mod m20261130_000016_repository_last_push;
mod m20261130_000017_stars_by_repository;
mod m20261130_000018_authz_epoch;
mod m20261130_000019_repository_star_count;
mod m20261130_000020_activity_namespaces;
mod m20261130_000021_repository_name_trigrams;
mod m20261130_000022_namespace_repository_count;
mod m20261201_000023_webhooks;
mod m20261201_000024_portus_imports;
mod m20261201_000025_several_registries;
mod m20261207_000026_epoch_on_locks_only;
mod m20261207_000027_webhook_attempts;
mod m20261207_000028_email_confirmation;
mod m20261207_000029_epoch_on_what_grants;
mod m20261207_000030_immutable_tags;
mod m20261207_000031_pulls;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261122_000002_refresh_tokens::Migration),
            Box::new(m20261122_000003_image_metadata::Migration),
            Box::new(m20261122_000004_stars::Migration),
            Box::new(m20261122_000005_artifacts_comments_retention::Migration),
            Box::new(m20261130_000006_closed_sets::Migration),
            Box::new(m20261130_000007_sign_in_guards::Migration),
            Box::new(m20261130_000008_directory_identities::Migration),
            Box::new(m20261130_000009_password_resets::Migration),
            Box::new(m20261130_000010_session_origins::Migration),
            Box::new(m20261130_000011_comment_authors::Migration),
            Box::new(m20261130_000012_unique_display_names::Migration),
            Box::new(m20261130_000013_registry_sync_outcome::Migration),
            Box::new(m20261130_000014_replicas::Migration),
            Box::new(m20261130_000015_list_indexes::Migration),
            Box::new(m20261130_000016_repository_last_push::Migration),
            Box::new(m20261130_000017_stars_by_repository::Migration),
            Box::new(m20261130_000018_authz_epoch::Migration),
            Box::new(m20261130_000019_repository_star_count::Migration),
            Box::new(m20261130_000020_activity_namespaces::Migration),
            Box::new(m20261130_000021_repository_name_trigrams::Migration),
            Box::new(m20261130_000022_namespace_repository_count::Migration),
            Box::new(m20261201_000023_webhooks::Migration),
            Box::new(m20261201_000024_portus_imports::Migration),
            Box::new(m20261201_000025_several_registries::Migration),
            Box::new(m20261207_000026_epoch_on_locks_only::Migration),
            Box::new(m20261207_000027_webhook_attempts::Migration),
            Box::new(m20261207_000028_email_confirmation::Migration),
            Box::new(m20261207_000029_epoch_on_what_grants::Migration),
            Box::new(m20261207_000030_immutable_tags::Migration),
            Box::new(m20261207_000031_pulls::Migration),
        ]
    }
}
