//! Teams, namespaces, application tokens and permission explanations through
//! the REST API, each rule with an allowed and a denied case, and their
//! effect on the token endpoint.

use serde_json::{Value, json};

use crate::kit::{As, Kit, PASSWORD, basic, kits};

/// Token endpoint access for `auth` asking `scope`.
async fn granted(kit: &Kit, auth: Option<&str>, scope: &str) -> Value {
    let mut request = kit
        .client
        .get(format!("/v2/token?service=registry&scope={scope}"));
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    let answer = kit.send(request).await;
    answer.assert_status(200, "answer");
    let token = answer.json()["token"].as_str().unwrap().to_owned();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &data_encoding::BASE64URL_NOPAD
            .decode(payload.as_bytes())
            .unwrap(),
    )
    .unwrap();
    claims["access"]
        .as_array()
        .and_then(|a| a.first())
        .map(|e| e["actions"].clone())
        .unwrap_or(json!([]))
}

/// root (admin), owner, contributor, viewer and outsider, and team "web"
/// owning namespace "web" with the three roles.
async fn team_setup(kit: &Kit) -> [As; 5] {
    for name in ["root", "olivia", "carl", "vera", "oscar"] {
        kit.create_user(name).await;
    }
    let olivia = kit.sign_in("olivia").await;
    let answer = kit
        .call(
            &olivia,
            "POST",
            "/api/v1/teams",
            Some(json!({"name": "web", "description": "the web team"})),
        )
        .await;
    answer.assert_status(201, "answer");
    for (user, role) in [("carl", "contributor"), ("vera", "viewer")] {
        let answer = kit
            .call(
                &olivia,
                "PUT",
                &format!("/api/v1/teams/web/members/{user}"),
                Some(json!({"role": role})),
            )
            .await;
        answer.assert_status(200, "answer");
    }
    let answer = kit
        .call(
            &olivia,
            "POST",
            "/api/v1/namespaces",
            Some(json!({"name": "web", "team": "web"})),
        )
        .await;
    answer.assert_status(201, "answer");
    assert_eq!(answer.json()["visibility"], "private");
    [
        kit.sign_in("root").await,
        olivia,
        kit.sign_in("carl").await,
        kit.sign_in("vera").await,
        kit.sign_in("oscar").await,
    ]
}

#[tokio::test]
async fn roles_decide_registry_access() {
    for kit in kits().await {
        team_setup(&kit).await;
        let scope = "repository:web/app:pull,push,delete";
        assert_eq!(
            granted(&kit, Some(&basic("olivia", PASSWORD)), scope).await,
            json!(["delete", "pull", "push"])
        );
        assert_eq!(
            granted(&kit, Some(&basic("carl", PASSWORD)), scope).await,
            json!(["pull", "push"]),
            "{}",
            kit.backend
        );
        assert_eq!(
            granted(&kit, Some(&basic("vera", PASSWORD)), scope).await,
            json!(["pull"])
        );
        assert_eq!(
            granted(&kit, Some(&basic("oscar", PASSWORD)), scope).await,
            json!([])
        );
        assert_eq!(granted(&kit, None, scope).await, json!([]));
        assert_eq!(
            granted(&kit, Some(&basic("root", PASSWORD)), scope).await,
            json!(["delete", "pull", "push"])
        );
    }
}

#[tokio::test]
async fn visibility_decides_who_pulls() {
    for kit in kits().await {
        let [_, olivia, _, _, oscar] = team_setup(&kit).await;
        let scope = "repository:web/app:pull";
        let outsider = basic("oscar", PASSWORD);

        let answer = kit
            .call(
                &olivia,
                "PATCH",
                "/api/v1/namespaces/web",
                Some(json!({"visibility": "protected"})),
            )
            .await;
        answer.assert_status(200, "answer");
        assert_eq!(
            granted(&kit, Some(&outsider), scope).await,
            json!(["pull"]),
            "protected: signed-in users pull"
        );
        assert_eq!(
            granted(&kit, None, scope).await,
            json!([]),
            "protected: not anonymously"
        );

        kit.call(
            &olivia,
            "PATCH",
            "/api/v1/namespaces/web",
            Some(json!({"visibility": "public"})),
        )
        .await;
        assert_eq!(
            granted(&kit, None, scope).await,
            json!(["pull"]),
            "public: anonymously"
        );
        assert_eq!(
            granted(&kit, Some(&outsider), "repository:web/app:push").await,
            json!([]),
            "public is not writable"
        );

        // Only owners (and admins) change visibility; outsiders see 403 now that it is public.
        let answer = kit
            .call(
                &oscar,
                "PATCH",
                "/api/v1/namespaces/web",
                Some(json!({"visibility": "private"})),
            )
            .await;
        answer.assert_status(403, "answer");
        let answer = kit
            .call(
                &olivia,
                "PATCH",
                "/api/v1/namespaces/web",
                Some(json!({"visibility": "secret"})),
            )
            .await;
        answer.assert_status(400, "answer");
    }
}

