//! Sign-up, sign-in, sign-out and `GET /me`, and the API's error answers.

use serde_json::json;

use crate::kit::{As, Kit, PASSWORD, kits, kits_with};

fn session_cookie(answer: &crate::kit::Answer) -> String {
    let set_cookie = answer
        .headers
        .get("set-cookie")
        .expect("Set-Cookie")
        .to_str()
        .unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn sign_up(kit: &Kit, username: &str) -> crate::kit::Answer {
    kit.send(
        kit.client
            .post("/api/v1/signup")
            .body_json(&json!({"username": username, "password": PASSWORD})),
    )
    .await
}

#[tokio::test]
async fn only_the_setup_code_makes_a_sign_up_the_first_administrator() {
    for kit in kits().await {
        let info = || async { kit.get("/api/v1/info").await.json()["setup"].clone() };
        assert_eq!(info().await, true, "no administrator yet");
        let with_code = |username: &'static str, code: String| {
            let kit = &kit;
            async move {
                let body = json!({"username": username, "password": PASSWORD, "setup_code": code});
                kit.send(kit.client.post("/api/v1/signup").body_json(&body))
                    .await
            }
        };

        // Whoever comes first without the code is an ordinary user.
        let first = sign_up(&kit, "early-bird").await;
        first.assert_status(201, "first");
        assert_eq!(first.json()["user"]["admin"], false, "{}", first.text);
        let mallory = kit
            .send(
                kit.client.post("/api/v1/signup").body_json(
                    &json!({"username": "mallory", "password": PASSWORD, "admin": true}),
                ),
            )
            .await;
        mallory.assert_status(201, "mallory");
        assert_eq!(
            mallory.json()["user"]["admin"],
            false,
            "nobody claims admin"
        );
        let guessed = with_code("guesser", "AAAA-AAAA-AAAA-AAAA".into()).await;
        guessed.assert_status(403, "a wrong code");
        assert!(guessed.text.contains("setup code"), "{}", guessed.text);
        sign_up(&kit, "guesser")
            .await
            .assert_status(201, "the wrong code created nothing");
        assert_eq!(info().await, true, "still no administrator");

        // The operator, with the code from the log (typed loosely).
        let code = kit.state.setup.code().to_lowercase().replace('-', " ");
        let root = with_code("root", code.clone()).await;
        root.assert_status(201, "with the code");
        assert_eq!(root.json()["user"]["admin"], true, "{}", root.text);
        assert_eq!(info().await, false, "set up");
        with_code("second", code)
            .await
            .assert_status(409, "the code is spent once an administrator exists");
    }
}

#[tokio::test]
async fn sign_up_explains_bad_names_and_transforms_namespaces() {
    for kit in kits().await {
        let answer = sign_up(&kit, "bad name").await;
        answer.assert_status(400, "answer");
        assert!(
            answer.json()["message"]
                .as_str()
                .unwrap()
                .contains("username must be 1 to 64 letters, digits"),
            "{}",
            answer.text
        );

        let answer = sign_up(&kit, "Jane.Doe@Example").await;
        answer.assert_status(201, "answer");
        assert_eq!(answer.json()["user"]["namespace"], "jane.doe-example");
        assert!(
            answer.json()["namespace_notice"]
                .as_str()
                .unwrap()
                .contains("jane.doe-example")
        );

        let answer = sign_up(&kit, "jane.doe@example").await;
        assert_eq!(
            answer.status, 409,
            "names differing only in case clash: {}",
            answer.text
        );

        let answer = kit
            .send(
                kit.client
                    .post("/api/v1/signup")
                    .body_json(&json!({"username": "shorty", "password": "short"})),
            )
            .await;
        answer.assert_status(400, "answer");
        assert!(
            answer
                .text
                .contains("password must have at least 8 characters"),
            "{}",
            answer.text
        );
    }
}

#[tokio::test]
async fn sign_up_can_be_disabled() {
    let kit = Kit::with_config("sqlite", None, |c| c.signup = false).await;
    let answer = sign_up(&kit, "alice").await;
    answer.assert_client_error(403, "sign-up disabled");
}

