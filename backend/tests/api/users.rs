//! Account administration, bots, password changes and the audit log.

use portunus::accounts::credentials::Failure;
use portunus::accounts::lockout::{Attempt, Lockout, Reservation};
use serde_json::json;

use crate::kit::{As, PASSWORD, basic, kits, kits_with};

#[tokio::test]
async fn administrators_manage_accounts_and_others_cannot() {
    for kit in kits().await {
        kit.create_user("root").await;
        kit.create_user("alice").await;
        let root = kit.sign_in("root").await;
        let alice = kit.sign_in("alice").await;

        assert_eq!(
            kit.call(&alice, "GET", "/api/v1/users", None).await.status,
            403
        );
        let page = kit
            .call(&root, "GET", "/api/v1/users?per_page=1&page=2", None)
            .await
            .json();
        assert_eq!(
            (
                page["total"].as_u64(),
                page["items"][0]["username"].as_str()
            ),
            (Some(2), Some("root"))
        );
        assert_eq!(
            kit.call(&root, "GET", "/api/v1/users?per_page=0", None)
                .await
                .status,
            400
        );
        assert_eq!(
            kit.call(&root, "GET", "/api/v1/users?q=ali", None)
                .await
                .json()["total"],
            1
        );

        let new = json!({"username": "bob", "password": PASSWORD});
        assert_eq!(
            kit.call(&alice, "POST", "/api/v1/users", Some(new.clone()))
                .await
                .status,
            403
        );
        assert_eq!(
            kit.call(&root, "POST", "/api/v1/users", Some(new))
                .await
                .status,
            201
        );
        assert_eq!(
            kit.call(
                &root,
                "POST",
                "/api/v1/users",
                Some(json!({"username": "nopw"}))
            )
            .await
            .status,
            400
        );

        // Others' accounts are invisible to non-admins; admin rights are for admins.
        assert_eq!(
            kit.call(&alice, "GET", "/api/v1/users/bob", None)
                .await
                .status,
            404
        );
        assert_eq!(
            kit.call(&alice, "GET", "/api/v1/users/alice", None)
                .await
                .status,
            200
        );
        assert_eq!(
            kit.call(
                &alice,
                "PATCH",
                "/api/v1/users/alice",
                Some(json!({"admin": true}))
            )
            .await
            .status,
            403
        );
        assert_eq!(
            kit.call(
                &alice,
                "PATCH",
                "/api/v1/users/bob",
                Some(json!({"enabled": false}))
            )
            .await
            .status,
            404
        );
        let me = kit
            .call(
                &alice,
                "PATCH",
                "/api/v1/users/alice",
                Some(json!({"email": "alice@example.org", "display_name": "Alice"})),
            )
            .await;
        assert_eq!(me.json()["email"], "alice@example.org", "{}", me.text);
        let clash = kit
            .call(
                &root,
                "PATCH",
                "/api/v1/users/bob",
                Some(json!({"email": "alice@example.org"})),
            )
            .await;
        clash.assert_status(409, "clash");

        // The last administrator stays.
        assert_eq!(
            kit.call(
                &root,
                "PATCH",
                "/api/v1/users/root",
                Some(json!({"admin": false}))
            )
            .await
            .status,
            409
        );
        assert_eq!(
            kit.call(
                &root,
                "PATCH",
                "/api/v1/users/root",
                Some(json!({"enabled": false}))
            )
            .await
            .status,
            409
        );
        assert_eq!(
            kit.call(&root, "DELETE", "/api/v1/users/root", None)
                .await
                .status,
            409
        );
        assert_eq!(
            kit.call(
                &root,
                "PATCH",
                "/api/v1/users/alice",
                Some(json!({"admin": true}))
            )
            .await
            .json()["admin"],
            true
        );
        assert_eq!(
            kit.call(
                &root,
                "PATCH",
                "/api/v1/users/alice",
                Some(json!({"admin": false}))
            )
            .await
            .status,
            200
        );

        // Disabling takes effect at once, at the token endpoint too.
        assert_eq!(
            kit.call(
                &root,
                "PATCH",
                "/api/v1/users/bob",
                Some(json!({"enabled": false}))
            )
            .await
            .status,
            200
        );
        let answer = kit
            .send(
                kit.client
                    .get("/v2/token")
                    .header("Authorization", basic("bob", PASSWORD)),
            )
            .await;
        answer.assert_status(401, "answer");
        // Users may disable themselves, but not enable themselves again.
        assert_eq!(
            kit.call(
                &alice,
                "PATCH",
                "/api/v1/users/alice",
                Some(json!({"enabled": false}))
            )
            .await
            .status,
            200
        );
        assert_eq!(
            kit.call(&alice, "GET", "/api/v1/me", None).await.status,
            401
        );

        assert_eq!(
            kit.call(&alice, "DELETE", "/api/v1/users/bob", None)
                .await
                .status,
            401
        );
        // Only with an empty personal namespace, which the registry must
        // confirm: none runs here (e2e's vacancy.rs deletes with one).
        kit.call(&root, "DELETE", "/api/v1/users/bob", None)
            .await
            .assert_status(503, "the registry cannot confirm bob/ is empty");
        kit.recorded("bob/app", "v1").await;
        let refused = kit.call(&root, "DELETE", "/api/v1/users/bob", None).await;
        refused.assert_status(409, "bob/app holds an image");
        assert!(refused.text.contains("bob/app"), "{}", refused.text);
        kit.call(&root, "GET", "/api/v1/users/bob", None)
            .await
            .assert_status(200, "nothing was deleted");
    }
}

