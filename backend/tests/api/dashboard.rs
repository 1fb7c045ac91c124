//! The start page's data: the feed shows each reader what concerns them
//! among what they may see, and administrators get the installation's
//! figures with pushes per day.

use chrono::{Duration, TimeZone, Utc};
use portunus::audit::{self, Actor, Target};
use portunus::db::entities::repository;
use portunus_shared::domain::ActivityKey;
use sea_orm::{EntityTrait, ModelTrait};
use serde_json::{Value, json};

use crate::kit::{As, Kit, kits};

/// Records a push of `name` (a `REPOSITORY:TAG`) to repository `id` by `who`.
async fn push(kit: &Kit, who: &str, id: i64, name: &str) {
    let pusher = portunus::accounts::users::find_by_name(&kit.state.db, who)
        .await
        .unwrap()
        .unwrap();
    let repo = repository(kit, id).await;
    let target = Target::repository(Some(&repo), name);
    audit::record(
        &kit.state.db,
        &Actor::of(&pusher),
        ActivityKey::RepositoryPush,
        target,
        None,
    )
    .await
    .unwrap();
}

/// The (key, target) of each entry of `who`'s feed, newest first.
async fn feed(kit: &Kit, who: &As) -> Vec<(String, String)> {
    let page = kit
        .call(who, "GET", "/api/v1/feed?per_page=500", None)
        .await;
    page.assert_status(200, "the feed");
    page.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (text(&a["key"]), text(&a["target"]))
        })
        .collect()
}

/// Public namespace `shop` (olivia's) beside the cast's private `web`,
/// with one repository each and a push recorded to each: (web/app, shop/cart).
async fn pushed_to_web_and_shop(kit: &Kit, cast: &crate::kit::Cast) -> (i64, i64) {
    kit.team_namespace(&cast.olivia, "shop", "public", &[])
        .await;
    let app = kit.recorded("web/app", "1").await;
    let cart = kit.recorded("shop/cart", "1").await;
    push(kit, "carl", app, "web/app:1").await;
    push(kit, "olivia", cart, "shop/cart:1").await;
    (app, cart)
}

/// Repository `id`'s row.
async fn repository(kit: &Kit, id: i64) -> repository::Model {
    repository::Entity::find_by_id(id)
        .one(&kit.state.db)
        .await
        .unwrap()
        .expect("the repository")
}

fn entry(key: &str, target: &str) -> (String, String) {
    (key.to_owned(), target.to_owned())
}

#[tokio::test]
async fn the_feed_shows_what_concerns_the_reader_among_what_they_may_see() {
    for kit in kits().await {
        let cast = kit.cast().await;
        let (app, cart) = pushed_to_web_and_shop(&kit, &cast).await;
        for (id, body) in [(app, "private note"), (cart, "public note")] {
            let path = format!("/api/v1/repositories/{id}/comments");
            kit.call(&cast.olivia, "POST", &path, Some(json!({ "body": body })))
                .await
                .assert_status(201, "olivia's comment");
        }
        kit.call(
            &cast.oscar,
            "PUT",
            &format!("/api/v1/repositories/{cart}/star"),
            None,
        )
        .await
        .assert_status(204, "oscar stars the public repository");

        // An outsider: their own doings and the public namespace's pushes.
        assert_eq!(
            feed(&kit, &cast.oscar).await,
            [
                entry("repository.star", "shop/cart"),
                entry("repository.push", "shop/cart:1"),
                entry("user.create", "oscar"),
            ]
        );

        // A member of web: web's changes, comments and pushes too, but not
        // shop's changes or comments, nor oscar's star.
        let vera = feed(&kit, &cast.vera).await;
        for seen in [
            entry("comment.create", "web/app"),
            entry("repository.push", "shop/cart:1"),
            entry("repository.push", "web/app:1"),
            entry("namespace.create", "web"),
            entry("team.add_member", "web"),
        ] {
            assert!(vera.contains(&seen), "vera sees {seen:?}: {vera:?}");
        }
        for unseen in [
            entry("comment.create", "shop/cart"),
            entry("namespace.create", "shop"),
            entry("repository.star", "shop/cart"),
        ] {
            assert!(
                !vera.contains(&unseen),
                "vera does not see {unseen:?}: {vera:?}"
            );
        }

        // Administrators read every change; sign-ins stay in the audit log.
        let root = feed(&kit, &cast.root).await;
        assert!(
            root.contains(&entry("repository.star", "shop/cart")),
            "{root:?}"
        );
        assert!(
            root.contains(&entry("comment.create", "shop/cart")),
            "{root:?}"
        );
        assert!(
            root.iter().all(|(key, _)| !key.starts_with("auth.")),
            "{root:?}"
        );

        kit.get("/api/v1/feed")
            .await
            .assert_client_error(401, "visitors have no feed");
    }
}

