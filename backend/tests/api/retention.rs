//! Retention rules through the API: who may set them, what a preview shows,
//! and a registry outage during a run that changes nothing.

use chrono::{Duration, Utc};
use portunus::catalog::recording;
use portunus::registry::ImageMetadata;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::kit::{As, kits};

#[tokio::test]
async fn rules_are_for_those_who_may_delete_and_previews_change_nothing() {
    for kit in kits().await {
        let crate::kit::Cast {
            olivia,
            carl,
            vera,
            oscar,
            ..
        } = kit.cast().await;
        let repo = recording::ensure(
            &kit.state.db,
            kit.state.registries.configured().id,
            "web/app",
            None,
        )
        .await
        .unwrap();
        for (tag, days) in [("v1", 90), ("v2", 60), ("v3", 30), ("v4", 1)] {
            let meta = ImageMetadata {
                digest: format!("sha256:{}", tag.repeat(32)),
                ..Default::default()
            };
            recording::record_tag(
                &kit.state.db,
                &repo,
                tag,
                &meta,
                None,
                Utc::now() - Duration::days(days),
                0,
            )
            .await
            .unwrap();
        }
        let path = format!("/api/v1/repositories/{}/retention", repo.id);
        let rule = json!({"enabled": true, "keep_newest": 2, "older_than_days": 45});

        let unset = kit.call(&vera, "GET", &path, None).await.json();
        assert_eq!(unset["stored"], false);
        for (who, status) in [
            (&carl, 403),
            (&vera, 403),
            (&oscar, 404),
            (&As::Nobody, 401),
        ] {
            let answer = kit.call(who, "PUT", &path, Some(rule.clone())).await;
            assert_eq!(answer.status, status, "{}", answer.text);
        }
        for bad in [
            json!({"enabled": true}),
            json!({"enabled": true, "keep_newest": 1, "tag_pattern": "("}),
            json!({"enabled": true, "keep_newest": "two"}),
        ] {
            let answer = kit.call(&olivia, "PUT", &path, Some(bad.clone())).await;
            answer.assert_client_error(400, &bad.to_string());
        }
        assert_eq!(
            kit.call(&vera, "GET", &path, None).await.json()["stored"],
            false,
            "refusals store nothing"
        );

        // Anyone who sees the repository may preview a rule before it is stored.
        let preview = kit
            .call(
                &vera,
                "POST",
                &format!("{path}/preview"),
                Some(rule.clone()),
            )
            .await
            .json();
        assert_eq!(
            (preview["delete"].as_u64(), preview["keep"].as_u64()),
            (Some(2), Some(2)),
            "{preview}"
        );
        assert_eq!(preview["tags"][0]["tag"], "v2");
        assert_eq!(preview["tags"][1]["tag"], "v1");
        assert!(
            preview["tags"][2]["reason"]
                .as_str()
                .unwrap()
                .contains("newest")
        );
        assert_eq!(
            kit.call(&vera, "GET", &format!("{path}/preview"), None)
                .await
                .status,
            404,
            "nothing stored yet"
        );

        let stored = kit.call(&olivia, "PUT", &path, Some(rule.clone())).await;
        stored.assert_status(200, "stored");
        assert_eq!(stored.json()["updated_by"], "olivia");
        assert_eq!(stored.json()["rule"]["keep_newest"], 2);
        let again = kit
            .call(&carl, "GET", &format!("{path}/preview"), None)
            .await
            .json();
        assert_eq!(again["delete"], 2);

        // Running needs the registry: while it is down, nothing changes.
        assert_eq!(
            kit.call(&carl, "POST", &format!("{path}/run"), None)
                .await
                .status,
            403
        );
        let down = kit
            .call(&olivia, "POST", &format!("{path}/run"), None)
            .await;
        down.assert_status(503, "down");
        let tags = kit
            .call(
                &olivia,
                "GET",
                &format!("/api/v1/repositories/{}/tags", repo.id),
                None,
            )
            .await
            .json();
        assert_eq!(tags.as_array().unwrap().len(), 4);

        assert_eq!(kit.call(&vera, "DELETE", &path, None).await.status, 403);
        assert_eq!(kit.call(&olivia, "DELETE", &path, None).await.status, 204);
        assert_eq!(
            kit.call(&vera, "GET", &path, None).await.json()["stored"],
            false
        );
    }
}

