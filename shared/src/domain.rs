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
            pub fn as_str(self) -> &'static str {
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
