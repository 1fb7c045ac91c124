//! How values read to people: sizes in binary units, digests shortened,
//! people by display name with their user name beside it, times relative
//! to now, activities as sentences.

/// Bytes in words people read: `512 B`, `1.5 KiB`, `5.0 MiB`.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    // Integer arithmetic in tenths: no float formatting in the web UI's code.
    let mut unit = 0;
    let mut divisor: i128 = 1;
    while i128::from(bytes) >= divisor * 1024 && unit < UNITS.len() - 1 {
        divisor *= 1024;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        let tenths = (i128::from(bytes) * 10 + divisor / 2) / divisor;
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
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

/// How long ago something happened, `seconds` before now: `just now`,
/// `5 minutes ago`, `3 hours ago`, `2 days ago`; after a month, `date`.
pub fn ago(seconds: i64, date: &str) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit} ago")
        } else {
            format!("{n} {unit}s ago")
        }
    };
    match seconds {
        s if s < 60 => "just now".to_owned(),
        s if s < 3600 => plural(s / 60, "minute"),
        s if s < 86_400 => plural(s / 3600, "hour"),
        s if s < 30 * 86_400 => plural(s / 86_400, "day"),
        _ => format!("on {}", date.get(..10).unwrap_or(date)),
    }
}

/// A browser or client in a few words, from its User-Agent: `Firefox 128
/// on Windows`, `Chrome 156 on Linux`, `curl 8.5`; the text itself when
/// it is none of those.
pub fn client_name(user_agent: &str) -> String {
    let version = |product: &str| {
        user_agent
            .split_whitespace()
            .find_map(|part| part.strip_prefix(product)?.strip_prefix('/'))
            .map(|v| v.split('.').next().unwrap_or(v).to_owned())
    };
    let browser = [
        ("Edg", "Edge"),
        ("OPR", "Opera"),
        ("Firefox", "Firefox"),
        ("HeadlessChrome", "Chrome"),
        ("Chrome", "Chrome"),
        ("Version", "Safari"),
        ("curl", "curl"),
    ]
    .iter()
    .find_map(|(product, name)| version(product).map(|v| format!("{name} {v}")));
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser,
        _ if user_agent.trim().is_empty() => "unknown client".to_owned(),
        _ => user_agent.chars().take(60).collect(),
    }
}

/// What kind of thing an activity touched, for its icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Push,
    Delete,
    Star,
    Comment,
    Team,
    Namespace,
    Account,
    Other,
}

impl ActivityKind {
    /// A one-character icon.
    pub fn icon(self) -> &'static str {
        match self {
            ActivityKind::Push => "⬆",
            ActivityKind::Delete => "✕",
            ActivityKind::Star => "★",
            ActivityKind::Comment => "✎",
            ActivityKind::Team => "⚑",
            ActivityKind::Namespace => "▣",
            ActivityKind::Account => "☺",
            ActivityKind::Other => "•",
        }
    }
}