#[tokio::test]
async fn private_names_do_not_leak() {
    for kit in kits().await {
        let [root, _, _, vera, oscar] = team_setup(&kit).await;
        for path in ["/api/v1/namespaces/web", "/api/v1/teams/web"] {
            assert_eq!(
                kit.call(&oscar, "GET", path, None).await.status,
                404,
                "{path}"
            );
            assert_eq!(
                kit.call(&vera, "GET", path, None).await.status,
                200,
                "{path}"
            );
            assert_eq!(
                kit.call(&root, "GET", path, None).await.status,
                200,
                "{path}"
            );
            assert_eq!(
                kit.call(&As::Nobody, "GET", path, None).await.status,
                401,
                "{path}"
            );
        }
        let listed = kit
            .call(&oscar, "GET", "/api/v1/namespaces", None)
            .await
            .json();
        let names: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert!(
            !names.contains(&"web") && names.contains(&"oscar"),
            "{names:?}"
        );
        let teams = kit
            .call(&root, "GET", "/api/v1/teams?per_page=1", None)
            .await
            .json();
        assert_eq!(
            (teams["total"].as_u64(), teams["items"][0]["name"].as_str()),
            (Some(1), Some("web"))
        );
        assert_eq!(
            kit.call(&oscar, "GET", "/api/v1/teams", None).await.json()["total"],
            0
        );
        assert_eq!(
            kit.call(&oscar, "GET", "/api/v1/namespaces?page=0", None)
                .await
                .status,
            400
        );
        let explained = kit
            .call(
                &oscar,
                "GET",
                "/api/v1/permissions?repository=web/app",
                None,
            )
            .await
            .json();
        assert_eq!(
            explained["namespace"],
            Value::Null,
            "the private namespace stays unnamed"
        );
        assert!(
            explained["actions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["allowed"] == false)
        );
    }
}

#[tokio::test]
async fn team_management_rules() {
    for kit in kits().await {
        let [root, olivia, carl, vera, oscar] = team_setup(&kit).await;
        // Only owners and admins manage members.
        let add = |who: &As, user: &str, role: &str| {
            let who = who.clone();
            let path = format!("/api/v1/teams/web/members/{user}");
            let body = json!({ "role": role });
            let kit = &kit;
            async move { kit.call(&who, "PUT", &path, Some(body)).await }
        };
        assert_eq!(add(&carl, "oscar", "viewer").await.status, 403);
        assert_eq!(
            add(&oscar, "oscar", "owner").await.status,
            404,
            "non-members do not see the team"
        );
        assert_eq!(add(&root, "oscar", "viewer").await.status, 200);
        assert_eq!(add(&olivia, "oscar", "boss").await.status, 400);
        assert_eq!(add(&olivia, "nobody", "viewer").await.status, 404);

        // The last owner can neither leave nor be demoted.
        assert_eq!(
            kit.call(&olivia, "DELETE", "/api/v1/teams/web/members/olivia", None)
                .await
                .status,
            409
        );
        assert_eq!(add(&olivia, "olivia", "viewer").await.status, 409);
        assert_eq!(add(&olivia, "carl", "owner").await.status, 200);
        assert_eq!(
            add(&olivia, "olivia", "contributor").await.status,
            200,
            "with a second owner she may step down"
        );

        // Members may leave; a viewer may not remove others.
        assert_eq!(
            kit.call(&vera, "DELETE", "/api/v1/teams/web/members/oscar", None)
                .await
                .status,
            403
        );
        assert_eq!(
            kit.call(&vera, "DELETE", "/api/v1/teams/web/members/vera", None)
                .await
                .status,
            204
        );

        // A team that owns namespaces cannot be deleted; renames are checked.
        assert_eq!(
            kit.call(&carl, "DELETE", "/api/v1/teams/web", None)
                .await
                .status,
            409
        );
        assert_eq!(
            kit.call(
                &carl,
                "PATCH",
                "/api/v1/teams/web",
                Some(json!({"name": "_sneaky"}))
            )
            .await
            .status,
            400
        );
        assert_eq!(
            kit.call(
                &carl,
                "PATCH",
                "/api/v1/teams/web",
                Some(json!({"name": "frontend"}))
            )
            .await
            .status,
            200
        );
        // Deleting a team moves its namespaces to another team of yours, or deletes them.
        assert_eq!(
            kit.call(
                &carl,
                "POST",
                "/api/v1/teams",
                Some(json!({"name": "heir"}))
            )
            .await
            .status,
            201
        );
        assert_eq!(
            kit.call(
                &carl,
                "DELETE",
                "/api/v1/teams/frontend?move_namespaces_to=nope",
                None
            )
            .await
            .status,
            404
        );
        let moved = kit
            .call(
                &carl,
                "DELETE",
                "/api/v1/teams/frontend?move_namespaces_to=heir",
                None,
            )
            .await;
        moved.assert_status(204, "moved");
        assert_eq!(
            kit.call(&carl, "GET", "/api/v1/namespaces/web", None)
                .await
                .json()["team"],
            "heir"
        );
        // Deleting its namespaces needs them empty, which the registry must
        // confirm: no registry runs here, so nothing is deleted (e2e's
        // vacancy.rs deletes with a real one).
        let delete_all = "/api/v1/teams/heir?delete_namespaces=true";
        kit.call(&carl, "DELETE", delete_all, None)
            .await
            .assert_status(503, "the registry cannot confirm web/ is empty");
        kit.recorded("web/app", "v1").await;
        let refused = kit.call(&carl, "DELETE", delete_all, None).await;
        refused.assert_status(409, "web/app holds an image");
        assert!(refused.text.contains("web/app"), "{}", refused.text);
        kit.call(&carl, "GET", "/api/v1/namespaces/web", None)
            .await
            .assert_status(200, "nothing was deleted");

        // Personal and global namespaces cannot be deleted, even by admins.
        assert_eq!(
            kit.call(&root, "DELETE", "/api/v1/namespaces/oscar", None)
                .await
                .status,
            409
        );

        let keys: Vec<String> = {
            use portunus::db::entities::activity;
            use sea_orm::EntityTrait;
            activity::Entity::find()
                .all(&kit.state.db)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.key)
                .collect()
        };
        for key in [
            "team.create",
            "team.add_member",
            "team.change_member_role",
            "team.remove_member",
            "team.rename",
            "team.delete",
            "namespace.create",
        ] {
            assert!(
                keys.iter().any(|k| k == key),
                "activity {key} recorded: {keys:?}"
            );
        }
    }
}

