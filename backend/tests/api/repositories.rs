//! Repositories and tags through the API: visibility, the delete policy,
//! and a registry outage that changes nothing.

use serde_json::json;

use crate::kit::kits;

#[tokio::test]
async fn repositories_follow_namespace_visibility_and_the_delete_policy() {
    for kit in kits().await {
        for name in ["root", "olivia", "vera", "oscar"] {
            kit.create_user(name).await;
        }
        let olivia = kit.sign_in("olivia").await;
        kit.call(
            &olivia,
            "POST",
            "/api/v1/teams",
            Some(json!({"name": "web"})),
        )
        .await;
        kit.call(
            &olivia,
            "PUT",
            "/api/v1/teams/web/members/vera",
            Some(json!({"role": "viewer"})),
        )
        .await;
        kit.call(
            &olivia,
            "POST",
            "/api/v1/namespaces",
            Some(json!({"name": "web", "team": "web"})),
        )
        .await;
        let id = kit.recorded("web/app", "1").await;
        let vera = kit.sign_in("vera").await;
        let oscar = kit.sign_in("oscar").await;

        let listed = kit
            .call(&vera, "GET", "/api/v1/repositories", None)
            .await
            .json();
        assert_eq!(listed["items"][0]["name"], "web/app", "{listed}");
        assert_eq!(listed["items"][0]["tags"], 1);
        assert_eq!(
            kit.call(&oscar, "GET", "/api/v1/repositories", None)
                .await
                .json()["total"],
            0
        );
        assert_eq!(
            kit.call(&oscar, "GET", &format!("/api/v1/repositories/{id}"), None)
                .await
                .status,
            404
        );
        let tags = kit
            .call(
                &vera,
                "GET",
                &format!("/api/v1/repositories/{id}/tags"),
                None,
            )
            .await
            .json();
        assert_eq!(
            (
                tags[0]["name"].as_str(),
                tags[0]["size"].as_i64(),
                tags[0]["layers"].as_i64()
            ),
            (Some("1"), Some(1234), Some(2))
        );

        // Viewers may not delete; owners may, but with the registry down nothing changes.
        let denied = kit
            .call(
                &vera,
                "DELETE",
                &format!("/api/v1/repositories/{id}/tags/1"),
                None,
            )
            .await;
        denied.assert_status(403, "denied");
        assert!(
            denied.json()["message"]
                .as_str()
                .unwrap()
                .contains("viewers")
        );
        let down = kit
            .call(
                &olivia,
                "DELETE",
                &format!("/api/v1/repositories/{id}/tags/1"),
                None,
            )
            .await;
        down.assert_status(503, "down");
        assert_eq!(down.json()["code"], "registry_unavailable");
        assert_eq!(
            kit.call(
                &olivia,
                "GET",
                &format!("/api/v1/repositories/{id}/tags"),
                None
            )
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
            1
        );
        assert_eq!(
            kit.call(
                &olivia,
                "DELETE",
                &format!("/api/v1/repositories/{id}/tags/nope"),
                None
            )
            .await
            .status,
            404
        );
    }
}

