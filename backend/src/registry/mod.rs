//! Everything about the registry itself: the client of its HTTP API
//! (`client`: Portunus authenticates with tokens it signs for its internal
//! identity, `portunus`, with just the access each call needs; no shared
//! password is stored anywhere), the manifests it serves (`manifest`), and
//! its own configuration file (`config_file`).

pub mod client;
pub mod config_file;
pub mod manifest;

pub use client::{
    FetchedManifest, INTERNAL_IDENTITY, ImageMetadata, PlatformImage, RegistryClient, RegistryError,
};
