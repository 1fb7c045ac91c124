//! The registry notification endpoint: authenticated, durable, de-duplicated.

use portunus::db::entities::registry_event;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::kit::kits;

const MEDIA_TYPE: &str = "application/vnd.docker.distribution.events.v1+json";

/// Sends `envelope` to the notification endpoint as the registry does.
async fn notify(kit: &crate::kit::Kit, envelope: &serde_json::Value) -> crate::kit::Answer {
    let secret = format!(
        "Bearer {}",
        kit.state.registries.configured().notification_secret()
    );
    kit.send(
        kit.client
            .post("/v2/webhooks/events")
            .header("Authorization", secret)
            .header("Content-Type", MEDIA_TYPE)
            .body(envelope.to_string()),
    )
    .await
}

#[tokio::test]
async fn events_are_stored_once_and_only_with_the_secret() {
    for kit in kits().await {
        let secret = format!(
            "Bearer {}",
            kit.state.registries.configured().notification_secret()
        );
        let envelope = json!({"events": [
            {"id": "e1", "action": "push", "target": {"repository": "alice/app", "tag": "1"}},
            {"id": "e2", "action": "pull", "target": {"repository": "alice/app"}},
        ]})
        .to_string();
        let post = |auth: &str, media_type: &str, body: String| {
            kit.client
                .post("/v2/webhooks/events")
                .header("Authorization", auth)
                .header("Content-Type", media_type)
                .body(body)
        };
        for (auth, media_type, body, status) in [
            ("Bearer wrong", MEDIA_TYPE, envelope.clone(), 401),
            ("", MEDIA_TYPE, envelope.clone(), 401),
            (secret.as_str(), "text/plain", envelope.clone(), 415),
            (secret.as_str(), MEDIA_TYPE, "{not json".into(), 400),
            (
                secret.as_str(),
                MEDIA_TYPE,
                json!({"events": [{"action": "push"}]}).to_string(),
                400,
            ),
            (
                secret.as_str(),
                MEDIA_TYPE,
                json!({"nothing": []}).to_string(),
                400,
            ),
        ] {
            let answer = kit.send(post(auth, media_type, body)).await;
            answer.assert_client_error(
                status,
                &format!("{} events {auth:.10} {media_type}", kit.backend),
            );
        }
        let count = || registry_event::Entity::find().count(&kit.state.db);
        assert_eq!(count().await.unwrap(), 0, "refused requests store nothing");

        let answer = kit.send(post(&secret, MEDIA_TYPE, envelope.clone())).await;
        answer.assert_status(200, "answer");
        assert_eq!(answer.json()["stored"], 2);
        let answer = kit
            .send(post(
                &secret,
                "application/vnd.docker.distribution.events.v2+json",
                envelope,
            ))
            .await;
        answer.assert_status(200, "a replay is acknowledged");
        assert_eq!(answer.json()["stored"], 0, "and stores nothing new");
        assert_eq!(count().await.unwrap(), 2);

        // The metrics count what happened, without signing in.
        let metrics = kit.send(kit.client.get("/metrics")).await;
        metrics.assert_status(200, "metrics");
        for line in [
            "portunus_registry_events_total{outcome=\"stored\"} 2",
            "portunus_registry_events_total{outcome=\"duplicate\"} 2",
            "portunus_registry_events_total{outcome=\"refused\"} 6",
            "portunus_stored{what=\"pending\"} 2",
        ] {
            assert!(
                metrics.text.lines().any(|l| l == line),
                "{line} in\n{}",
                metrics.text
            );
        }
    }
}