#[tokio::test]
async fn stars_are_per_user_and_follow_visibility() {
    for kit in kits().await {
        for name in ["root", "alice", "bob"] {
            kit.create_user(name).await;
        }
        let id = kit.recorded("alice/app", "1").await;
        let alice = kit.sign_in("alice").await;
        let bob = kit.sign_in("bob").await;
        assert_eq!(
            kit.call(
                &bob,
                "PUT",
                &format!("/api/v1/repositories/{id}/star"),
                None
            )
            .await
            .status,
            404,
            "private"
        );
        for _ in 0..2 {
            assert_eq!(
                kit.call(
                    &alice,
                    "PUT",
                    &format!("/api/v1/repositories/{id}/star"),
                    None
                )
                .await
                .status,
                204
            );
        }
        let shown = kit
            .call(&alice, "GET", &format!("/api/v1/repositories/{id}"), None)
            .await
            .json();
        assert_eq!(
            (shown["stars"].as_u64(), shown["starred"].as_bool()),
            (Some(1), Some(true)),
            "starring twice counts once"
        );
        let starred = kit
            .call(&alice, "GET", "/api/v1/repositories?starred=true", None)
            .await
            .json();
        assert_eq!(starred["total"], 1);
        let root = kit.sign_in("root").await;
        assert_eq!(
            kit.call(&root, "GET", "/api/v1/repositories?starred=true", None)
                .await
                .json()["total"],
            0
        );
        assert_eq!(
            kit.call(&root, "GET", &format!("/api/v1/repositories/{id}"), None)
                .await
                .json()["starred"],
            false
        );
        assert_eq!(
            kit.call(
                &alice,
                "DELETE",
                &format!("/api/v1/repositories/{id}/star"),
                None
            )
            .await
            .status,
            204
        );
        assert_eq!(
            kit.call(&alice, "GET", &format!("/api/v1/repositories/{id}"), None)
                .await
                .json()["stars"],
            0
        );

        // Most starred first; the same count puts the newer repository first.
        let other = kit.recorded("alice/other", "1").await;
        let newest = kit.recorded("alice/newest", "1").await;
        for (who, repo) in [(&alice, other), (&root, other), (&root, id)] {
            let path = format!("/api/v1/repositories/{repo}/star");
            kit.call(who, "PUT", &path, None)
                .await
                .assert_status(204, "star");
        }
        let listed = kit
            .call(&root, "GET", "/api/v1/repositories?sort=stars", None)
            .await
            .json();
        let order: Vec<(u64, u64)> = listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| (r["id"].as_u64().unwrap(), r["stars"].as_u64().unwrap()))
            .collect();
        let as_u64 = |id: i64| u64::try_from(id).unwrap();
        assert_eq!(
            order,
            [(as_u64(other), 2), (as_u64(id), 1), (as_u64(newest), 0)],
            "{}",
            kit.backend
        );
    }
}

#[tokio::test]
async fn search_finds_only_what_you_may_see() {
    for kit in kits().await {
        for name in ["root", "olivia", "oscar"] {
            kit.create_user(name).await;
        }
        let olivia = kit.sign_in("olivia").await;
        kit.call(
            &olivia,
            "POST",
            "/api/v1/teams",
            Some(json!({"name": "Web Team"})),
        )
        .await;
        kit.call(
            &olivia,
            "POST",
            "/api/v1/namespaces",
            Some(json!({"name": "web", "team": "Web Team"})),
        )
        .await;
        kit.recorded("web/app", "1").await;
        let found = kit
            .call(&olivia, "GET", "/api/v1/search?q=WEB", None)
            .await
            .json();
        assert_eq!(found["repositories"][0]["name"], "web/app", "{found}");
        assert_eq!(found["namespaces"][0]["name"], "web");
        assert_eq!(found["teams"][0]["name"], "Web Team");
        let oscar = kit.sign_in("oscar").await;
        let nothing = kit
            .call(&oscar, "GET", "/api/v1/search?q=web", None)
            .await
            .json();
        let empty = json!([]);
        assert_eq!(
            (
                &nothing["repositories"],
                &nothing["namespaces"],
                &nothing["teams"]
            ),
            (&empty, &empty, &empty),
            "private names stay private"
        );
        assert_eq!(
            kit.call(&oscar, "GET", "/api/v1/search?q=%20", None)
                .await
                .status,
            400
        );
    }
}