#[tokio::test]
async fn bots_have_tokens_only() {
    for kit in kits().await {
        kit.create_user("root").await;
        let root = kit.sign_in("root").await;
        let answer = kit
            .call(
                &root,
                "POST",
                "/api/v1/users",
                Some(json!({"username": "ci-bot", "bot": true, "admin": true})),
            )
            .await;
        answer.assert_status(201, "answer");
        assert_eq!(
            answer.json()["user"]["admin"],
            false,
            "bots are never admins"
        );
        assert_eq!(answer.json()["user"]["namespace"], serde_json::Value::Null);
        // Give it a team role and a token; it pushes with the token only.
        kit.call(&root, "POST", "/api/v1/teams", Some(json!({"name": "ops"})))
            .await
            .assert_status(201, "team");
        kit.call(
            &root,
            "POST",
            "/api/v1/namespaces",
            Some(json!({"name": "ops", "team": "ops"})),
        )
        .await
        .assert_status(201, "namespace");
        assert_eq!(
            kit.call(
                &root,
                "PUT",
                "/api/v1/teams/ops/members/ci-bot",
                Some(json!({"role": "owner"}))
            )
            .await
            .status,
            400
        );
        assert_eq!(
            kit.call(
                &root,
                "PUT",
                "/api/v1/teams/ops/members/ci-bot",
                Some(json!({"role": "contributor"}))
            )
            .await
            .status,
            200
        );
        let made = kit
            .call(
                &root,
                "POST",
                "/api/v1/users/ci-bot/tokens",
                Some(json!({"name": "deploy"})),
            )
            .await;
        made.assert_status(201, "token");
        let token = made.json();
        let secret = token["secret"].as_str().unwrap();
        let answer = kit
            .send(
                kit.client
                    .get("/v2/token?scope=repository:ops/app:pull,push")
                    .header("Authorization", basic("ci-bot", secret)),
            )
            .await;
        assert_eq!(
            crate::kit::token_access(&answer),
            json!([{"type": "repository", "name": "ops/app", "actions": ["pull", "push"]}]),
            "the contributor bot pushes with its token"
        );
        let empty = kit
            .send(
                kit.client
                    .get("/v2/token")
                    .header("Authorization", basic("ci-bot", "")),
            )
            .await;
        empty.assert_status(401, "no password works for a bot");
    }
}

#[tokio::test]
async fn password_change_ends_other_sessions_and_docker_logins() {
    for kit in kits().await {
        kit.create_user("root").await;
        kit.create_user("alice").await;
        let here = kit.sign_in("alice").await;
        let elsewhere = kit.sign_in("alice").await;
        let refresh = kit
            .send(
                kit.client
                    .get("/v2/token?offline_token=true&client_id=docker")
                    .header("Authorization", basic("alice", PASSWORD)),
            )
            .await
            .json()["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned();

        let wrong =
            json!({"current_password": "not-it-at-all", "new_password": "brand-new-password"});
        assert_eq!(
            kit.call(&here, "PUT", "/api/v1/me/password", Some(wrong))
                .await
                .status,
            403
        );
        let short = json!({"current_password": PASSWORD, "new_password": "short"});
        assert_eq!(
            kit.call(&here, "PUT", "/api/v1/me/password", Some(short))
                .await
                .status,
            400
        );
        let good = json!({"current_password": PASSWORD, "new_password": "brand-new-password"});
        assert_eq!(
            kit.call(&here, "PUT", "/api/v1/me/password", Some(good))
                .await
                .status,
            204
        );

        assert_eq!(
            kit.call(&here, "GET", "/api/v1/me", None).await.status,
            200,
            "this session stays"
        );
        assert_eq!(
            kit.call(&elsewhere, "GET", "/api/v1/me", None).await.status,
            401,
            "others end"
        );
        let body = format!(
            "grant_type=refresh_token&refresh_token={refresh}&service=registry&client_id=docker"
        );
        let answer = kit
            .send(
                kit.client
                    .post("/v2/token")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body),
            )
            .await;
        assert_eq!(
            answer.status, 401,
            "refresh tokens die with the old password"
        );
        let answer = kit
            .send(
                kit.client
                    .get("/v2/token")
                    .header("Authorization", basic("alice", "brand-new-password")),
            )
            .await;
        answer.assert_status(200, "answer");
    }
}

