//! The registry scope grammar (`repository:team/app:pull,push`, several
//! per request): any text parses or is refused, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portunus_shared::scope::{Scope, parse_scopes};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(scope) = Scope::parse(text) {
            // What parsed, written out plainly, parses to the same.
            let actions: Vec<&str> = scope.actions.iter().map(String::as_str).collect();
            let plain = format!("{}:{}:{}", scope.resource_type, scope.name, actions.join(","));
            assert_eq!(Scope::parse(&plain), Ok(scope));
        }
        let _ = parse_scopes(text.split(' '));
    }
});
