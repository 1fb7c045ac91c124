//! People by display name: shown beside their user name wherever they
//! appear (members, comments, pushers, activities, search), and unique.

use serde_json::{Value, json};

use crate::kit::{As, Kit, kits};

async fn set_display_name(kit: &Kit, who: &As, user: &str, name: &str) -> u16 {
    let body = json!({ "display_name": name });
    let path = format!("/api/v1/users/{user}");
    kit.call(who, "PATCH", &path, Some(body))
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn display_names_show_wherever_people_appear() {
    for kit in kits().await {
        let cast = kit.cast().await;
        assert_eq!(
            set_display_name(&kit, &cast.carl, "carl", " Carl\u{7} Carter ").await,
            200
        );
        let me = kit.call(&cast.carl, "GET", "/api/v1/me", None).await.json();
        assert_eq!(
            me["display_name"], "Carl Carter",
            "trimmed, control characters dropped"
        );

        let team = kit
            .call(&cast.olivia, "GET", "/api/v1/teams/web", None)
            .await
            .json();
        let members: Vec<(Value, Value)> = team["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| (m["username"].clone(), m["display_name"].clone()))
            .collect();
        assert_eq!(
            members,
            [
                (json!("olivia"), Value::Null),
                (json!("carl"), json!("Carl Carter")),
                (json!("vera"), Value::Null)
            ]
        );

        let carl = portunus::accounts::users::find_by_name(&kit.state.db, "carl")
            .await
            .unwrap()
            .unwrap();
        let id = kit
            .recorded_by("web/app", "1", chrono::Utc::now(), Some(carl.id))
            .await;
        let tags = kit
            .call(
                &cast.vera,
                "GET",
                &format!("/api/v1/repositories/{id}/tags"),
                None,
            )
            .await
            .json();
        let tag = &tags[0];
        assert_eq!(
            (&tag["pushed_by"], &tag["pushed_by_display_name"]),
            (&json!("carl"), &json!("Carl Carter")),
            "{tags}"
        );
        let images = kit
            .call(
                &cast.vera,
                "GET",
                &format!("/api/v1/repositories/{id}/images"),
                None,
            )
            .await
            .json();
        assert_eq!(
            images[0]["pushed_by_display_name"], "Carl Carter",
            "{images}"
        );

        let path = format!("/api/v1/repositories/{id}/comments");
        let comment = kit
            .call(&cast.carl, "POST", &path, Some(json!({"body": "ship it"})))
            .await
            .json();
        assert_eq!(comment["author_display_name"], "Carl Carter", "{comment}");
        let listed = kit.call(&cast.vera, "GET", &path, None).await.json();
        assert_eq!(listed[0]["author_display_name"], "Carl Carter", "{listed}");

        let log = kit
            .call(
                &cast.root,
                "GET",
                "/api/v1/activities?key=comment.create",
                None,
            )
            .await
            .json();
        assert_eq!(log["items"][0]["actor"], "carl", "{log}");
        assert_eq!(
            log["items"][0]["actor_display_name"], "Carl Carter",
            "{log}"
        );

        // People are found by either name, by signed-in people only.
        let found = kit
            .call(&cast.vera, "GET", "/api/v1/search?q=carter", None)
            .await
            .json();
        assert_eq!(
            found["people"],
            json!([{"username": "carl", "display_name": "Carl Carter"}])
        );
        let found = kit
            .call(&cast.vera, "GET", "/api/v1/search?q=OLIV", None)
            .await
            .json();
        assert_eq!(found["people"], json!([{"username": "olivia"}]));
        let body = json!({"name": "ci", "resources": ["web/app"], "access": "read"});
        let made = kit
            .call(&cast.vera, "POST", "/api/v1/tokens", Some(body))
            .await;
        made.assert_status(201, "a token limited to web/app");
        let limited = As::Bearer(made.json()["secret"].as_str().unwrap().to_owned());
        let found = kit
            .call(&limited, "GET", "/api/v1/search?q=a", None)
            .await
            .json();
        assert_eq!(found["people"], json!([]), "a limited token finds nobody");
        assert_eq!(found["repositories"][0]["name"], "web/app", "{found}");
    }
}

#[tokio::test]
async fn display_names_are_unique_and_never_another_accounts_name() {
    for kit in kits().await {
        let cast = kit.cast().await;
        assert_eq!(
            set_display_name(&kit, &cast.carl, "carl", "Carl Carter").await,
            200
        );
        assert_eq!(
            set_display_name(&kit, &cast.vera, "vera", "Vera").await,
            200
        );
        let taken = kit
            .call(
                &cast.vera,
                "PATCH",
                "/api/v1/users/vera",
                Some(json!({"display_name": "CARL carter"})),
            )
            .await;
        taken.assert_client_error(409, "another case of carl's display name");
        assert!(
            taken.text.contains("choose another display name"),
            "{}",
            taken.text
        );
        assert_eq!(
            set_display_name(&kit, &cast.vera, "vera", "Olivia").await,
            409,
            "another account's user name"
        );
        let vera = kit.call(&cast.vera, "GET", "/api/v1/me", None).await.json();
        assert_eq!(
            vera["display_name"], "Vera",
            "a refused change changes nothing"
        );
        assert_eq!(
            set_display_name(&kit, &cast.carl, "carl", "carl carter").await,
            200,
            "one's own display name, in another case"
        );
        assert_eq!(
            set_display_name(&kit, &cast.carl, "carl", "Carl").await,
            200,
            "one's own user name"
        );
        assert_eq!(
            set_display_name(&kit, &cast.vera, "vera", "Carl Carter").await,
            200,
            "free again once carl changed his"
        );
    }
}
