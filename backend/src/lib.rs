//! Portunus: an authorization service and web UI for Docker/OCI registries.
//! The binary (`cli/`) is a thin command line over these modules.
//!
//! Layers, top to bottom; a module imports only from layers below it
//! (`tests/layers.rs` checks this):
//!
//! | layer | owns |
//! |---|---|
//! | `app` | start-up wiring, background work, serving |
//! | `http` | routes and thin handlers: REST API, token and notification endpoints, metrics, web UI |
//! | `gateway` | the registry API's path through Portunus: reading paths as the registry does, forwarding |
//! | `issuing` | the token exchange: who asks, what they are granted, the signed token; pulls while the database is away |
//! | `import` | moving from Portus: reading its database, bringing its content |
//! | `ingest` | registry events in (store, apply), catalog sync |
//! | `registries` | the registries served: the live set, adding and removing them, their status, what spans them |
//! | `catalog` | repositories, tags, images, listings, comments, deletion, retention rules |
//! | `registry` | the client of the registry's HTTP API, manifests, its config.yml |
//! | `webhooks` | outgoing webhooks: managing them, sending what the outbox queued |
//! | `accounts` | users, teams, namespaces, application and refresh tokens, credentials |
//! | `audit` | the activity log |
//! | `authz` | who may do what: pure rules, their facts, the SQL visibility filter |
//! | `mail` | sending mail through the SMTP server |
//! | `directory` | the LDAP and OpenID Connect clients: who someone is, their groups |
//! | `crypto` | secrets, password hashing, the signing key, minting registry tokens |
//! | `net` | where a request comes from (the client's address) |
//! | `db`, `config`, `error` | the database, the settings, the domain error |

pub mod accounts;
pub mod app;
pub mod audit;
pub mod authz;
pub mod catalog;
pub mod config;
pub mod crypto;
pub mod db;
pub mod directory;
pub mod error;
pub mod gateway;
pub mod http;
pub mod import;
pub mod ingest;
pub mod issuing;
pub mod mail;
pub mod net;
pub mod registries;
pub mod registry;
pub mod webhooks;
