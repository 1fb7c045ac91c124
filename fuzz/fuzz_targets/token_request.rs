//! The token endpoint's request parsing: the query string with its
//! `Authorization` header (Basic or Bearer), and the OAuth2 form body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use poem::http::HeaderValue;
use portunus::http::token::TokenRequest;

fuzz_target!(|data: &[u8]| {
    // QUERY \0 AUTHORIZATION
    let mut parts = data.splitn(2, |b| *b == 0);
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let header = parts.next().and_then(|h| HeaderValue::from_bytes(h).ok());
    let _ = TokenRequest::parse(&query, header.as_ref());
    let _ = TokenRequest::parse_form(data);
});
