//! Outgoing webhooks: people who manage a namespace (and administrators,
//! for every namespace) tell Portunus where to POST what happens there.
//! Activities are queued by `audit::outbox` in the transaction of the
//! change; [`sender`] posts them in the background, signed, with retries
//! and a delivery log; [`manage`] is the API's side (who may do what);
//! [`sealed`] keeps each secret sealed for its own column and row;
//! [`target`] keeps deliveries off addresses they may not reach.

pub mod manage;
pub mod sealed;
pub mod sender;
pub mod target;

pub use sender::Sender;
