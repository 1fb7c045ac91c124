//! Repositories, their tags, images and artifacts, comments, stars and search.

use serde::{Deserialize, Serialize};

use super::{Namespace, Person, Team};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// A repository in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Repository {
    pub id: i64,
    /// The full name, as in `docker pull REGISTRY/NAME:TAG`.
    pub name: String,
    pub namespace: String,
    /// The registry holding it, by name (`default` is `[registry]`).
    #[serde(default)]
    pub registry: String,
    /// `host:port` of that registry, as in `docker pull HOST/NAME:TAG`.
    #[serde(default)]
    pub registry_host: String,
    /// Markdown, as written.
    pub description: String,
    /// The description rendered as sanitized HTML (empty in lists).
    pub description_html: String,
    /// Whether you may change the description and moderate comments
    /// (owners of its namespace, administrators).
    pub may_manage: bool,
    /// Whether the delete policy lets you delete its tags and the
    /// repository itself (team owners, administrators; contributors where
    /// `policy.contributors_may_delete`; nobody when deleting is off).
    /// Only answered by `GET /repositories/{id}`; false in lists.
    #[serde(default)]
    pub may_delete: bool,
    pub tags: u64,
    /// When a tag was last pushed.
    pub updated_at: Option<String>,
    /// How many users starred it.
    pub stars: u64,
    /// Whether you starred it.
    pub starred: bool,
}

/// A public repository as anyone may see it, with its images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ExploredRepository {
    pub repository: Repository,
    pub images: Vec<Image>,
}

/// A new description for a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RepositoryDescription {
    /// Markdown, at most 65,536 bytes.
    pub description: String,
}

/// A comment on a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Comment {
    pub id: i64,
    /// The author's user name (as it was, once their account is gone).
    pub author: Option<String>,
    /// The author's display name, while their account exists.
    pub author_display_name: Option<String>,
    /// Markdown, as written.
    pub body: String,
    /// The body rendered as sanitized HTML.
    pub body_html: String,
    pub created_at: String,
    /// Whether you may delete it (its author, owners of the namespace,
    /// administrators).
    pub may_delete: bool,
}

/// A comment to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewComment {
    /// Markdown, 1 to 10,000 characters, not only spaces.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(max_length = 10000, pattern = r"[^\s\u0085]"))
    )]
    pub body: String,
}

/// One image of a multi-platform index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PlatformImage {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub digest: String,
    pub size: i64,
}

/// A tag and the image it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Tag {
    pub name: String,
    pub digest: String,
    pub media_type: String,
    /// Bytes of configuration and layers (all platforms, for an index).
    pub size: i64,
    pub layers: i32,
    /// The image configuration's digest; none for an index.
    pub image_id: Option<String>,
    /// When the image was built.
    pub created: Option<String>,
    /// Image labels as a JSON object.
    pub labels: Option<String>,
    pub platforms: Vec<PlatformImage>,
    pub pushed_by: Option<String>,
    pub pushed_by_display_name: Option<String>,
    pub pushed_at: String,
    pub pulled_at: Option<String>,
}

/// One layer of an image, in order, with the build step that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Layer {
    pub digest: String,
    pub media_type: String,
    pub size: i64,
    /// The build instruction, from the image configuration's history.
    pub created_by: Option<String>,
}

/// A tag with what its image is made of, read from the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct TagDetails {
    pub tag: Tag,
    /// The layers of an image (empty for an index: see `tag.platforms`).
    pub layers: Vec<Layer>,
    /// What runs: entrypoint and command, joined.
    pub command: Option<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub exposed_ports: Vec<String>,
}

/// An image of a repository with every tag that points at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Image {
    pub digest: String,
    pub media_type: String,
    pub size: i64,
    pub layers: i32,
    pub created: Option<String>,
    pub platforms: Vec<PlatformImage>,
    /// Its tags, by name.
    pub tags: Vec<String>,
    /// When one of its tags was last pushed.
    pub pushed_at: String,
    /// Who made that push.
    pub pushed_by: Option<String>,
    pub pushed_by_display_name: Option<String>,
    /// When it was last pulled.
    pub pulled_at: Option<String>,
    /// Signatures, SBOMs and attestations about it.
    pub artifacts: Vec<Artifact>,
}

/// Something about an image pushed beside it: an OCI artifact whose
/// `subject` is the image, or a cosign `sha256-DIGEST.sig` style tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Artifact {
    pub digest: String,
    /// `artifactType` (e.g. `application/vnd.dev.cosign.artifact.sig.v1+json`),
    /// its config media type, or `signature`, `attestation`, `sbom` for a
    /// cosign tag.
    pub artifact_type: String,
    pub size: i64,
    /// The cosign tag that holds it, if it is one.
    pub tag: Option<String>,
    pub pushed_by: Option<String>,
    pub pushed_by_display_name: Option<String>,
    pub pushed_at: String,
}

/// What a search found, each list by name and at most 20 long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct SearchResults {
    pub repositories: Vec<Repository>,
    pub namespaces: Vec<Namespace>,
    pub teams: Vec<Team>,
    /// Accounts whose user name or display name matches (signed-in users only).
    pub people: Vec<Person>,
}