#[tokio::test]
async fn administrators_see_pending_and_failed_events() {
    use crate::kit::Kit;
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("root").await;
    kit.create_user("alice").await;
    let envelope = json!({"events": [
        {"id": "odd", "action": "frobnicate", "target": {"repository": "root/app"}},
        {"id": "pulled", "action": "pull", "target": {"repository": "root/app", "tag": "1"}},
        {"id": "pushed", "action": "push", "actor": {"name": "root"},
         "target": {"repository": "root/app", "tag": "1", "digest": "sha256:abc",
                    "mediaType": "application/vnd.oci.image.manifest.v1+json"}},
    ]});
    let answer = notify(&kit, &envelope).await;
    answer.assert_status(200, "answer");
    // No registry answers in API tests: the push waits, nothing is lost.
    let outcome = portunus::ingest::process::process_pending(
        &kit.state.registries.configured(),
        &kit.state.events,
    )
    .await;
    assert!(outcome.is_err(), "the unreachable registry stops the batch");

    let root = kit.sign_in("root").await;
    let failed = kit
        .call(&root, "GET", "/api/v1/registry/events?state=failed", None)
        .await
        .json();
    assert_eq!(failed["total"], 1, "{failed}");
    assert_eq!(failed["items"][0]["event_id"], "odd");
    assert!(
        failed["items"][0]["error"]
            .as_str()
            .unwrap()
            .contains("unknown action")
    );
    let pending = kit
        .call(&root, "GET", "/api/v1/registry/events?state=pending", None)
        .await
        .json();
    assert_eq!(
        (
            pending["total"].as_u64(),
            pending["items"][0]["event_id"].as_str()
        ),
        (Some(1), Some("pushed"))
    );
    assert_eq!(pending["items"][0]["actor"], "root");
    assert_eq!(
        kit.call(&root, "GET", "/api/v1/registry/events", None)
            .await
            .json()["total"],
        3
    );
    assert_eq!(
        kit.call(&root, "GET", "/api/v1/registry/events?state=weird", None)
            .await
            .status,
        400
    );
    let alice = kit.sign_in("alice").await;
    assert_eq!(
        kit.call(&alice, "GET", "/api/v1/registry/events", None)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn metrics_may_require_a_token() {
    let kit = crate::kit::Kit::with_config("sqlite", None, |c| {
        c.metrics_token = "scrape-secret-123".into();
    })
    .await;
    let without = kit.send(kit.client.get("/metrics")).await;
    without.assert_client_error(401, "no token");
    without.assert_status(401, "without");
    let wrong = kit
        .send(
            kit.client
                .get("/metrics")
                .header("Authorization", "Bearer nope"),
        )
        .await;
    wrong.assert_status(401, "wrong");
    let right = kit
        .send(
            kit.client
                .get("/metrics")
                .header("Authorization", "Bearer scrape-secret-123"),
        )
        .await;
    right.assert_status(200, "right");
    assert!(right.text.contains("portunus_registry_events_total"));
}

#[tokio::test]
async fn metrics_count_the_database_at_most_every_fifteen_seconds() {
    use portunus::http::stored_figures::{FIGURES_MAX_AGE, StoredFigures};
    use std::time::{Duration, Instant};
    let kit = crate::kit::Kit::new("sqlite", None).await;
    let figures = StoredFigures::default();
    let users = |f: [(&str, u64); 6]| f.iter().find(|(what, _)| *what == "users").unwrap().1;
    let start = Instant::now();
    let first = figures.get(&kit.state.db, start).await.expect("counted");
    kit.create_user("alice").await;
    let soon = start + FIGURES_MAX_AGE - Duration::from_secs(1);
    let cached = figures.get(&kit.state.db, soon).await.expect("cached");
    assert_eq!(users(cached), users(first), "served from the last count");
    let later = start + FIGURES_MAX_AGE;
    let recounted = figures.get(&kit.state.db, later).await.expect("counted");
    assert_eq!(users(recounted), users(first) + 1, "counted again");
}

#[tokio::test]
async fn portunus_own_throwaway_pushes_are_never_recorded() {
    let kit = crate::kit::Kit::new("sqlite", None).await;
    let envelope = json!({"events": [{
        "id": "throwaway", "action": "push",
        "target": {"repository": "alice/app", "tag": "t0",
                   "mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
        "actor": {"name": portunus::registry::INTERNAL_IDENTITY},
    }]});
    let stored = notify(&kit, &envelope).await;
    stored.assert_status(200, "stored");
    // No registry runs here: a push anyone else made would wait for it.
    let done = portunus::ingest::process::process_pending(
        &kit.state.registries.configured(),
        &kit.state.events,
    )
    .await
    .expect("processed without asking the registry");
    assert_eq!(done, 1);
    let event = registry_event::Entity::find()
        .one(&kit.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        event.processed_at.is_some() && event.error.is_none(),
        "{event:?}"
    );
    let repositories = portunus::db::entities::repository::Entity::find()
        .count(&kit.state.db)
        .await
        .unwrap();
    assert_eq!(repositories, 0, "nothing recorded");
}

/// Events that need nothing from the registry are applied together, in
/// order, each with its own outcome, in one call.
#[tokio::test]
async fn a_batch_of_events_is_applied_in_one_pass_each_with_its_outcome() {
    for kit in crate::kit::kits().await {
        let event = |id: &str, action: &str| json!({"id": id, "action": action, "target": {"repository": "alice/app", "tag": "t0"}});
        let envelope = json!({"events": [
            event("p1", "pull"), event("odd", "frobnicate"), event("d1", "delete"), event("m1", "mount"),
        ]});
        let stored = notify(&kit, &envelope).await;
        stored.assert_status(200, "stored");
        let done = portunus::ingest::process::process_pending(
            &kit.state.registries.configured(),
            &kit.state.events,
        )
        .await
        .expect("nothing asks the registry");
        assert_eq!(done, 4, "{}", kit.backend);
        let mut rows = registry_event::Entity::find()
            .all(&kit.state.db)
            .await
            .unwrap();
        rows.sort_by_key(|r| r.id);
        let outcomes: Vec<(&str, bool, Option<&str>)> = rows
            .iter()
            .map(|r| {
                (
                    r.event_id.as_str(),
                    r.processed_at.is_some(),
                    r.error.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            outcomes,
            [
                ("p1", true, None),
                ("odd", true, Some("unknown action \"frobnicate\"")),
                ("d1", true, None),
                ("m1", true, None),
            ],
            "{}",
            kit.backend
        );
        let again = portunus::ingest::process::process_pending(
            &kit.state.registries.configured(),
            &kit.state.events,
        )
        .await
        .expect("nothing left");
        assert_eq!(again, 0, "{}", kit.backend);
    }
}

/// Pulls keep the latest time per tag whatever order they arrive in (a run
/// of them is written together), a pull by digest reaches every tag on it,
/// and layer pulls touch nothing.
#[tokio::test]
async fn the_latest_pull_of_each_tag_stays() {
    for kit in crate::kit::kits().await {
        let base = "2026-03-01T00:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap();
        let repo = kit.recorded_at("web/app", "1", base).await;
        kit.recorded_at("web/app", "2", base).await;
        kit.recorded_at("web/app", "3", base).await;
        let digest = format!("sha256:{}", "a".repeat(64));
        let at = |minutes: i64| (base + chrono::Duration::minutes(minutes)).to_rfc3339();
        let pull = |id: &str, reference: serde_json::Value, minutes: i64| {
            let mut target = json!({"repository": "web/app"});
            target
                .as_object_mut()
                .unwrap()
                .extend(reference.as_object().unwrap().clone());
            json!({"id": id, "action": "pull", "timestamp": at(minutes), "target": target})
        };
        let envelope = json!({"events": [
            pull("late", json!({"tag": "1"}), 30),
            pull("early", json!({"tag": "1"}), 10),
            pull("by-digest", json!({"digest": digest}), 20),
            pull("layer", json!({"digest": format!("sha256:{}", "b".repeat(64)), "mediaType": "application/octet-stream"}), 50),
            {"id": "gone", "action": "delete", "target": {"repository": "web/app", "tag": "3"}},
            pull("after", json!({"tag": "2"}), 5),
        ]});
        notify(&kit, &envelope).await.assert_status(200, "stored");
        let done = portunus::ingest::process::process_pending(
            &kit.state.registries.configured(),
            &kit.state.events,
        )
        .await
        .expect("nothing asks the registry");
        assert_eq!(done, 6, "{}", kit.backend);
        let errors: Vec<Option<String>> = registry_event::Entity::find()
            .all(&kit.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.error)
            .collect();
        assert_eq!(errors, vec![None; 6], "{}", kit.backend);
        let mut pulled: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> =
            portunus::db::entities::tag::Entity::find()
                .all(&kit.state.db)
                .await
                .unwrap()
                .into_iter()
                .filter(|t| t.repository_id == repo)
                .map(|t| (t.name, t.pulled_at))
                .collect();
        pulled.sort();
        let minutes = |m: i64| Some(base + chrono::Duration::minutes(m));
        assert_eq!(
            pulled,
            [("1".to_owned(), minutes(30)), ("2".to_owned(), minutes(20))],
            "{}",
            kit.backend
        );
    }
}