#[tokio::test]
async fn sign_in_me_and_sign_out() {
    for kit in kits().await {
        kit.create_user("alice").await;
        let answer = kit.get("/api/v1/me").await;
        answer.assert_client_error(401, "me without session");

        let wrong = kit
            .send(
                kit.client
                    .post("/api/v1/session")
                    .body_json(&json!({"username": "alice", "password": "nope-nope"})),
            )
            .await;
        wrong.assert_status(401, "wrong");
        assert!(!wrong.headers.contains_key("set-cookie"));

        let answer = kit
            .send(
                kit.client
                    .post("/api/v1/session")
                    .body_json(&json!({"username": "alice", "password": PASSWORD})),
            )
            .await;
        answer.assert_status(200, "answer");
        let cookie = session_cookie(&answer);

        let me = kit
            .send(kit.client.get("/api/v1/me").header("Cookie", &cookie))
            .await;
        me.assert_status(200, "me");
        assert_eq!(me.json()["username"], "alice");
        assert_eq!(me.json()["namespace"], "alice");

        let out = kit
            .send(
                kit.client
                    .delete("/api/v1/session")
                    .header("Cookie", &cookie),
            )
            .await;
        out.assert_status(204, "out");
        assert!(
            out.headers
                .get("set-cookie")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        let me = kit
            .send(kit.client.get("/api/v1/me").header("Cookie", &cookie))
            .await;
        me.assert_status(401, "the session is gone");

        let forged = kit
            .send(
                kit.client
                    .get("/api/v1/me")
                    .header("Cookie", "portunus_session=deadbeef"),
            )
            .await;
        forged.assert_status(401, "forged");
    }
}

#[tokio::test]
async fn sign_ins_are_audited() {
    use portunus::db::entities::activity;
    use sea_orm::EntityTrait;
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("alice").await;
    for password in ["wrong-password", PASSWORD] {
        kit.send(
            kit.client
                .post("/api/v1/session")
                .body_json(&json!({"username": "alice", "password": password})),
        )
        .await;
    }
    let keys: Vec<String> = activity::Entity::find()
        .all(&kit.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.key)
        .collect();
    assert_eq!(keys, ["user.create", "auth.sign_in_failed", "auth.sign_in"]);
}

#[tokio::test]
async fn malformed_requests_get_json_errors() {
    let kit = Kit::with_config("sqlite", None, |c| c.max_body_bytes = 4096).await;
    let cases = [
        (
            kit.client
                .post("/api/v1/session")
                .header("content-type", "application/json")
                .body("{not json"),
            400,
        ),
        (
            kit.client
                .post("/api/v1/session")
                .header("content-type", "text/plain")
                .body("x"),
            415,
        ),
        (
            kit.client
                .post("/api/v1/session")
                .body_json(&json!({"username": 5})),
            400,
        ),
        (
            kit.client
                .post("/api/v1/signup")
                .header("content-type", "application/json")
                .body(format!("{{\"username\": \"{}\"}}", "a".repeat(10_000))),
            400,
        ),
        (kit.client.get("/api/v1/no-such-thing"), 404),
        (kit.client.put("/api/v1/me"), 405),
    ];
    for (request, status) in cases {
        let answer = kit.send(request).await;
        answer.assert_client_error(status, "malformed");
        assert!(
            answer.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let big = kit
        .send(
            kit.client
                .post("/api/v1/signup")
                .header("content-type", "application/json")
                .header("content-length", "100000")
                .body("x".repeat(100_000)),
        )
        .await;
    big.assert_status(413, "big");
}

#[tokio::test]
async fn the_web_ui_answers_deep_links_with_index_html() {
    let kit = Kit::new("sqlite", None).await;
    let web = kit.state.config.web_dir.clone();
    let not_built = kit.get("/repositories/3").await;
    not_built.assert_status(503, "without a build, a notice");
    assert!(not_built.text.contains("just build-ui"));

    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<html>portunus ui</html>").unwrap();
    let kit = Kit::with_config("sqlite", None, |c| c.web_dir = web).await;
    for path in ["/", "/repositories/3", "/signin"] {
        let answer = kit.get(path).await;
        answer.assert_status(200, "{path}");
        assert!(answer.text.contains("portunus ui"), "{path}");
    }
}

#[tokio::test]
async fn the_data_directory_and_database_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let kit = Kit::new("sqlite", None).await;
    let data_dir = &kit.state.config.data_dir;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(data_dir), 0o700, "data_dir");
    assert_eq!(mode(&data_dir.join("portunus.db")), 0o600, "the database");
}

#[tokio::test]
async fn page_numbers_are_bounded() {
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("alice").await;
    let alice = kit.sign_in("alice").await;
    for query in [
        "page=18446744073709551615",
        "page=1000001",
        "page=0",
        "per_page=501",
    ] {
        kit.call(
            &alice,
            "GET",
            &format!("/api/v1/repositories?{query}"),
            None,
        )
        .await
        .assert_client_error(400, query);
    }
    kit.call(&alice, "GET", "/api/v1/repositories?page=1000000", None)
        .await
        .assert_status(200, "the last page allowed");
}

#[tokio::test]
async fn names_portunus_acts_under_are_reserved() {
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("root").await;
    // Every name Portunus uses for itself is on the list.
    for used in [
        portunus::registry::INTERNAL_IDENTITY,
        &portunus::audit::Actor::cli().name,
    ] {
        assert!(portunus_shared::names::is_reserved_username(used), "{used}");
    }
    for name in ["portunus", "Portunus", "registry", "portunus-retention"] {
        sign_up(&kit, name).await.assert_client_error(409, name);
    }
    sign_up(&kit, "portunus2")
        .await
        .assert_status(201, "a name that is not reserved");
}

#[tokio::test]
async fn every_answer_forbids_framing_and_sniffing() {
    let kit = Kit::new("sqlite", None).await;
    for path in [
        "/",
        "/api/v1/info",
        "/api/v1/me",
        "/v2/token",
        "/no-such-page",
    ] {
        let answer = kit.get(path).await;
        for (name, value) in [
            ("x-frame-options", "DENY"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            (
                "content-security-policy",
                portunus::http::content_policy::NOTHING,
            ),
        ] {
            assert_eq!(
                answer.headers.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{path} ({}): {name}",
                answer.status
            );
        }
    }
}

#[tokio::test]
async fn the_web_ui_has_its_own_policy_and_refuses_paths_out_of_it_without_naming_the_disk() {
    let kit = Kit::with_config("sqlite", None, |c| {
        std::fs::create_dir_all(&c.web_dir).expect("web dir");
        std::fs::write(c.web_dir.join("index.html"), "<p>ui</p>").expect("index.html");
    })
    .await;
    let page = kit.get("/anything").await;
    page.assert_status(200, "the UI's index");
    let policy = page.headers.get("content-security-policy").unwrap();
    let policy = policy.to_str().unwrap();
    assert!(
        policy.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'")
            && policy.contains("frame-ancestors 'none'"),
        "the web UI's own policy: {policy}"
    );
    let web_dir = kit.state.config.web_dir.display().to_string();
    let refused = kit.get("/%2e%2e/%2e%2e/etc/passwd").await;
    refused.assert_status(403, "outside the web directory");
    assert!(
        !refused.text.contains(&web_dir) && !refused.text.contains("/etc"),
        "{}",
        refused.text
    );
}

#[tokio::test]
async fn people_list_their_sessions_and_end_any_of_them() {
    use crate::kit::{As, kits_with};
    for kit in kits_with(|c| c.client_address_header = "X-Real-IP".into()).await {
        kit.create_user("alice").await;
        kit.create_user("bob").await;
        let sign_in = |agent: &'static str, address: &'static str| {
            let kit = &kit;
            async move {
                let answer = kit
                    .send(
                        kit.client
                            .post("/api/v1/session")
                            .header("User-Agent", agent)
                            .header("X-Real-IP", address)
                            .body_json(&json!({"username": "alice", "password": PASSWORD})),
                    )
                    .await;
                As::Cookie(session_cookie(&answer))
            }
        };
        let laptop = sign_in("Firefox on the laptop", "192.0.2.10").await;
        let phone = sign_in("Safari on the phone", "198.51.100.20").await;

        let listed = kit.call(&laptop, "GET", "/api/v1/me/sessions", None).await;
        listed.assert_status(200, "list");
        let sessions = listed.json();
        let seen: Vec<(String, String, bool)> = sessions
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["client"].as_str().unwrap().to_owned(),
                    s["address"].as_str().unwrap().to_owned(),
                    s["current"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "Safari on the phone".to_owned(),
                    "198.51.100.20".to_owned(),
                    false
                ),
                (
                    "Firefox on the laptop".to_owned(),
                    "192.0.2.10".to_owned(),
                    true
                ),
            ],
            "newest first, the asking one marked"
        );
        let phone_id = sessions[0]["id"].as_i64().unwrap();

        // Someone else's session does not exist for bob.
        let bob = kit.sign_in("bob").await;
        let path = format!("/api/v1/me/sessions/{phone_id}");
        kit.call(&bob, "DELETE", &path, None)
            .await
            .assert_client_error(404, "not bob's");
        assert_eq!(
            kit.call(&phone, "GET", "/api/v1/me", None).await.status,
            200
        );

        kit.call(&laptop, "DELETE", &path, None)
            .await
            .assert_status(204, "ended");
        assert_eq!(
            kit.call(&phone, "GET", "/api/v1/me", None).await.status,
            401
        );
        assert_eq!(
            kit.call(&laptop, "GET", "/api/v1/me", None).await.status,
            200
        );
        let left = kit.call(&laptop, "GET", "/api/v1/me/sessions", None).await;
        assert_eq!(left.json().as_array().map(Vec::len), Some(1));
    }
}