#[tokio::test]
async fn namespace_creation_needs_team_ownership() {
    for kit in kits().await {
        let [_, olivia, carl, _, oscar] = team_setup(&kit).await;
        let new = |name: &str| json!({"name": name, "team": "web", "visibility": "public"});
        assert_eq!(
            kit.call(&carl, "POST", "/api/v1/namespaces", Some(new("web2")))
                .await
                .status,
            403,
            "contributors may not"
        );
        assert_eq!(
            kit.call(&oscar, "POST", "/api/v1/namespaces", Some(new("web2")))
                .await
                .status,
            404
        );
        assert_eq!(
            kit.call(&olivia, "POST", "/api/v1/namespaces", Some(new("Web2")))
                .await
                .status,
            400,
            "invalid name"
        );
        assert_eq!(
            kit.call(&olivia, "POST", "/api/v1/namespaces", Some(new("web")))
                .await
                .status,
            409
        );
        let answer = kit
            .call(&olivia, "POST", "/api/v1/namespaces", Some(new("web2")))
            .await;
        answer.assert_status(201, "answer");
        assert_eq!(answer.json()["visibility"], "public");
    }
}

#[tokio::test]
async fn application_tokens() {
    for kit in kits().await {
        let [root, olivia, carl, _, oscar] = team_setup(&kit).await;
        // A token scoped to one repository, write access.
        let answer = kit
            .call(
                &carl,
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "ci", "resources": ["web/app"], "access": "write"})),
            )
            .await;
        answer.assert_status(201, "answer");
        let created = answer.json();
        let secret = created["secret"].as_str().unwrap().to_owned();
        let id = created["token"]["id"].as_i64().unwrap();
        assert!(secret.starts_with("ptn_"));

        // Stored only as a hash.
        {
            use portunus::db::entities::application_token;
            use sea_orm::EntityTrait;
            let stored = application_token::Entity::find_by_id(id)
                .one(&kit.state.db)
                .await
                .unwrap()
                .unwrap();
            assert_ne!(stored.token_hash, secret);
            assert_eq!(
                stored.token_hash,
                portunus::accounts::app_tokens::hash(&secret)
            );
        }

        // As a docker login password: its repository only, never more than write.
        let auth = basic("carl", &secret);
        assert_eq!(
            granted(&kit, Some(&auth), "repository:web/app:pull,push,delete").await,
            json!(["pull", "push"])
        );
        assert_eq!(
            granted(&kit, Some(&auth), "repository:web/other:pull").await,
            json!([])
        );
        // With someone else's user name: refused.
        let wrong_user = kit
            .send(
                kit.client
                    .get("/v2/token?service=registry")
                    .header("Authorization", basic("olivia", &secret)),
            )
            .await;
        wrong_user.assert_status(401, "wrong_user");

        // As a Bearer token on the API: reads work, changes need an unrestricted token.
        let bearer = As::Bearer(secret.clone());
        assert_eq!(
            kit.call(&bearer, "GET", "/api/v1/me", None).await.json()["username"],
            "carl"
        );
        assert_eq!(
            kit.call(&bearer, "POST", "/api/v1/teams", Some(json!({"name": "x"})))
                .await
                .status,
            403
        );
        let full = kit
            .call(
                &carl,
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "all"})),
            )
            .await
            .json();
        let full_bearer = As::Bearer(full["secret"].as_str().unwrap().to_owned());
        assert_eq!(
            kit.call(
                &full_bearer,
                "POST",
                "/api/v1/teams",
                Some(json!({"name": "carls"}))
            )
            .await
            .status,
            201
        );

        // Listing: never the secret. Others cannot list or revoke (Portus #2319).
        let listed = kit.call(&carl, "GET", "/api/v1/tokens", None).await;
        assert!(!listed.text.contains(&secret));
        assert_eq!(listed.json().as_array().unwrap().len(), 2);
        assert_eq!(
            kit.call(&oscar, "GET", "/api/v1/users/carl/tokens", None)
                .await
                .status,
            404
        );
        assert_eq!(
            kit.call(
                &oscar,
                "POST",
                "/api/v1/users/carl/tokens",
                Some(json!({"name": "evil"}))
            )
            .await
            .status,
            404
        );
        assert_eq!(
            kit.call(&olivia, "DELETE", &format!("/api/v1/tokens/{id}"), None)
                .await
                .status,
            404
        );
        assert_eq!(
            kit.call(&root, "GET", "/api/v1/users/carl/tokens", None)
                .await
                .status,
            200
        );

        // Duplicate names and bad input are explained.
        assert_eq!(
            kit.call(&carl, "POST", "/api/v1/tokens", Some(json!({"name": "ci"})))
                .await
                .status,
            409
        );
        assert_eq!(
            kit.call(
                &carl,
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "x", "access": "root"}))
            )
            .await
            .status,
            400
        );
        assert_eq!(
            kit.call(
                &carl,
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}))
            )
            .await
            .status,
            400
        );

        // Revoked: refused at once.
        assert_eq!(
            kit.call(&carl, "DELETE", &format!("/api/v1/tokens/{id}"), None)
                .await
                .status,
            204
        );
        let after = kit
            .send(
                kit.client
                    .get("/v2/token?service=registry")
                    .header("Authorization", auth.as_str()),
            )
            .await;
        after.assert_status(401, "after");
        assert_eq!(
            kit.call(&bearer, "GET", "/api/v1/me", None).await.status,
            401
        );
    }
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    use portunus::db::entities::application_token;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("root").await;
    kit.create_user("alice").await;
    let alice = kit.sign_in("alice").await;
    let created = kit
        .call(
            &alice,
            "POST",
            "/api/v1/tokens",
            Some(json!({"name": "soon", "expires_at": "2099-01-01T00:00:00Z"})),
        )
        .await
        .json();
    let secret = created["secret"].as_str().unwrap();
    let auth = basic("alice", secret);
    assert_eq!(
        granted(&kit, Some(&auth), "repository:alice/app:pull").await,
        json!(["pull"])
    );
    let id = created["token"]["id"].as_i64().unwrap();
    let stored = application_token::Entity::find_by_id(id)
        .one(&kit.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.last_used_at.is_some(), "use is recorded");
    let mut active: application_token::ActiveModel = stored.into();
    active.expires_at = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
    active.update(&kit.state.db).await.unwrap();
    let answer = kit
        .send(
            kit.client
                .get("/v2/token?service=registry")
                .header("Authorization", auth.as_str()),
        )
        .await;
    answer.assert_status(401, "answer");
}