/// An activity as the rest of a sentence that starts with its actor
/// (`pushed web/app:1`, `added bob to team web as viewer`), and its kind.
/// `parameters` is the activity's JSON, if any; keys without words of
/// their own read as `did KEY on TARGET`.
pub fn activity(key: &str, target: &str, parameters: Option<&str>) -> (ActivityKind, String) {
    let params: serde_json::Value = parameters
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default();
    let param = |name: &str| params[name].as_str().unwrap_or("?").to_owned();
    use ActivityKind as K;
    let (kind, text) = match key {
        "repository.push" => (K::Push, format!("pushed {target}")),
        "repository.delete" => (K::Delete, format!("deleted repository {target}")),
        "repository.delete_tag" => (K::Delete, format!("deleted tag {target}")),
        "repository.star" => (K::Star, format!("starred {target}")),
        "repository.unstar" => (K::Star, format!("unstarred {target}")),
        "repository.change_description" => (K::Other, format!("described {target}")),
        "repository.retention" => (K::Other, format!("set the retention rule of {target}")),
        "comment.create" => (K::Comment, format!("commented on {target}")),
        "comment.delete" => (K::Comment, format!("deleted a comment on {target}")),
        "team.create" => (K::Team, format!("created team {target}")),
        "team.delete" => (K::Team, format!("deleted team {target}")),
        "team.rename" => (
            K::Team,
            format!("renamed team {} to {}", param("from"), param("to")),
        ),
        "team.change_description" => (K::Team, format!("described team {target}")),
        "team.add_member" => (
            K::Team,
            format!(
                "added {} to team {target} as {}",
                param("user"),
                param("role")
            ),
        ),
        "team.change_member_role" => (
            K::Team,
            format!("made {} {} of team {target}", param("user"), param("role")),
        ),
        "team.remove_member" => (
            K::Team,
            format!("removed {} from team {target}", param("user")),
        ),
        "namespace.create" => (K::Namespace, format!("created namespace {target}")),
        "namespace.delete" => (K::Namespace, format!("deleted namespace {target}")),
        "namespace.change_visibility" => (
            K::Namespace,
            format!("made namespace {target} {}", param("to")),
        ),
        "namespace.change_team" => (
            K::Namespace,
            format!("moved namespace {target} to team {}", param("to")),
        ),
        "namespace.change_description" => (K::Namespace, format!("described namespace {target}")),
        "auth.sign_in" => (K::Account, "signed in".to_owned()),
        "auth.sign_in_failed" => (K::Account, format!("failed to sign in as {target}")),
        "auth.registry_login" => (K::Account, "logged in to the registry".to_owned()),
        "auth.registry_login_failed" => (
            K::Account,
            format!("failed to log in to the registry as {target}"),
        ),
        "user.create" => (K::Account, format!("created the account {target}")),
        "user.delete" => (K::Account, format!("removed the account {target}")),
        "user.disable" => (K::Account, format!("disabled the account {target}")),
        "user.enable" => (K::Account, format!("enabled the account {target}")),
        "user.grant_admin" => (K::Account, format!("made {target} an administrator")),
        "user.revoke_admin" => (K::Account, format!("took administration from {target}")),
        "user.change_password" => (K::Account, "changed their password".to_owned()),
        "user.set_password" => (K::Account, format!("set the password of {target}")),
        "user.reset_password" => (
            K::Account,
            format!("reset the password of {target} by mail"),
        ),
        "user.password_reset_requested" => (
            K::Account,
            format!("asked for a password reset for {target}"),
        ),
        "user.choose_password" => (K::Account, format!("chose the first password of {target}")),
        "user.change_email" => (
            K::Account,
            format!("changed the e-mail address of {target}"),
        ),
        "user.unlock" => (K::Account, format!("unlocked {target}")),
        "user.link_directory" => (K::Account, format!("linked {target} to the directory")),
        "webhook.create" => (K::Other, format!("added the webhook {target}")),
        "webhook.update" => (K::Other, format!("changed the webhook {target}")),
        "webhook.delete" => (K::Other, format!("deleted the webhook {target}")),
        "webhook.replace_secret" => (
            K::Other,
            format!("replaced the secret of the webhook {target}"),
        ),
        "webhook.resend" => (
            K::Other,
            format!("re-sent a delivery of the webhook {target}"),
        ),
        "registry.create" => (K::Other, format!("added the registry {target}")),
        "registry.update" => (K::Other, format!("changed the registry {target}")),
        "registry.delete" => (K::Other, format!("removed the registry {target}")),
        "registry.replace_secret" => (
            K::Other,
            format!("replaced the notification secret of the registry {target}"),
        ),
        _ => (K::Other, format!("did {key} on {target}")),
    };
    (kind, text)
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
    }

    #[test]
    fn times_and_activities_read_as_sentences() {
        assert_eq!(ago(5, "2026-11-30T10:00:00Z"), "just now");
        assert_eq!(ago(60, ""), "1 minute ago");
        assert_eq!(ago(7_200, ""), "2 hours ago");
        assert_eq!(ago(86_400 * 3, ""), "3 days ago");
        assert_eq!(ago(86_400 * 40, "2026-10-21T10:00:00Z"), "on 2026-10-21");
        let added = activity(
            "team.add_member",
            "web",
            Some(r#"{"user":"bob","role":"viewer"}"#),
        );
        assert_eq!(
            added,
            (ActivityKind::Team, "added bob to team web as viewer".into())
        );
        assert_eq!(
            activity("repository.push", "web/app:1", None).1,
            "pushed web/app:1"
        );
        assert_eq!(
            activity("team.rename", "web", Some("not json")).1,
            "renamed team ? to ?"
        );
        assert_eq!(
            activity("odd.thing", "x", None),
            (ActivityKind::Other, "did odd.thing on x".into())
        );
    }
}