#[tokio::test]
async fn changes_with_the_session_cookie_come_only_from_portunus_pages() {
    for kit in kits().await {
        kit.create_user("root").await;
        let root = kit.sign_in("root").await;
        let As::Cookie(cookie) = &root else {
            unreachable!()
        };
        let team = |name: &str, origin: &str| {
            kit.client
                .post("/api/v1/teams")
                .header("Cookie", cookie)
                .header("Origin", origin)
                .body_json(&json!({"name": name}))
        };
        let forged = kit.send(team("forged", "https://evil.example")).await;
        forged.assert_client_error(403, "another site's page");
        assert!(forged.text.contains("not of Portunus"), "{}", forged.text);
        let sibling = kit
            .send(
                kit.client
                    .delete("/api/v1/session")
                    .header("Cookie", cookie)
                    .header("Sec-Fetch-Site", "same-site"),
            )
            .await;
        sibling.assert_client_error(403, "a sibling site, no Origin");
        let teams = kit.call(&root, "GET", "/api/v1/teams", None).await;
        assert!(
            !teams.text.contains("forged"),
            "nothing was made: {}",
            teams.text
        );

        let own = portunus::http::same_origin::own_origin(&kit.state.config.public_url);
        kit.send(team("real", &own))
            .await
            .assert_status(201, "Portunus's own page");
    }
}

