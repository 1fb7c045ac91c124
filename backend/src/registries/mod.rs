//! The registries Portunus serves, as a set: the live set each process
//! keeps (`live`: the configured registry and those administrators added,
//! each with its client and token settings), adding, changing and removing
//! them (`admin`), whether each answers (`status`), what a namespace holds
//! across them (`holdings`), and retention passes over all of them
//! (`retention`). Imports `catalog`, `registry`, `accounts`, `authz`,
//! `audit`, `crypto`, `config`, `db`, `error`.

pub mod admin;
pub mod holdings;
pub mod live;
pub mod retention;
pub mod status;

pub use live::{Registries, Served};
