//! The registry's notification envelope: any body is events or a refusal.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = portunus::ingest::parse_envelope(data);
});
