//! End-to-end tests: real registry, real `portunus`, real clients (podman,
//! skopeo, the Docker engine) and a real browser. One test binary.

mod browser;
mod docker;
mod podman;
