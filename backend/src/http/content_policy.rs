//! Content-Security-Policy headers. The web UI's policy lets the page run
//! only its own files, the WebAssembly it loads, and the inline start-up
//! script Trunk writes into `index.html`, allowed by its SHA-256 (read from
//! the built file at start); every other answer (JSON, text) gets a policy
//! that allows nothing at all. Both forbid framing.

use sha2::{Digest, Sha256};

/// For answers that are not the web UI: nothing may load, nothing may frame.
pub const NOTHING: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The web UI's policy, for an `index.html` with this text.
pub fn web_ui(index_html: &str) -> String {
    let scripts: String = inline_scripts(index_html)
        .iter()
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(" 'sha256-{}'", data_encoding::BASE64.encode(&digest))
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{scripts}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of every `<script>` without a `src`, exactly as the browser
/// hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let tag = &rest[start..];
        let Some(open_end) = tag.find('>') else {
            break;
        };
        let Some(close) = tag.find("</script>") else {
            break;
        };
        if !tag[..open_end].contains("src=") && close > open_end {
            found.push(&tag[open_end + 1..close]);
        }
        rest = &tag[close + "</script>".len()..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_others_are_not() {
        let html = "<head><script type=\"module\">\nrun();\n</script>\
                    <script src=\"/app.js\"></script><script>x()</script></head>";
        assert_eq!(inline_scripts(html), ["\nrun();\n", "x()"]);
        let policy = web_ui(html);
        // echo -n 'x()' | openssl dgst -sha256 -binary | base64
        assert!(
            policy.contains("'sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI='"),
            "{policy}"
        );
        assert_eq!(policy.matches("'sha256-").count(), 2, "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(
            !policy.contains("'unsafe-eval'"),
            "only WebAssembly may compile"
        );
    }
}
