//! What a request says about where it comes from, read the same way by
//! the HTTP layer and the gateway (`client_address`).

pub mod client_address;
