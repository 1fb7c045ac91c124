//! Several registries: who may manage them, what bad input gets, and what
//! a registry added through the API brings: personal namespaces for
//! everyone, tokens for its service, events by its own secret, removal
//! only when empty. Both databases.

use portunus::db::entities::{namespace, registry_event};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::kit::{As, Kit, basic, kits};

const MEDIA_TYPE: &str = "application/vnd.docker.distribution.events.v1+json";

fn europe() -> Value {
    // Nothing listens there: added with skip_check. (The kit's configured
    // registry is at 127.0.0.1:9.)
    json!({
        "name": "europe",
        "url": "http://127.0.0.1:7",
        "service": "registry-europe",
        "hostnames": ["registry.eu.example.org"],
        "skip_check": true,
    })
}

/// Adds `europe` as `root`; its notification secret.
async fn add_europe(kit: &Kit, root: &As) -> String {
    let made = kit
        .call(root, "POST", "/api/v1/registries", Some(europe()))
        .await;
    made.assert_status(201, kit.backend);
    made.json()["notification_secret"]
        .as_str()
        .expect("secret")
        .to_owned()
}

/// The claims of a token, unverified (the token tests verify signatures).
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let json = data_encoding::BASE64URL_NOPAD
        .decode(payload.as_bytes())
        .expect("base64url");
    serde_json::from_slice(&json).expect("JSON claims")
}

