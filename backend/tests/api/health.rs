//! `/health` and `/ready` for load balancers, and the API's description
//! served beside it.

use serde_json::json;

use crate::kit::{Kit, kits};

#[tokio::test]
async fn ready_says_what_the_database_and_the_registry_answer() {
    for kit in kits().await {
        let health = kit.get("/health").await;
        health.assert_status(200, "health");
        assert_eq!(health.json(), json!({"status": "alive"}), "{}", kit.backend);

        let ready = kit.get("/ready").await;
        ready.assert_status(200, "ready");
        let body = ready.json();
        assert_eq!(body["ready"], true, "{}", kit.backend);
        assert_eq!(
            body["database"],
            json!({"backend": kit.backend, "reachable": true, "pending_migrations": [], "unknown_migrations": []}),
        );
        // No registry listens in the API tests: reported, but not deciding;
        // to anyone, by name only.
        assert_eq!(
            body["registry"],
            json!({"name": "default", "reachable": false}),
            "{}",
            kit.backend
        );
        assert_eq!(body["registries"], json!([body["registry"]]));
        // Administrators see where it is and what it answered; others not.
        kit.create_user("root").await;
        kit.create_user("alice").await;
        let alice = kit.sign_in("alice").await;
        let hidden = kit.call(&alice, "GET", "/ready", None).await.json();
        assert_eq!(hidden["registry"], body["registry"], "not for alice");
        let root = kit.sign_in("root").await;
        let detailed = kit.call(&root, "GET", "/ready", None).await.json();
        assert_eq!(
            detailed["registry"]["url"], "http://127.0.0.1:9",
            "{detailed}"
        );
        assert_eq!(detailed["registry"]["reachable"], false);
        let why = detailed["registry"]["answer"].as_str().unwrap_or_default();
        assert!(why.contains("127.0.0.1:9"), "{}: {why}", kit.backend);

        // A database a newer Portunus migrated, then one that lacks a migration.
        let db = &kit.state.db;
        use sea_orm::ConnectionTrait;
        db.execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20990101_000001_future', 0)",
        )
        .await
        .expect("a migration from the future");
        let newer = kit.get("/ready").await;
        newer.assert_status(503, "newer database");
        assert_eq!(newer.json()["ready"], false);
        assert_eq!(
            newer.json()["database"]["unknown_migrations"],
            json!(["m20990101_000001_future"])
        );
        assert_eq!(
            newer.json()["database"]["error"],
            "a newer Portunus migrated this database: upgrade this one"
        );
        db.execute_unprepared(
            "DELETE FROM seaql_migrations WHERE version = 'm20990101_000001_future'; \
             DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)",
        )
        .await
        .expect("forget the last migration");
        let older = kit.get("/ready").await;
        older.assert_status(503, "older database");
        let pending = older.json()["database"]["pending_migrations"].clone();
        assert_eq!(pending.as_array().map(Vec::len), Some(1), "{pending}");
    }
}

#[tokio::test]
async fn without_the_database_the_process_is_alive_but_not_ready() {
    let kit = Kit::new("sqlite", None).await;
    kit.state.db.close_by_ref().await.expect("close the pool");
    kit.get("/health").await.assert_status(200, "health");
    let ready = kit.get("/ready").await;
    ready.assert_status(503, "ready");
    let body = ready.json();
    assert_eq!(body["ready"], false);
    assert_eq!(body["database"]["reachable"], false);
    assert_eq!(
        body["database"]["error"],
        "the database does not answer (administrators see why here, or in the log)",
        "no database error to anyone"
    );
}

#[tokio::test]
async fn the_metrics_token_shows_readys_details_and_registries_are_asked_once_in_a_while() {
    let kit = Kit::with_config("sqlite", None, |c| c.metrics_token = "m3trics".into()).await;
    let ready = |token: Option<&'static str>| {
        let kit = &kit;
        async move {
            let mut request = kit.client.get("/ready");
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            kit.send(request).await.json()
        }
    };
    assert!(ready(None).await["registry"].get("answer").is_none());
    assert!(
        ready(Some("wrong")).await["registry"]
            .get("answer")
            .is_none()
    );
    let first = ready(Some("m3trics")).await;
    let answer = first["registry"]["answer"].as_str().unwrap().to_owned();
    assert!(answer.contains("127.0.0.1:9"), "{first}");
    // Asked again within the period: the same answer, not a new call.
    let again = ready(Some("m3trics")).await;
    assert_eq!(again["registry"]["answer"], answer.as_str());
    // Whether the registries are asked again at `at` (this asking fails).
    let age = portunus::http::health::REGISTRIES_MAX_AGE;
    let ask_at = |at| {
        kit.state
            .registry_checks
            .get(at, age, || async { Err::<Vec<_>, _>("asked again") })
    };
    let asked_at = std::time::Instant::now();
    let remembered = ask_at(asked_at).await;
    assert!(remembered.is_ok(), "served from memory within the period");
    let asked = ask_at(asked_at + age).await;
    assert_eq!(asked.err(), Some("asked again"), "and asked after it");
}

#[tokio::test]
async fn the_api_describes_itself_where_it_is_served() {
    let kit = Kit::new("sqlite", None).await;
    let yaml = kit.get("/api/v1/openapi.yaml").await;
    yaml.assert_status(200, "yaml");
    assert!(
        yaml.text.starts_with("openapi: 3"),
        "{}",
        &yaml.text[..40.min(yaml.text.len())]
    );
    assert!(yaml.text.contains("/repositories/{id}/tags"), "the paths");
    let spec = kit.get("/api/v1/openapi.json").await;
    spec.assert_status(200, "json");
    let spec = spec.json();
    assert_eq!(spec["info"]["title"], "Portunus");
    assert_eq!(
        spec["servers"][0]["url"],
        format!(
            "{}/api/v1",
            kit.state.config.public_url.trim_end_matches('/')
        )
    );
    assert!(spec["paths"]["/info"]["get"].is_object(), "the paths");

    let page = kit.get("/api/v1/docs").await;
    page.assert_status(200, "docs");
    assert!(page.text.contains("SwaggerUIBundle"), "Swagger UI");
    let policy = page.headers["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-")
            && !policy.contains("script-src 'unsafe-inline'")
            && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    // The API itself is still where it was.
    kit.get("/api/v1/info").await.assert_status(200, "info");
}
