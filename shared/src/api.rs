//! JSON bodies of the REST API under `/api/v1`, shared by the server (which
//! describes them in openapi.yaml) and the web UI (which sends and reads them).
//! An optional field without a value is left out of an answer, never `null`.

use serde::{Deserialize, Serialize};

use crate::domain::{
    DeliveryState, Directory, ErrorCode, Role, TokenAccess, Visibility, WebhookEvent,
};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// The body of every error answer: a stable machine-readable `code` and a
/// `message` that tells a person what was wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ErrorBody {
    /// Stable identifier such as `unauthorized`, `not_found`, `invalid_input`.
    pub code: ErrorCode,
    /// What went wrong, in words a person can act on.
    pub message: String,
}

/// Credentials for signing in to the web UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// The account that made the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    /// Whether `email` was confirmed by a mailed link (or vouched for by
    /// the account's directory).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub email_verified: bool,
    pub display_name: Option<String>,
    pub admin: bool,
    /// The directory the account belongs to: `ldap` (its password is the
    /// directory's) or `oidc` (it signs in through the OpenID Provider and
    /// logs in to registries with application tokens); absent: a local account.
    pub directory: Option<Directory>,
    /// Name of the personal namespace, where this user can always push.
    pub namespace: Option<String>,
}

/// A new account created through sign-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct SignUp {
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"))
    )]
    pub username: String,
    /// 8 to 128 characters.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 8, max_length = 128)))]
    pub password: String,
    pub email: Option<String>,
    /// The setup code the server printed at start while there is no
    /// administrator: with it, this account becomes the first one.
    pub setup_code: Option<String>,
}

/// What sign-up created, including how the user name was turned into a
/// namespace name when it was not one already.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct SignedUp {
    pub user: Me,
    /// Set when the personal namespace name differs from the user name.
    pub namespace_notice: Option<String>,
}

/// Public facts about a Portunus installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ServerInfo {
    pub version: String,
    /// `host:port` of the registry, as used in `docker login` and image names.
    pub registry: String,
    /// Whether people may create their own accounts.
    pub signup: bool,
    /// Whether there is no administrator yet: a sign-up with the setup code
    /// from the server's log becomes the first one.
    pub setup: bool,
    /// Whether user names and passwords are checked with an LDAP directory.
    pub ldap: bool,
    /// The OpenID Provider's name, for a "Sign in with NAME" button that
    /// goes to `/api/v1/oidc/login`; absent: none is configured.
    pub oidc: Option<String>,
    /// Whether "forgot your password?" works here (mail is configured).
    pub password_reset: bool,
    /// Every registry people push to, the configured one (`default`) first.
    #[serde(default)]
    pub registries: Vec<RegistryName>,
}

/// A registry as clients know it: its name in Portunus and its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryName {
    pub name: String,
    /// `host:port`, as used in `docker login` and image names.
    pub host: String,
}

/// A namespace named with its registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NamespaceInRegistry {
    pub name: String,
    /// The registry's name (`default` is `[registry]`).
    pub registry: String,
}

/// A team: members with roles, owning namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Team {
    pub id: i64,
    pub name: String,
    /// Markdown, as written.
    pub description: String,
    /// The description rendered as sanitized HTML (empty in lists).
    pub description_html: String,
    pub members: Vec<TeamMember>,
    /// Names of the namespaces the team owns.
    pub namespaces: Vec<String>,
    /// The same namespaces with the registry each belongs to.
    #[serde(default)]
    pub namespaces_in_registries: Vec<NamespaceInRegistry>,
    /// Whether you may change the team, its members and namespaces (its
    /// owners, administrators).
    pub may_manage: bool,
}

/// A member of a team and their role: `viewer` (pull), `contributor` (pull,
/// push) or `owner` (everything, including managing the team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct TeamMember {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
}

/// Someone as others see them: the display name they chose, shown beside
/// the user name that nobody else can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Person {
    pub username: String,
    pub display_name: Option<String>,
}

/// A new team; its creator becomes its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewTeam {
    /// 1 to 80 letters, digits, spaces, `.`, `_` and `-`, starting with a
    /// letter or digit.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$"))
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub description: String,
}

/// Changes to a team; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct TeamUpdate {
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$"))
    )]
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The role to give a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct MemberRole {
    pub role: Role,
}

