//! The policy, exhaustively: every subject kind x namespace kind x visibility
//! x action x setting, against the rules written out independently below as
//! plain boolean statements of portus.md; plus hand-written anchor cases.

use super::*;
use crate::authz::{TokenAccess, TokenScope};
use crate::db::ids::{RegistryId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Outsider,
    Viewer,
    Contributor,
    Owner,
    Admin,
}

const WHO: [Who; 6] = [
    Who::Anonymous,
    Who::Outsider,
    Who::Viewer,
    Who::Contributor,
    Who::Owner,
    Who::Admin,
];
const ME: UserId = UserId(7);

fn subject(who: Who) -> Subject {
    match who {
        Who::Anonymous => Subject::anonymous(),
        _ => Subject {
            user_id: Some(ME),
            username: Some("me".into()),
            admin: who == Who::Admin,
            bot: false,
            token_scope: None,
            operator: false,
        },
    }
}

fn role(who: Who) -> Option<Role> {
    match who {
        Who::Viewer => Some(Role::Viewer),
        Who::Contributor => Some(Role::Contributor),
        Who::Owner => Some(Role::Owner),
        _ => None,
    }
}

fn all_settings() -> Vec<PolicySettings> {
    let mut out = Vec::new();
    for push_policy in [
        PushPolicy::AllowTeams,
        PushPolicy::AllowPersonal,
        PushPolicy::AdminOnly,
    ] {
        for delete_enabled in [true, false] {
            for contributors_may_delete in [true, false] {
                for anonymous_pull in [true, false] {
                    out.push(PolicySettings {
                        push_policy,
                        delete_enabled,
                        contributors_may_delete,
                        anonymous_pull,
                        ..PolicySettings::default()
                    });
                }
            }
        }
    }
    out
}

/// The rules, stated independently of the implementation.
fn expected(
    who: Who,
    kind: NamespaceKind,
    visibility: Visibility,
    action: &str,
    s: &PolicySettings,
) -> bool {
    let signed_in = who != Who::Anonymous;
    let admin = who == Who::Admin;
    let member = role(who).is_some();
    let writer = matches!(who, Who::Owner | Who::Contributor);
    let own_personal = kind == NamespaceKind::Personal { owner: ME };
    let pull = admin
        || (visibility == Visibility::Public && (signed_in || s.anonymous_pull))
        || (visibility == Visibility::Protected && signed_in)
        || (visibility == Visibility::Private && member);
    let push = signed_in
        && (admin
            || (kind != NamespaceKind::Global
                && s.push_policy != PushPolicy::AdminOnly
                && (own_personal || (s.push_policy == PushPolicy::AllowTeams && writer))));
    let delete = s.delete_enabled
        && signed_in
        && (admin || who == Who::Owner || (who == Who::Contributor && s.contributors_may_delete));
    match action {
        "pull" => pull,
        "push" => push,
        "delete" => delete,
        "*" => pull && push && delete,
        _ => false,
    }
}