#[tokio::test]
async fn search_finds_any_piece_of_a_full_name() {
    for kit in kits().await {
        let cast = kit.cast().await;
        kit.team_namespace(&cast.olivia, "shop", "public", &[])
            .await;
        let mut ids = std::collections::HashMap::new();
        for path in ["web/my_app", "web/myxapp", "web/tools/builder", "shop/cart"] {
            ids.insert(path, kit.recorded(path, "1").await);
        }
        let found = |q: &'static str| {
            let kit = &kit;
            let root = &cast.root;
            async move {
                let answer = kit
                    .call(root, "GET", &format!("/api/v1/search?q={q}"), None)
                    .await;
                answer.assert_status(200, "a search");
                let names: Vec<String> = answer.json()["repositories"]
                    .as_array()
                    .expect("repositories")
                    .iter()
                    .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
                    .collect();
                names
            }
        };
        // Three letters or more of a repository's own name: through the
        // name index, whose `_` and `%` are wildcards the full check undoes.
        assert_eq!(found("y_ap").await, ["web/my_app"]);
        assert_eq!(found("APP").await, ["web/my_app", "web/myxapp"]);
        assert_eq!(found("car").await, ["shop/cart"]);
        assert_eq!(found("tools/bui").await, ["web/tools/builder"]);
        assert_eq!(found("eb/myx").await, ["web/myxapp"]);
        // Part of a namespace name, or under three letters after the last
        // slash: every name is read.
        assert_eq!(found("sho").await, ["shop/cart"]);
        assert_eq!(found("web/to").await, ["web/tools/builder"]);
        assert_eq!(found("b/my").await, ["web/my_app", "web/myxapp"]);
        assert_eq!(found("nothing-like-it").await, Vec::<String>::new());

        let listed = kit
            .call(&cast.root, "GET", "/api/v1/repositories?q=app", None)
            .await;
        listed.assert_status(200, "a filtered list");
        assert_eq!(listed.json()["total"], 2, "{}", listed.json());

        // A repository that is gone is no longer found by its name.
        let db = &kit.state.db;
        use sea_orm::EntityTrait;
        portunus::db::entities::repository::Entity::delete_by_id(ids["web/myxapp"])
            .exec(db)
            .await
            .unwrap();
        assert_eq!(found("myx").await, Vec::<String>::new());
        assert_eq!(found("app").await, ["web/my_app"]);
        // Whole lists are counted by their namespaces' kept counts.
        let all = kit
            .call(&cast.root, "GET", "/api/v1/repositories", None)
            .await;
        all.assert_status(200, "the whole list");
        assert_eq!(all.json()["total"], 3, "{}", all.json());
        let web = kit
            .call(
                &cast.root,
                "GET",
                "/api/v1/repositories?namespace=web",
                None,
            )
            .await;
        assert_eq!(web.json()["total"], 2, "{}", web.json());
        let public = kit
            .call(&cast.oscar, "GET", "/api/v1/repositories", None)
            .await;
        assert_eq!(
            public.json()["total"],
            1,
            "an outsider counts shop's: {}",
            public.json()
        );
    }
}

#[tokio::test]
async fn explore_shows_public_repositories_to_everyone_and_nothing_else() {
    for kit in kits().await {
        kit.create_user("root").await;
        kit.create_user("olivia").await;
        let olivia = kit.sign_in("olivia").await;
        for visibility in ["public", "protected", "private"] {
            kit.team_namespace(&olivia, visibility, visibility, &[])
                .await;
        }
        let public = kit.recorded("public/app", "1").await;
        let protected = kit.recorded("protected/app", "1").await;
        let private = kit.recorded("private/app", "1").await;
        kit.recorded("public/other", "1").await;

        let listed = kit.get("/api/v1/explore").await;
        listed.assert_status(200, "listed");
        let names: Vec<String> = listed.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["public/app", "public/other"]);
        assert_eq!(kit.get("/api/v1/explore?q=other").await.json()["total"], 1);
        let shown = kit.get(&format!("/api/v1/explore/{public}")).await.json();
        assert_eq!(shown["repository"]["name"], "public/app");
        assert_eq!(shown["images"][0]["tags"], json!(["1"]));
        assert_eq!(shown["repository"]["may_manage"], false);
        for hidden in [protected, private, 999_999] {
            let answer = kit.get(&format!("/api/v1/explore/{hidden}")).await;
            answer.assert_status(404, &format!("{hidden}: {}", answer.text));
        }
    }
    let closed = crate::kit::Kit::with_config("sqlite", None, |c| c.explore = false).await;
    let answer = closed.get("/api/v1/explore").await;
    answer.assert_status(404, "answer");
    assert!(answer.text.contains("explore = false"), "{}", answer.text);
}

