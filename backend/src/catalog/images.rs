//! A repository's tags grouped by the image they point at, with what refers
//! to each image: OCI artifacts whose `subject` it is, and cosign's
//! `sha256-HEX.sig` / `.att` / `.sbom` tags (which then are not listed as
//! images of their own).

use std::collections::{BTreeMap, HashMap};

use portunus_shared::api;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::authz::Subject;
use crate::catalog::repositories;
use crate::db::entities::{artifact, repository};
use crate::db::ids::RepositoryId;
use crate::db::people::people_of;
use crate::error::Result;

/// The image digest and artifact kind a cosign tag refers to.
pub fn cosign_tag(name: &str) -> Option<(String, &'static str)> {
    let (hex, kind) = name.strip_prefix("sha256-")?.split_once('.')?;
    let kind = match kind {
        "sig" => "signature",
        "att" => "attestation",
        "sbom" => "sbom",
        _ => return None,
    };
    let is_hex = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    is_hex.then(|| (format!("sha256:{hex}"), kind))
}

/// The images of a visible repository, newest push first.
pub async fn list(
    db: &DatabaseConnection,
    who: &Subject,
    id: RepositoryId,
) -> Result<Vec<api::Image>> {
    let (_, repo) = repositories::find_visible(db, who, id).await?;
    of(db, &repo).await
}

/// The images of a repository, newest push first.
pub async fn of(db: &DatabaseConnection, repo: &repository::Model) -> Result<Vec<api::Image>> {
    let tags = repositories::tags_of(db, repo).await?;
    let mut artifacts: BTreeMap<String, Vec<api::Artifact>> = BTreeMap::new();
    let mut images: Vec<api::Image> = Vec::new();
    // Where each digest's image is in `images` (repositories with thousands
    // of images are not searched through for every tag).
    let mut index: HashMap<String, usize> = HashMap::new();
    // Tags come newest first, so each image's first tag gives its push time.
    for tag in tags {
        if let Some((subject, kind)) = cosign_tag(&tag.name) {
            artifacts.entry(subject).or_default().push(api::Artifact {
                digest: tag.digest,
                artifact_type: kind.to_owned(),
                size: tag.size,
                tag: Some(tag.name),
                pushed_by: tag.pushed_by,
                pushed_by_display_name: tag.pushed_by_display_name,
                pushed_at: tag.pushed_at,
            });
            continue;
        }
        match index.get(&tag.digest).map(|&at| &mut images[at]) {
            Some(image) => {
                image.tags.push(tag.name);
                if tag.pulled_at > image.pulled_at {
                    image.pulled_at = tag.pulled_at;
                }
            }
            None => {
                index.insert(tag.digest.clone(), images.len());
                images.push(api::Image {
                    digest: tag.digest,
                    media_type: tag.media_type,
                    size: tag.size,
                    layers: tag.layers,
                    created: tag.created,
                    platforms: tag.platforms,
                    tags: vec![tag.name],
                    pushed_at: tag.pushed_at,
                    pushed_by: tag.pushed_by,
                    pushed_by_display_name: tag.pushed_by_display_name,
                    pulled_at: tag.pulled_at,
                    artifacts: Vec::new(),
                });
            }
        }
    }
    let rows = artifact::Entity::find()
        .filter(artifact::Column::RepositoryId.eq(repo.id))
        .order_by_desc(artifact::Column::PushedAt)
        .all(db)
        .await?;
    let pushers = people_of(db, rows.iter().filter_map(|r| r.pushed_by_id)).await?;
    for row in rows {
        let pusher = row.pushed_by_id.and_then(|id| pushers.get(&id).cloned());
        artifacts
            .entry(row.subject_digest)
            .or_default()
            .push(api::Artifact {
                digest: row.digest,
                artifact_type: row.artifact_type,
                size: row.size,
                tag: None,
                pushed_by: pusher.as_ref().map(|p| p.username.clone()),
                pushed_by_display_name: pusher.and_then(|p| p.display_name),
                pushed_at: repositories::timestamp(row.pushed_at),
            });
    }
    for image in &mut images {
        image.tags.sort();
        if let Some(found) = artifacts.remove(&image.digest) {
            image.artifacts = found;
        }
    }
    Ok(images)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosign_tags() {
        let hex = "a".repeat(64);
        assert_eq!(
            cosign_tag(&format!("sha256-{hex}.sig")),
            Some((format!("sha256:{hex}"), "signature"))
        );
        assert_eq!(
            cosign_tag(&format!("sha256-{hex}.att")).map(|c| c.1),
            Some("attestation")
        );
        for not in [
            "latest".to_owned(),
            format!("sha256-{hex}.txt"),
            format!("sha256-{}.sig", "a".repeat(63)),
            format!("sha256-{}.sig", "g".repeat(64)),
            "sha256-.sig".to_owned(),
        ] {
            assert_eq!(cosign_tag(&not), None, "{not}");
        }
    }
}