#[test]
fn every_combination_matches_the_rules() {
    let kinds = [
        NamespaceKind::Team,
        NamespaceKind::Global,
        NamespaceKind::Personal { owner: ME },
        NamespaceKind::Personal { owner: UserId(99) },
    ];
    let mut checked = 0;
    let (mut allowed, mut denied) = (0, 0);
    for settings in all_settings() {
        for who in WHO {
            for kind in kinds {
                for visibility in [
                    Visibility::Private,
                    Visibility::Protected,
                    Visibility::Public,
                ] {
                    // One's own personal namespace is owned through the personal team.
                    let role = if kind == (NamespaceKind::Personal { owner: ME })
                        && who != Who::Anonymous
                    {
                        Some(Role::Owner)
                    } else {
                        role(who)
                    };
                    let facts = NamespaceFacts {
                        registry_id: RegistryId(1),
                        kind,
                        visibility,
                        role,
                    };
                    for action in ["pull", "push", "delete", "*", "frobnicate"] {
                        let scope = Scope::parse(&format!("repository:ns/app:{action}")).unwrap();
                        let verdicts = decide(&subject(who), &settings, &scope, Some(&facts));
                        let who_effective = if role == Some(Role::Owner) && who != Who::Admin {
                            Who::Owner
                        } else {
                            who
                        };
                        let want = expected(who_effective, kind, visibility, action, &settings);
                        assert_eq!(
                            verdicts[0].allowed, want,
                            "{who:?} {kind:?} {visibility:?} {action} {settings:?}: rule {:?}",
                            verdicts[0].rule
                        );
                        if want {
                            allowed += 1
                        } else {
                            denied += 1
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 24 * 6 * 4 * 3 * 5);
    assert!(
        allowed > 500 && denied > 500,
        "both outcomes are exercised: {allowed} allowed, {denied} denied"
    );
}

fn granted(subject: &Subject, scope: &str, facts: Option<NamespaceFacts>) -> Vec<String> {
    granted_actions(
        subject,
        &PolicySettings::default(),
        &Scope::parse(scope).unwrap(),
        facts.as_ref(),
    )
}

fn team(visibility: Visibility, role: Option<Role>) -> Option<NamespaceFacts> {
    Some(NamespaceFacts {
        registry_id: RegistryId(1),
        kind: NamespaceKind::Team,
        visibility,
        role,
    })
}

#[test]
fn anchor_cases() {
    let alice = subject(Who::Outsider);
    let admin = subject(Who::Admin);
    let anon = Subject::anonymous();
    let personal = Some(NamespaceFacts {
        registry_id: RegistryId(1),
        kind: NamespaceKind::Personal { owner: ME },
        visibility: Visibility::Private,
        role: Some(Role::Owner),
    });
    assert_eq!(
        granted(&alice, "repository:me/app:pull,push", personal),
        ["pull", "push"]
    );
    assert_eq!(
        granted(&alice, "repository:me/app:*", personal),
        ["*"],
        "owners may delete with *"
    );
    assert_eq!(
        granted(
            &alice,
            "repository:team/app:pull,push",
            team(Visibility::Private, Some(Role::Viewer))
        ),
        ["pull"]
    );
    assert_eq!(
        granted(
            &alice,
            "repository:team/app:pull,push",
            team(Visibility::Private, None)
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        granted(
            &alice,
            "repository:team/app:pull,push",
            team(Visibility::Protected, None)
        ),
        ["pull"]
    );
    assert_eq!(
        granted(
            &anon,
            "repository:team/app:pull,push",
            team(Visibility::Public, None)
        ),
        ["pull"]
    );
    assert_eq!(
        granted(
            &anon,
            "repository:team/app:pull",
            team(Visibility::Protected, None)
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        granted(&alice, "repository:new/app:pull,push", None),
        Vec::<String>::new(),
        "missing namespace"
    );
    assert_eq!(
        granted(&admin, "repository:new/app:pull,push", None),
        ["pull", "push"]
    );
    assert_eq!(granted(&admin, "registry:catalog:*", None), ["*"]);
    assert_eq!(
        granted(&alice, "registry:catalog:*", None),
        Vec::<String>::new()
    );
    assert_eq!(granted(&alice, "plugin:x:pull", None), Vec::<String>::new());
    assert_eq!(
        granted(&admin, "repository:Bad/Name:pull", None),
        Vec::<String>::new()
    );
}

#[test]
fn application_token_scopes_narrow_access() {
    let owner_facts = NamespaceFacts {
        registry_id: RegistryId(1),
        kind: NamespaceKind::Team,
        visibility: Visibility::Private,
        role: Some(Role::Owner),
    };
    let owner = Some(owner_facts);
    let scoped = |resources: &[&str], access| Subject {
        token_scope: Some(TokenScope {
            resources: resources.iter().map(|r| r.to_string()).collect(),
            access,
            registry_id: Some(RegistryId(1)),
        }),
        ..subject(Who::Owner)
    };
    let repo_writer = scoped(&["team/app"], TokenAccess::Write);
    assert_eq!(
        granted(&repo_writer, "repository:team/app:pull,push,delete", owner),
        ["pull", "push"]
    );
    assert_eq!(
        granted(&repo_writer, "repository:team/other:pull,push", owner),
        Vec::<String>::new()
    );
    assert_eq!(
        granted(&repo_writer, "repository:team/app2:pull", owner),
        Vec::<String>::new(),
        "no prefix match"
    );
    let ns_reader = scoped(&["team"], TokenAccess::Read);
    assert_eq!(
        granted(&ns_reader, "repository:team/deep/app:pull,push", owner),
        ["pull"]
    );
    // `team` in another registry is another namespace: out of reach, as
    // is a namespace the registry does not have; a token of every
    // repository reaches every registry.
    let elsewhere = Some(NamespaceFacts {
        registry_id: RegistryId(2),
        ..owner_facts
    });
    assert_eq!(
        granted(&ns_reader, "repository:team/app:pull", elsewhere),
        Vec::<String>::new()
    );
    let admin_reader = Subject {
        admin: true,
        ..scoped(&["team"], TokenAccess::Read)
    };
    assert_eq!(
        granted(&admin_reader, "repository:team/app:pull", None),
        Vec::<String>::new()
    );
    assert_eq!(
        granted(&admin_reader, "repository:team/app:pull", owner),
        ["pull"]
    );
    let everything = scoped(&[], TokenAccess::Delete);
    assert_eq!(granted(&everything, "repository:team/app:*", owner), ["*"]);
    assert_eq!(
        granted(&everything, "repository:team/app:*", elsewhere),
        ["*"]
    );
    // A token never adds rights its user lacks.
    let viewer_facts = Some(NamespaceFacts {
        role: Some(Role::Viewer),
        ..owner_facts
    });
    assert_eq!(
        granted(&everything, "repository:team/app:push", viewer_facts),
        Vec::<String>::new()
    );
    let admin_token = Subject {
        admin: true,
        ..scoped(&["team"], TokenAccess::Read)
    };
    assert_eq!(
        granted(&admin_token, "registry:catalog:*", None),
        Vec::<String>::new(),
        "scoped admin tokens cannot list the catalog"
    );
}

#[test]
fn verdicts_explain_themselves() {
    let verdicts = decide(
        &subject(Who::Viewer),
        &PolicySettings::default(),
        &Scope::parse("repository:team/app:pull,push,zap").unwrap(),
        team(Visibility::Private, Some(Role::Viewer)).as_ref(),
    );
    let rules: Vec<Rule> = verdicts.iter().map(|v| v.rule).collect();
    assert_eq!(
        rules,
        [
            Rule::TeamMember,
            Rule::ViewerCannotPush,
            Rule::UnknownAction
        ]
    );
    assert!(rules.iter().all(|r| !r.explain().is_empty()));
}

#[test]
fn explanations_name_settings_that_exist() {
    let keys = serde_json::to_value(PolicySettings::default()).unwrap();
    let mut named = 0;
    for rule in Rule::ALL {
        let text = rule.explain();
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
            if let Some(key) = word.strip_prefix("policy.") {
                named += 1;
                assert!(
                    keys.get(key).is_some(),
                    "{rule:?} names policy.{key}, which is no setting: {text}"
                );
            }
        }
        assert!(!text.contains("delete."), "{rule:?}: {text}");
    }
    assert!(
        named >= 4,
        "the explanations of disabled features name their settings"
    );
}
