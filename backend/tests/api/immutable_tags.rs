//! Immutable-tag rules through the API: who may read, add and remove a
//! namespace's and the installation's, what a bad pattern is told, and
//! that each change is in the activity log. (The gateway's enforcement is
//! tested with the real registry in e2e/tests/e2e/gateway.rs.)

use serde_json::json;

use crate::kit::{As, kits};

#[tokio::test]
async fn a_namespace_s_rules_are_for_those_who_manage_it() {
    for kit in kits().await {
        let crate::kit::Cast {
            olivia,
            carl,
            vera,
            oscar,
            ..
        } = kit.cast().await;
        let path = "/api/v1/namespaces/web/immutable-tags";
        let rule = json!({"pattern": "v*"});
        for (who, status) in [
            (&carl, 403),
            (&vera, 403),
            (&oscar, 404),
            (&As::Nobody, 401),
        ] {
            let answer = kit.call(who, "POST", path, Some(rule.clone())).await;
            assert_eq!(answer.status, status, "{}", answer.text);
        }
        for bad in [
            json!({"pattern": ""}),
            json!({"pattern": "v/1"}),
            json!({"pattern": "^("}),
            json!({"pattern": "latest"}),
            json!({"pattern": "x".repeat(201)}),
            json!({"include_latest": true}),
        ] {
            let answer = kit.call(&olivia, "POST", path, Some(bad.clone())).await;
            answer.assert_client_error(400, &bad.to_string());
        }
        assert_eq!(
            kit.call(&vera, "GET", path, None).await.json(),
            json!([]),
            "refusals store nothing"
        );

        let added = kit.call(&olivia, "POST", path, Some(rule)).await;
        assert_eq!(added.status, 201, "{}", added.text);
        let added = added.json();
        assert_eq!(
            (
                &added["namespace"],
                &added["pattern"],
                &added["include_latest"]
            ),
            (&json!("web"), &json!("v*"), &json!(false))
        );
        assert_eq!(added["created_by"], "olivia");
        let latest = json!({"pattern": "latest", "include_latest": true});
        let second = kit.call(&olivia, "POST", path, Some(latest)).await;
        assert_eq!(second.status, 201, "{}", second.text);

        // Everyone who sees the namespace sees its rules, in order.
        let listed = kit.call(&vera, "GET", path, None).await.json();
        let patterns: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["pattern"].as_str().unwrap())
            .collect();
        assert_eq!(patterns, ["v*", "latest"]);
        assert_eq!(kit.call(&oscar, "GET", path, None).await.status, 404);

        let one = format!("{path}/{}", added["id"]);
        for (who, status) in [(&carl, 403), (&oscar, 404), (&As::Nobody, 401)] {
            assert_eq!(kit.call(who, "DELETE", &one, None).await.status, status);
        }
        assert_eq!(kit.call(&olivia, "DELETE", &one, None).await.status, 204);
        assert_eq!(kit.call(&olivia, "DELETE", &one, None).await.status, 404);
        let left = kit.call(&vera, "GET", path, None).await.json();
        assert_eq!(left.as_array().unwrap().len(), 1);

        let log = kit
            .call(&olivia, "GET", "/api/v1/activities?target=web", None)
            .await
            .json();
        let keys: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap())
            .filter(|k| k.starts_with("immutable_tags."))
            .collect();
        assert_eq!(
            keys,
            [
                "immutable_tags.remove",
                "immutable_tags.add",
                "immutable_tags.add"
            ]
        );
    }
}

#[tokio::test]
async fn the_installation_s_rules_are_for_administrators() {
    for kit in kits().await {
        let crate::kit::Cast { root, olivia, .. } = kit.cast().await;
        let path = "/api/v1/immutable-tags";
        let rule = json!({"pattern": r"^\d+\.\d+\.\d+$"});
        for (who, status) in [(&olivia, 403), (&As::Nobody, 401)] {
            let answer = kit.call(who, "POST", path, Some(rule.clone())).await;
            assert_eq!(answer.status, status, "{}", answer.text);
        }
        let added = kit.call(&root, "POST", path, Some(rule)).await;
        assert_eq!(added.status, 201, "{}", added.text);
        let added = added.json();
        assert_eq!(added.get("namespace"), None, "no namespace: every one");

        let listed = kit.call(&olivia, "GET", path, None).await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.json().as_array().unwrap().len(), 1);
        assert_eq!(kit.call(&As::Nobody, "GET", path, None).await.status, 401);
        // Not one of the namespace's own rules.
        let web = kit
            .call(
                &olivia,
                "GET",
                "/api/v1/namespaces/web/immutable-tags",
                None,
            )
            .await
            .json();
        assert_eq!(web, json!([]));

        let one = format!("{path}/{}", added["id"]);
        assert_eq!(kit.call(&olivia, "DELETE", &one, None).await.status, 403);
        assert_eq!(kit.call(&root, "DELETE", &one, None).await.status, 204);
        assert_eq!(kit.call(&olivia, "GET", path, None).await.json(), json!([]));
    }
}

#[tokio::test]
async fn retention_keeps_what_a_rule_protects() {
    use chrono::{Duration, Utc};
    use portunus::catalog::recording;
    use portunus::registry::ImageMetadata;

    for kit in kits().await {
        let crate::kit::Cast { olivia, .. } = kit.cast().await;
        let repo = recording::ensure(
            &kit.state.db,
            kit.state.registries.configured().id,
            "web/app",
            None,
        )
        .await
        .unwrap();
        for (tag, days) in [("v1", 90), ("pr-2", 60), ("pr-3", 1)] {
            let meta = ImageMetadata {
                digest: format!("sha256:{}", tag.repeat(32)),
                ..Default::default()
            };
            let pushed = Utc::now() - Duration::days(days);
            recording::record_tag(&kit.state.db, &repo, tag, &meta, None, pushed, 0)
                .await
                .unwrap();
        }
        let preview_path = format!("/api/v1/repositories/{}/retention/preview", repo.id);
        let rule = json!({"enabled": true, "keep_newest": 1});
        let verdicts = |preview: serde_json::Value| -> Vec<(String, bool)> {
            preview["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| (v["tag"].as_str().unwrap().to_owned(), v["delete"] == true))
                .collect()
        };
        let before = kit
            .call(&olivia, "POST", &preview_path, Some(rule.clone()))
            .await;
        let mut seen = verdicts(before.json());
        seen.sort();
        assert_eq!(
            seen,
            [
                ("pr-2".into(), true),
                ("pr-3".into(), false),
                ("v1".into(), true)
            ]
        );

        let added = kit
            .call(
                &olivia,
                "POST",
                "/api/v1/namespaces/web/immutable-tags",
                Some(json!({"pattern": "v*"})),
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.text);
        let after = kit
            .call(&olivia, "POST", &preview_path, Some(rule))
            .await
            .json();
        let v1 = after["tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["tag"] == "v1")
            .unwrap()
            .clone();
        assert_eq!(v1["delete"], false, "{after}");
        assert_eq!(v1["reason"], "kept: immutable (rule v* on namespace web)");
        assert_eq!(
            (after["delete"].as_u64(), after["keep"].as_u64()),
            (Some(1), Some(2))
        );
    }
}