async fn registry_names(kit: &Kit, root: &As) -> Vec<String> {
    let answer = kit.call(root, "GET", "/api/v1/registries", None).await;
    answer.assert_status(200, "list registries");
    answer
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn notify(kit: &Kit, secret: &str, id: &str) -> u16 {
    let envelope = json!({"events": [
        {"id": id, "action": "pull", "target": {"repository": "alice/app", "tag": "1"}},
    ]});
    kit.send(
        kit.client
            .post("/v2/webhooks/events")
            .header("Authorization", format!("Bearer {secret}"))
            .header("Content-Type", MEDIA_TYPE)
            .body(envelope.to_string()),
    )
    .await
    .status
    .as_u16()
}

#[tokio::test]
async fn only_administrators_manage_registries() {
    for kit in kits().await {
        let cast = kit.cast().await;
        let ctx = kit.backend;
        for (method, path, body) in [
            ("GET", "/api/v1/registries", None),
            ("POST", "/api/v1/registries", Some(europe())),
            ("GET", "/api/v1/registries/default", None),
            ("PATCH", "/api/v1/registries/default", Some(json!({}))),
            ("DELETE", "/api/v1/registries/default", None),
            ("POST", "/api/v1/registries/default/secret", None),
        ] {
            let refused = kit.call(&cast.olivia, method, path, body.clone()).await;
            refused.assert_client_error(403, &format!("{ctx}: olivia {method} {path}"));
            let anonymous = kit.call(&As::Nobody, method, path, body).await;
            anonymous.assert_client_error(401, &format!("{ctx}: anonymous {method} {path}"));
        }
        assert_eq!(registry_names(&kit, &cast.root).await, ["default"], "{ctx}");
        let made = kit
            .call(&cast.root, "POST", "/api/v1/registries", Some(europe()))
            .await;
        made.assert_status(201, ctx);
        assert_eq!(
            registry_names(&kit, &cast.root).await,
            ["default", "europe"],
            "{ctx}"
        );
    }
}

#[tokio::test]
async fn bad_registries_are_refused_and_change_nothing() {
    for kit in kits().await {
        let cast = kit.cast().await;
        let ctx = kit.backend;
        let with = |key: &str, value: Value| {
            let mut body = europe();
            body[key] = value;
            body
        };
        for (body, status, says) in [
            (with("name", json!("Europe!")), 400, "lowercase"),
            (with("name", json!("")), 400, "lowercase"),
            (with("name", json!("default")), 409, "configured"),
            (with("url", json!("ftp://x.example.org")), 400, "http(s)"),
            (
                with("url", json!("http://u:p@x.example.org")),
                400,
                "credentials",
            ),
            (with("url", json!("not a url")), 400, "http(s)"),
            (with("service", json!("  ")), 400, "service"),
            (with("service", json!("registry")), 409, "service"),
            (with("hostnames", json!(["https://x/y"])), 400, "host name"),
            (with("hostnames", json!(["localhost:9"])), 409, "host"),
            (with("url", json!("http://127.0.0.1:9")), 409, "host"),
        ] {
            let answer = kit
                .call(&cast.root, "POST", "/api/v1/registries", Some(body.clone()))
                .await;
            answer.assert_client_error(status, &format!("{ctx}: {body}"));
            assert!(
                answer.text.contains(says),
                "{ctx}: {body}: {} lacks {says:?}",
                answer.text
            );
        }
        // Not skipping the check: nothing answers there.
        let unchecked = with("skip_check", json!(false));
        let answer = kit
            .call(&cast.root, "POST", "/api/v1/registries", Some(unchecked))
            .await;
        answer.assert_client_error(400, ctx);
        assert!(answer.text.contains("does not answer"), "{}", answer.text);
        assert_eq!(registry_names(&kit, &cast.root).await, ["default"], "{ctx}");
        // The configured registry is the configuration file's.
        let answer = kit
            .call(
                &cast.root,
                "PATCH",
                "/api/v1/registries/default",
                Some(json!({"service": "other"})),
            )
            .await;
        answer.assert_client_error(409, ctx);
        let missing = kit
            .call(&cast.root, "GET", "/api/v1/registries/nowhere", None)
            .await;
        missing.assert_client_error(404, ctx);
    }
}

#[tokio::test]
async fn an_added_registry_has_everyones_namespace_its_tokens_and_its_secret() {
    for kit in kits().await {
        let cast = kit.cast().await;
        let ctx = kit.backend;
        let made = kit
            .call(&cast.root, "POST", "/api/v1/registries", Some(europe()))
            .await;
        made.assert_status(201, ctx);
        let made = made.json();
        let secret = made["notification_secret"]
            .as_str()
            .expect("secret")
            .to_owned();
        assert_eq!(made["registry"]["service"], "registry-europe", "{ctx}");
        assert_eq!(made["registry"]["status"]["reachable"], false, "{ctx}");
        let europe_id = kit
            .state
            .registries
            .by_name("europe")
            .await
            .expect("served")
            .id;

        // Every account's personal namespace, and one made later too.
        kit.create_user("late").await;
        let mut personal: Vec<String> = namespace::Entity::find()
            .filter(namespace::Column::RegistryId.eq(europe_id))
            .filter(namespace::Column::PersonalUserId.is_not_null())
            .all(&kit.state.db)
            .await
            .expect("namespaces")
            .into_iter()
            .map(|ns| ns.name)
            .collect();
        personal.sort();
        assert_eq!(
            personal,
            ["carl", "late", "olivia", "oscar", "root", "vera"],
            "{ctx}"
        );

        // Its tokens carry its service; its namespaces decide.
        let token = |service: &str, scope: &str| {
            let uri = format!("/v2/token?service={service}&scope={scope}");
            kit.send(
                kit.client
                    .get(uri)
                    .header("Authorization", basic("olivia", crate::kit::PASSWORD)),
            )
        };
        let answer = token("registry-europe", "repository:olivia/app:push").await;
        answer.assert_status(200, ctx);
        let granted = claims(answer.json()["token"].as_str().expect("token"));
        assert_eq!(granted["aud"], "registry-europe", "{ctx}");
        assert_eq!(granted["access"][0]["actions"], json!(["push"]), "{ctx}");
        // `web` is olivia's in the configured registry only.
        let home = token("registry", "repository:web/app:push").await.json();
        let home = claims(home["token"].as_str().expect("token"));
        assert_eq!(home["access"][0]["actions"], json!(["push"]), "{ctx}");
        let away = token("registry-europe", "repository:web/app:push")
            .await
            .json();
        let away = claims(away["token"].as_str().expect("token"));
        assert_eq!(away["access"], json!([]), "{ctx}");
        token("nowhere", "repository:web/app:pull")
            .await
            .assert_client_error(400, ctx);

        // Its events come with its own secret and are stored as its.
        assert_eq!(notify(&kit, &secret, "eu-1").await, 200, "{ctx}");
        assert_eq!(notify(&kit, "wrong", "eu-2").await, 401, "{ctx}");
        let stored = registry_event::Entity::find()
            .filter(registry_event::Column::EventId.eq("eu-1"))
            .one(&kit.state.db)
            .await
            .expect("event")
            .expect("stored");
        assert_eq!(stored.registry_id, Some(europe_id.0), "{ctx}");
        let listed = kit
            .call(&cast.root, "GET", "/api/v1/registry/events?state=all", None)
            .await;
        listed.assert_status(200, ctx);
        let senders: Vec<(String, String)> = listed.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| {
                let text = |key: &str| e[key].as_str().unwrap_or_default().to_owned();
                (text("event_id"), text("registry"))
            })
            .collect();
        assert_eq!(senders, [("eu-1".to_owned(), "europe".to_owned())], "{ctx}");

        // A new secret replaces the old one at once.
        let renewed = kit
            .call(&cast.root, "POST", "/api/v1/registries/europe/secret", None)
            .await;
        renewed.assert_status(200, ctx);
        let fresh = renewed.json()["notification_secret"]
            .as_str()
            .expect("secret")
            .to_owned();
        assert_ne!(fresh, secret, "{ctx}");
        assert_eq!(notify(&kit, &secret, "eu-3").await, 401, "{ctx}");
        assert_eq!(notify(&kit, &fresh, "eu-4").await, 200, "{ctx}");

        // A changed service is what its tokens carry next.
        let changed = kit
            .call(
                &cast.root,
                "PATCH",
                "/api/v1/registries/europe",
                Some(json!({"service": "eu"})),
            )
            .await;
        changed.assert_status(200, ctx);
        token("eu", "repository:olivia/app:pull")
            .await
            .assert_status(200, ctx);
        token("registry-europe", "repository:olivia/app:pull")
            .await
            .assert_client_error(400, ctx);

        // Removed only once nothing but personal namespaces is left.
        let team_ns = json!({"name": "shop", "team": "web", "registry": "europe"});
        kit.call(&cast.olivia, "POST", "/api/v1/namespaces", Some(team_ns))
            .await
            .assert_status(201, ctx);
        // The team names its namespaces with their registries; everyone
        // learns the registries' hosts from /info.
        let team = kit
            .call(&cast.olivia, "GET", "/api/v1/teams/web", None)
            .await;
        team.assert_status(200, ctx);
        assert_eq!(
            team.json()["namespaces_in_registries"],
            json!([
                {"name": "shop", "registry": "europe"},
                {"name": "web", "registry": "default"},
            ]),
            "{ctx}"
        );
        let info = kit.call(&As::Nobody, "GET", "/api/v1/info", None).await;
        assert_eq!(
            info.json()["registries"],
            json!([
                {"name": "default", "host": "127.0.0.1:9"},
                {"name": "europe", "host": "127.0.0.1:7"},
            ]),
            "{ctx}"
        );
        let refused = kit
            .call(&cast.root, "DELETE", "/api/v1/registries/europe", None)
            .await;
        refused.assert_client_error(409, ctx);
        assert!(refused.text.contains("shop"), "{}", refused.text);
        // (Deleting it through the API asks the registry, which is not
        // there: the row goes directly.)
        namespace::Entity::delete_many()
            .filter(namespace::Column::RegistryId.eq(europe_id))
            .filter(namespace::Column::Name.eq("shop"))
            .exec(&kit.state.db)
            .await
            .expect("namespace removed");
        kit.call(&cast.root, "DELETE", "/api/v1/registries/europe", None)
            .await
            .assert_status(204, ctx);
        assert_eq!(registry_names(&kit, &cast.root).await, ["default"], "{ctx}");
        let left = namespace::Entity::find()
            .filter(namespace::Column::RegistryId.eq(europe_id))
            .count(&kit.state.db)
            .await
            .expect("count");
        assert_eq!(left, 0, "{ctx}");
        assert_eq!(notify(&kit, &fresh, "eu-5").await, 401, "{ctx}");
    }
}