/// A namespace: the first part of repository names (`NAMESPACE/app`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Namespace {
    pub id: i64,
    pub name: String,
    /// The registry it belongs to, by name (`default` is `[registry]`).
    #[serde(default)]
    pub registry: String,
    /// The owning team.
    pub team: String,
    pub visibility: Visibility,
    /// Markdown, as written.
    pub description: String,
    /// The description rendered as sanitized HTML (empty in lists).
    pub description_html: String,
    /// True for the namespace of repositories without a slash.
    pub global: bool,
    /// Set for a user's personal namespace: that user's name.
    pub personal_of: Option<String>,
    /// Your role in its team, if you are a member.
    pub role: Option<Role>,
    /// Whether you may change or delete it (its team's owners, administrators).
    pub may_manage: bool,
}

/// A new namespace, owned by a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewNamespace {
    /// Lowercase letters and digits, joined by single `.`, `_` or `-`.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(max_length = 255, pattern = r"^[a-z0-9]+([._-][a-z0-9]+)*$"))
    )]
    pub name: String,
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$"))
    )]
    pub team: String,
    /// The registry it belongs to, by name; default: the configured one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 255)))]
    pub registry: Option<String>,
    /// Default: `private`.
    pub visibility: Option<Visibility>,
    pub description: Option<String>,
}

/// Changes to a namespace; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NamespaceUpdate {
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$"))
    )]
    pub team: Option<String>,
    pub visibility: Option<Visibility>,
    pub description: Option<String>,
}

/// A new application token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewApplicationToken {
    /// A name to recognise it by, unique per user (e.g. `ci-deploy`): at
    /// most 80 characters, not only spaces.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(max_length = 80, pattern = r"[^\s\u0085]"))
    )]
    pub name: String,
    /// Namespaces (`team`) or repositories (`team/app`) it may reach; empty
    /// or absent: everything its user may reach.
    pub resources: Option<Vec<String>>,
    /// The registry those resources are in (its name, as `/info` lists
    /// them; absent: `default`). Only with `resources`: a token of a
    /// namespace reaches it in that registry alone.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 1, max_length = 255)))]
    pub registry: Option<String>,
    /// `read` (pull), `write` (pull, push) or `delete` (the default: everything).
    pub access: Option<TokenAccess>,
    /// When it stops working (RFC 3339); absent: never.
    pub expires_at: Option<String>,
}

/// An application token as listed: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ApplicationToken {
    pub id: i64,
    pub name: String,
    /// The user it acts as.
    pub user: String,
    pub resources: Vec<String>,
    /// The registry `resources` are in; absent when it reaches everything.
    pub registry: Option<String>,
    pub access: TokenAccess,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub created_at: String,
}

/// A token just created: `secret` is shown this once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct CreatedApplicationToken {
    pub token: ApplicationToken,
    /// Use it as the password in `docker login`, or as `Authorization: Bearer` on the API.
    pub secret: String,
}

/// Which registry actions a user may take on a repository, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Permissions {
    pub user: Option<String>,
    pub repository: String,
    /// The namespace the repository belongs to, when it exists and is visible.
    pub namespace: Option<String>,
    pub actions: Vec<ActionVerdict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ActionVerdict {
    /// `pull`, `push`, `delete` or `*`.
    pub action: String,
    pub allowed: bool,
    /// Stable identifier of the deciding rule, e.g. `team_writer`.
    pub rule: String,
    /// The rule in words.
    pub explanation: String,
}

/// An account as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    /// Whether `email` was confirmed by a mailed link (or vouched for by
    /// the account's directory).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub email_verified: bool,
    pub display_name: Option<String>,
    pub admin: bool,
    pub enabled: bool,
    pub bot: bool,
    pub namespace: Option<String>,
    /// When too many failed sign-ins locked the account (for
    /// `lockout_seconds` from then, unless an administrator unlocks it).
    pub locked_at: Option<String>,
    /// The directory the account belongs to: `ldap` or `oidc`; absent: local.
    pub directory: Option<Directory>,
    pub created_at: String,
}

/// An account created by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewUser {
    /// 1 to 64 letters, digits, `.`, `_`, `-` and `@`, starting with a
    /// letter or digit.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"))
    )]
    pub username: String,
    /// 8 to 128 characters. Required unless `bot` is set, or `[mail]` is
    /// configured and `email` given: then the person gets a link to choose
    /// their password.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 8, max_length = 128)))]
    pub password: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub admin: bool,
    /// A bot has no password and no personal namespace; it uses application tokens.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub bot: bool,
}

