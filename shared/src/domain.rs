//! The domain's closed sets of values: roles, visibilities, token access
//! levels, list orders and registry event states. Each is an enum on the
//! wire (lower case; `openapi.yaml` lists the values), in the database (its
//! `as_str` form) and in the web UI, whose menus offer `ALL`, each by its
//! `label`.

use serde::{Deserialize, Serialize};

/// A closed set of values, for code that handles any of them (menus).
pub trait ClosedSet: Copy + PartialEq + std::str::FromStr + 'static {
    /// Every value, in order.
    const ALL: &'static [Self];
    /// The value as written on the wire and stored in the database.
    fn as_str(self) -> &'static str;
    /// The value as a menu shows it to people.
    fn label(self) -> &'static str;
}

/// Declares a closed set: the enum with its serde and OpenAPI forms, its
/// text form (`as_str`, `Display`), a label for people, parsing with an
/// error that lists the allowed values, and `ALL` in declaration order.
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $text)]
                #[cfg_attr(feature = "openapi", oai(rename = $text))]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written on the wire and stored in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value as a menu shows it to people.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }
        }

        impl ClosedSet for $name {
            const ALL: &'static [$name] = $name::ALL;

            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }

            fn label(self) -> &'static str {
                $name::label(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<$name, String> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| {
                        let allowed: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!("unknown {} {text:?}: use {}", $what, allowed.join(", "))
                    })
            }
        }
    };
}

closed_set! {
    /// What an activity in the log did: the key it is stored and sent under
    /// (webhooks too). Activities brought from Portus may carry keys of
    /// its own, outside this set.
    ActivityKey, "activity" {
        RepositoryPush = "repository.push", "pushed an image",
        RepositoryDelete = "repository.delete", "deleted a repository",
        RepositoryDeleteTag = "repository.delete_tag", "deleted a tag",
        RepositoryStar = "repository.star", "starred a repository",
        RepositoryUnstar = "repository.unstar", "unstarred a repository",
        RepositoryChangeDescription = "repository.change_description", "described a repository",
        RepositoryRetention = "repository.retention", "set a retention rule",
        CommentCreate = "comment.create", "commented",
        CommentDelete = "comment.delete", "deleted a comment",
        TeamCreate = "team.create", "created a team",
        TeamDelete = "team.delete", "deleted a team",
        TeamRename = "team.rename", "renamed a team",
        TeamChangeDescription = "team.change_description", "described a team",
        TeamAddMember = "team.add_member", "added a team member",
        TeamChangeMemberRole = "team.change_member_role", "changed a member's role",
        TeamRemoveMember = "team.remove_member", "removed a team member",
        NamespaceCreate = "namespace.create", "created a namespace",
        NamespaceDelete = "namespace.delete", "deleted a namespace",
        NamespaceChangeVisibility = "namespace.change_visibility", "changed a namespace's visibility",
        NamespaceChangeTeam = "namespace.change_team", "moved a namespace to another team",
        NamespaceChangeDescription = "namespace.change_description", "described a namespace",
        ImmutableTagsAdd = "immutable_tags.add", "made tags immutable",
        ImmutableTagsRemove = "immutable_tags.remove", "removed an immutable-tag rule",
        ImmutableTagsRefuse = "immutable_tags.refuse", "was refused changing an immutable tag",
        AuthSignIn = "auth.sign_in", "signed in",
        AuthSignInFailed = "auth.sign_in_failed", "failed to sign in",
        AuthRegistryLogin = "auth.registry_login", "logged in to the registry",
        AuthRegistryLoginFailed = "auth.registry_login_failed", "failed to log in to the registry",
        UserCreate = "user.create", "created an account",
        UserDelete = "user.delete", "removed an account",
        UserDisable = "user.disable", "disabled an account",
        UserEnable = "user.enable", "enabled an account",
        UserGrantAdmin = "user.grant_admin", "made an administrator",
        UserRevokeAdmin = "user.revoke_admin", "took administration away",
        UserChangePassword = "user.change_password", "changed their password",
        UserSetPassword = "user.set_password", "set a password",
        UserResetPassword = "user.reset_password", "reset a password by mail",
        UserPasswordResetRequested = "user.password_reset_requested", "asked for a password reset",
        UserChoosePassword = "user.choose_password", "chose a first password",
        UserChangeEmail = "user.change_email", "changed an e-mail address",
        UserConfirmEmail = "user.confirm_email", "confirmed an e-mail address",
        UserUnlock = "user.unlock", "unlocked a sign-in",
        UserLinkDirectory = "user.link_directory", "linked an account to the directory",
        ApplicationTokenCreate = "application_token.create", "created an application token",
        ApplicationTokenDestroy = "application_token.destroy", "revoked an application token",
        RefreshTokenCreate = "refresh_token.create", "started a registry login session",
        RefreshTokenDestroy = "refresh_token.destroy", "ended a registry login session",
        WebhookCreate = "webhook.create", "added a webhook",
        WebhookUpdate = "webhook.update", "changed a webhook",
        WebhookDelete = "webhook.delete", "deleted a webhook",
        WebhookReplaceSecret = "webhook.replace_secret", "replaced a webhook's secret",
        WebhookResend = "webhook.resend", "re-sent a webhook delivery",
        RegistryCreate = "registry.create", "added a registry",
        RegistryUpdate = "registry.update", "changed a registry",
        RegistryDelete = "registry.delete", "removed a registry",
        RegistryReplaceSecret = "registry.replace_secret", "replaced a registry's notification secret",
    }
}

