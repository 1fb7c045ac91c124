//! `portunus import-portus`: moving from SUSE Portus by reading its
//! database ([`source`]) and bringing its content over ([`portus`]).

pub mod portus;
pub mod source;