#[tokio::test]
async fn permissions_are_explained() {
    for kit in kits().await {
        let [root, olivia, _, vera, _] = team_setup(&kit).await;
        let answer = kit
            .call(&vera, "GET", "/api/v1/permissions?repository=web/app", None)
            .await;
        answer.assert_status(200, "answer");
        let body = answer.json();
        assert_eq!(body["namespace"], "web");
        let verdict = |action: &str| {
            body["actions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["action"] == action)
                .cloned()
                .unwrap()
        };
        assert_eq!(verdict("pull")["allowed"], true);
        assert_eq!(verdict("pull")["rule"], "team_member");
        assert_eq!(verdict("push")["allowed"], false);
        assert_eq!(verdict("push")["rule"], "viewer_cannot_push");
        assert!(
            verdict("push")["explanation"]
                .as_str()
                .unwrap()
                .contains("viewers")
        );

        // Admins may ask about anyone; others only about themselves.
        let about_vera = kit
            .call(
                &root,
                "GET",
                "/api/v1/permissions?repository=web/app&user=vera",
                None,
            )
            .await;
        assert_eq!(about_vera.json()["actions"], body["actions"]);
        assert_eq!(
            kit.call(
                &olivia,
                "GET",
                "/api/v1/permissions?repository=web/app&user=vera",
                None
            )
            .await
            .status,
            403
        );
        assert_eq!(
            kit.call(
                &vera,
                "GET",
                "/api/v1/permissions?repository=Bad%20Name",
                None
            )
            .await
            .status,
            400
        );
    }
}

#[tokio::test]
async fn creating_teams_and_namespaces_can_be_kept_for_admins() {
    let kit = Kit::with_config("sqlite", None, |c| {
        c.policy.users_create_teams = false;
        c.policy.users_create_namespaces = false;
    })
    .await;
    kit.create_user("root").await;
    kit.create_user("alice").await;
    let root = kit.sign_in("root").await;
    let alice = kit.sign_in("alice").await;
    assert_eq!(
        kit.call(&alice, "POST", "/api/v1/teams", Some(json!({"name": "t"})))
            .await
            .status,
        403
    );
    assert_eq!(
        kit.call(&root, "POST", "/api/v1/teams", Some(json!({"name": "t"})))
            .await
            .status,
        201
    );
    kit.call(
        &root,
        "PUT",
        "/api/v1/teams/t/members/alice",
        Some(json!({"role": "owner"})),
    )
    .await;
    let new = json!({"name": "tns", "team": "t"});
    assert_eq!(
        kit.call(&alice, "POST", "/api/v1/namespaces", Some(new.clone()))
            .await
            .status,
        403
    );
    assert_eq!(
        kit.call(&root, "POST", "/api/v1/namespaces", Some(new))
            .await
            .status,
        201
    );
}