#[tokio::test]
async fn the_audit_log_filters_pages_and_exports() {
    for kit in kits().await {
        kit.create_user("root").await;
        kit.create_user("alice").await;
        let root = kit.sign_in("root").await;
        let alice = kit.sign_in("alice").await;
        kit.call(
            &alice,
            "POST",
            "/api/v1/teams",
            Some(json!({"name": "audit-me"})),
        )
        .await;
        kit.send(
            kit.client
                .get("/v2/token")
                .header("Authorization", basic("alice", "wrong-password")),
        )
        .await;
        kit.send(
            kit.client
                .get("/v2/token")
                .header("Authorization", basic("alice", PASSWORD)),
        )
        .await;

        let all = kit
            .call(&root, "GET", "/api/v1/activities?per_page=500", None)
            .await
            .json();
        let keys: Vec<&str> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap())
            .collect();
        for key in [
            "user.create",
            "auth.sign_in",
            "team.create",
            "auth.registry_login_failed",
            "auth.registry_login",
        ] {
            assert!(keys.contains(&key), "{key} in {keys:?}");
        }
        assert_eq!(keys[0], "auth.registry_login", "newest first");

        let teams = kit
            .call(&root, "GET", "/api/v1/activities?key=team.", None)
            .await
            .json();
        assert_eq!(teams["total"], 1);
        assert_eq!(teams["items"][0]["actor"], "alice");
        let failures = kit
            .call(
                &root,
                "GET",
                "/api/v1/activities?key=auth.registry_login_failed&actor=alice",
                None,
            )
            .await
            .json();
        assert_eq!(failures["total"], 1);
        let future = kit
            .call(
                &root,
                "GET",
                "/api/v1/activities?since=2999-01-01T00:00:00Z",
                None,
            )
            .await
            .json();
        assert_eq!(future["total"], 0);
        assert_eq!(
            kit.call(&root, "GET", "/api/v1/activities?since=yesterday", None)
                .await
                .status,
            400
        );
        let paged = kit
            .call(&root, "GET", "/api/v1/activities?per_page=2&page=2", None)
            .await
            .json();
        assert_eq!(paged["items"].as_array().unwrap().len(), 2);

        // Non-admins see only their own actions.
        let mine = kit
            .call(&alice, "GET", "/api/v1/activities?per_page=500", None)
            .await
            .json();
        let entries = |page: &serde_json::Value, actor: Option<&str>| -> Vec<(i64, String)> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| actor.is_none_or(|name| a["actor"] == name))
                .map(|a| {
                    (
                        a["id"].as_i64().unwrap(),
                        a["key"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        };
        let alices = entries(&all, Some("alice"));
        let alices_keys: Vec<&str> = alices.iter().map(|(_, key)| key.as_str()).collect();
        assert_eq!(
            alices_keys,
            [
                "auth.registry_login",
                "auth.registry_login_failed",
                "team.create",
                "auth.sign_in"
            ],
            "what alice did, newest first"
        );
        // A failed login under her name may be anyone's: not hers to see.
        let own: Vec<(i64, String)> = alices
            .into_iter()
            .filter(|(_, key)| key != "auth.registry_login_failed")
            .collect();
        assert_eq!(
            entries(&mine, None),
            own,
            "exactly alice's own, and none of the others' ({} in all)",
            all["total"]
        );

        let csv = kit
            .call(&root, "GET", "/api/v1/activities.csv?key=team.create", None)
            .await;
        csv.assert_status(200, "csv");
        assert!(
            csv.headers
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let lines: Vec<&str> = csv.text.lines().collect();
        assert_eq!(
            lines[0],
            "id,created_at,actor,key,target_type,target,parameters"
        );
        assert!(
            lines[1].contains(",alice,team.create,team,audit-me,"),
            "{}",
            lines[1]
        );
        assert_eq!(
            kit.call(&As::Nobody, "GET", "/api/v1/activities.csv", None)
                .await
                .status,
            401
        );
    }
}

#[tokio::test]
async fn concurrent_first_accounts_make_exactly_one_administrator() {
    for kit in kits().await {
        let signups = (0..6).map(|i| {
            let state = kit.state.clone();
            tokio::spawn(async move {
                let new = portunus::accounts::users::NewUser {
                    username: format!("early{i}"),
                    password: PASSWORD.into(),
                    email: None,
                    admin: false,
                    bot: false,
                    bootstrap: true,
                    password_by_mail: false,
                };
                portunus::accounts::users::create(&state.db, new, &portunus::audit::Actor::cli())
                    .await
            })
        });
        let mut admins = 0;
        for signup in signups.collect::<Vec<_>>() {
            let created = signup.await.expect("task").expect("created");
            admins += usize::from(created.user.admin);
        }
        assert_eq!(admins, 1, "{}", kit.backend);
    }
}

#[tokio::test]
async fn several_processes_may_start_at_once_on_one_database() {
    let Ok(url) = std::env::var("PORTUNUS_TEST_DATABASE_URL") else {
        eprintln!(
            "PORTUNUS_TEST_DATABASE_URL is not set: concurrent PostgreSQL start-up NOT tested"
        );
        return;
    };
    let url = crate::kit::fresh_postgres_database(&url).await;
    let starts = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move {
            let dir = tempfile::tempdir().unwrap();
            let config = portunus::config::Config {
                data_dir: dir.path().to_owned(),
                database_url: url,
                ..Default::default()
            };
            portunus::app::init(config)
                .await
                .map(|s| s.registries.configured().id)
        })
    });
    let mut ids = Vec::new();
    for start in starts.collect::<Vec<_>>() {
        ids.push(start.await.expect("task").expect("started"));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one registry row for all: {ids:?}");
}

