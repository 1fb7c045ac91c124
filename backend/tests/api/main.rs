//! API tests: the whole application in-process against a migrated database,
//! SQLite always and PostgreSQL when `PORTUNUS_TEST_DATABASE_URL` is set.
//! All in one test binary (link time).

// Tests fail loudly, with context.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod authz;
mod closed_sets;
mod comments;
mod dashboard;
mod distribution3;
mod events;
mod health;
mod immutable_tags;
mod kit;
mod layers;
mod limits;
mod openapi;
mod outage;
mod people;
mod recovery;
mod registries;
mod repositories;
mod retention;
mod scoped;
mod session;
mod token;
mod upgrade;
mod users;
mod visibility;
mod webhooks;
