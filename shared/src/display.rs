//! How values read to people: sizes in binary units, digests shortened,
//! people by display name with their user name beside it.

/// Bytes in words people read: `512 B`, `1.5 KiB`, `5.0 MiB`.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The first 12 hex digits of a `sha256:` digest, as `docker images` shows them.
pub fn short_digest(digest: &str) -> String {
    digest
        .strip_prefix("sha256:")
        .map_or_else(|| digest.to_owned(), |d| d.chars().take(12).collect())
}

/// A person as the UI names them: `Alice Smith (alice)`, or the user name
/// alone when there is no display name or it says the same. The user name
/// always shows, so a display name cannot pass for someone else.
pub fn person(username: &str, display_name: Option<&str>) -> String {
    match display_name.map(str::trim).filter(|d| !d.is_empty()) {
        Some(display) if display != username => format!("{display} ({username})"),
        _ => username.to_owned(),
    }
}

/// When and by whom something was pushed: `2026-11-30T09:00:00Z by Alice Smith (alice)`.
pub fn pushed(at: &str, by: Option<&str>, by_display_name: Option<&str>) -> String {
    match by {
        Some(who) => format!("{at} by {}", person(who, by_display_name)),
        None => at.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_digests_read_well() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(
            human_size(3 * 1024 * 1024 * 1024 * 1024 * 1024),
            "3072.0 TiB"
        );
        assert_eq!(short_digest("sha256:0123456789abcdef"), "0123456789ab");
        assert_eq!(short_digest("md5:x"), "md5:x");
        assert_eq!(person("alice", Some("Alice Smith")), "Alice Smith (alice)");
        assert_eq!(person("alice", Some("alice")), "alice");
        assert_eq!(person("alice", Some("  ")), "alice");
        assert_eq!(person("alice", None), "alice");
        assert_eq!(pushed("T", Some("alice"), Some("Al")), "T by Al (alice)");
        assert_eq!(pushed("T", None, Some("Al")), "T");
    }
}