/// Changes to an account; absent fields stay. `admin` and `enabled` are for
/// administrators (anyone may disable their own account, but not the last
/// administrator's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct UserUpdate {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub admin: Option<bool>,
    pub enabled: Option<bool>,
    /// `true` lifts a lockout after failed sign-ins (administrators).
    pub unlock: Option<bool>,
}

/// "Forgot your password?": a link goes to the address of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PasswordResetRequest {
    /// The user name or the e-mail address of the account.
    pub user: String,
}

/// A new password, proven by the secret of a link sent by mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PasswordReset {
    /// What follows `#token=` in the link.
    pub token: String,
    pub new_password: String,
}

/// An e-mail address confirmed by the secret of a link sent to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct EmailConfirmation {
    /// What follows `#token=` in the link.
    pub token: String,
}

/// A request taken; the message says what happens next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Accepted {
    pub message: String,
}

/// A new password, proven by the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PasswordChange {
    pub current_password: String,
    /// 8 to 128 characters.
    #[cfg_attr(feature = "openapi", oai(validator(min_length = 8, max_length = 128)))]
    pub new_password: String,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Activity {
    pub id: i64,
    /// Who did it (a user name, or `portunus-cli`).
    pub actor: String,
    /// The actor's display name, while their account exists.
    pub actor_display_name: Option<String>,
    /// What was done, e.g. `team.add_member` or `auth.sign_in_failed`.
    pub key: String,
    pub target_type: String,
    pub target: String,
    /// The target's id (a repository's for `repository`), while known.
    pub target_id: Option<i64>,
    pub parameters: Option<String>,
    pub created_at: String,
}

/// A repository in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Repository {
    pub id: i64,
    /// The full name, as in `docker pull REGISTRY/NAME:TAG`.
    pub name: String,
    pub namespace: String,
    /// The registry holding it, by name (`default` is `[registry]`).
    #[serde(default)]
    pub registry: String,
    /// `host:port` of that registry, as in `docker pull HOST/NAME:TAG`.
    #[serde(default)]
    pub registry_host: String,
    /// Markdown, as written.
    pub description: String,
    /// The description rendered as sanitized HTML (empty in lists).
    pub description_html: String,
    /// Whether you may change the description and moderate comments
    /// (owners of its namespace, administrators).
    pub may_manage: bool,
    /// Whether the delete policy lets you delete its tags and the
    /// repository itself (team owners, administrators; contributors where
    /// `policy.contributors_may_delete`; nobody when deleting is off).
    /// Only answered by `GET /repositories/{id}`; false in lists.
    #[serde(default)]
    pub may_delete: bool,
    pub tags: u64,
    /// When a tag was last pushed.
    pub updated_at: Option<String>,
    /// How many users starred it.
    pub stars: u64,
    /// Whether you starred it.
    pub starred: bool,
}

/// A public repository as anyone may see it, with its images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct ExploredRepository {
    pub repository: Repository,
    pub images: Vec<Image>,
}

/// Which tags of a repository retention deletes. A tag goes when it matches
/// `tag_pattern` (all tags when unset), is not among the `keep_newest`
/// newest matching tags, was pushed more than `older_than_days` ago, and was
/// not pulled within `keep_pulled_within_days`. At least one of
/// `keep_newest` and `older_than_days` must be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RetentionRule {
    /// Whether the scheduled runs apply it (a preview works either way).
    pub enabled: bool,
    /// Keep this many newest tags (1 to 100000). A rule needs this,
    /// `older_than_days`, or both.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "100000")))
    )]
    pub keep_newest: Option<i32>,
    /// Delete tags pushed more than this many days ago (1 to 36500).
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "36500")))
    )]
    pub older_than_days: Option<i32>,
    /// A regular expression the whole tag name must match, e.g. `pr-.*`.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 255)))]
    pub tag_pattern: Option<String>,
    /// Keep tags pulled within this many days (1 to 36500).
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "36500")))
    )]
    pub keep_pulled_within_days: Option<i32>,
}

/// A stored rule and when it last ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RetentionSetting {
    pub rule: RetentionRule,
    /// Whether a rule is stored (otherwise `rule` is the empty default).
    pub stored: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
    pub last_run_at: Option<String>,
}

