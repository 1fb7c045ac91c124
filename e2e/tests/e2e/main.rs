//! End-to-end tests: real registry, real `portunus`, real clients (podman,
//! skopeo, the Docker engine) and a real browser. One test binary.

// Tests fail loudly, with context.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod authorization;
mod backup;
mod browser;
mod browser_home;
mod browser_quality;
mod browser_registries;
mod browser_webhooks;
mod cli;
mod conformance;
mod deployment;
pub mod docker;
mod events;
pub mod gateway;
mod health;
mod import;
mod ldap;
mod oidc;
mod outage;
pub mod podman;
pub mod recovery;
mod registries;
mod replicas;
mod schemathesis;
mod setup;
mod sync;
mod upgrade;
mod vacancy;
mod webhooks;
