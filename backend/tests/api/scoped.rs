//! Application tokens limited to part of the registry read through the API
//! only what they cover: the repositories named, the namespaces they are
//! in, and nothing about teams, accounts or the installation.

use serde_json::{Value, json};

use crate::kit::{As, Kit, kits};

/// The full names in a page of repositories.
fn names(page: &Value) -> Vec<&str> {
    let items = page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"));
    items.iter().map(|r| r["name"].as_str().unwrap()).collect()
}

async fn token(kit: &Kit, owner: &As, body: Value) -> As {
    let made = kit.call(owner, "POST", "/api/v1/tokens", Some(body)).await;
    made.assert_status(201, "token created");
    As::Bearer(made.json()["secret"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn limited_tokens_read_only_the_repositories_they_cover() {
    for kit in kits().await {
        let cast = kit.cast().await;
        kit.team_namespace(&cast.olivia, "shop", "public", &[])
            .await;
        let app = kit.recorded("web/app", "v1").await;
        let other = kit.recorded("web/other", "v1").await;
        let cart = kit.recorded("shop/cart", "v1").await;
        let limited = token(
            &kit,
            &cast.root,
            json!({"name": "ci", "resources": ["web/app"], "access": "read"}),
        )
        .await;
        let unlimited = token(&kit, &cast.root, json!({"name": "all", "access": "read"})).await;
        let get = |who: &As, path: &str| {
            let (who, path) = (who.clone(), path.to_owned());
            let kit = &kit;
            async move { kit.call(&who, "GET", &path, None).await }
        };

        // Lists: exactly what the token covers; without a limit, all.
        let listed = get(&limited, "/api/v1/repositories").await.json();
        assert_eq!(names(&listed), ["web/app"], "{}", kit.backend);
        let all = get(&unlimited, "/api/v1/repositories").await.json();
        assert_eq!(names(&all), ["shop/cart", "web/app", "web/other"]);
        let namespaces = get(&limited, "/api/v1/namespaces").await.json();
        let namespaces: Vec<&str> = namespaces["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert_eq!(namespaces, ["web"]);
        let found = get(&limited, "/api/v1/search?q=a").await.json();
        let repositories: Vec<&str> = found["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(repositories, ["web/app"], "{found}");
        assert_eq!(found["teams"], json!([]), "{found}");

        // One repository: its own parts, nobody else's.
        for part in ["", "/tags", "/images", "/comments", "/retention"] {
            get(&limited, &format!("/api/v1/repositories/{app}{part}"))
                .await
                .assert_status(200, &format!("covered {part}"));
            for outside in [other, cart] {
                get(&limited, &format!("/api/v1/repositories/{outside}{part}"))
                    .await
                    .assert_status(404, &format!("not covered {part}"));
            }
        }
        get(&limited, "/api/v1/permissions?repository=web/app")
            .await
            .assert_status(200, "why, for what it covers");
        get(&limited, "/api/v1/permissions?repository=shop/cart")
            .await
            .assert_status(404, "nothing about the rest");
        get(&limited, "/api/v1/namespaces/web")
            .await
            .assert_status(200, "the namespace of its repository");
        get(&limited, "/api/v1/namespaces/shop")
            .await
            .assert_status(404, "another namespace, public as it is");

        // Teams, accounts and the installation: nothing, admin as its owner is.
        get(&limited, "/api/v1/me")
            .await
            .assert_status(200, "who it belongs to");
        let teams = get(&limited, "/api/v1/teams").await.json();
        assert_eq!(teams["total"], 0, "{teams}");
        for (path, status) in [
            ("/api/v1/teams/web", 404),
            ("/api/v1/users", 403),
            ("/api/v1/users/olivia", 404),
            ("/api/v1/users/root", 404),
            ("/api/v1/users/root/tokens", 404),
            ("/api/v1/tokens", 403),
            ("/api/v1/refresh-tokens", 403),
            ("/api/v1/me/sessions", 403),
            ("/api/v1/activities", 403),
            ("/api/v1/activities.csv", 403),
            ("/api/v1/registry/events", 403),
        ] {
            get(&limited, path).await.assert_status(status, path);
            let allowed = get(&unlimited, path).await;
            allowed.assert_status(200, &format!("{path} with an unlimited token"));
        }
    }
}