/// What a retention rule decides for one tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RetentionVerdict {
    pub tag: String,
    pub digest: String,
    pub pushed_at: String,
    pub pulled_at: Option<String>,
    pub delete: bool,
    /// Why, in words: "among the 5 newest", "pulled 2 days ago", ...
    pub reason: String,
}

/// Every tag of a repository with what a rule decides for it: those to
/// delete first, then those kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RetentionPreview {
    pub repository: String,
    pub delete: u64,
    pub keep: u64,
    pub tags: Vec<RetentionVerdict>,
}

/// A new description for a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RepositoryDescription {
    /// Markdown, at most 65,536 bytes.
    pub description: String,
}

/// A comment on a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Comment {
    pub id: i64,
    /// The author's user name (as it was, once their account is gone).
    pub author: Option<String>,
    /// The author's display name, while their account exists.
    pub author_display_name: Option<String>,
    /// Markdown, as written.
    pub body: String,
    /// The body rendered as sanitized HTML.
    pub body_html: String,
    pub created_at: String,
    /// Whether you may delete it (its author, owners of the namespace,
    /// administrators).
    pub may_delete: bool,
}

/// A comment to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewComment {
    /// Markdown, 1 to 10,000 characters, not only spaces.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(max_length = 10000, pattern = r"[^\s\u0085]"))
    )]
    pub body: String,
}

/// One image of a multi-platform index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct PlatformImage {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub digest: String,
    pub size: i64,
}

/// A tag and the image it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Tag {
    pub name: String,
    pub digest: String,
    pub media_type: String,
    /// Bytes of configuration and layers (all platforms, for an index).
    pub size: i64,
    pub layers: i32,
    /// The image configuration's digest; none for an index.
    pub image_id: Option<String>,
    /// When the image was built.
    pub created: Option<String>,
    /// Image labels as a JSON object.
    pub labels: Option<String>,
    pub platforms: Vec<PlatformImage>,
    pub pushed_by: Option<String>,
    pub pushed_by_display_name: Option<String>,
    pub pushed_at: String,
    pub pulled_at: Option<String>,
}

/// One layer of an image, in order, with the build step that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Layer {
    pub digest: String,
    pub media_type: String,
    pub size: i64,
    /// The build instruction, from the image configuration's history.
    pub created_by: Option<String>,
}

/// A tag with what its image is made of, read from the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct TagDetails {
    pub tag: Tag,
    /// The layers of an image (empty for an index: see `tag.platforms`).
    pub layers: Vec<Layer>,
    /// What runs: entrypoint and command, joined.
    pub command: Option<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub exposed_ports: Vec<String>,
}

/// An image of a repository with every tag that points at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Image {
    pub digest: String,
    pub media_type: String,
    pub size: i64,
    pub layers: i32,
    pub created: Option<String>,
    pub platforms: Vec<PlatformImage>,
    /// Its tags, by name.
    pub tags: Vec<String>,
    /// When one of its tags was last pushed.
    pub pushed_at: String,
    /// Who made that push.
    pub pushed_by: Option<String>,
    pub pushed_by_display_name: Option<String>,
    /// When it was last pulled.
    pub pulled_at: Option<String>,
    /// Signatures, SBOMs and attestations about it.
    pub artifacts: Vec<Artifact>,
}

/// Something about an image pushed beside it: an OCI artifact whose
/// `subject` is the image, or a cosign `sha256-DIGEST.sig` style tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Artifact {
    pub digest: String,
    /// `artifactType` (e.g. `application/vnd.dev.cosign.artifact.sig.v1+json`),
    /// its config media type, or `signature`, `attestation`, `sbom` for a
    /// cosign tag.
    pub artifact_type: String,
    pub size: i64,
    /// The cosign tag that holds it, if it is one.
    pub tag: Option<String>,
    pub pushed_by: Option<String>,
    pub pushed_by_display_name: Option<String>,
    pub pushed_at: String,
}

/// A notification the registry sent, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryEvent {
    pub id: i64,
    /// The registry's own event id.
    pub event_id: String,
    /// The registry that sent it, by name.
    #[serde(default)]
    pub registry: String,
    pub action: String,
    pub repository: Option<String>,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// Who the registry says acted (the token's subject).
    pub actor: Option<String>,
    pub received_at: String,
    /// When it was applied; none while it waits.
    pub processed_at: Option<String>,
    /// Why it was not applied, if it was not.
    pub error: Option<String>,
    /// The registry host the event named when it is held because that host
    /// is not one of the registry's names (add it to `registry.hostnames`).
    pub held_host: Option<String>,
}

