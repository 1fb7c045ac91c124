//! Types that the Portunus server, its web UI and its tests agree on: names and
//! their validation, the registry scope grammar, and the JSON wire types of the
//! REST API. Compiles to WebAssembly; server-only derives sit behind the
//! `openapi` feature.

pub mod api;
pub mod display;
pub mod domain;
pub mod names;
pub mod scope;