#[tokio::test]
async fn a_wrong_method_is_told_the_right_ones() {
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("root").await;
    for (request, allowed) in [
        (kit.client.put("/api/v1/info"), "GET"),
        (kit.client.post("/api/v1/users/root"), "GET, PATCH, DELETE"),
        (kit.client.get("/api/v1/webhooks/7/ping"), "POST"),
    ] {
        let answer = kit.send(request).await;
        answer.assert_client_error(405, allowed);
        assert_eq!(
            answer.headers.get("allow").and_then(|v| v.to_str().ok()),
            Some(allowed)
        );
    }
}

#[tokio::test]
async fn behind_https_only_a_cookie_pinned_to_the_host_is_a_session() {
    for kit in kits_with(|c| c.public_url = "https://portunus.example.org".into()).await {
        kit.create_user("alice").await;
        kit.create_user("mallory").await;
        let signed_in = kit
            .call(
                &As::Nobody,
                "POST",
                "/api/v1/session",
                Some(json!({"username": "alice", "password": PASSWORD})),
            )
            .await;
        signed_in.assert_status(200, "sign in");
        let set = signed_in.headers["set-cookie"].to_str().unwrap().to_owned();
        assert!(set.starts_with("__Host-portunus_session="), "{set}");
        assert!(
            set.contains("; Path=/;") && set.ends_with("; Secure"),
            "{set}"
        );
        assert!(!set.contains("Domain"), "{set}");
        let alices = set.split(';').next().unwrap().to_owned();
        let As::Cookie(mallorys) = kit.sign_in("mallory").await else {
            unreachable!()
        };
        // What a sibling subdomain can set: the name without the prefix.
        let planted = mallorys.replace("__Host-", "");
        for (cookie, status, who) in [
            (alices.clone(), 200, Some("alice")),
            (planted.clone(), 401, None),
            (format!("{planted}; {alices}"), 200, Some("alice")),
            (format!("{alices}; {planted}"), 200, Some("alice")),
        ] {
            let me = kit
                .call(&As::Cookie(cookie.clone()), "GET", "/api/v1/me", None)
                .await;
            me.assert_status(status, &cookie);
            if let Some(who) = who {
                assert_eq!(me.json()["username"], who, "{cookie}");
            }
        }
    }
}