#[tokio::test]
async fn wrong_passwords_lock_an_account_for_a_while_and_admins_unlock_it() {
    let kit = crate::kit::Kit::with_config("sqlite", None, low_lockout).await;
    kit.create_user("root").await;
    kit.create_user("alice").await;
    let sign_in = |password: &'static str| sign_in_as(&kit, "alice", password);
    let docker_login = || async {
        kit.send(
            kit.client
                .get("/v2/token?service=registry")
                .header("Authorization", basic("alice", PASSWORD)),
        )
        .await
    };
    // Two wrong, one right: the count starts over.
    for _ in 0..2 {
        assert_eq!(sign_in("wrong-password-1").await.status, 401);
    }
    assert_eq!(sign_in(PASSWORD).await.status, 200);
    for _ in 0..2 {
        assert_eq!(sign_in("wrong-password-1").await.status, 401);
    }
    let third = sign_in("wrong-password-1").await;
    assert!(
        third.json()["message"]
            .as_str()
            .unwrap()
            .contains("refused until"),
        "{}",
        third.text
    );
    // Locked: the right password is refused too, on the web and for docker.
    let refused = sign_in(PASSWORD).await;
    refused.assert_status(401, "refused");
    assert!(
        refused.text.contains("ask an administrator to unlock it"),
        "{}",
        refused.text
    );
    assert_eq!(docker_login().await.status, 401);

    // An administrator lifts it; others may not.
    let root = kit.sign_in("root").await;
    let listed = kit
        .call(&root, "GET", "/api/v1/users/alice", None)
        .await
        .json();
    assert!(listed["locked_at"].is_string(), "{listed}");
    kit.create_user("bob").await;
    let bob = kit.sign_in("bob").await;
    let unlock = Some(json!({"unlock": true}));
    assert_eq!(
        kit.call(&bob, "PATCH", "/api/v1/users/alice", unlock.clone())
            .await
            .status,
        404
    );
    let done = kit
        .call(&root, "PATCH", "/api/v1/users/alice", unlock)
        .await;
    done.assert_status(200, "done");
    assert!(done.json()["locked_at"].is_null());
    assert_eq!(docker_login().await.status, 200);

    // Or it ends by itself.
    for _ in 0..3 {
        sign_in("wrong-password-1").await;
    }
    assert_eq!(sign_in(PASSWORD).await.status, 401);
    let check = |now| {
        portunus::accounts::credentials::authenticate(
            &kit.state.db,
            kit.state.issuer().password_check(false),
            Attempt {
                username: "alice",
                address: "unknown",
                now,
            },
            PASSWORD,
        )
    };
    let now = chrono::Utc::now();
    let lock = chrono::Duration::seconds(i64::try_from(kit.state.config.lockout_seconds).unwrap());
    assert!(
        matches!(
            check(now + lock - chrono::Duration::seconds(1))
                .await
                .unwrap(),
            Err(Failure::Locked { .. })
        ),
        "still locked a second before the lock ends"
    );
    assert!(
        check(now + lock + chrono::Duration::seconds(1))
            .await
            .unwrap()
            .is_ok(),
        "the lock ends by itself"
    );
    assert_eq!(
        sign_in(PASSWORD).await.status,
        200,
        "and clearing it holds now"
    );

    // Operators unlock from the command line too, recorded like the API's.
    for _ in 0..3 {
        sign_in("wrong-password-1").await;
    }
    sign_in(PASSWORD).await.assert_status(401, "locked again");
    let cli = portunus::audit::Actor::cli();
    let unlocked = portunus::accounts::users::unlock_account(&kit.state.db, "alice", &cli).await;
    assert!(unlocked.unwrap(), "it was locked");
    sign_in(PASSWORD)
        .await
        .assert_status(200, "unlocked by the operator");
    let again = portunus::accounts::users::unlock_account(&kit.state.db, "alice", &cli).await;
    assert!(!again.unwrap(), "nothing to unlock");
    let activities = kit
        .call(&root, "GET", "/api/v1/activities?key=user.unlock", None)
        .await
        .json();
    assert_eq!(
        activities["total"], 2,
        "the administrator's and the operator's"
    );
}