#[tokio::test]
async fn scheduled_runs_act_only_while_the_rules_author_may_delete() {
    for kit in kits().await {
        let crate::kit::Cast { olivia, .. } = kit.cast().await;
        let id = kit.recorded("web/app", "1").await;
        let path = format!("/api/v1/repositories/{id}/retention");
        let rule = json!({"enabled": true, "keep_newest": 1});
        assert_eq!(
            kit.call(&olivia, "PUT", &path, Some(rule)).await.status,
            200
        );
        let hour = std::time::Duration::from_secs(3600);
        let start = chrono::Utc::now();
        let run_due = |at| {
            portunus::registries::retention::run_due(
                &kit.state.registries,
                &kit.state.config.policy,
                hour,
                at,
            )
        };

        // Olivia owns the team: the run goes ahead (and fails, no registry here).
        let pass = run_due(start).await.unwrap();
        assert_eq!((pass.ran, pass.skipped, pass.failed), (0, 0, 1), "{pass:?}");

        // Once she is only a viewer, her rule no longer runs.
        kit.create_user("otto").await;
        kit.call(
            &olivia,
            "PUT",
            "/api/v1/teams/web/members/otto",
            Some(json!({"role": "owner"})),
        )
        .await;
        let otto = kit.sign_in("otto").await;
        let demoted = kit
            .call(
                &otto,
                "PUT",
                "/api/v1/teams/web/members/olivia",
                Some(json!({"role": "viewer"})),
            )
            .await;
        assert!(demoted.status.is_success(), "{}", demoted.text);
        // Due again an hour later.
        let later = start + chrono::Duration::minutes(61);
        let pass = run_due(later).await.unwrap();
        assert_eq!((pass.ran, pass.skipped, pass.failed), (0, 1, 0), "{pass:?}");
        // Not due again within the interval.
        let pass = run_due(later + chrono::Duration::minutes(59))
            .await
            .unwrap();
        assert_eq!(pass, portunus::registries::retention::Pass::default());
    }
}

#[tokio::test]
async fn a_repository_keeps_what_people_wrote_when_its_last_tag_goes() {
    for kit in kits().await {
        let crate::kit::Cast { olivia, .. } = kit.cast().await;
        let described = kit.recorded("web/described", "1").await;
        let bare = kit.recorded("web/bare", "1").await;
        kit.call(
            &olivia,
            "PUT",
            &format!("/api/v1/repositories/{described}/description"),
            Some(json!({"description": "Keep me"})),
        )
        .await;
        for id in [described, bare] {
            let repo = portunus::db::entities::repository::Entity::find_by_id(id)
                .one(&kit.state.db)
                .await
                .unwrap()
                .unwrap();
            recording::forget_tags(&kit.state.db, &repo, None, Some("1"))
                .await
                .unwrap();
        }
        let shown = kit
            .call(
                &olivia,
                "GET",
                &format!("/api/v1/repositories/{described}"),
                None,
            )
            .await;
        shown.assert_status(200, "shown");
        assert_eq!(
            (
                shown.json()["tags"].as_u64(),
                shown.json()["description"].as_str()
            ),
            (Some(0), Some("Keep me"))
        );
        assert_eq!(
            kit.call(
                &olivia,
                "GET",
                &format!("/api/v1/repositories/{bare}"),
                None
            )
            .await
            .status,
            404,
            "a repository with nothing left is forgotten"
        );
    }
}
