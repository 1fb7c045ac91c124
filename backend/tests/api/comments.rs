//! Repository descriptions and comments: who may write, who may delete, and
//! markdown that cannot carry scripts.

use serde_json::json;

use crate::kit::{As, kits};

#[tokio::test]
async fn descriptions_are_for_owners_and_render_safely() {
    for kit in kits().await {
        let crate::kit::Cast {
            root,
            olivia,
            carl,
            vera,
            oscar,
        } = kit.cast().await;
        let id = kit.recorded("web/app", "1").await;
        let path = format!("/api/v1/repositories/{id}/description");
        let text = "# App\n\nSee [docs](https://example.org) <script>alert(1)</script>";
        let body = Some(json!({ "description": text }));

        let refused = kit.call(&carl, "PUT", &path, body.clone()).await;
        assert_eq!(
            refused.status, 403,
            "a contributor may not: {}",
            refused.text
        );
        assert!(
            refused.json()["message"]
                .as_str()
                .unwrap()
                .contains("owners")
        );
        assert_eq!(
            kit.call(&vera, "PUT", &path, body.clone()).await.status,
            403,
            "nor a viewer"
        );
        assert_eq!(
            kit.call(&oscar, "PUT", &path, body.clone()).await.status,
            404,
            "an outsider does not even learn it exists"
        );
        assert_eq!(
            kit.call(&As::Nobody, "PUT", &path, body.clone())
                .await
                .status,
            401
        );
        let too_long = json!({ "description": "x".repeat(64 * 1024 + 1) });
        kit.call(&olivia, "PUT", &path, Some(too_long))
            .await
            .assert_client_error(400, "too long");

        let done = kit.call(&olivia, "PUT", &path, body.clone()).await;
        done.assert_status(200, "done");
        let shown = kit
            .call(&carl, "GET", &format!("/api/v1/repositories/{id}"), None)
            .await
            .json();
        assert_eq!(shown["description"], text);
        let html = shown["description_html"].as_str().unwrap();
        assert!(
            html.contains("<h1>App</h1>") && html.contains("https://example.org"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert_eq!(shown["may_manage"], false, "carl");
        let by_admin = kit
            .call(&root, "PUT", &path, Some(json!({"description": ""})))
            .await;
        assert_eq!(by_admin.json()["may_manage"], true);
    }
}

#[tokio::test]
async fn comments_follow_visibility_and_only_authors_owners_and_admins_delete() {
    for kit in kits().await {
        let crate::kit::Cast {
            root,
            olivia,
            carl,
            vera,
            oscar,
        } = kit.cast().await;
        let id = kit.recorded("web/app", "1").await;
        let path = format!("/api/v1/repositories/{id}/comments");

        let say = |body: &str| Some(json!({ "body": body }));
        let by_vera = kit
            .call(
                &vera,
                "POST",
                &path,
                say("Works **fine** <img src=x onerror=alert(1)>"),
            )
            .await;
        by_vera.assert_status(201, "by_vera");
        let by_vera = by_vera.json();
        assert_eq!(by_vera["author"], "vera");
        let html = by_vera["body_html"].as_str().unwrap();
        assert!(
            html.contains("<strong>fine</strong>") && !html.contains("onerror"),
            "{html}"
        );
        let by_carl = kit.call(&carl, "POST", &path, say("me too")).await.json();

        assert_eq!(kit.call(&oscar, "POST", &path, say("hi")).await.status, 404);
        assert_eq!(kit.call(&oscar, "GET", &path, None).await.status, 404);
        assert_eq!(kit.call(&As::Nobody, "GET", &path, None).await.status, 401);
        for bad in [
            json!({"body": "   "}),
            json!({"body": "x".repeat(10_001)}),
            json!({"text": "?"}),
        ] {
            kit.call(&vera, "POST", &path, Some(bad.clone()))
                .await
                .assert_client_error(400, &format!("{bad:.40}"));
        }

        let listed = kit.call(&carl, "GET", &path, None).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 2);
        assert_eq!(
            (
                listed[0]["may_delete"].as_bool(),
                listed[1]["may_delete"].as_bool()
            ),
            (Some(false), Some(true)),
            "carl may delete his own comment only"
        );
        let vera_comment = format!("{path}/{}", by_vera["id"]);
        let carl_comment = format!("{path}/{}", by_carl["id"]);
        assert_eq!(
            kit.call(&carl, "DELETE", &vera_comment, None).await.status,
            403
        );
        assert_eq!(
            kit.call(&carl, "DELETE", &carl_comment, None).await.status,
            204
        );
        assert_eq!(
            kit.call(&olivia, "DELETE", &vera_comment, None)
                .await
                .status,
            204,
            "the owner moderates"
        );
        assert_eq!(
            kit.call(&root, "DELETE", &vera_comment, None).await.status,
            404,
            "gone"
        );
        let by_root = kit
            .call(&root, "POST", &path, say("admin note"))
            .await
            .json();
        assert_eq!(
            kit.call(&root, "DELETE", &format!("{path}/{}", by_root["id"]), None)
                .await
                .status,
            204
        );
        assert_eq!(kit.call(&carl, "GET", &path, None).await.json(), json!([]));
        let activities = kit
            .call(&root, "GET", "/api/v1/activities?key=comment.", None)
            .await
            .json();
        assert_eq!(
            activities["total"], 6,
            "three comments made, three deleted: {activities}"
        );
    }
}

#[tokio::test]
async fn a_comment_keeps_its_authors_name_when_the_account_is_gone() {
    use sea_orm::EntityTrait;
    for kit in kits().await {
        let cast = kit.cast().await;
        let id = kit.recorded("web/app", "1").await;
        let path = format!("/api/v1/repositories/{id}/comments");
        kit.call(&cast.carl, "POST", &path, Some(json!({"body": "ship it"})))
            .await
            .assert_status(201, "carl's comment");
        let carl = portunus::accounts::users::find_by_name(&kit.state.db, "carl")
            .await
            .unwrap()
            .unwrap();
        portunus::db::entities::user::Entity::delete_by_id(carl.id)
            .exec(&kit.state.db)
            .await
            .unwrap();
        let listed = kit.call(&cast.root, "GET", &path, None).await.json();
        assert_eq!(listed[0]["author"], "carl", "{listed}");
        assert_eq!(listed[0]["body"], "ship it");
    }
}
