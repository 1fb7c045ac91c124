//! Manifests and indexes as the registry serves them, under each media
//! type Portunus asks for (the first byte picks it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use portunus::registry::manifest;

const MEDIA_TYPES: [&str; 6] = [
    manifest::DOCKER_MANIFEST,
    manifest::DOCKER_LIST,
    manifest::OCI_MANIFEST,
    manifest::OCI_INDEX,
    manifest::DOCKER_SCHEMA1,
    "application/json",
];

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else {
        return;
    };
    let content_type = MEDIA_TYPES[usize::from(*first) % MEDIA_TYPES.len()];
    if let Ok((_, parsed)) = manifest::parse(content_type, body) {
        let _ = format!("{parsed:?}");
    }
    if let Ok(value) = serde_json::from_slice(body) {
        let _ = manifest::config_facts(&value);
        let _ = manifest::runtime_facts(&value);
    }
});