closed_set! {
    /// What kind of error an API answer is (`ErrorBody.code`): stable, for
    /// scripts to branch on; the message is for people.
    ErrorCode, "error code" {
        /// The request or a value in it is malformed.
        BadRequest = "bad_request", "bad request",
        /// A value is invalid; the message says which and why.
        InvalidInput = "invalid_input", "invalid input",
        /// Not signed in, or the credentials are wrong.
        Unauthorized = "unauthorized", "not signed in",
        /// Signed in, but not allowed to do this.
        Forbidden = "forbidden", "not allowed",
        /// No such thing, or not visible to you.
        NotFound = "not_found", "not found",
        /// The path does not take this method.
        MethodNotAllowed = "method_not_allowed", "method not allowed",
        /// The change clashes with what exists.
        Conflict = "conflict", "conflict",
        /// The request body is too large.
        TooLarge = "too_large", "too large",
        /// The body is not JSON.
        UnsupportedMediaType = "unsupported_media_type", "not JSON",
        /// Too many attempts from this address; see `Retry-After`.
        TooManyRequests = "too_many_requests", "too many requests",
        /// The registry could not be reached.
        RegistryUnavailable = "registry_unavailable", "registry unavailable",
        /// The LDAP directory or OpenID Provider could not be reached.
        DirectoryUnavailable = "directory_unavailable", "directory unavailable",
        /// The database could not be reached; see `Retry-After`.
        DatabaseUnavailable = "database_unavailable", "database unavailable",
        /// Too many passwords being checked at once; see `Retry-After`.
        Busy = "busy", "busy",
        /// A fault of Portunus; its log has the details.
        Internal = "internal", "internal error",
    }
}

closed_set! {
    /// Where an account's identity lives, when not in Portunus itself.
    Directory, "directory" {
        /// An LDAP directory: its password is the directory's.
        Ldap = "ldap", "LDAP directory",
        /// An OpenID Provider: it signs in there.
        Oidc = "oidc", "OpenID Provider",
    }
}

closed_set! {
    /// A member's role in a team; the order is the order of rights.
    #[derive(PartialOrd, Ord)]
    Role, "role" {
        /// Pulls.
        Viewer = "viewer", "viewer: pull",
        /// Pulls and pushes.
        Contributor = "contributor", "contributor: pull and push",
        /// Everything, including managing the team.
        Owner = "owner", "owner: everything, and managing the team",
    }
}

closed_set! {
    /// Who may see and pull from a namespace.
    Visibility, "visibility" {
        /// Administrators and members of the namespace's team.
        Private = "private", "private: team members only",
        /// Every signed-in user.
        Protected = "protected", "protected: everyone signed in may pull",
        /// Everyone, anonymous visitors included.
        Public = "public", "public: anyone may pull",
    }
}

closed_set! {
    /// How far an application token reaches: the strongest registry action.
    #[derive(PartialOrd, Ord)]
    TokenAccess, "access" {
        /// Pull.
        Read = "read", "read: pull",
        /// Pull and push.
        Write = "write", "write: pull and push",
        /// Pull, push and delete.
        Delete = "delete", "delete: pull, push and delete",
    }
}

closed_set! {
    /// How a list of repositories is ordered.
    #[derive(Default)]
    RepositorySort, "sort" {
        /// By full name.
        #[default]
        Name = "name", "By name",
        /// Most recently pushed first; never pushed last.
        Recent = "recent", "Recently pushed",
        /// Most starred first; among as many stars, the newest repository first.
        Stars = "stars", "Most starred",
    }
}

closed_set! {
    /// Which stored registry events to list.
    #[derive(Default)]
    EventState, "state" {
        /// Every event.
        #[default]
        All = "all", "All",
        /// Stored, not applied yet.
        Pending = "pending", "Waiting",
        /// Processed with an error (not applied).
        Failed = "failed", "Not applied",
        /// Waiting because they name a registry host Portunus does not know.
        Held = "held", "Held: unknown registry host",
    }
}

closed_set! {
    /// What a webhook is told about.
    WebhookEvent, "webhook event" {
        /// An image pushed (a tag or an untagged artifact).
        Push = "push", "Pushes",
        /// A tag, or a whole repository, deleted (also by retention).
        Delete = "delete", "Deletions",
        /// A namespace created, changed or deleted.
        Namespace = "namespace", "Namespace changes",
        /// A team's name, description or members changed.
        Team = "team", "Team changes",
    }
}

closed_set! {
    /// Where a webhook delivery stands.
    DeliveryState, "delivery state" {
        /// Not delivered yet: waiting for its (next) attempt.
        Pending = "pending", "Waiting",
        /// The receiver answered 2xx.
        Delivered = "delivered", "Delivered",
        /// Every attempt failed; re-send to try again.
        Failed = "failed", "Failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_round_trip_and_errors_list_the_values() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
            assert_eq!(
                serde_json::to_string(role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
        }
        assert_eq!(
            "admin".parse::<Role>(),
            Err("unknown role \"admin\": use viewer, contributor, owner".to_owned())
        );
        assert_eq!(
            "Public".parse::<Visibility>(),
            Err("unknown visibility \"Public\": use private, protected, public".to_owned())
        );
        assert!(Role::Viewer < Role::Contributor && Role::Contributor < Role::Owner);
        assert!(TokenAccess::Read < TokenAccess::Write && TokenAccess::Write < TokenAccess::Delete);
        assert_eq!(RepositorySort::default(), RepositorySort::Name);
        assert_eq!(
            serde_json::from_str::<EventState>("\"held\"").unwrap(),
            EventState::Held
        );
    }
}