#[tokio::test]
async fn wrong_current_passwords_count_like_wrong_sign_ins() {
    let kit = crate::kit::Kit::with_config("sqlite", None, low_lockout).await;
    kit.create_user("root").await;
    kit.create_user("alice").await;
    let alice = kit.sign_in("alice").await;
    let change = |current: &str| {
        Some(json!({"current_password": current, "new_password": "a-brand-new-password"}))
    };
    for attempt in 1..=3 {
        let answer = kit
            .call(
                &alice,
                "PUT",
                "/api/v1/me/password",
                change("a-wrong-guess"),
            )
            .await;
        answer.assert_status(403, &format!("guess {attempt}"));
        assert_eq!(
            answer.text.contains("refused until"),
            attempt == 3,
            "guess {attempt}: {}",
            answer.text
        );
    }
    // Locked now: the right current password changes nothing, and signing in fails.
    kit.call(&alice, "PUT", "/api/v1/me/password", change(PASSWORD))
        .await
        .assert_status(403, "locked");
    let sign_in = kit
        .send(
            kit.client
                .post("/api/v1/session")
                .body_json(&json!({"username": "alice", "password": PASSWORD})),
        )
        .await;
    sign_in.assert_status(401, "the lockout holds for signing in too");
    assert!(sign_in.text.contains("refused until"), "{}", sign_in.text);
}

/// Signs in as `username` with `password` from `address` (the kit trusts
/// X-Real-IP in these tests); returns the status and the message.
async fn sign_in_from(
    kit: &crate::kit::Kit,
    address: &str,
    username: &str,
    password: &str,
) -> (u16, String) {
    let answer = kit
        .send(
            kit.client
                .post("/api/v1/session")
                .header("X-Real-IP", address)
                .body_json(&json!({"username": username, "password": password})),
        )
        .await;
    let message = answer.json()["message"].as_str().unwrap_or("").to_owned();
    // Up to "until": two locks a second apart read alike.
    let message = message.split(" until ").next().unwrap_or("").to_owned();
    (answer.status.as_u16(), message)
}

/// `POST /session` as `username` with `password`, from no address in particular.
async fn sign_in_as(kit: &crate::kit::Kit, username: &str, password: &str) -> crate::kit::Answer {
    kit.call(
        &As::Nobody,
        "POST",
        "/api/v1/session",
        Some(json!({"username": username, "password": password})),
    )
    .await
}

/// Three wrong passwords lock for an hour.
fn low_lockout(config: &mut portunus::config::Config) {
    config.lockout_attempts = 3;
    config.lockout_seconds = 3600;
}

/// Kits (SQLite and PostgreSQL) with a low lockout, addresses taken from
/// X-Real-IP, and the user alice.
async fn lockout_kits() -> Vec<crate::kit::Kit> {
    let kits = crate::kit::kits_with(|c| {
        low_lockout(c);
        c.client_address_header = "X-Real-IP".into();
    })
    .await;
    for kit in &kits {
        kit.create_user("alice").await;
    }
    kits
}

