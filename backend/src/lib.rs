//! Portunus: an authorization service and web UI for Docker/OCI registries.
//! The binary (`main.rs`) is a thin command line over these modules.

pub mod access;
pub mod activities;
pub mod api;
pub mod app;
pub mod app_tokens;
pub mod audit;
pub mod comments;
pub mod config;
pub mod credentials;
pub mod db;
pub mod deletion;
pub mod error;
pub mod events;
pub mod explore;
pub mod images;
pub mod listing;
pub mod markdown;
pub mod metrics;
pub mod namespaces;
pub mod password;
pub mod policy;
pub mod refresh_tokens;
pub mod registry;
pub mod registry_config;
pub mod repositories;
pub mod retention;
pub mod secrets;
pub mod signing;
pub mod spa;
pub mod state;
pub mod sync;
pub mod teams;
pub mod token;
pub mod users;
