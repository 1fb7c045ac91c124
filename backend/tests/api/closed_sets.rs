//! Values of a closed set are written once, in `shared/src/domain.rs`:
//! everywhere else in the sources they are named by variant, so a typo is a
//! compile error and every use can be found. This test reads the backend's,
//! the web UI's and the shared crate's sources (comments aside) for any
//! activity key, API error code or directory kind written as a string.

use std::path::{Path, PathBuf};

use portunus_shared::domain::{ActivityKey, ClosedSet, Directory, ErrorCode};

/// Every `"value"` of `T` in `files` outside comments, as
/// `file:line: value`.
fn written_out<T: ClosedSet>(files: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("read a source file");
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for value in T::ALL {
                if line.contains(&format!("\"{}\"", value.as_str())) {
                    found.push(format!(
                        "{}:{}: {}",
                        file.display(),
                        number + 1,
                        value.as_str()
                    ));
                }
            }
        }
    }
    found
}

/// The sources of the backend, the web UI and the shared crate, but for
/// the closed sets' own file.
fn source_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["backend/src", "frontend/src", "shared/src"] {
        crate::kit::rust_sources(&root.join(dir), &mut files);
    }
    let home = root.join("shared/src/domain.rs");
    files.retain(|f| f.canonicalize().ok() != home.canonicalize().ok());
    assert!(files.len() > 100, "read {} files", files.len());
    files
}

#[test]
fn closed_set_values_are_written_only_in_their_closed_set() {
    let files = source_files();
    let mut found = written_out::<ActivityKey>(&files);
    found.extend(written_out::<ErrorCode>(&files));
    // `ldap` is also a URL scheme, which the settings check.
    let not_settings: Vec<PathBuf> = files
        .iter()
        .filter(|f| !f.to_string_lossy().contains("backend/src/config/"))
        .cloned()
        .collect();
    found.extend(written_out::<Directory>(&not_settings));
    assert!(
        found.is_empty(),
        "closed-set values written as strings; name them by variant:\n{}",
        found.join("\n")
    );
}
