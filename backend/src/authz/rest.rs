//! Who may see and change what through the REST API: pure functions over
//! the subject and the facts, each tested for every kind of subject. The
//! SQL that lists what someone may see (`visibility`) is tested to agree
//! with [`may_see_namespace`].
//!
//! The rules:
//! - namespaces (and their repositories, tags, comments, retention rules):
//!   visible to administrators, to members of the namespace's team, and for
//!   protected and public namespaces to everyone signed in; anonymous
//!   visitors see public ones only. Managed (changed, deleted, described,
//!   comments moderated) by administrators and owners of the team; the
//!   global namespace by administrators only.
//! - webhooks: a namespace's are seen and changed by those who manage the
//!   namespace, global ones by administrators; never through a token
//!   limited to part of the registry (they hold secrets of their own).
//! - teams: visible to administrators and members, managed by
//!   administrators and owners; members may leave. Users create teams when
//!   `policy.users_create_teams` (bots never), team owners create
//!   namespaces when `policy.users_create_namespaces`.
//! - accounts, their tokens and what the registry said about them: the
//!   user themself and administrators; administering (listing and creating
//!   accounts, roles, unlocking, registry events, everyone's activities):
//!   administrators.
//! - an application token limited to part of the registry reads only the
//!   repositories it covers and the namespaces they are in (never teams,
//!   accounts or anything administrative); it, or one limited to less
//!   than delete, changes nothing.
//!
//! Where a rule denies seeing something, callers answer "not found", so
//! that private names never leak.

use super::{NamespaceFacts, NamespaceKind, Role, Subject, TokenAccess, TokenScope, Visibility};
use crate::config::PolicySettings;
use crate::db::ids::UserId;
use crate::error::Error;

/// Why a token limited to part of the registry is refused what lies
/// outside it (accounts, teams, the installation).
const LIMITED_TOKEN: &str = "this application token is limited to part of the registry and reads only those repositories; use the web UI or an unrestricted token for this";

/// The refusal for `subject`: that their token is limited, when it is (the
/// usual reason is then beside the point), otherwise `reason`.
pub fn refusal(subject: &Subject, reason: &str) -> Error {
    let message = if subject.limited() {
        LIMITED_TOKEN
    } else {
        reason
    };
    Error::Forbidden(message.into())
}

/// Whether `subject` may see a namespace and what it holds.
pub fn may_see_namespace(subject: &Subject, facts: &NamespaceFacts) -> bool {
    if !subject.signed_in() {
        return facts.visibility == Visibility::Public;
    }
    subject.admin || facts.role.is_some() || facts.visibility != Visibility::Private
}

/// [`may_see_namespace`] for the namespace `name` (None: the global one),
/// narrowed to what the subject's token reaches.
pub fn may_see_named_namespace(
    subject: &Subject,
    facts: &NamespaceFacts,
    name: Option<&str>,
) -> bool {
    may_see_namespace(subject, facts)
        && subject
            .token_scope
            .as_ref()
            .is_none_or(|s| s.in_registry(facts.registry_id) && s.reaches_namespace(name))
}

/// Whether `subject` may see the repository `full_name` in a namespace
/// with these facts: where they may see the namespace and their token
/// covers the repository.
pub fn may_see_repository(subject: &Subject, facts: &NamespaceFacts, full_name: &str) -> bool {
    may_see_namespace(subject, facts)
        && subject
            .token_scope
            .as_ref()
            .is_none_or(|s| s.covers_in(facts.registry_id, full_name))
}

/// Whether `subject` may change or delete a namespace, describe its
/// repositories and moderate their comments.
pub fn may_manage_namespace(subject: &Subject, facts: &NamespaceFacts) -> bool {
    if subject.admin {
        return true;
    }
    let own_personal =
        matches!(facts.kind, NamespaceKind::Personal { owner } if Some(owner) == subject.user_id);
    let owner = facts.role == Some(Role::Owner) && facts.kind != NamespaceKind::Global;
    subject.signed_in() && (own_personal || owner)
}