/// The installation at a glance, for administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Overview {
    pub users: u64,
    pub teams: u64,
    pub namespaces: u64,
    pub repositories: u64,
    pub tags: u64,
    /// Registry events held because they name an unknown registry host.
    pub held_events: u64,
    /// Pushes per day (UTC) over the last 30 days, oldest first, today last.
    pub pushes: Vec<DayCount>,
}

/// The registry as Portunus sees it, for administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryStatus {
    /// Where Portunus reaches it (`registry.url`).
    pub url: String,
    /// `host:port` as clients name it.
    pub host: String,
    /// Whether it answered Portunus's token just now.
    pub reachable: bool,
    /// What happened, in words: how long the answer took, or why it failed.
    pub answer: String,
    /// Its `Docker-Distribution-Api-Version` header (`registry/2.0`).
    pub api_version: Option<String>,
    /// When the last catalog sync ended, and how.
    pub last_sync_at: Option<String>,
    pub last_sync_outcome: Option<String>,
}

/// A registry Portunus authorizes for (administrators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Registry {
    /// Its name in Portunus (`default` is the one in the configuration file).
    pub name: String,
    /// Where Portunus reaches its HTTP API.
    pub url: String,
    /// The service name its tokens carry: its `auth.token.service`.
    pub service: String,
    /// Other names clients reach it by, besides the host of `url`.
    pub hostnames: Vec<String>,
    /// Whether it is the configured registry (`[registry]`), which only
    /// the configuration file changes.
    pub configured: bool,
    /// How it answers now, and how its last catalog sync ended.
    pub status: RegistryStatus,
}

/// A registry to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewRegistry {
    /// Lowercase letters, digits and dashes, like `europe`.
    pub name: String,
    /// Where Portunus reaches its HTTP API, like `https://registry-eu.example.org`.
    pub url: String,
    /// The service name for its tokens; its `auth.token.service` must equal it.
    pub service: String,
    /// Other names clients reach it by (`host` or `host:port`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub hostnames: Vec<String>,
    /// Add it even if it does not answer now.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub skip_check: bool,
}

/// Changes to a registry; what is absent stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryUpdate {
    pub url: Option<String>,
    pub service: Option<String>,
    pub hostnames: Option<Vec<String>>,
    /// Take a new URL even if nothing answers there now.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub skip_check: bool,
}

/// A registry with its notification secret, shown when it is made or
/// replaced; `portunus registry-config --registry NAME` prints it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RegistryWithSecret {
    pub registry: Registry,
    pub notification_secret: String,
}

/// How many of something happened on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub count: u64,
}

/// What a search found, each list by name and at most 20 long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct SearchResults {
    pub repositories: Vec<Repository>,
    pub namespaces: Vec<Namespace>,
    pub teams: Vec<Team>,
    /// Accounts whose user name or display name matches (signed-in users only).
    pub people: Vec<Person>,
}

/// What a list entry must be: on the server, something OpenAPI can describe.
#[cfg(feature = "openapi")]
pub trait Listed: poem_openapi::types::ParseFromJSON + poem_openapi::types::ToJSON {}
#[cfg(feature = "openapi")]
impl<T: poem_openapi::types::ParseFromJSON + poem_openapi::types::ToJSON> Listed for T {}
/// What a list entry must be: on the server, something OpenAPI can describe.
#[cfg(not(feature = "openapi"))]
pub trait Listed {}
#[cfg(not(feature = "openapi"))]
impl<T> Listed for T {}

/// One page of a list (pages count from 1), and how many entries match in
/// all. OpenAPI names each kind `Page_ENTRY`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Page<T: Listed> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

pub type UserPage = Page<User>;
pub type ActivityPage = Page<Activity>;
pub type TeamPage = Page<Team>;
pub type NamespacePage = Page<Namespace>;
pub type RepositoryPage = Page<Repository>;
pub type RegistryEventPage = Page<RegistryEvent>;
pub type WebhookDeliveryPage = Page<WebhookDelivery>;