#[tokio::test]
async fn a_token_limited_to_a_namespace_reaches_it_in_its_registry_only() {
    use portunus::db::entities::application_token;
    use sea_orm::{ActiveModelTrait, Set};

    for kit in kits().await {
        let cast = kit.cast().await;
        let ctx = kit.backend;
        add_europe(&kit, &cast.root).await;
        // `web` is the web team's in both registries: two namespaces.
        let web_in_europe = json!({"name": "web", "team": "web", "registry": "europe"});
        kit.call(
            &cast.olivia,
            "POST",
            "/api/v1/namespaces",
            Some(web_in_europe),
        )
        .await
        .assert_status(201, ctx);

        let make = |body: Value| kit.call(&cast.olivia, "POST", "/api/v1/tokens", Some(body));
        let mut secrets = Vec::new();
        for (name, registry, shown) in [
            ("home", None, "default"),
            ("away", Some("europe"), "europe"),
            ("legacy", None, "default"),
        ] {
            let mut body = json!({"name": name, "resources": ["web"], "access": "write"});
            if let Some(registry) = registry {
                body["registry"] = json!(registry);
            }
            let made = make(body).await;
            made.assert_status(201, ctx);
            let made = made.json();
            assert_eq!(made["token"]["registry"], shown, "{ctx} {name}: {made}");
            secrets.push(made["secret"].as_str().expect("secret").to_owned());
        }
        // A token stored before tokens named their registry.
        let legacy = application_token::Entity::find()
            .filter(application_token::Column::Name.eq("legacy"))
            .one(&kit.state.db)
            .await
            .expect("read")
            .expect("the legacy token");
        let mut legacy: application_token::ActiveModel = legacy.into();
        legacy.scope = Set(Some(json!({"resources": ["web"], "access": "write"})));
        legacy
            .update(&kit.state.db)
            .await
            .expect("as stored before");
        let listed = kit.call(&cast.olivia, "GET", "/api/v1/tokens", None).await;
        let registries: Vec<Value> = listed
            .json()
            .as_array()
            .expect("tokens")
            .iter()
            .map(|t| t["registry"].clone())
            .collect();
        assert_eq!(
            registries,
            [json!("default"), json!("europe"), json!("default")],
            "{ctx}"
        );

        for (body, why) in [
            (
                json!({"name": "x", "resources": ["web"], "registry": "nowhere"}),
                "no such registry",
            ),
            (
                json!({"name": "x", "registry": "europe"}),
                "a registry without resources",
            ),
        ] {
            make(body)
                .await
                .assert_client_error(400, &format!("{ctx}: {why}"));
        }

        // The token endpoint: push on `web` in its own registry only.
        for (secret, home, away) in [
            (&secrets[0], json!(["pull", "push"]), json!([])),
            (&secrets[1], json!([]), json!(["pull", "push"])),
            (&secrets[2], json!(["pull", "push"]), json!([])),
        ] {
            for (service, expected) in [("registry", home), ("registry-europe", away)] {
                let uri = format!("/v2/token?service={service}&scope=repository:web/app:pull,push");
                let auth = basic("olivia", secret);
                let answer = kit
                    .send(kit.client.get(uri).header("Authorization", auth))
                    .await;
                let access = crate::kit::token_access(&answer);
                let actions = access.get(0).map_or(json!([]), |a| a["actions"].clone());
                assert_eq!(actions, expected, "{ctx} {service}");
            }
        }

        // The REST API: the namespace in its own registry only.
        for (secret, registry) in [(&secrets[0], "default"), (&secrets[1], "europe")] {
            let seen = kit
                .call(
                    &As::Bearer(secret.clone()),
                    "GET",
                    "/api/v1/namespaces",
                    None,
                )
                .await;
            seen.assert_status(200, ctx);
            let seen: Vec<(String, String)> = seen.json()["items"]
                .as_array()
                .expect("namespaces")
                .iter()
                .map(|n| {
                    (
                        n["name"].as_str().unwrap_or_default().to_owned(),
                        n["registry"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            // (`web` may also name a repository of the global namespace.)
            assert!(
                seen.contains(&("web".to_owned(), registry.to_owned())),
                "{ctx}: {seen:?}"
            );
            assert!(seen.iter().all(|(_, r)| r == registry), "{ctx}: {seen:?}");
            assert_eq!(seen.len(), 2, "{ctx}: {seen:?}");
        }
    }
}

#[tokio::test]
async fn a_notification_secret_sealed_before_places_is_sealed_again_and_works() {
    use portunus::crypto::sealing::SealingKey;
    use portunus::db::entities::registry;
    use sea_orm::{ActiveModelTrait, Set};

    for kit in kits().await {
        let cast = kit.cast().await;
        let ctx = kit.backend;
        let secret = add_europe(&kit, &cast.root).await;
        let row = registry::Entity::find()
            .filter(registry::Column::Name.eq("europe"))
            .one(&kit.state.db)
            .await
            .expect("read")
            .expect("europe");
        assert!(
            row.notification_secret
                .as_deref()
                .is_some_and(|s| s.starts_with("v2.")),
            "{ctx}"
        );
        let mut old: registry::ActiveModel = row.into();
        old.notification_secret = Set(Some(crate::kit::sealed_for_no_place(&kit, &secret)));
        old.update(&kit.state.db).await.expect("as stored before");
        let key = SealingKey::load_or_create(&kit.state.config.webhook_key_path()).unwrap();
        let again = portunus::registries::live::seal_unplaced(&kit.state.db, &key).await;
        assert_eq!(again.expect("sealed again"), 1, "{ctx}");
        kit.state.registries.reload().await.expect("reload");
        assert_eq!(notify(&kit, &secret, "eu-again").await, 200, "{ctx}");
    }
}