/// Whether `subject` may see and change what is set per namespace or for
/// the whole installation (webhooks, immutable-tag rules): a namespace's
/// (`facts`) where they manage the namespace, the installation's (`None`)
/// as administrators.
pub fn may_manage_settings(subject: &Subject, facts: Option<&NamespaceFacts>) -> bool {
    !subject.limited()
        && match facts {
            None => may_administer(subject),
            Some(facts) => may_manage_namespace(subject, facts),
        }
}

/// Whether `subject` may delete a comment written by `author`.
pub fn may_delete_comment(
    subject: &Subject,
    author: Option<UserId>,
    facts: &NamespaceFacts,
) -> bool {
    (subject.signed_in() && author == subject.user_id) || may_manage_namespace(subject, facts)
}

/// Whether `subject` may see a (not hidden) team, given their role in it.
pub fn may_see_team(subject: &Subject, role: Option<Role>) -> bool {
    !subject.limited() && (subject.admin || (subject.signed_in() && role.is_some()))
}

/// Whether `subject` may change a team, its members and its namespaces.
pub fn may_manage_team(subject: &Subject, role: Option<Role>) -> bool {
    subject.admin || (subject.signed_in() && role == Some(Role::Owner))
}

/// Whether `subject` may remove the user `member` (None: no such user)
/// from a team: its managers, and members leaving.
pub fn may_remove_member(subject: &Subject, role: Option<Role>, member: Option<UserId>) -> bool {
    may_manage_team(subject, role) || (member.is_some() && subject.user_id == member)
}

/// Whether `subject` may create teams at all.
pub fn may_create_teams(subject: &Subject, settings: &PolicySettings) -> bool {
    subject.admin || (subject.signed_in() && settings.users_create_teams && !subject.bot)
}

/// Whether `subject` may create namespaces at all (for teams they manage).
pub fn may_create_namespaces(subject: &Subject, settings: &PolicySettings) -> bool {
    subject.admin || (subject.signed_in() && settings.users_create_namespaces)
}

/// Whether `subject` may see the account `user`, its tokens and its logins.
pub fn may_see_account(subject: &Subject, user: UserId) -> bool {
    !subject.limited() && (subject.admin || subject.user_id == Some(user))
}

/// Whether `subject` may look people up by name (to add them to a team, to
/// know who pushed): signed-in accounts, not anonymous visitors nor tokens
/// limited to some repositories.
pub fn may_look_up_people(subject: &Subject) -> bool {
    subject.signed_in() && !subject.limited()
}

/// Whether `subject` may change whether the account `user` is enabled:
/// administrators either way, users only to disable themselves.
pub fn may_set_enabled(subject: &Subject, user: UserId, enabled: bool) -> bool {
    subject.admin || (subject.user_id == Some(user) && !enabled)
}

/// Whether `subject` administers this installation: every account, roles,
/// registry events, the whole activity log.
pub fn may_administer(subject: &Subject) -> bool {
    subject.operator || (subject.admin && subject.signed_in() && !subject.limited())
}