#[tokio::test]
async fn lists_sort_by_name_recency_or_stars_and_tag_details_need_the_registry() {
    for kit in kits().await {
        let crate::kit::Cast {
            olivia,
            vera,
            oscar,
            ..
        } = kit.cast().await;
        // Three orders that differ: by name a, b, c; by push c is oldest
        // and a newest... b, c, a; by stars b (2), a (1), c (0).
        let start = chrono::Utc::now() - chrono::Duration::hours(3);
        let hours = chrono::Duration::hours;
        let most = kit.recorded_at("web/b-most", "1", start).await;
        kit.recorded_at("web/c-none", "1", start + hours(1)).await;
        let starred = kit.recorded_at("web/a-few", "1", start + hours(2)).await;
        for (who, id) in [(&vera, most), (&olivia, most), (&vera, starred)] {
            let star = kit
                .call(who, "PUT", &format!("/api/v1/repositories/{id}/star"), None)
                .await;
            star.assert_status(204, "star");
        }
        let names = |sort: &'static str| {
            let kit = &kit;
            let olivia = olivia.clone();
            async move {
                let page = kit
                    .call(
                        &olivia,
                        "GET",
                        &format!("/api/v1/repositories?sort={sort}"),
                        None,
                    )
                    .await;
                page.assert_status(200, sort);
                page.json()["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["name"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            names("name").await,
            ["web/a-few", "web/b-most", "web/c-none"]
        );
        assert_eq!(
            names("recent").await,
            ["web/a-few", "web/c-none", "web/b-most"]
        );
        assert_eq!(
            names("stars").await,
            ["web/b-most", "web/a-few", "web/c-none"]
        );
        kit.call(&olivia, "GET", "/api/v1/repositories?sort=size", None)
            .await
            .assert_status(400, "unknown sort");

        let path = format!("/api/v1/repositories/{starred}/tags/1");
        let down = kit.call(&vera, "GET", &path, None).await;
        assert_eq!(
            down.status, 503,
            "the layers come from the registry: {}",
            down.text
        );
        assert_eq!(kit.call(&oscar, "GET", &path, None).await.status, 404);
        let missing = kit
            .call(
                &vera,
                "GET",
                &format!("/api/v1/repositories/{starred}/tags/nope"),
                None,
            )
            .await;
        missing.assert_status(404, "missing");
    }
}

#[tokio::test]
async fn lists_page_and_filter_in_the_database_as_typed() {
    for kit in kits().await {
        let crate::kit::Cast {
            root,
            olivia,
            oscar,
            ..
        } = kit.cast().await;
        for name in ["web/a_b", "web/axb", "web/c"] {
            kit.recorded(name, "1").await;
        }
        let names = |who: &crate::kit::As, query: &str| {
            let (kit, who, query) = (&kit, who.clone(), query.to_owned());
            async move {
                let page = kit
                    .call(&who, "GET", &format!("/api/v1/repositories?{query}"), None)
                    .await
                    .json();
                let names: Vec<String> = page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["name"].as_str().unwrap().to_owned())
                    .collect();
                (names, page["total"].as_u64().unwrap())
            }
        };
        assert_eq!(
            names(&olivia, "q=a_b").await,
            (vec!["web/a_b".to_owned()], 1),
            "_ is no wildcard"
        );
        assert_eq!(
            names(&olivia, "q=c%2F").await.1,
            0,
            "the full name is matched"
        );
        assert_eq!(names(&olivia, "q=web%2Fa").await.1, 2);
        assert_eq!(
            names(&olivia, "per_page=1&page=2").await,
            (vec!["web/axb".to_owned()], 3)
        );
        assert_eq!(names(&olivia, "per_page=2&page=9").await, (vec![], 3));
        assert_eq!(
            names(&oscar, "").await,
            (vec![], 0),
            "a private namespace hides everything"
        );
        assert_eq!(names(&root, "").await.1, 3, "administrators see all");
    }
}

