//! The registry token endpoint, as registry clients call it.

use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Value, json};
use x509_parser::prelude::*;

use sea_orm::ConnectionTrait;

use crate::kit::{Kit, PASSWORD, basic, kits, kits_with};

/// Decodes and verifies a token with the key of the certificate in its `x5c`,
/// checking that `kid` is that key's libtrust id.
fn verify(kit: &Kit, token: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let x5c = header.x5c.as_ref().expect("x5c header");
    let der = data_encoding::BASE64.decode(x5c[0].as_bytes()).unwrap();
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    let spki = cert.public_key();
    assert_eq!(
        header.kid.as_deref(),
        Some(portunus::crypto::signing::libtrust_key_id(spki.raw).as_str())
    );
    assert_eq!(header.kid.as_deref(), Some(kit.state.signer.key_id()));
    assert_eq!(
        header.alg,
        jsonwebtoken::Algorithm::ES256,
        "new installations sign with ECDSA P-256"
    );
    let key = DecodingKey::from_ec_der(&spki.subject_public_key.data);
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&["registry"]);
    validation.set_issuer(&["portunus"]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap()
        .claims
}

async fn token_for(kit: &Kit, query: &str, auth: Option<&str>) -> crate::kit::Answer {
    let mut request = kit.client.get(format!("/v2/token?{query}"));
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    kit.send(request).await
}

