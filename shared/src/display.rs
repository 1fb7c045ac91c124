//! How values read to people: sizes in binary units, digests shortened,
//! people by display name with their user name beside it, times relative
//! to now, activities as sentences.

use crate::domain::ActivityKey;

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
    let Ok(known) = key.parse::<ActivityKey>() else {
        return (K::Other, format!("did {key} on {target}"));
    };
    use ActivityKey as A;
    let (kind, text) = match known {
        A::RepositoryPush => (K::Push, format!("pushed {target}")),
        A::RepositoryDelete => (K::Delete, format!("deleted repository {target}")),
        A::RepositoryDeleteTag => (K::Delete, format!("deleted tag {target}")),
        A::RepositoryStar => (K::Star, format!("starred {target}")),
        A::RepositoryUnstar => (K::Star, format!("unstarred {target}")),
        A::RepositoryChangeDescription => (K::Other, format!("described {target}")),
        A::RepositoryRetention => (K::Other, format!("set the retention rule of {target}")),
        A::CommentCreate => (K::Comment, format!("commented on {target}")),
        A::CommentDelete => (K::Comment, format!("deleted a comment on {target}")),
        A::TeamCreate => (K::Team, format!("created team {target}")),
        A::TeamDelete => (K::Team, format!("deleted team {target}")),
        A::TeamRename => (
            K::Team,
            format!("renamed team {} to {}", param("from"), param("to")),
        ),
        A::TeamChangeDescription => (K::Team, format!("described team {target}")),
        A::TeamAddMember => (
            K::Team,
            format!(
                "added {} to team {target} as {}",
                param("user"),
                param("role")
            ),
        ),
        A::TeamChangeMemberRole => (
            K::Team,
            format!("made {} {} of team {target}", param("user"), param("role")),
        ),
        A::TeamRemoveMember => (
            K::Team,
            format!("removed {} from team {target}", param("user")),
        ),
        A::NamespaceCreate => (K::Namespace, format!("created namespace {target}")),
        A::NamespaceDelete => (K::Namespace, format!("deleted namespace {target}")),
        A::NamespaceChangeVisibility => (
            K::Namespace,
            format!("made namespace {target} {}", param("to")),
        ),
        A::NamespaceChangeTeam => (
            K::Namespace,
            format!("moved namespace {target} to team {}", param("to")),
        ),
        A::NamespaceChangeDescription => (K::Namespace, format!("described namespace {target}")),
        A::ImmutableTagsAdd => (
            K::Namespace,
            format!("made tags {} immutable in {target}", param("pattern")),
        ),
        A::ImmutableTagsRemove => (
            K::Namespace,
            format!(
                "removed the immutable-tag rule {} of {target}",
                param("pattern")
            ),
        ),
        A::ImmutableTagsRefuse => (
            K::Delete,
            format!(
                "was refused {} {target}: {}",
                param("action"),
                param("reason")
            ),
        ),
        A::AuthSignIn => (K::Account, "signed in".to_owned()),
        A::AuthSignInFailed => (K::Account, format!("failed to sign in as {target}")),
        A::AuthRegistryLogin => (K::Account, "logged in to the registry".to_owned()),
        A::AuthRegistryLoginFailed => (
            K::Account,
            format!("failed to log in to the registry as {target}"),
        ),
        A::UserCreate => (K::Account, format!("created the account {target}")),
        A::UserDelete => (K::Account, format!("removed the account {target}")),
        A::UserDisable => (K::Account, format!("disabled the account {target}")),
        A::UserEnable => (K::Account, format!("enabled the account {target}")),
        A::UserGrantAdmin => (K::Account, format!("made {target} an administrator")),
        A::UserRevokeAdmin => (K::Account, format!("took administration from {target}")),
        A::UserChangePassword => (K::Account, "changed their password".to_owned()),
        A::UserSetPassword => (K::Account, format!("set the password of {target}")),
        A::UserResetPassword => (
            K::Account,
            format!("reset the password of {target} by mail"),
        ),
        A::UserPasswordResetRequested => (
            K::Account,
            format!("asked for a password reset for {target}"),
        ),
        A::UserChoosePassword => (K::Account, format!("chose the first password of {target}")),
        A::UserChangeEmail => (
            K::Account,
            format!("changed the e-mail address of {target}"),
        ),
        A::UserUnlock => (K::Account, format!("unlocked {target}")),
        A::UserLinkDirectory => (K::Account, format!("linked {target} to the directory")),
        A::WebhookCreate => (K::Other, format!("added the webhook {target}")),
        A::WebhookUpdate => (K::Other, format!("changed the webhook {target}")),
        A::WebhookDelete => (K::Other, format!("deleted the webhook {target}")),
        A::WebhookReplaceSecret => (
            K::Other,
            format!("replaced the secret of the webhook {target}"),
        ),
        A::WebhookResend => (
            K::Other,
            format!("re-sent a delivery of the webhook {target}"),
        ),
        A::RegistryCreate => (K::Other, format!("added the registry {target}")),
        A::RegistryUpdate => (K::Other, format!("changed the registry {target}")),
        A::RegistryDelete => (K::Other, format!("removed the registry {target}")),
        A::RegistryReplaceSecret => (
            K::Other,
            format!("replaced the notification secret of the registry {target}"),
        ),
        A::UserConfirmEmail => (K::Account, "confirmed their e-mail address".to_owned()),
        A::ApplicationTokenCreate => (
            K::Account,
            format!(
                "created the application token {target} for {}",
                param("user")
            ),
        ),
        A::ApplicationTokenDestroy => (
            K::Account,
            format!("revoked the application token {target}"),
        ),
        A::RefreshTokenCreate => (
            K::Account,
            format!("stayed logged in to the registry through {target}"),
        ),
        A::RefreshTokenDestroy => (
            K::Account,
            format!("ended a registry login through {target}"),
        ),
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
            ActivityKey::TeamAddMember.as_str(),
            "web",
            Some(r#"{"user":"bob","role":"viewer"}"#),
        );
        assert_eq!(
            added,
            (ActivityKind::Team, "added bob to team web as viewer".into())
        );
        assert_eq!(
            activity(ActivityKey::RepositoryPush.as_str(), "web/app:1", None).1,
            "pushed web/app:1"
        );
        assert_eq!(
            activity(ActivityKey::TeamRename.as_str(), "web", Some("not json")).1,
            "renamed team ? to ?"
        );
        assert_eq!(
            activity("odd.thing", "x", None),
            (ActivityKind::Other, "did odd.thing on x".into())
        );
    }
}