#[tokio::test]
async fn what_was_done_to_a_repository_stays_in_the_feed_after_it_is_gone() {
    for kit in kits().await {
        let cast = kit.cast().await;
        let (app, cart) = pushed_to_web_and_shop(&kit, &cast).await;
        let db = &kit.state.db;
        for id in [app, cart] {
            let repo = repository(&kit, id).await;
            let name = if id == app { "web/app" } else { "shop/cart" };
            let carl = portunus::accounts::users::find_by_name(db, "carl")
                .await
                .unwrap()
                .unwrap();
            let target = Target::repository(Some(&repo), name);
            audit::record(
                db,
                &Actor::of(&carl),
                ActivityKey::RepositoryDelete,
                target,
                None,
            )
            .await
            .unwrap();
            repo.delete(db).await.unwrap();
        }

        // A member of web reads web's deletion and the pushes before it,
        // and the public namespace's push, but not shop's deletion.
        let vera = feed(&kit, &cast.vera).await;
        let about_repositories: Vec<_> = vera
            .iter()
            .filter(|(key, _)| key.starts_with("repository."))
            .cloned()
            .collect();
        assert_eq!(
            about_repositories,
            [
                entry("repository.delete", "web/app"),
                entry("repository.push", "shop/cart:1"),
                entry("repository.push", "web/app:1"),
            ]
        );
        // An outsider reads only the public push; its deletion is not a push.
        assert_eq!(
            feed(&kit, &cast.oscar).await,
            [
                entry("repository.push", "shop/cart:1"),
                entry("user.create", "oscar"),
            ]
        );
    }
}

#[tokio::test]
async fn the_feed_pages_newest_first_and_says_how_long_it_is() {
    for kit in kits().await {
        let cast = kit.cast().await;
        let app = kit.recorded("web/app", "1").await;
        for n in 0..7 {
            push(&kit, "carl", app, &format!("web/app:{n}")).await;
        }
        let page = |number: u64| {
            let kit = &kit;
            let vera = &cast.vera;
            async move {
                let path = format!("/api/v1/feed?per_page=3&page={number}");
                let answer = kit.call(vera, "GET", &path, None).await;
                answer.assert_status(200, "a page of the feed");
                answer.json()
            }
        };
        let whole = feed(&kit, &cast.vera).await;
        let total = whole.len();
        assert!(total >= 7, "{whole:?}");
        let mut read = Vec::new();
        for number in 1..=total.div_ceil(3) as u64 {
            let answer = page(number).await;
            assert_eq!(answer["total"], total as u64, "{answer}");
            for a in answer["items"].as_array().expect("items") {
                let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                read.push((text(&a["key"]), text(&a["target"])));
            }
        }
        assert_eq!(read, whole, "the pages together are the feed, in order");
        assert_eq!(whole[0], entry("repository.push", "web/app:6"));
        let beyond = page(total.div_ceil(3) as u64 + 1).await;
        assert_eq!(beyond["items"], json!([]), "{beyond}");
    }
}

#[tokio::test]
async fn administrators_see_the_installations_figures_and_pushes_per_day() {
    for kit in kits().await {
        let cast = kit.cast().await;
        let app = kit.recorded("web/app", "1").await;
        kit.recorded("web/app", "2").await;
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        for (days_ago, pushes) in [(0, 2), (3, 1), (29, 1), (30, 5)] {
            for _ in 0..pushes {
                let pusher = portunus::accounts::users::find_by_name(&kit.state.db, "carl")
                    .await
                    .unwrap()
                    .unwrap();
                let row = portunus::db::entities::activity::ActiveModel {
                    actor_id: sea_orm::Set(Some(pusher.id)),
                    actor_name: sea_orm::Set("carl".into()),
                    key: sea_orm::Set("repository.push".into()),
                    target_type: sea_orm::Set("repository".into()),
                    target_id: sea_orm::Set(Some(app)),
                    target_name: sea_orm::Set("web/app:1".into()),
                    parameters: sea_orm::Set(None),
                    created_at: sea_orm::Set(now - Duration::days(days_ago) - Duration::hours(1)),
                    ..Default::default()
                };
                sea_orm::ActiveModelTrait::insert(row, &kit.state.db)
                    .await
                    .unwrap();
            }
        }
        let who = portunus::authz::Subject::user(
            &portunus::accounts::users::find_by_name(&kit.state.db, "root")
                .await
                .unwrap()
                .unwrap(),
            None,
        );
        let seen = portunus::catalog::overview::overview(&kit.state.db, &who, now)
            .await
            .unwrap();
        assert_eq!(
            (
                seen.users,
                seen.teams,
                seen.namespaces,
                seen.repositories,
                seen.tags,
                seen.held_events
            ),
            (5, 1, 7, 1, 2, 0),
            "five people, team web, five personal namespaces, web and the global one"
        );
        assert_eq!(seen.pushes.len(), 30);
        assert_eq!(seen.pushes[0].day, "2026-11-01");
        assert_eq!(seen.pushes[29].day, "2026-11-30");
        let counts: Vec<u64> = seen.pushes.iter().map(|d| d.count).collect();
        let mut expected = vec![0; 30];
        expected[29] = 2;
        expected[26] = 1;
        expected[0] = 1;
        assert_eq!(counts, expected, "the day 30 days ago is outside");

        kit.call(&cast.root, "GET", "/api/v1/overview", None)
            .await
            .assert_status(200, "administrators");
        kit.call(&cast.olivia, "GET", "/api/v1/overview", None)
            .await
            .assert_client_error(403, "only administrators");
    }
}

#[tokio::test]
async fn the_registrys_status_is_for_administrators_and_says_why_it_is_down() {
    for kit in kits().await {
        let cast = kit.cast().await;
        // This kit's registry URL leads nowhere.
        let status = kit.call(&cast.root, "GET", "/api/v1/registry", None).await;
        status.assert_status(200, "administrators");
        let status = status.json();
        assert_eq!(status["reachable"], false, "{status}");
        assert!(
            status["answer"]
                .as_str()
                .unwrap_or_default()
                .contains("cannot be reached"),
            "{status}"
        );
        assert!(status["last_sync_at"].is_null(), "no sync yet: {status}");
        kit.call(&cast.olivia, "GET", "/api/v1/registry", None)
            .await
            .assert_client_error(403, "only administrators");
    }
}