/// A refresh token (the long-lived login of `docker login` and other OAuth2
/// clients) as its user sees it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RefreshTokenInfo {
    pub id: i64,
    pub service: String,
    /// The client that asked for it (`docker`, `containerd-client`, ...).
    pub client_id: String,
    /// The client address it was issued to.
    pub address: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A web UI session of yours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebSession {
    pub id: i64,
    /// Whether it is the session asking.
    pub current: bool,
    /// The browser (its User-Agent) that signed in.
    pub client: String,
    /// The client address it signed in from.
    pub address: String,
    pub created_at: String,
    /// When it was last used (to within five minutes).
    pub last_used_at: Option<String>,
    pub expires_at: String,
}

/// A webhook: where Portunus posts what happens in a namespace (or, for a
/// global one, in every namespace). Its secret and the values of its extra
/// headers and password are never shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Webhook {
    pub id: i64,
    /// The namespace it belongs to; left out for a global webhook.
    pub namespace: Option<String>,
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub enabled: bool,
    /// The names of the extra headers it sends.
    pub header_names: Vec<String>,
    /// The user name of its HTTP Basic authentication, if it has one.
    pub basic_auth_username: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Its latest delivery, to see at a glance whether it works.
    pub last_delivery: Option<WebhookDelivery>,
}

/// An extra request header a webhook sends (e.g. a receiver's token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookHeader {
    pub name: String,
    pub value: String,
}

/// HTTP Basic authentication for a webhook's receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookBasicAuth {
    pub username: String,
    pub password: String,
}

/// A new webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewWebhook {
    /// What it is for, e.g. "CI deploy".
    pub name: String,
    /// Where to POST (http or https).
    pub url: String,
    /// What it is told about (at least one).
    pub events: Vec<WebhookEvent>,
    /// Default: true.
    pub enabled: Option<bool>,
    /// Extra request headers, stored sealed.
    pub headers: Option<Vec<WebhookHeader>>,
    /// Stored sealed.
    pub basic_auth: Option<WebhookBasicAuth>,
}

/// A change to a webhook: what is given changes, the rest stays.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookUpdate {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<WebhookEvent>>,
    pub enabled: Option<bool>,
    /// Replaces every extra header; an empty list removes them.
    pub headers: Option<Vec<WebhookHeader>>,
    /// Replaces the Basic authentication.
    pub basic_auth: Option<WebhookBasicAuth>,
    /// True removes the Basic authentication.
    pub remove_basic_auth: Option<bool>,
}

/// A webhook just made (or its secret just replaced), with the secret that
/// signs its deliveries: shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookWithSecret {
    pub webhook: Webhook,
    /// The key of the `X-Portunus-Signature-256` HMAC-SHA256 signature.
    pub secret: String,
}

/// One delivery of one event to one webhook: the request as sent and what
/// the receiver answered last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookDelivery {
    pub id: i64,
    /// Sent as `X-Portunus-Delivery`; a re-send gets a new one.
    pub delivery_id: String,
    /// `push`, `delete`, `namespace`, `team`, or `ping` for a test.
    pub event: String,
    /// What happened, as the activity log names it (`repository.push`).
    pub action: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub created_at: String,
    pub last_attempt_at: Option<String>,
    /// When the next attempt is due, while it is pending.
    pub next_attempt_at: Option<String>,
    /// The receiver's HTTP status in the last attempt.
    pub response_status: Option<i32>,
    /// The start of the receiver's answer in the last attempt (1 KiB).
    pub response_excerpt: Option<String>,
    /// Why the last attempt failed, when it got no answer or a non-2xx one.
    pub error: Option<String>,
    /// How long the last attempt took.
    pub duration_ms: Option<i64>,
    /// The delivery this one sends again.
    pub resend_of: Option<i64>,
    /// The request body, exactly as sent.
    pub payload: String,
    /// Every attempt so far, the first first.
    #[serde(default)]
    pub history: Vec<WebhookAttempt>,
}

/// One attempt of a webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookAttempt {
    /// 1 for the first.
    pub number: i32,
    pub attempted_at: String,
    /// The receiver's HTTP status, when it answered.
    pub response_status: Option<i32>,
    /// The start of the receiver's answer (1 KiB).
    pub response_excerpt: Option<String>,
    /// Why it failed, when it got no answer or a non-2xx one.
    pub error: Option<String>,
    pub duration_ms: i64,
}
