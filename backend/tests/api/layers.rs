//! The backend's layers, as `src/lib.rs` and the README draw them: each
//! top-level module may use only the modules below it in [`LAYERS`], so
//! imports point downwards and no two modules depend on each other.

use std::collections::BTreeSet;
use std::path::Path;

/// Bottom first.
const LAYERS: &[&str] = &[
    "error",
    "config",
    "net",
    "db",
    "crypto",
    "directory",
    "mail",
    "authz",
    "audit",
    "accounts",
    "webhooks",
    "registry",
    "catalog",
    "registries",
    "ingest",
    "import",
    "issuing",
    "gateway",
    "http",
    "app",
];

/// The top-level modules `text` names as `crate::NAME`.
fn used(text: &str) -> BTreeSet<String> {
    text.match_indices("crate::")
        .map(|(at, _)| {
            text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    crate::kit::rust_sources(&src, &mut files);
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default()
            .trim_end_matches(".rs");
        if matches!(top, "lib" | "cli") {
            continue;
        }
        let rank = LAYERS.iter().position(|l| *l == top).unwrap_or_else(|| {
            panic!(
                "{top} (from {relative:?}) is in no layer; add it to LAYERS, lib.rs and the README"
            )
        });
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for name in used(&text) {
            match LAYERS.iter().position(|l| *l == name) {
                Some(other) if other < rank || name == top => {}
                _ => violations.push(format!("{} uses crate::{name}", relative.display())),
            }
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} files were checked");
    assert!(
        violations.is_empty(),
        "imports that point upwards or sideways:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    assert_eq!(
        used("use crate::http::state;\nlet x = crate::db::Paging::new();"),
        BTreeSet::from(["db".to_owned(), "http".to_owned()])
    );
}