#[tokio::test]
async fn a_lockout_holds_for_one_address_and_answers_unknown_names_alike() {
    for kit in lockout_kits().await {
        lockout_is_per_address(&kit).await;
    }
}

async fn lockout_is_per_address(kit: &crate::kit::Kit) {
    let attacker = "203.0.113.66";
    let mut answers = Vec::new();
    for name in ["alice", "no-such-user"] {
        let mut these = Vec::new();
        for _ in 0..4 {
            these.push(sign_in_from(kit, attacker, name, "a-wrong-guess").await);
        }
        answers.push(these);
    }
    assert_eq!(
        answers[0], answers[1],
        "an account and a name that is none are answered alike"
    );
    let statuses: Vec<u16> = answers[0].iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [401, 401, 401, 401]);
    assert!(
        answers[0][1].1.contains("invalid user name"),
        "{:?}",
        answers[0]
    );
    assert!(answers[0][2].1.ends_with("refused"), "{:?}", answers[0]);
    assert_eq!(
        sign_in_from(kit, attacker, "alice", PASSWORD).await.0,
        401,
        "the locked address is refused even the right password"
    );
    assert_eq!(
        sign_in_from(kit, "198.51.100.7", "alice", PASSWORD).await.0,
        200,
        "alice signs in from her own address all the same"
    );
}