#[tokio::test]
async fn login_without_scope_gives_an_empty_token() {
    for kit in kits().await {
        kit.create_user("alice").await;
        let answer = token_for(
            &kit,
            "service=registry&account=alice&client_id=docker&offline_token=true",
            Some(&basic("alice", PASSWORD)),
        )
        .await;
        answer.assert_status(200, &format!("{}: {}", kit.backend, answer.text));
        let body = answer.json();
        assert_eq!(body["token"], body["access_token"]);
        let claims = verify(&kit, body["token"].as_str().unwrap());
        assert_eq!(claims["sub"], "alice");
        assert_eq!(claims["aud"], "registry", "aud is a plain string");
        assert_eq!(claims["iss"], "portunus");
        assert_eq!(claims["access"], json!([]));
        let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
        assert_eq!(body["expires_in"].as_i64().unwrap(), lifetime);
        assert!(lifetime >= 60);
        assert!(claims["nbf"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());
        assert!(chrono::DateTime::parse_from_rfc3339(body["issued_at"].as_str().unwrap()).is_ok());
        assert_eq!(answer.headers.get("cache-control").unwrap(), "no-store");
    }
}

#[tokio::test]
async fn bad_credentials_are_refused() {
    for kit in kits().await {
        kit.create_user("alice").await;
        for auth in [
            basic("alice", "wrong-password"),
            basic("nobody", PASSWORD),
            basic("bad name", PASSWORD),
        ] {
            let answer = token_for(&kit, "service=registry", Some(&auth)).await;
            answer.assert_client_error(401, "bad credentials");
            assert!(answer.headers.contains_key("www-authenticate"));
            assert!(
                answer.json()["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("invalid user name or password")
            );
        }
    }
}

#[tokio::test]
async fn anonymous_requests() {
    for kit in kits().await {
        let answer = token_for(&kit, "service=registry", None).await;
        answer.assert_client_error(401, "anonymous login is refused");

        let answer = token_for(
            &kit,
            "service=registry&scope=repository:alice/app:pull",
            None,
        )
        .await;
        answer.assert_status(200, "answer");
        let claims = verify(&kit, answer.json()["token"].as_str().unwrap());
        assert_eq!(claims["sub"], "");
        assert_eq!(claims["access"], json!([]), "nothing is public yet");
    }
}

#[tokio::test]
async fn account_must_match_the_credentials() {
    for kit in kits().await {
        kit.create_user("alice").await;
        kit.create_user("bob").await;
        let answer = token_for(
            &kit,
            "account=bob&scope=repository:bob/app:push",
            Some(&basic("alice", PASSWORD)),
        )
        .await;
        answer.assert_client_error(401, "account mismatch");
    }
}

#[tokio::test]
async fn scopes_are_intersected_with_the_policy() {
    for kit in kits().await {
        kit.create_user("root").await; // the first account is the administrator
        kit.create_user("alice").await;
        kit.create_user("bob").await;
        let query = "service=registry\
            &scope=repository:alice/app:pull,push\
            &scope=repository%3Abob%2Fapp%3Apull%2Cpush%20repository%3Aalice%2Fother%3Apull\
            &scope=repository:alice/app:delete\
            &scope=registry:catalog:*\
            &scope=not-a-scope\
            &scope=repository(plugin):alice/plug:pull";
        let answer = token_for(&kit, query, Some(&basic("alice", PASSWORD))).await;
        answer.assert_status(200, "answer");
        let claims = verify(&kit, answer.json()["token"].as_str().unwrap());
        assert_eq!(
            claims["access"],
            json!([
                {"type": "repository", "name": "alice/app", "actions": ["delete", "pull", "push"]},
                {"type": "repository", "name": "alice/other", "actions": ["pull"]},
                {"type": "repository", "name": "alice/plug", "actions": ["pull"]},
            ]),
            "{}",
            kit.backend
        );

        // Bob gets his own namespace, not Alice's.
        let answer = token_for(
            &kit,
            "scope=repository:alice/app:pull&scope=repository:bob/x:push",
            Some(&basic("bob", PASSWORD)),
        )
        .await;
        let claims = verify(&kit, answer.json()["token"].as_str().unwrap());
        assert_eq!(
            claims["access"],
            json!([{"type": "repository", "name": "bob/x", "actions": ["push"]}])
        );
    }
}

/// Kits whose token answers look for changes made elsewhere (here: the
/// database written directly, as another process would) on every request.
async fn kits_seeing_every_change() -> Vec<Kit> {
    kits_with(|c| c.token.changes_elsewhere_ms = 0).await
}

#[tokio::test]
async fn disabled_users_get_nothing() {
    use sea_orm::{ActiveModelTrait, Set};
    for kit in kits_seeing_every_change().await {
        let alice = kit.create_user("alice").await;
        // A first request fills the credential cache; disabling must still win.
        let answer = token_for(
            &kit,
            "scope=repository:alice/app:pull",
            Some(&basic("alice", PASSWORD)),
        )
        .await;
        answer.assert_status(200, "answer");
        let mut user: portunus::db::entities::user::ActiveModel = alice.user.into();
        user.enabled = Set(false);
        user.update(&kit.state.db).await.unwrap();
        let answer = token_for(
            &kit,
            "scope=repository:alice/app:pull",
            Some(&basic("alice", PASSWORD)),
        )
        .await;
        answer.assert_status(401, "answer");
        assert!(answer.text.contains("disabled"));
    }
}

#[tokio::test]
async fn password_change_invalidates_cached_credentials() {
    use sea_orm::{ActiveModelTrait, Set};
    for kit in kits_seeing_every_change().await {
        let alice = kit.create_user("alice").await;
        assert_eq!(
            token_for(&kit, "", Some(&basic("alice", PASSWORD)))
                .await
                .status,
            200
        );
        let mut user: portunus::db::entities::user::ActiveModel = alice.user.into();
        user.password_hash = Set(Some(
            portunus::crypto::password::hash("a-new-password").unwrap(),
        ));
        user.update(&kit.state.db).await.unwrap();
        assert_eq!(
            token_for(&kit, "", Some(&basic("alice", PASSWORD)))
                .await
                .status,
            401
        );
        assert_eq!(
            token_for(&kit, "", Some(&basic("alice", "a-new-password")))
                .await
                .status,
            200
        );
    }
}

/// Token answers reuse the account and namespace facts they read: a change
/// made through this process's API counts at once, a change made elsewhere
/// once `token.changes_elsewhere_ms` has passed (an hour here: not yet).
#[tokio::test]
async fn remembered_answers_end_with_the_changes_made_here() {
    for kit in kits_with(|c| c.token.changes_elsewhere_ms = 3_600_000).await {
        kit.create_user("root").await; // the first account is the administrator
        kit.create_user("alice").await;
        let root = kit.sign_in("root").await;
        let calls = [
            ("POST", "/api/v1/teams", json!({"name": "web"})),
            (
                "PUT",
                "/api/v1/teams/web/members/alice",
                json!({"role": "contributor"}),
            ),
            (
                "POST",
                "/api/v1/namespaces",
                json!({"name": "web", "team": "web"}),
            ),
        ];
        for (method, path, body) in calls {
            let answer = kit.call(&root, method, path, Some(body)).await;
            assert!(
                answer.status.is_success(),
                "{method} {path}: {}",
                answer.text
            );
        }
        let alice = basic("alice", PASSWORD);
        let granted = || async {
            let answer = token_for(&kit, "scope=repository:web/app:pull,push", Some(&alice)).await;
            answer.assert_status(200, "token");
            verify(&kit, answer.json()["token"].as_str().unwrap())["access"].clone()
        };
        let actions =
            |list: &[&str]| json!([{"type": "repository", "name": "web/app", "actions": list}]);
        assert_eq!(
            granted().await,
            actions(&["pull", "push"]),
            "{}",
            kit.backend
        );

        // Elsewhere: the remembered answer stands until the hour is over.
        kit.state
            .db
            .execute_unprepared("DELETE FROM team_members WHERE role = 'contributor'")
            .await
            .expect("delete the membership");
        assert_eq!(
            granted().await,
            actions(&["pull", "push"]),
            "{}",
            kit.backend
        );

        // Here: at once.
        let path = "/api/v1/teams/web/members/alice";
        let answer = kit
            .call(&root, "PUT", path, Some(json!({"role": "viewer"})))
            .await;
        answer.assert_status(200, "make alice a viewer");
        assert_eq!(granted().await, actions(&["pull"]), "{}", kit.backend);
        let disable = Some(json!({"enabled": false}));
        let answer = kit
            .call(&root, "PATCH", "/api/v1/users/alice", disable)
            .await;
        answer.assert_status(200, "disable alice");
        let answer = token_for(&kit, "scope=repository:web/app:pull", Some(&alice)).await;
        answer.assert_status(401, "a disabled account");
        assert!(answer.text.contains("disabled"), "{}", answer.text);
    }
}

#[tokio::test]
async fn garbage_gets_4xx_json_and_the_server_keeps_serving() {
    for kit in kits().await {
        kit.create_user("alice").await;
        let good = basic("alice", PASSWORD);
        let long = "a".repeat(10_000);
        let cases: Vec<(String, Option<String>)> = vec![
            ("service=other".into(), Some(good.clone())),
            ("service=a&service=b".into(), Some(good.clone())),
            ("account=bob".into(), Some(good.clone())),
            ("account=".into(), Some(good.clone())),
            ("service=registry".into(), Some("Bearer abc".into())),
            ("service=registry".into(), Some("Basic !!!notbase64".into())),
            ("service=registry".into(), Some("Basic".into())),
            (
                "service=registry".into(),
                Some(format!(
                    "Basic {}",
                    data_encoding::BASE64.encode(b"no-colon")
                )),
            ),
            (
                "service=registry".into(),
                Some(format!(
                    "Basic {}",
                    data_encoding::BASE64.encode(&[0xff, 0xfe, b':', b'x'])
                )),
            ),
            ("service=registry".into(), Some(basic(&long, "x"))),
            (
                format!(
                    "scope={}",
                    (0..100)
                        .map(|i| format!("repository:a/r{i}:pull"))
                        .collect::<Vec<_>>()
                        .join("%20")
                ),
                Some(good.clone()),
            ),
            ("service=%FF%FE".into(), Some(good.clone())),
        ];
        for (query, auth) in &cases {
            let answer = token_for(&kit, query, auth.as_deref()).await;
            // A mismatched account is wrong credentials; the rest is a bad request.
            let status = if query.starts_with("account=") {
                401
            } else {
                400
            };
            answer.assert_client_error(
                status,
                &format!("{} query={query:.80} auth={auth:.40?}", kit.backend),
            );
        }
        // Malformed scopes are ignored, not fatal.
        let answer = token_for(
            &kit,
            &format!("scope=:::&scope={long}&scope=repository:alice/a:pull"),
            Some(&good),
        )
        .await;
        answer.assert_status(200, "answer");
        // A parameter given twice with the same value is given once.
        let answer = token_for(&kit, "service=registry&service=registry", Some(&good)).await;
        answer.assert_status(200, "the same service twice");
        // A password may hold colons: only the first one ends the name.
        kit.create_user_with_password("colons", "a:b:c:correct-horse")
            .await;
        let colons = basic("colons", "a:b:c:correct-horse");
        let answer = token_for(&kit, "service=registry", Some(&colons)).await;
        answer.assert_status(200, "a password with colons");
        // And the server still answers normally.
        let answer = token_for(&kit, "service=registry", Some(&good)).await;
        answer.assert_status(200, "answer");
    }
}

async fn post_form(kit: &Kit, body: &str) -> crate::kit::Answer {
    kit.send(
        kit.client
            .post("/v2/token")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_owned()),
    )
    .await
}

#[tokio::test]
async fn oauth2_password_and_refresh_grants() {
    for kit in kits().await {
        kit.create_user("root").await;
        let alice = kit.create_user("alice").await;
        // containerd: POST password first, scope once and space-separated.
        let answer = post_form(
            &kit,
            &format!("grant_type=password&username=alice&password={PASSWORD}&service=registry&client_id=containerd-client&scope=repository%3Aalice%2Fapp%3Apull%2Cpush%20repository%3Aroot%2Fx%3Apull"),
        )
        .await;
        answer.assert_status(200, "answer");
        let body = answer.json();
        assert_eq!(body["scope"], "repository:alice/app:pull,push");
        assert!(
            body.get("refresh_token").is_none(),
            "no refresh token unless asked"
        );
        let claims = verify(&kit, body["access_token"].as_str().unwrap());
        assert_eq!(claims["access"][0]["actions"], json!(["pull", "push"]));

        // docker login: GET with offline_token=true gets a refresh token...
        let answer = token_for(
            &kit,
            "service=registry&client_id=docker&offline_token=true",
            Some(&basic("alice", PASSWORD)),
        )
        .await;
        let refresh = answer.json()["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned();
        assert!(refresh.starts_with("ptr_"));
        // ...and later only POSTs it; the same token comes back, never rotated.
        let refresh_body = format!(
            "grant_type=refresh_token&refresh_token={refresh}&service=registry&client_id=docker&scope=repository:alice/app:push,pull"
        );
        for _ in 0..2 {
            let answer = post_form(&kit, &refresh_body).await;
            answer.assert_status(200, "answer");
            assert_eq!(answer.json()["refresh_token"], refresh.as_str());
            let claims = verify(&kit, answer.json()["token"].as_str().unwrap());
            assert_eq!(claims["sub"], "alice");
            assert_eq!(claims["access"][0]["actions"], json!(["pull", "push"]));
        }
        // Bound to the service.
        let other_service = refresh_body.replace("service=registry", "service=elsewhere");
        assert_eq!(post_form(&kit, &other_service).await.status, 400);
        // Listed for its user; revoked by a password change.
        let cookie = kit.sign_in("alice").await;
        let listed = kit
            .call(&cookie, "GET", "/api/v1/refresh-tokens", None)
            .await
            .json();
        assert_eq!(listed[0]["client_id"], "docker");
        assert!(listed[0]["address"].is_string(), "{listed}");
        {
            use sea_orm::{ActiveModelTrait, Set};
            let mut user: portunus::db::entities::user::ActiveModel = alice.user.clone().into();
            user.password_hash = Set(Some(
                portunus::crypto::password::hash("another-password").unwrap(),
            ));
            user.update(&kit.state.db).await.unwrap();
        }
        let answer = post_form(&kit, &refresh_body).await;
        answer.assert_status(401, "answer");
        assert_eq!(answer.json()["error"], "invalid_grant");
    }
}

#[tokio::test]
async fn refresh_tokens_die_with_a_disabled_account_and_can_be_revoked() {
    use sea_orm::{ActiveModelTrait, Set};
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("root").await;
    let bob = kit.create_user("bob").await;
    let get_refresh = || async {
        let body = format!(
            "grant_type=password&username=bob&password={PASSWORD}&service=registry&client_id=docker&access_type=offline"
        );
        post_form(&kit, &body).await.json()["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = get_refresh().await;
    let second = get_refresh().await;
    let refresh = |token: String| {
        let kit = &kit;
        async move {
            post_form(kit, &format!("grant_type=refresh_token&refresh_token={token}&service=registry&client_id=docker")).await.status
        }
    };
    assert_eq!(refresh(first.clone()).await, 200);

    let cookie = kit.sign_in("bob").await;
    let listed = kit
        .call(&cookie, "GET", "/api/v1/refresh-tokens", None)
        .await
        .json();
    let first_id = listed[0]["id"].as_i64().unwrap();
    let root = kit.sign_in("root").await;
    assert_eq!(
        kit.call(
            &root,
            "DELETE",
            &format!("/api/v1/refresh-tokens/{first_id}"),
            None
        )
        .await
        .status,
        404,
        "only its user revokes it"
    );
    assert_eq!(
        kit.call(
            &cookie,
            "DELETE",
            &format!("/api/v1/refresh-tokens/{first_id}"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(refresh(first).await, 401);
    assert_eq!(refresh(second.clone()).await, 200);

    let mut user: portunus::db::entities::user::ActiveModel = bob.user.into();
    user.enabled = Set(false);
    user.update(&kit.state.db).await.unwrap();
    assert_eq!(refresh(second).await, 401);
}

#[tokio::test]
async fn malformed_oauth2_requests_get_4xx() {
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("alice").await;
    // Wrong credentials are 401; everything malformed is 400, with the
    // OAuth2 error code that names what is wrong.
    for (body, status, error) in [
        ("", 400, "invalid_request"),
        ("grant_type=password", 400, "invalid_request"),
        (
            "grant_type=password&username=alice&password=x&service=registry",
            400,
            "invalid_request",
        ),
        (
            "grant_type=password&service=registry&client_id=x",
            400,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials&service=registry&client_id=x",
            400,
            "unsupported_grant_type",
        ),
        ("service=registry&client_id=x", 400, "invalid_request"),
        (
            "grant_type=refresh_token&service=registry&client_id=x",
            400,
            "invalid_request",
        ),
        (
            "grant_type=refresh_token&refresh_token=garbage&service=registry&client_id=x",
            401,
            "invalid_grant",
        ),
        (
            "grant_type=password&username=alice&password=wrong-password&service=registry&client_id=x",
            401,
            "invalid_grant",
        ),
        ("%FF%FE&&==", 400, "invalid_request"),
    ] {
        let answer = post_form(&kit, body).await;
        answer.assert_client_error(status, body);
        assert_eq!(answer.json()["error"], error, "{body}: {}", answer.text);
    }
    let answer = kit
        .send(
            kit.client
                .post("/v2/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("content-length", "10000000")
                .body("x"),
        )
        .await;
    answer.assert_status(413, "answer");
}

#[tokio::test]
async fn refresh_tokens_end_unused_and_a_user_holds_only_so_many() {
    use portunus::accounts::refresh_tokens::{self, Limits};
    for kit in crate::kit::kits().await {
        let alice = kit.create_user("alice").await.user;
        let limits = Limits {
            idle: chrono::Duration::days(30),
            per_user: 2,
        };
        let start = chrono::Utc::now();
        let mut secrets = Vec::new();
        for minutes in 0..3 {
            let at = start + chrono::Duration::minutes(minutes);
            let issued = refresh_tokens::issue(
                &kit.state.db,
                limits,
                &alice,
                "registry",
                "docker",
                "192.0.2.1",
                at,
            );
            secrets.push(issued.await.expect("issued"));
        }
        let redeem = |secret: String, at| {
            let db = kit.state.db.clone();
            async move {
                refresh_tokens::redeem(&db, limits, &secret, "registry", at)
                    .await
                    .expect("redeemed")
                    .map(|user| user.username)
            }
        };
        let soon = start + chrono::Duration::days(1);
        assert_eq!(
            redeem(secrets[0].clone(), soon).await,
            None,
            "the oldest retired"
        );
        assert_eq!(
            redeem(secrets[1].clone(), soon).await.as_deref(),
            Some("alice")
        );
        // Used a day in, it lives 30 days from then; unused, 30 from issue.
        let later = start + chrono::Duration::days(30) + chrono::Duration::hours(1);
        assert_eq!(
            redeem(secrets[2].clone(), later).await,
            None,
            "unused too long"
        );
        assert_eq!(
            redeem(secrets[1].clone(), later).await.as_deref(),
            Some("alice")
        );
        let owner = portunus::authz::Subject::user(&alice, None);
        let listed_at = |at| refresh_tokens::list(&kit.state.db, limits, &owner, &alice, at);
        let listed = listed_at(later).await.expect("listed");
        assert_eq!(listed.len(), 1, "{listed:?}");
        let much_later = later + chrono::Duration::days(31);
        let listed = listed_at(much_later).await.expect("listed");
        assert!(listed.is_empty(), "unused too long, not listed: {listed:?}");
    }
}

/// A password hash brought from Portus (Devise's bcrypt) lets its user in
/// with the old password and is replaced by argon2id on the way.
#[tokio::test]
async fn a_portus_bcrypt_password_logs_in_and_is_upgraded() {
    use portunus::db::entities::user;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    for kit in kits().await {
        let alice = kit.create_user("alice").await.user;
        let devise = bcrypt::hash_with_result("portus-password", 10)
            .unwrap()
            .format_for_version(bcrypt::Version::TwoA);
        let mut row: user::ActiveModel = alice.clone().into();
        row.password_hash = Set(Some(devise.clone()));
        row.update(&kit.state.db).await.unwrap();
        let login = |password: &'static str| {
            let kit = &kit;
            async move {
                let auth = basic("alice", password);
                token_for(kit, "service=registry", Some(&auth)).await
            }
        };
        login("wrong-password")
            .await
            .assert_client_error(401, kit.backend);
        let stored = |kit: &Kit| {
            let db = kit.state.db.clone();
            async move {
                user::Entity::find_by_id(alice.id)
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap()
                    .password_hash
                    .unwrap()
            }
        };
        assert_eq!(
            stored(&kit).await,
            devise,
            "a wrong password changes nothing"
        );
        login("portus-password")
            .await
            .assert_status(200, kit.backend);
        let upgraded = stored(&kit).await;
        assert!(upgraded.starts_with("$argon2id$"), "{upgraded}");
        assert!(portunus::crypto::password::verify(
            "portus-password",
            &upgraded
        ));
        login("portus-password")
            .await
            .assert_status(200, "and again, now by argon2id");
    }
}
