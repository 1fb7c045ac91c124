//! Outgoing webhooks against real HTTP receivers started here: one that
//! answers (and whose requests are checked: signature, headers, body), one
//! that fails twice before it answers, one that never answers. The sender
//! is driven with the time passed in, so retries come due without waiting.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use portunus::audit::{self, Actor, Target};
use portunus::webhooks::sender::send_due;
use portunus_shared::domain::ActivityKey;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::kit::{As, Kit, kits_with};

/// How a receiver behaves.
#[derive(Clone, Copy)]
enum Behaviour {
    Answers,
    FailsTwice,
    NeverAnswers,
}

/// One request as the receiver got it.
struct Seen {
    head: String,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Receiver {
    fn seen(&self) -> std::sync::MutexGuard<'_, Vec<Seen>> {
        self.seen.lock().unwrap()
    }
}

/// A plain HTTP/1.1 server on a free loopback port.
async fn receiver(behaviour: Behaviour) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                let (head, body_start) = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&data[..at]).into_owned(), at + 4);
                    }
                };
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (n, v) = l.split_once(':')?;
                        n.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while data.len() < body_start + length {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                let body = data[body_start..].to_vec();
                let count = {
                    let mut log = log.lock().unwrap();
                    log.push(Seen { head, body });
                    log.len()
                };
                let (status, text) = match behaviour {
                    Behaviour::NeverAnswers => {
                        std::future::pending::<()>().await;
                        unreachable!()
                    }
                    Behaviour::FailsTwice if count <= 2 => ("503 Service Unavailable", "busy"),
                    _ => ("200 OK", "ok"),
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    Receiver { url, seen }
}

/// alice as the event processor names a pusher it does not look up.
fn alice_actor() -> Actor {
    Actor {
        id: None,
        name: "alice".into(),
    }
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// Kits whose webhooks may reach this machine, with a short timeout.
async fn kits_for_receivers(max_attempts: u32) -> Vec<Kit> {
    kits_with(move |c| {
        c.webhooks.allow_private_targets = true;
        c.webhooks.timeout_seconds = 1;
        c.webhooks.max_attempts = max_attempts;
    })
    .await
}

/// root (administrator) and alice, signed in.
async fn people(kit: &Kit) -> (As, As) {
    kit.create_user("root").await;
    let alice = kit.create_user("alice").await;
    assert!(!alice.user.admin, "only the first account is administrator");
    (kit.sign_in("root").await, kit.sign_in("alice").await)
}

async fn create(kit: &Kit, who: &As, path: &str, body: Value) -> crate::kit::Answer {
    kit.call(who, "POST", path, Some(body)).await
}

async fn deliveries(kit: &Kit, who: &As, id: i64) -> Vec<Value> {
    let answer = kit
        .call(
            who,
            "GET",
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
    answer.assert_status(200, "deliveries");
    answer.json()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn webhooks_are_signed_delivered_and_logged() {
    for kit in kits_for_receivers(8).await {
        let (_, alice) = people(&kit).await;
        let hook = receiver(Behaviour::Answers).await;
        let made = create(
            &kit,
            &alice,
            "/api/v1/namespaces/alice/webhooks",
            json!({
                "name": "CI", "url": hook.url, "events": ["push", "namespace"],
                "headers": [{"name": "X-Token", "value": "tok-123"}],
                "basic_auth": {"username": "ci", "password": "pa55"},
            }),
        )
        .await;
        made.assert_status(201, kit.backend);
        let made = made.json();
        let secret = made["secret"].as_str().unwrap().to_owned();
        assert!(
            secret.starts_with("whsec_") && secret.len() > 40,
            "{secret}"
        );
        let id = made["webhook"]["id"].as_i64().unwrap();
        assert_eq!(made["webhook"]["events"], json!(["push", "namespace"]));
        assert_eq!(made["webhook"]["header_names"], json!(["x-token"]));
        assert_eq!(made["webhook"]["basic_auth_username"], "ci");

        // Never shown again, and stored sealed.
        let listed = kit
            .call(&alice, "GET", "/api/v1/namespaces/alice/webhooks", None)
            .await;
        listed.assert_status(200, "list");
        assert_eq!(listed.json()[0]["id"], id);
        for secretive in [secret.as_str(), "tok-123", "pa55"] {
            assert!(!listed.text.contains(secretive), "{secretive} shown");
        }
        let row = portunus::db::entities::webhook::Entity::find_by_id(id)
            .one(&kit.state.db)
            .await
            .unwrap()
            .unwrap();
        let stored = format!("{row:?}");
        for secretive in [secret.as_str(), "tok-123", "pa55"] {
            assert!(
                !stored.contains(secretive),
                "{secretive} stored in the clear"
            );
        }

        // A namespace change through the API, a push as the event processor
        // records it, and a star, which nobody asked about.
        let changed = kit
            .call(
                &alice,
                "PATCH",
                "/api/v1/namespaces/alice",
                Some(json!({"description": "hello"})),
            )
            .await;
        changed.assert_status(200, "describe");
        let ns = portunus::db::entities::namespace::Entity::find()
            .filter(portunus::db::entities::namespace::Column::Name.eq("alice"))
            .one(&kit.state.db)
            .await
            .unwrap()
            .unwrap();
        let target = Target {
            namespace_id: Some(ns.id),
            ..Target::new("repository", None, "alice/app:1.0")
        };
        let params = json!({"digest": "sha256:abc", "size": 7});
        audit::record(
            &kit.state.db,
            &alice_actor(),
            ActivityKey::RepositoryPush,
            target,
            Some(params),
        )
        .await
        .unwrap();
        let starred = Target {
            namespace_id: Some(ns.id),
            ..Target::new("repository", None, "alice/app")
        };
        audit::record(
            &kit.state.db,
            &alice_actor(),
            ActivityKey::RepositoryStar,
            starred,
            None,
        )
        .await
        .unwrap();

        let sent = send_due(&kit.state.db, &kit.state.webhooks, Utc::now())
            .await
            .unwrap();
        assert_eq!(sent, 2, "{}", kit.backend);
        {
            let seen = hook.seen();
            let bodies: Vec<Value> = seen.iter().map(Seen::json).collect();
            let mut actions: Vec<&str> = bodies
                .iter()
                .map(|b| b["action"].as_str().unwrap())
                .collect();
            actions.sort_unstable();
            assert_eq!(actions, ["namespace.change_description", "repository.push"]);
            for request in seen.iter() {
                assert!(
                    request.head.starts_with("POST /hook HTTP/1.1"),
                    "{}",
                    request.head
                );
                assert_eq!(
                    request.header("X-Portunus-Signature-256"),
                    Some(format!("sha256={}", hmac_hex(&secret, &request.body)))
                );
                assert_eq!(
                    request.header("Content-Type").as_deref(),
                    Some("application/json")
                );
                assert_eq!(request.header("X-Token").as_deref(), Some("tok-123"));
                let basic = format!("Basic {}", data_encoding::BASE64.encode(b"ci:pa55"));
                assert_eq!(request.header("Authorization"), Some(basic));
                assert_eq!(
                    request.header("X-Portunus-Delivery").map(|d| d.len()),
                    Some(36)
                );
                let body = request.json();
                assert_eq!(
                    request.header("X-Portunus-Event").as_deref(),
                    body["event"].as_str()
                );
                assert_eq!(body["namespace"], "alice");
                assert_eq!(body["registry"], "default");
                assert_eq!(body["registry_host"], "127.0.0.1:9");
                assert_eq!(body["actor"], "alice");
            }
            let push = bodies.iter().find(|b| b["event"] == "push").unwrap();
            assert_eq!(push["repository"], "alice/app");
            assert_eq!(push["tag"], "1.0");
            assert_eq!(push["digest"], "sha256:abc");
            assert_eq!(
                push["target"],
                json!({"type": "repository", "name": "alice/app:1.0"})
            );
        }

        // The log, newest first, with the receiver's answer.
        let log = deliveries(&kit, &alice, id).await;
        assert_eq!(log.len(), 2, "the star was not sent");
        for entry in &log {
            assert_eq!(entry["state"], "delivered", "{entry}");
            assert_eq!(entry["attempts"], 1);
            assert_eq!(entry["response_status"], 200);
            assert_eq!(entry["response_excerpt"], "ok");
            assert!(entry.get("next_attempt_at").is_none());
        }
        assert!(log[0]["id"].as_i64() > log[1]["id"].as_i64());
        let again = send_due(
            &kit.state.db,
            &kit.state.webhooks,
            Utc::now() + Duration::hours(2),
        )
        .await
        .unwrap();
        assert_eq!(again, 0, "nothing is sent twice");

        let one = kit
            .call(&alice, "GET", &format!("/api/v1/webhooks/{id}"), None)
            .await;
        one.assert_status(200, "get");
        assert_eq!(one.json()["last_delivery"]["id"], log[0]["id"]);

        let gone = kit
            .call(&alice, "DELETE", &format!("/api/v1/webhooks/{id}"), None)
            .await;
        gone.assert_status(204, "delete");
        let after = kit
            .call(
                &alice,
                "GET",
                &format!("/api/v1/webhooks/{id}/deliveries"),
                None,
            )
            .await;
        after.assert_client_error(404, "its log went with it");
    }
}

#[tokio::test]
async fn a_failing_receiver_is_retried_later_and_a_failed_delivery_can_be_resent() {
    for kit in kits_for_receivers(2).await {
        let (_, alice) = people(&kit).await;
        let hook = receiver(Behaviour::FailsTwice).await;
        let made = create(
            &kit,
            &alice,
            "/api/v1/namespaces/alice/webhooks",
            json!({"name": "flaky", "url": hook.url, "events": ["push"]}),
        )
        .await;
        made.assert_status(201, kit.backend);
        let id = made.json()["webhook"]["id"].as_i64().unwrap();
        let ping = kit
            .call(&alice, "POST", &format!("/api/v1/webhooks/{id}/ping"), None)
            .await;
        ping.assert_status(201, "ping");
        assert_eq!(ping.json()["state"], "pending");

        let start = Utc::now();
        let send = |at| send_due(&kit.state.db, &kit.state.webhooks, at);
        assert_eq!(send(start).await.unwrap(), 1);
        let first = deliveries(&kit, &alice, id).await.remove(0);
        assert_eq!(first["state"], "pending", "{first}");
        assert_eq!(first["attempts"], 1);
        assert_eq!(first["response_status"], 503);
        assert_eq!(first["response_excerpt"], "busy");
        assert!(first["error"].as_str().unwrap().contains("503"), "{first}");
        // The second attempt waits first_retry_seconds (30).
        assert_eq!(send(start + Duration::seconds(29)).await.unwrap(), 0);
        assert_eq!(send(start + Duration::seconds(30)).await.unwrap(), 1);
        let second = deliveries(&kit, &alice, id).await.remove(0);
        assert_eq!(second["state"], "failed", "max_attempts = 2: {second}");
        assert_eq!(second["attempts"], 2);
        assert!(second.get("next_attempt_at").is_none());
        // Each attempt is kept, not only the last.
        let history = second["history"].as_array().expect("a history");
        let seen: Vec<(i64, i64, String)> = history
            .iter()
            .map(|a| {
                (
                    a["number"].as_i64().unwrap(),
                    a["response_status"].as_i64().unwrap(),
                    a["attempted_at"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert_eq!(
            seen,
            [
                (1, 503, at(start)),
                (2, 503, at(start + Duration::seconds(30)))
            ],
            "{second}"
        );
        assert_eq!(history[0]["response_excerpt"], "busy");
        assert_eq!(send(start + Duration::hours(5)).await.unwrap(), 0);

        let resent = kit
            .call(
                &alice,
                "POST",
                &format!("/api/v1/webhooks/{id}/deliveries/{}/resend", second["id"]),
                None,
            )
            .await;
        resent.assert_status(201, "resend");
        assert_eq!(resent.json()["resend_of"], second["id"]);
        assert_eq!(send(start + Duration::seconds(31)).await.unwrap(), 1);
        let log = deliveries(&kit, &alice, id).await;
        assert_eq!(log.len(), 2);
        assert_eq!(log[0]["state"], "delivered", "{}", log[0]);
        assert_eq!(log[0]["history"].as_array().map(Vec::len), Some(1));
        assert_eq!(log[0]["history"][0]["response_status"], 200);
        assert_eq!(log[0]["payload"], second["payload"], "the same body again");
        assert_ne!(log[0]["delivery_id"], second["delivery_id"]);
        let seen = hook.seen();
        assert_eq!(seen.len(), 3, "two failures, then the re-send");
        assert!(seen.iter().all(|s| s.body == seen[0].body));
        assert_eq!(seen[0].json()["event"], "ping");
    }
}

#[tokio::test]
async fn a_receiver_that_never_answers_holds_up_no_other() {
    for kit in kits_for_receivers(8).await {
        let (root, _) = people(&kit).await;
        let silent = receiver(Behaviour::NeverAnswers).await;
        let answering = receiver(Behaviour::Answers).await;
        let mut ids = Vec::new();
        for (name, url) in [("silent", &silent.url), ("answering", &answering.url)] {
            let made = create(
                &kit,
                &root,
                "/api/v1/webhooks",
                json!({"name": name, "url": url, "events": ["team"]}),
            )
            .await;
            made.assert_status(201, kit.backend);
            ids.push(made.json()["webhook"]["id"].as_i64().unwrap());
        }
        // A team made: both global webhooks are told.
        let team = kit
            .call(&root, "POST", "/api/v1/teams", Some(json!({"name": "qa"})))
            .await;
        team.assert_status(201, "team");
        assert_eq!(
            send_due(&kit.state.db, &kit.state.webhooks, Utc::now())
                .await
                .unwrap(),
            2
        );
        let timed_out = deliveries(&kit, &root, ids[0]).await.remove(0);
        assert_eq!(timed_out["state"], "pending", "{timed_out}");
        assert!(timed_out.get("response_status").is_none());
        let error = timed_out["error"].as_str().unwrap();
        assert!(error.contains("no answer in time"), "{error}");
        let delivered = deliveries(&kit, &root, ids[1]).await.remove(0);
        assert_eq!(delivered["state"], "delivered", "{delivered}");
        assert_eq!(answering.seen()[0].json()["action"], "team.create");
        assert_eq!(answering.seen()[0].json()["target"]["name"], "qa");
        assert_eq!(silent.seen().len(), 1, "it got the request");
    }
}

#[tokio::test]
async fn only_those_who_manage_a_namespace_manage_its_webhooks() {
    for kit in kits_for_receivers(8).await {
        let (root, alice) = people(&kit).await;
        kit.create_user("bob").await;
        let bob = kit.sign_in("bob").await;
        let public = kit
            .call(
                &alice,
                "PATCH",
                "/api/v1/namespaces/alice",
                Some(json!({"visibility": "public"})),
            )
            .await;
        public.assert_status(200, "alice's namespace public");
        let body = json!({"name": "ci", "url": "https://ci.example.org/hook", "events": ["push"]});
        let made = create(
            &kit,
            &alice,
            "/api/v1/namespaces/alice/webhooks",
            body.clone(),
        )
        .await;
        made.assert_status(201, "alice manages her namespace");
        let id = made.json()["webhook"]["id"].as_i64().unwrap();
        let by_admin = kit
            .call(&root, "GET", "/api/v1/namespaces/alice/webhooks", None)
            .await;
        by_admin.assert_status(200, "administrators manage every namespace's");
        assert_eq!(by_admin.json().as_array().unwrap().len(), 1);
        let global = create(&kit, &root, "/api/v1/webhooks", body.clone()).await;
        global.assert_status(201, "administrators make global webhooks");
        let global_id = global.json()["webhook"]["id"].as_i64().unwrap();

        // bob sees alice's namespace but manages nothing of it.
        let hook = format!("/api/v1/webhooks/{id}");
        let refusals: [(&str, String, Option<Value>, u16); 11] = [
            ("GET", "/api/v1/namespaces/alice/webhooks".into(), None, 403),
            (
                "POST",
                "/api/v1/namespaces/alice/webhooks".into(),
                Some(body.clone()),
                403,
            ),
            ("GET", hook.clone(), None, 403),
            ("PATCH", hook.clone(), Some(json!({"enabled": false})), 403),
            ("DELETE", hook.clone(), None, 403),
            ("GET", format!("{hook}/deliveries"), None, 403),
            ("POST", format!("{hook}/secret"), None, 403),
            ("POST", format!("{hook}/ping"), None, 403),
            ("GET", "/api/v1/webhooks".into(), None, 403),
            ("POST", "/api/v1/webhooks".into(), Some(body.clone()), 403),
            ("GET", format!("/api/v1/webhooks/{global_id}"), None, 404),
        ];
        for (method, path, body, status) in refusals {
            kit.call(&bob, method, &path, body)
                .await
                .assert_client_error(status, &format!("bob: {method} {path}"));
        }
        kit.call(
            &alice,
            "GET",
            &format!("/api/v1/webhooks/{global_id}"),
            None,
        )
        .await
        .assert_client_error(404, "alice and a global webhook");
        kit.call(
            &As::Nobody,
            "GET",
            "/api/v1/namespaces/alice/webhooks",
            None,
        )
        .await
        .assert_client_error(401, "anonymous");
        let still = kit
            .call(&alice, "GET", &format!("/api/v1/webhooks/{id}"), None)
            .await;
        still.assert_status(200, "unchanged");
        assert_eq!(still.json()["enabled"], true);

        // The allowed change, and a new secret that signs from then on.
        let change = json!({"enabled": false, "name": "ci (paused)"});
        let off = kit.call(&alice, "PATCH", &hook, Some(change)).await;
        off.assert_status(200, "alice changes hers");
        assert_eq!(off.json()["enabled"], false);
        assert_eq!(off.json()["name"], "ci (paused)");
        let fresh = kit
            .call(
                &alice,
                "POST",
                &format!("/api/v1/webhooks/{id}/secret"),
                None,
            )
            .await;
        fresh.assert_status(200, "new secret");
        assert_ne!(fresh.json()["secret"], made.json()["secret"]);
    }
}

#[tokio::test]
async fn bad_webhooks_are_refused_with_the_reason_and_change_nothing() {
    for kit in kits_with(|_| {}).await {
        let (_, alice) = people(&kit).await;
        let path = "/api/v1/namespaces/alice/webhooks";
        let ok = json!({"name": "ci", "url": "https://ci.example.org/hook", "events": ["push"]});
        let with = |key: &str, value: Value| {
            let mut body = ok.clone();
            body[key] = value;
            body
        };
        for (body, needle) in [
            (
                with("url", json!("http://127.0.0.1:9000/")),
                "allow_private_targets",
            ),
            (
                with("url", json!("http://169.254.169.254/latest")),
                "allow_private_targets",
            ),
            (with("url", json!("ftp://example.org/")), "https://"),
            (
                with("url", json!("https://user:pw@example.org/")),
                "basic authentication",
            ),
            (with("events", json!([])), "at least one event"),
            (with("name", json!("  ")), "1 to 100"),
            (
                with(
                    "headers",
                    json!([{"name": "Content-Type", "value": "text/plain"}]),
                ),
                "Portunus's to set",
            ),
            (
                with(
                    "headers",
                    json!([{"name": "X-Portunus-Event", "value": "x"}]),
                ),
                "Portunus's to set",
            ),
            (
                with("headers", json!([{"name": "bad name", "value": "x"}])),
                "not a header name",
            ),
            (
                with("headers", json!([{"name": "X-A", "value": "a\r\nX-B: b"}])),
                "printable",
            ),
            (
                with("basic_auth", json!({"username": "a:b", "password": "x"})),
                "without ':'",
            ),
        ] {
            let answer = create(&kit, &alice, path, body.clone()).await;
            answer.assert_client_error(400, &body.to_string());
            assert!(answer.text.contains(needle), "{body}: {}", answer.text);
        }
        let unknown_event = create(&kit, &alice, path, with("events", json!(["pull"]))).await;
        unknown_event.assert_client_error(400, "an event there is not");
        let listed = kit.call(&alice, "GET", path, None).await;
        listed.assert_status(200, "list");
        assert_eq!(listed.json(), json!([]), "nothing was made");
        let missing = kit
            .call(&alice, "GET", "/api/v1/webhooks/999999", None)
            .await;
        missing.assert_client_error(404, "no such webhook");
    }
}

/// A namespace given to another team keeps its webhooks, disabled: their
/// receivers were the former team's choice.
#[tokio::test]
async fn a_namespace_moved_to_another_team_pauses_its_webhooks() {
    for kit in kits_with(|_| {}).await {
        let (root, _) = people(&kit).await;
        for team in ["first", "second"] {
            kit.call(&root, "POST", "/api/v1/teams", Some(json!({"name": team})))
                .await
                .assert_status(201, team);
        }
        let ns = json!({"name": "proj", "team": "first", "visibility": "private"});
        kit.call(&root, "POST", "/api/v1/namespaces", Some(ns))
            .await
            .assert_status(201, "namespace");
        let hook = json!({"name": "ci", "url": "https://ci.example.org/hook", "events": ["push"]});
        let made = create(&kit, &root, "/api/v1/namespaces/proj/webhooks", hook).await;
        made.assert_status(201, kit.backend);
        let id = made.json()["webhook"]["id"].as_i64().unwrap();
        let path = format!("/api/v1/webhooks/{id}");
        let described = json!({"description": "still first's"});
        kit.call(&root, "PATCH", "/api/v1/namespaces/proj", Some(described))
            .await
            .assert_status(200, "other changes");
        let kept = kit.call(&root, "GET", &path, None).await;
        assert_eq!(
            kept.json()["enabled"],
            true,
            "a description changes nothing"
        );
        kit.call(
            &root,
            "PATCH",
            "/api/v1/namespaces/proj",
            Some(json!({"team": "second"})),
        )
        .await
        .assert_status(200, "moved");
        let paused = kit.call(&root, "GET", &path, None).await;
        assert_eq!(paused.json()["enabled"], false, "{}", paused.text);
        let log = kit
            .call(
                &root,
                "GET",
                "/api/v1/activities?key=namespace.change_team",
                None,
            )
            .await;
        let params: Value =
            serde_json::from_str(log.json()["items"][0]["parameters"].as_str().unwrap()).unwrap();
        assert_eq!(params, json!({"to": "second", "webhooks_disabled": 1}));
    }
}

/// Credentials set for one receiver do not follow its URL to another host
/// unless they are given again; finished deliveries leave the log after
/// `keep_deliveries_days`, pending ones stay.
#[tokio::test]
async fn credentials_stay_with_their_origin_and_old_deliveries_go() {
    for kit in kits_for_receivers(8).await {
        let (_, alice) = people(&kit).await;
        let hook = receiver(Behaviour::Answers).await;
        let body = json!({
            "name": "ci", "url": hook.url, "events": ["push"],
            "basic_auth": {"username": "ci", "password": "pa55"},
        });
        let made = create(&kit, &alice, "/api/v1/namespaces/alice/webhooks", body).await;
        made.assert_status(201, kit.backend);
        let id = made.json()["webhook"]["id"].as_i64().unwrap();
        let path = format!("/api/v1/webhooks/{id}");
        let port = hook
            .url
            .split(':')
            .nth(2)
            .unwrap()
            .trim_end_matches("/hook");
        for elsewhere in [
            "https://collector.example.net/hook".to_owned(),
            format!("http://127.0.0.1:{}/hook", port.parse::<u16>().unwrap() + 1),
            hook.url.replace("http://", "https://"),
        ] {
            let refused = kit
                .call(&alice, "PATCH", &path, Some(json!({"url": elsewhere})))
                .await;
            refused.assert_client_error(400, &format!("{elsewhere}, credentials not restated"));
            assert!(refused.text.contains("another origin"), "{}", refused.text);
        }
        let same_origin = hook.url.replace("/hook", "/other");
        kit.call(&alice, "PATCH", &path, Some(json!({"url": same_origin})))
            .await
            .assert_status(200, "the same origin keeps them");
        kit.call(&alice, "POST", &format!("{path}/ping"), None)
            .await
            .assert_status(201, "ping");
        assert_eq!(
            send_due(&kit.state.db, &kit.state.webhooks, Utc::now())
                .await
                .unwrap(),
            1
        );
        {
            let seen = hook.seen();
            let last = seen.last().expect("the ping arrived");
            assert!(last.head.starts_with("POST /other "), "{}", last.head);
            assert_eq!(
                last.header("authorization").as_deref(),
                Some("Basic Y2k6cGE1NQ=="),
                "the credentials went with it"
            );
        }
        let disabled = json!({"enabled": false});
        kit.call(&alice, "PATCH", &path, Some(disabled))
            .await
            .assert_status(200, "disabled");
        kit.call(&alice, "POST", &format!("{path}/ping"), None)
            .await
            .assert_client_error(409, "no ping to a disabled webhook");
        kit.call(&alice, "PATCH", &path, Some(json!({"enabled": true})))
            .await
            .assert_status(200, "enabled");
        let restated = json!({
            "url": "https://collector.example.net/hook", "remove_basic_auth": true, "headers": [],
        });
        let moved = kit.call(&alice, "PATCH", &path, Some(restated)).await;
        moved.assert_status(200, "restated");
        assert!(moved.json().get("basic_auth_username").is_none());

        // Old deliveries go, pending ones stay.
        let back = json!({"url": hook.url});
        kit.call(&alice, "PATCH", &path, Some(back))
            .await
            .assert_status(200, "back to the receiver");
        for _ in 0..2 {
            kit.call(&alice, "POST", &format!("{path}/ping"), None)
                .await
                .assert_status(201, "ping");
        }
        let now = Utc::now();
        assert_eq!(
            send_due(&kit.state.db, &kit.state.webhooks, now)
                .await
                .unwrap(),
            2
        );
        kit.call(&alice, "POST", &format!("{path}/ping"), None)
            .await
            .assert_status(201, "a third, not sent");
        let prune = |at| portunus::webhooks::sender::prune(&kit.state.db, at, 30);
        assert_eq!(prune(now + Duration::days(29)).await.unwrap(), 0);
        assert_eq!(prune(now + Duration::days(31)).await.unwrap(), 3);
        let left = deliveries(&kit, &alice, id).await;
        assert_eq!(left.len(), 1, "the pending one stays");
        assert_eq!(left[0]["state"], "pending");
    }
}

#[tokio::test]
async fn a_sealed_value_opens_only_in_its_own_column_and_row() {
    use portunus::crypto::sealing::SealingKey;
    use portunus::db::entities::webhook;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};

    for kit in kits_for_receivers(8).await {
        let (_, alice) = people(&kit).await;
        let hook = receiver(Behaviour::Answers).await;
        let mut ids = Vec::new();
        for (name, headers) in [
            (
                "victim",
                json!([{"name": "X-Api-Key", "value": "victims-key"}]),
            ),
            ("bait", json!([{"name": "X-Bait", "value": "nothing"}])),
        ] {
            let body =
                json!({"name": name, "url": hook.url, "events": ["push"], "headers": headers});
            let made = create(&kit, &alice, "/api/v1/namespaces/alice/webhooks", body).await;
            made.assert_status(201, kit.backend);
            ids.push(made.json()["webhook"]["id"].as_i64().unwrap());
        }
        let row = |id: i64| webhook::Entity::find_by_id(id).one(&kit.state.db);
        let victim = row(ids[0]).await.unwrap().unwrap();
        let bait = row(ids[1]).await.unwrap().unwrap();
        assert!(
            victim.secret_sealed.starts_with("v2."),
            "{}",
            victim.secret_sealed
        );

        // Someone who can write the database (not the key) moves the
        // victim's headers into the bait's row: they do not open there, so
        // a ping of the bait carries no one's key.
        let mut moved: webhook::ActiveModel = bait.clone().into();
        moved.headers_sealed = Set(victim.headers_sealed.clone());
        moved.update(&kit.state.db).await.unwrap();
        let shown = kit
            .call(&alice, "GET", &format!("/api/v1/webhooks/{}", ids[1]), None)
            .await;
        shown.assert_status(200, "the bait");
        assert_eq!(
            shown.json()["header_names"],
            json!(["(cannot be opened here: set them again)"]),
            "{}",
            kit.backend
        );
        kit.call(
            &alice,
            "POST",
            &format!("/api/v1/webhooks/{}/ping", ids[1]),
            None,
        )
        .await
        .assert_status(201, "ping");
        send_due(&kit.state.db, &kit.state.webhooks, Utc::now())
            .await
            .unwrap();
        assert!(
            hook.seen().iter().all(|s| s.header("x-api-key").is_none()),
            "the victim's key went nowhere"
        );
        let tried = deliveries(&kit, &alice, ids[1]).await;
        assert!(
            tried[0]["error"]
                .as_str()
                .is_some_and(|e| e.contains("cannot be opened")),
            "{tried:?}"
        );

        // Values sealed before places are sealed again for theirs, once.
        let mut old: webhook::ActiveModel = victim.clone().into();
        old.secret_sealed = Set(crate::kit::sealed_for_no_place(&kit, "whsec_from_before"));
        old.headers_sealed = Set(Some(crate::kit::sealed_for_no_place(
            &kit,
            r#"[["X-Api-Key","victims-key"]]"#,
        )));
        old.update(&kit.state.db).await.unwrap();
        let key = SealingKey::load_or_create(&kit.state.config.webhook_key_path()).unwrap();
        let again = portunus::webhooks::sealed::seal_unplaced(&kit.state.db, &key).await;
        assert_eq!(again.unwrap(), 2, "{}", kit.backend);
        let again = portunus::webhooks::sealed::seal_unplaced(&kit.state.db, &key).await;
        assert_eq!(again.unwrap(), 0, "nothing left to seal again");
        let resealed = row(ids[0]).await.unwrap().unwrap();
        assert!(resealed.secret_sealed.starts_with("v2."));
        let sealed = portunus::webhooks::sealed::Sealed::Secret;
        assert_eq!(
            sealed.open(&key, &resealed).unwrap().as_deref(),
            Some("whsec_from_before")
        );
        let shown = kit
            .call(&alice, "GET", &format!("/api/v1/webhooks/{}", ids[0]), None)
            .await;
        assert_eq!(shown.json()["header_names"], json!(["X-Api-Key"]));
    }
}