/// The rows of every page of `path` (a paged list) at `per_page`, in order.
async fn all_pages(
    kit: &crate::kit::Kit,
    who: &crate::kit::As,
    path: &str,
    per_page: u64,
) -> Vec<i64> {
    let mut ids = Vec::new();
    for page in 1.. {
        let answer = kit
            .call(
                who,
                "GET",
                &format!("{path}&per_page={per_page}&page={page}"),
                None,
            )
            .await;
        answer.assert_status(200, path);
        let items: Vec<i64> = answer.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        if items.is_empty() {
            break;
        }
        assert!(items.len() as u64 <= per_page, "{path} page {page}");
        ids.extend(items);
    }
    ids
}

/// The name of the repository pushed to last, as `who` lists them.
async fn newest(kit: &crate::kit::Kit, who: &crate::kit::As) -> String {
    let page = kit
        .call(
            who,
            "GET",
            "/api/v1/repositories?sort=recent&per_page=1",
            None,
        )
        .await
        .json();
    page["items"][0]["name"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_page_holds_its_own_rows_whichever_end_it_is_read_from() {
    for kit in kits().await {
        let crate::kit::Cast { root, olivia, .. } = kit.cast().await;
        let start = chrono::Utc::now() - chrono::Duration::hours(1);
        // Pushed in an order that differs from the names'.
        for (i, name) in ["web/d", "web/b", "web/e", "web/a", "web/c"]
            .iter()
            .enumerate()
        {
            kit.recorded_at(name, "1", start + chrono::Duration::minutes(i as i64))
                .await;
        }
        for (who, path) in [
            (&olivia, "/api/v1/repositories?sort=name"),
            (&olivia, "/api/v1/repositories?sort=recent"),
            (&root, "/api/v1/repositories?sort=stars"),
            (&root, "/api/v1/activities?key=user."),
            (&root, "/api/v1/feed?x=1"),
        ] {
            let whole = all_pages(&kit, who, path, 500).await;
            assert!(whole.len() >= 5, "{path}: {whole:?}");
            for per_page in [1, 2, 3] {
                assert_eq!(
                    all_pages(&kit, who, path, per_page).await,
                    whole,
                    "{path} by {per_page}"
                );
            }
        }
        let names = |page: serde_json::Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let by_name = kit
            .call(
                &olivia,
                "GET",
                "/api/v1/repositories?per_page=2&page=3",
                None,
            )
            .await
            .json();
        assert_eq!(names(by_name), ["web/e"], "the last page, read backwards");
        let recent = kit
            .call(
                &olivia,
                "GET",
                "/api/v1/repositories?sort=recent&per_page=2&page=2",
                None,
            )
            .await
            .json();
        assert_eq!(names(recent), ["web/e", "web/b"]);

        // A new tag brings a repository first; forgetting it, back again.
        let d = kit
            .recorded_at("web/d", "2", start + chrono::Duration::minutes(10))
            .await;
        assert_eq!(newest(&kit, &olivia).await, "web/d");
        let repo =
            <portunus::db::entities::repository::Entity as sea_orm::EntityTrait>::find_by_id(d)
                .one(&kit.state.db)
                .await
                .unwrap()
                .unwrap();
        portunus::catalog::recording::forget_tags(&kit.state.db, &repo, None, Some("2"))
            .await
            .unwrap();
        assert_eq!(newest(&kit, &olivia).await, "web/c");
    }
}

#[tokio::test]
async fn team_and_namespace_descriptions_render_as_sanitized_markdown() {
    for kit in kits().await {
        let cast = kit.cast().await;
        let text = "The **web** team <script>alert(1)</script>";
        let team = kit
            .call(
                &cast.olivia,
                "PATCH",
                "/api/v1/teams/web",
                Some(json!({ "description": text })),
            )
            .await
            .json();
        assert_eq!(team["description"], text);
        let html = team["description_html"].as_str().unwrap_or_default();
        assert!(
            html.contains("<strong>web</strong>") && !html.contains("<script"),
            "{html}"
        );
        let seen = kit
            .call(&cast.vera, "GET", "/api/v1/teams/web", None)
            .await
            .json();
        assert_eq!(seen["description_html"], team["description_html"]);

        let ns = kit
            .call(
                &cast.olivia,
                "PATCH",
                "/api/v1/namespaces/web",
                Some(json!({ "description": "_front_ end" })),
            )
            .await
            .json();
        assert_eq!(ns["description_html"], "<p><em>front</em> end</p>\n");
        let seen = kit
            .call(&cast.vera, "GET", "/api/v1/namespaces/web", None)
            .await
            .json();
        assert_eq!(seen["description_html"], ns["description_html"]);
        assert_eq!(seen["role"], "viewer", "vera's role in web's team");
        let outsider = kit
            .call(&cast.root, "GET", "/api/v1/namespaces/web", None)
            .await
            .json();
        assert_eq!(
            outsider["role"],
            serde_json::Value::Null,
            "root is no member: {outsider}"
        );
    }
}

/// A policy's name, how it changes the configuration, and `may_delete` as
/// an administrator, an owner, a contributor and a viewer see it.
type PolicyCase = (&'static str, fn(&mut portunus::config::Config), [bool; 4]);

/// `may_delete` says what the delete policy says, so the web UI offers
/// delete buttons exactly to those whose deletes would succeed.
#[tokio::test]
async fn a_repository_says_whether_you_may_delete_in_it_as_the_policy_does() {
    let cases: [PolicyCase; 3] = [
        ("default policy", |_| {}, [true, true, false, false]),
        (
            "contributors may delete",
            |c| c.policy.contributors_may_delete = true,
            [true, true, true, false],
        ),
        (
            "deleting off",
            |c| c.policy.delete_enabled = false,
            [false, false, false, false],
        ),
    ];
    for (policy, adjust, expected) in cases {
        for kit in crate::kit::kits_with(adjust).await {
            let crate::kit::Cast {
                root,
                olivia,
                carl,
                vera,
                ..
            } = kit.cast().await;
            let id = kit.recorded("web/app", "1").await;
            let path = format!("/api/v1/repositories/{id}");
            let mut answered = Vec::new();
            for who in [&root, &olivia, &carl, &vera] {
                let shown = kit.call(who, "GET", &path, None).await;
                shown.assert_status(200, policy);
                answered.push(shown.json()["may_delete"] == true);
            }
            assert_eq!(
                answered, expected,
                "{policy} ({}): admin, owner, contributor, viewer",
                kit.backend
            );
            // Lists do not answer it.
            let listed = kit.call(&olivia, "GET", "/api/v1/repositories", None).await;
            assert_eq!(listed.json()["items"][0]["may_delete"], false, "{policy}");
            // And the policy holds: those it refuses get 403; those it
            // allows go on to the registry, which does not answer here.
            let tag = format!("/api/v1/repositories/{id}/tags/1");
            for (who, may) in [&root, &olivia, &carl, &vera].into_iter().zip(expected) {
                let answer = kit.call(who, "DELETE", &tag, None).await;
                let expected_status = if may { 503 } else { 403 };
                assert_eq!(
                    answer.status, expected_status,
                    "{policy} ({}): {}",
                    kit.backend, answer.text
                );
            }
        }
    }
}