#[tokio::test]
async fn case_variants_of_a_name_share_one_count() {
    for kit in lockout_kits().await {
        let attacker = "203.0.113.67";
        // A directory finds Alice, ALICE and alice alike: so do the counts.
        for name in ["alice", "Alice", "ALICE"] {
            let (status, _) = sign_in_from(&kit, attacker, name, "a-wrong-guess").await;
            assert_eq!(status, 401);
        }
        let (status, message) = sign_in_from(&kit, attacker, "aLiCe", "a-wrong-guess").await;
        assert!(message.ends_with("refused"), "{status} {message}");
        assert_eq!(sign_in_from(&kit, attacker, "alice", PASSWORD).await.0, 401);
        let alice = kit.sign_in("alice").await; // from her own address
        let locked = kit.call(&alice, "GET", "/api/v1/users/alice", None).await;
        assert!(locked.json()["locked_at"].is_string(), "{}", locked.text);
    }
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_any_is_checked() {
    for kit in lockout_kits().await {
        parallel_guesses(&kit).await;
    }
}

async fn parallel_guesses(kit: &crate::kit::Kit) {
    let address = "203.0.113.99";
    // 15 wrong guesses and the right password, all at once.
    let guesses = (0..16).map(|i| {
        let password = if i == 15 { PASSWORD } else { "a-wrong-guess" };
        sign_in_from(kit, address, "alice", password)
    });
    let answers = futures::future::join_all(guesses).await;
    let checked_and_wrong = answers
        .iter()
        .filter(|(_, message)| message.contains("invalid user name"))
        .count();
    assert!(
        checked_and_wrong <= 2,
        "only the 3 attempts allowed are checked (the third locks): {answers:?}"
    );
    let refused = answers
        .iter()
        .filter(|(status, message)| {
            *status == 401 && (message.ends_with("refused") || message.contains("at once"))
        })
        .count();
    assert!(refused >= 13, "{answers:?}");
    assert_eq!(
        sign_in_from(kit, address, "alice", PASSWORD).await.0,
        401,
        "locked afterwards, whatever order the guesses ran in"
    );

    // The reservation itself: of 16 at once, exactly 3 may check a password.
    let lockout = Lockout::of(&kit.state.config);
    let reservations = (0..16).map(|_| {
        let attempt = Attempt {
            username: "alice",
            address: "192.0.2.1",
            now: chrono::Utc::now(),
        };
        lockout.reserve(&kit.state.db, attempt)
    });
    let admitted = futures::future::join_all(reservations)
        .await
        .into_iter()
        .map(|reserved| reserved.expect("reserved"))
        .filter(|reserved| matches!(reserved, Reservation::Granted(_)))
        .count();
    assert_eq!(admitted, 3, "{}", kit.backend);
    // Those turned away counted nothing: the three in flight still hold.
    let next = lockout.reserve(
        &kit.state.db,
        Attempt {
            username: "alice",
            address: "192.0.2.1",
            now: chrono::Utc::now(),
        },
    );
    assert_eq!(next.await.expect("reserved"), Reservation::Crowded);
}

#[tokio::test]
async fn many_right_passwords_at_once_lock_nobody_out() {
    for kit in lockout_kits().await {
        let address = "203.0.113.50";
        let logins = (0..8).map(|_| sign_in_from(&kit, address, "alice", PASSWORD));
        let answers = futures::future::join_all(logins).await;
        assert!(
            answers
                .iter()
                .all(|(status, message)| *status == 200 || message.contains("at once")),
            "{answers:?}"
        );
        assert_eq!(
            sign_in_from(&kit, address, "alice", PASSWORD).await.0,
            200,
            "{}: no lock came of them",
            kit.backend
        );
    }
}

#[tokio::test]
async fn old_counts_are_pruned_but_not_running_locks() {
    use portunus::accounts::lockout;
    let kit = crate::kit::Kit::with_config("sqlite", None, |c| {
        c.lockout_attempts = 2;
        c.lockout_seconds = 3600;
    })
    .await;
    let policy = Lockout::of(&kit.state.config);
    let start = chrono::Utc::now();
    let at = |hours: i64, username: &'static str| Attempt {
        username,
        address: "203.0.113.7",
        now: start + chrono::Duration::hours(hours),
    };
    // "guessed" once; "locked" twice, so locked at start.
    for attempt in [at(0, "guessed"), at(0, "locked"), at(0, "locked")] {
        let Reservation::Granted(number) = policy.reserve(&kit.state.db, attempt).await.unwrap()
        else {
            panic!("granted");
        };
        policy.wrong(&kit.state.db, attempt, number).await.unwrap();
    }
    let pruned = |hours| {
        lockout::prune(
            &kit.state.db,
            policy,
            start + chrono::Duration::hours(hours),
        )
    };
    assert_eq!(pruned(0).await.unwrap(), 0, "nothing older than now");
    assert_eq!(
        pruned(1).await.unwrap(),
        1,
        "the plain count goes; the lock (until start + 1 h) stays"
    );
    assert!(
        policy
            .locked_until(&kit.state.db, at(0, "locked"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(pruned(2).await.unwrap(), 1, "its lock has ended");
}

#[tokio::test]
async fn a_teams_last_owner_is_not_removed_without_a_successor() {
    for kit in kits().await {
        kit.create_user("root").await;
        kit.create_user("alice").await;
        kit.create_user("bob").await;
        let root = kit.sign_in("root").await;
        let alice = kit.sign_in("alice").await;
        let team = json!({"name": "web", "description": ""});
        kit.call(&alice, "POST", "/api/v1/teams", Some(team))
            .await
            .assert_status(201, "alice's team");
        let refused = kit.call(&root, "DELETE", "/api/v1/users/alice", None).await;
        refused.assert_client_error(409, "alice owns web alone");
        assert!(
            refused.text.contains("last owner of the team(s) web"),
            "{}",
            refused.text
        );
        let owner = json!({"role": "owner"});
        kit.call(&alice, "PUT", "/api/v1/teams/web/members/bob", Some(owner))
            .await
            .assert_status(200, "bob owns web too");
        // Past the owner rule, only the registry check is left (this kit
        // has no registry: e2e vacancy.rs removes users for real).
        let next = kit.call(&root, "DELETE", "/api/v1/users/alice", None).await;
        next.assert_status(503, "the owner rule holds no more");
        assert!(!next.text.contains("last owner"), "{}", next.text);
    }
}

#[tokio::test]
async fn erasing_a_removed_accounts_images_needs_deletes_enabled_and_one_choice() {
    for kit in kits_with(|c| c.policy.delete_enabled = false).await {
        kit.create_user("root").await;
        kit.create_user("alice").await;
        let root = kit.sign_in("root").await;
        let both = "/api/v1/users/alice?delete_images=true&move_namespace_to=archive";
        let refused = kit.call(&root, "DELETE", both, None).await;
        refused.assert_client_error(400, "one choice at a time");
        assert!(
            refused.text.contains("move_namespace_to or delete_images"),
            "{}",
            refused.text
        );
        let erase = "/api/v1/users/alice?delete_images=true";
        let refused = kit.call(&root, "DELETE", erase, None).await;
        refused.assert_client_error(403, "deletes are off");
        assert!(
            refused.text.contains("policy.delete_enabled"),
            "{}",
            refused.text
        );
        let alice = kit.sign_in("alice").await;
        let refused = kit
            .call(
                &alice,
                "DELETE",
                "/api/v1/users/root?delete_images=true",
                None,
            )
            .await;
        refused.assert_client_error(403, "only administrators remove accounts");
        kit.call(&root, "GET", "/api/v1/users/alice", None)
            .await
            .assert_status(200, "alice is still there");
    }
}

#[tokio::test]
async fn every_way_of_typing_a_name_counts_towards_one_lockout() {
    let kit = crate::kit::Kit::with_config("sqlite", None, low_lockout).await;
    kit.create_user("root").await;
    kit.create_user("carol").await;
    let sign_in =
        |username: &'static str, password: &'static str| sign_in_as(&kit, username, password);
    // Surrounding spaces are no part of a name: the right password signs in.
    sign_in(" carol ", PASSWORD)
        .await
        .assert_status(200, "carol with spaces around");
    // Three wrong passwords (the limit), each typed differently.
    for variant in ["carol ", " Carol", "CAROL\t"] {
        sign_in(variant, "wrong-password-1")
            .await
            .assert_status(401, variant);
    }
    let refused = sign_in("carol", PASSWORD).await;
    refused.assert_status(401, "carol is locked");
    assert!(
        refused.text.contains("refused until"),
        "one count for every way of typing carol: {}",
        refused.text
    );
}

#[tokio::test]
async fn wrong_passwords_move_the_authorization_epoch_only_when_they_lock() {
    for kit in lockout_kits().await {
        let db = &kit.state.db;
        let stored = || stored_epoch(db);
        // Read the stored counter afresh each time (as an hour later would).
        let hour = std::time::Duration::from_secs(3600);
        let mut clock = std::time::Instant::now();
        let mut epoch = async || {
            clock += hour;
            kit.state.epoch.current(db, clock).await.expect("the epoch")
        };
        let docker_login = |password: &'static str| {
            let kit = &kit;
            async move {
                let request = kit
                    .client
                    .get("/v2/token?service=registry")
                    .header("X-Real-IP", "203.0.113.9")
                    .header("Authorization", basic("alice", password));
                kit.send(request).await.status.as_u16()
            }
        };
        let (stored_before, local_before) = (stored().await, epoch().await);
        assert_eq!(docker_login(PASSWORD).await, 200);
        assert_eq!(
            sign_in_from(&kit, "203.0.113.9", "alice", "a-wrong-guess")
                .await
                .0,
            401
        );
        assert_eq!(docker_login("a-wrong-guess").await, 401);
        assert_eq!(
            (stored().await, epoch().await),
            (stored_before, local_before),
            "{}: a login and two wrong passwords change nothing token answers depend on",
            kit.backend
        );
        assert_eq!(docker_login("a-wrong-guess").await, 401, "the third locks");
        assert!(
            stored().await > stored_before,
            "{}: a lock moves it",
            kit.backend
        );
        assert!(epoch().await > local_before);
    }
}

#[tokio::test]
async fn the_authorization_epoch_moves_with_what_grants_and_only_with_it() {
    use sea_orm::ConnectionTrait;
    for kit in crate::kit::kits().await {
        let db = &kit.state.db;
        let stored = || stored_epoch(db);
        let run = |sql: &'static str| async move {
            db.execute_unprepared(sql).await.expect(sql);
        };
        kit.create_user("alice").await;
        let alice = kit.sign_in("alice").await;
        let created = kit
            .call(
                &alice,
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "ci"})),
            )
            .await;
        created.assert_status(201, "a token");
        let before = stored().await;
        run("INSERT INTO repositories (namespace_id, name, created_at) \
             SELECT id, 'counted', '2026-01-01T00:00:00Z' FROM namespaces WHERE global")
        .await;
        run("UPDATE namespaces SET description = 'shop' WHERE global").await;
        assert_eq!(
            stored().await,
            before,
            "{}: a repository and a description grant nothing",
            kit.backend
        );
        let id = created.json()["token"]["id"].as_i64().expect("its id");
        kit.call(&alice, "DELETE", &format!("/api/v1/tokens/{id}"), None)
            .await
            .assert_status(204, "revoked");
        let revoked = stored().await;
        assert!(
            revoked > before,
            "{}: a revoked token moves it",
            kit.backend
        );
        run("UPDATE namespaces SET visibility = 'public' WHERE global").await;
        assert!(
            stored().await > revoked,
            "{}: a namespace's visibility moves it",
            kit.backend
        );
    }
}

/// The authorization epoch's stored counter.
async fn stored_epoch(db: &sea_orm::DatabaseConnection) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT value FROM authz_epoch",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}