/// Whether a request authenticated with `scope` (None: a session or no
/// token) may change anything: tokens limited to part of the registry or
/// to less than delete only read.
pub fn may_change_with(scope: Option<&TokenScope>) -> bool {
    scope.is_none_or(|s| s.resources.is_empty() && s.access == TokenAccess::Delete)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::{RegistryId, UserId};

    const ME: UserId = UserId(7);
    const OTHER: UserId = UserId(8);

    fn subjects() -> Vec<(&'static str, Subject)> {
        let user = |admin, bot| Subject {
            user_id: Some(ME),
            username: Some("me".into()),
            admin,
            bot,
            token_scope: None,
            operator: false,
        };
        vec![
            ("anonymous", Subject::anonymous()),
            ("user", user(false, false)),
            ("bot", user(false, true)),
            ("admin", user(true, false)),
        ]
    }

    fn namespaces() -> Vec<NamespaceFacts> {
        let mut out = Vec::new();
        for kind in [
            NamespaceKind::Global,
            NamespaceKind::Team,
            NamespaceKind::Personal { owner: ME },
            NamespaceKind::Personal { owner: OTHER },
        ] {
            for visibility in Visibility::ALL {
                for role in [
                    None,
                    Some(Role::Viewer),
                    Some(Role::Contributor),
                    Some(Role::Owner),
                ] {
                    out.push(NamespaceFacts {
                        registry_id: RegistryId(1),
                        kind,
                        visibility: *visibility,
                        role,
                    });
                }
            }
        }
        out
    }

    #[test]
    fn namespaces_are_seen_as_their_visibility_and_membership_say() {
        for (who, subject) in subjects() {
            for facts in namespaces() {
                let expected = match who {
                    "anonymous" => facts.visibility == Visibility::Public,
                    "admin" => true,
                    _ => facts.role.is_some() || facts.visibility != Visibility::Private,
                };
                assert_eq!(
                    may_see_namespace(&subject, &facts),
                    expected,
                    "{who} {facts:?}"
                );
            }
        }
    }

    #[test]
    fn namespaces_are_managed_by_admins_owners_and_the_person_whose_they_are() {
        for (who, subject) in subjects() {
            for facts in namespaces() {
                let expected = match who {
                    "anonymous" => false,
                    "admin" => true,
                    _ => {
                        facts.kind == NamespaceKind::Personal { owner: ME }
                            || (facts.role == Some(Role::Owner)
                                && facts.kind != NamespaceKind::Global)
                    }
                };
                assert_eq!(
                    may_manage_namespace(&subject, &facts),
                    expected,
                    "{who} {facts:?}"
                );
                // Authors may always delete their own comments; others as managers.
                assert_eq!(
                    may_delete_comment(&subject, Some(ME), &facts),
                    who != "anonymous",
                    "{who} {facts:?}"
                );
                assert_eq!(may_delete_comment(&subject, Some(OTHER), &facts), expected);
                assert_eq!(may_delete_comment(&subject, None, &facts), expected);
            }
        }
    }

    #[test]
    fn webhooks_are_managed_with_their_namespace_and_global_ones_by_admins() {
        for (who, subject) in subjects() {
            for facts in namespaces() {
                assert_eq!(
                    may_manage_settings(&subject, Some(&facts)),
                    may_manage_namespace(&subject, &facts),
                    "{who} {facts:?}"
                );
            }
            assert_eq!(may_manage_settings(&subject, None), who == "admin", "{who}");
            let mut limited = subject.clone();
            limited.token_scope = Some(TokenScope {
                resources: vec!["me".into()],
                access: TokenAccess::Delete,
                registry_id: Some(RegistryId(1)),
            });
            for facts in namespaces() {
                assert!(!may_manage_settings(&limited, Some(&facts)), "{who}");
            }
            assert!(!may_manage_settings(&limited, None), "{who}");
        }
    }

    #[test]
    fn teams_are_seen_by_members_and_managed_by_owners() {
        let roles = [
            None,
            Some(Role::Viewer),
            Some(Role::Contributor),
            Some(Role::Owner),
        ];
        for (who, subject) in subjects() {
            for role in roles {
                let signed_in = who != "anonymous";
                let admin = who == "admin";
                assert_eq!(
                    may_see_team(&subject, role),
                    admin || (signed_in && role.is_some())
                );
                let owner = admin || (signed_in && role == Some(Role::Owner));
                assert_eq!(may_manage_team(&subject, role), owner, "{who} {role:?}");
                assert_eq!(may_remove_member(&subject, role, Some(OTHER)), owner);
                assert_eq!(may_remove_member(&subject, role, None), owner);
                assert_eq!(
                    may_remove_member(&subject, role, Some(ME)),
                    owner || signed_in
                );
            }
        }
    }

    #[test]
    fn creating_teams_and_namespaces_follows_the_settings() {
        for users_create_teams in [false, true] {
            for users_create_namespaces in [false, true] {
                let settings = PolicySettings {
                    users_create_teams,
                    users_create_namespaces,
                    ..PolicySettings::default()
                };
                for (who, subject) in subjects() {
                    let admin = who == "admin";
                    let person = who == "user";
                    assert_eq!(
                        may_create_teams(&subject, &settings),
                        admin || (person && users_create_teams),
                        "{who} {settings:?}"
                    );
                    assert_eq!(
                        may_create_namespaces(&subject, &settings),
                        admin || (who != "anonymous" && users_create_namespaces),
                        "{who} {settings:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn accounts_are_their_owners_and_the_administrators() {
        for (who, subject) in subjects() {
            let admin = who == "admin";
            let signed_in = who != "anonymous";
            assert_eq!(may_see_account(&subject, ME), signed_in, "{who}");
            assert_eq!(may_see_account(&subject, OTHER), admin, "{who}");
            assert_eq!(may_set_enabled(&subject, ME, false), signed_in, "{who}");
            assert_eq!(may_set_enabled(&subject, ME, true), admin, "{who}");
            assert_eq!(may_set_enabled(&subject, OTHER, false), admin, "{who}");
            assert_eq!(may_administer(&subject), admin, "{who}");
            assert_eq!(may_look_up_people(&subject), signed_in, "{who}");
        }
        // The operator at the command line, who has no account.
        let operator = Subject::operator();
        assert!(may_administer(&operator));
        assert!(may_see_account(&operator, OTHER));
        assert!(may_set_enabled(&operator, OTHER, true));
        let mut pretender = Subject::anonymous();
        pretender.username = Some("portunus-cli".into());
        assert!(!may_administer(&pretender), "the name alone is nothing");
    }

    #[test]
    fn limited_tokens_see_what_they_cover_and_no_account() {
        let scope = |resources: &[&str]| TokenScope {
            resources: resources.iter().map(|r| (*r).to_owned()).collect(),
            access: TokenAccess::Read,
            registry_id: Some(RegistryId(1)),
        };
        let public = NamespaceFacts {
            registry_id: RegistryId(1),
            kind: NamespaceKind::Team,
            visibility: Visibility::Public,
            role: None,
        };
        for (who, mut subject) in subjects().into_iter().filter(|(w, _)| *w != "anonymous") {
            subject.token_scope = Some(scope(&["web/app", "tools"]));
            assert!(may_see_repository(&subject, &public, "web/app"), "{who}");
            assert!(
                may_see_repository(&subject, &public, "web/app/sub"),
                "{who}"
            );
            assert!(!may_see_repository(&subject, &public, "web/apps"), "{who}");
            assert!(!may_see_repository(&subject, &public, "web/other"), "{who}");
            assert!(may_see_repository(&subject, &public, "tools/x"), "{who}");
            assert!(
                may_see_named_namespace(&subject, &public, Some("web")),
                "{who}"
            );
            assert!(
                !may_see_named_namespace(&subject, &public, Some("we")),
                "{who}"
            );
            assert!(
                may_see_named_namespace(&subject, &public, None),
                "{who}: 'tools' may be a global repository"
            );
            // The same names in another registry are other namespaces.
            let elsewhere = NamespaceFacts {
                registry_id: RegistryId(2),
                ..public
            };
            assert!(
                !may_see_repository(&subject, &elsewhere, "web/app"),
                "{who}"
            );
            assert!(
                !may_see_named_namespace(&subject, &elsewhere, Some("web")),
                "{who}"
            );
            assert!(!may_see_account(&subject, ME), "{who}");
            assert!(!may_look_up_people(&subject), "{who}");
            assert!(!may_see_team(&subject, Some(Role::Owner)), "{who}");
            assert!(!may_administer(&subject), "{who}");
            // Limited to all: as without a token.
            subject.token_scope = Some(scope(&[]));
            assert!(may_see_repository(&subject, &public, "web/other"), "{who}");
            assert!(may_see_account(&subject, ME), "{who}");
            assert_eq!(may_administer(&subject), who == "admin");
        }
        let private = NamespaceFacts {
            visibility: Visibility::Private,
            ..public
        };
        let (_, mut user) = subjects().remove(1);
        user.token_scope = Some(scope(&["web/app"]));
        assert!(
            !may_see_repository(&user, &private, "web/app"),
            "a token never adds what its user may not see"
        );
    }

    #[test]
    fn only_unrestricted_tokens_change_things() {
        assert!(may_change_with(None));
        for access in TokenAccess::ALL {
            for resources in [vec![], vec!["team".to_owned()]] {
                let scope = TokenScope {
                    resources: resources.clone(),
                    access: *access,
                    registry_id: None,
                };
                assert_eq!(
                    may_change_with(Some(&scope)),
                    resources.is_empty() && *access == TokenAccess::Delete,
                    "{scope:?}"
                );
            }
        }
    }
}
