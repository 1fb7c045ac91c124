//! A manifest pushed without a tag that refers to another manifest through
//! OCI `subject`: a signature, an SBOM, an attestation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "artifacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub repository_id: i64,
    pub digest: String,
    /// The digest of the manifest this artifact is about.
    pub subject_digest: String,
    /// `artifactType`, or the config media type when that is absent.
    pub artifact_type: String,
    pub media_type: String,
    pub size: i64,
    pub pushed_by_id: Option<i64>,
    pub pushed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
