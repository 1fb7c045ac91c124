//! The web UI in a real browser: a deep link sends a visitor to sign in, a
//! wrong password is explained, and signing in shows who you are.

use std::time::Duration;

use fantoccini::Locator;
use portunus_e2e::browser::{browser_available, open_browser};
use portunus_e2e::peers::{OpenIdProvider, SmtpSink};
use portunus_e2e::{Api, PASSWORD, Stack, layer_tar, require};
use serde_json::json;

#[tokio::test]
async fn sign_in_through_the_web_ui() {
    if !browser_available() {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("alice");
    let (page, _driver) = open_browser(&stack).await;

    // The start page sends a signed-out visitor to sign in.
    page.client
        .goto(&stack.portunus_url())
        .await
        .expect("open the UI");
    page.wait_for("#username").await;
    assert!(
        page.client
            .current_url()
            .await
            .expect("url")
            .as_str()
            .ends_with("/signin")
    );

    page.sign_in("alice", "not-the-password").await;
    assert!(
        page.text_of("#signin-error")
            .await
            .contains("invalid user name or password")
    );

    page.sign_in("alice", PASSWORD).await;
    assert_eq!(page.text_of("#signed-in-as").await, "alice");
    assert_eq!(page.text_of("#namespace").await, "alice");
    let source = page.client.source().await.expect("page source");
    assert!(
        source.contains(&format!("docker login {}", stack.registry())),
        "the push hint names the registry"
    );
    page.screenshot("signed-in").await;

    page.click("#signout-link").await;
    page.wait_for("#username").await;

    // Sign-up is linked from the sign-in page; a later account is no admin.
    page.click("#signup-link").await;
    page.fill("#username", "Bob.Builder").await;
    page.fill("#password", PASSWORD).await;
    page.click("#signup-button").await;
    let done = page.text_of("#signup-done").await;
    assert!(
        done.contains("Bob.Builder") && !done.contains("administrator"),
        "{done}"
    );
    let notice = page.client.source().await.expect("page source");
    assert!(
        notice.contains("bob.builder"),
        "the page names the namespace"
    );
    page.client.close().await.expect("close the browser");
}

#[tokio::test]
async fn tokens_and_permissions_pages() {
    if !browser_available() {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    let (page, _driver) = open_browser(&stack).await;
    page.client
        .goto(&format!("{}/tokens", stack.portunus_url()))
        .await
        .expect("open");
    page.sign_in("alice", PASSWORD).await;
    page.wait_for("#signed-in-as").await;

    // Create a token limited to one repository; its secret is shown once and works.
    page.client
        .goto(&format!("{}/tokens", stack.portunus_url()))
        .await
        .expect("open tokens");
    page.fill("#token-name", "ci").await;
    page.fill("#token-resources", "alice/app").await;
    page.click("#create-token").await;
    let secret = page.text_of("#new-token-secret").await;
    assert!(secret.starts_with("ptn_"), "{secret}");
    assert_eq!(
        page.text_of("#new-token-login").await,
        format!(
            "docker login -u alice {} --password-stdin",
            stack.registry()
        )
    );
    assert!(page.text_of("#token-list").await.contains("alice/app"));
    assert_eq!(page.text_of("#token-list .token-expires").await, "never");
    let granted: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v2/token?service=registry&scope=repository:alice/app:push&scope=repository:alice/other:pull", stack.portunus_url()))
        .basic_auth("alice", Some(&secret))
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    let claims = portunus_e2e::token_claims(granted["token"].as_str().expect("token"));
    assert_eq!(
        claims["access"],
        json!([{"type": "repository", "name": "alice/app", "actions": ["push"]}])
    );

    // The API's interactive reference, linked from here, runs under its
    // Content-Security-Policy and lists the operations.
    page.click("#api-docs a[href='/api/v1/docs']").await;
    page.wait_for(".swagger-ui .opblock").await;
    let title = page.text_of(".swagger-ui .info .title").await;
    assert!(title.starts_with("Portunus"), "{title}");
    page.client
        .goto(&format!("{}/tokens", stack.portunus_url()))
        .await
        .expect("back to tokens");
    page.wait_for("#token-list").await;

    // Revoke it from the list.
    page.click("#token-list button.danger").await;
    page.client
        .wait()
        .at_most(page.wait)
        .for_element(Locator::XPath("//p[contains(., 'No tokens yet')]"))
        .await
        .expect("list empty");

    // Why can / can't I: allowed in her namespace, denied in root's.
    page.click("a[href='/permissions']").await;
    page.fill("#perm-repository", "alice/app").await;
    page.click("#perm-check").await;
    let push = page.text_of("#verdicts tr[data-action='push']").await;
    assert!(
        push.contains("allowed") && push.contains("personal namespace"),
        "{push}"
    );
    page.fill("#perm-repository", "root/app").await;
    page.click("#perm-check").await;
    page.client
        .wait()
        .at_most(page.wait)
        .for_element(Locator::XPath(
            "//tr[@data-action='pull' and contains(., 'denied')]",
        ))
        .await
        .expect("pull denied in root's namespace");
    page.screenshot("permissions").await;
    page.client.close().await.expect("close the browser");
}

#[test]
fn an_openid_user_signs_in_through_the_provider_and_pushes_with_a_token() {
    if !browser_available() || !require("podman") {
        return;
    }
    let provider_port = OpenIdProvider::reserve_port();
    let settings = OpenIdProvider::settings(provider_port);
    let stack = Stack::start_with(&settings);
    let callback = format!("{}/api/v1/oidc/callback", stack.portunus_url());
    let Some(_provider) = OpenIdProvider::start(provider_port, &callback, &stack.path("op.log"))
    else {
        return;
    };
    stack.create_user("root");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let secret = runtime.block_on(openid_sign_in_and_token(&stack));

    // Her groups made her a contributor of the mapped team, nothing more.
    let root = Api::sign_in(&stack, "root");
    assert_eq!(
        root.team_members("developers"),
        [("carol".to_owned(), "contributor".to_owned())]
    );
    let carol = root.call("GET", "/users/carol", None);
    assert_eq!(carol["admin"], false);
    assert_eq!(carol["email"], "carol@example.org");
    assert_eq!(carol["directory"], "oidc");

    root.call(
        "POST",
        "/namespaces",
        Some(json!({"name": "dev", "team": "developers"})),
    );
    let podman = crate::podman::Podman::new(&stack, "carol");
    let registry = stack.registry();
    podman
        .login(&registry, "carol", "any password")
        .assert_refused();
    podman.login(&registry, "carol", &secret).assert_ok();
    let tar = layer_tar(stack.dir.path(), "openid e2e");
    podman
        .run(&["import", &tar.to_string_lossy(), "localhost/o:1"])
        .assert_ok();
    podman
        .push("localhost/o:1", &format!("{registry}/carol/app:1"))
        .assert_ok();
    podman
        .push("localhost/o:1", &format!("{registry}/dev/app:1"))
        .assert_ok();
}

/// Signs carol in through the provider's login form and creates an
/// application token on the tokens page; returns its secret.
async fn openid_sign_in_and_token(stack: &Stack) -> String {
    let (page, _driver) = open_browser(stack).await;
    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open the sign-in page");
    assert_eq!(page.text_of("#oidc-signin").await, "Sign in with Test ID");
    page.screenshot("oidc-signin").await;
    page.click("#oidc-signin").await;
    // The provider's own login form.
    page.fill("input[name=login]", "carol").await;
    page.fill("input[name=password]", "any password").await;
    page.click("button[type=submit]").await;
    assert_eq!(page.text_of("#signed-in-as").await, "Carol (carol)");
    assert_eq!(page.text_of("#me").await, "Carol (carol)", "the top bar");

    // Registry clients cannot sign in through a browser: the tokens page
    // says so, and its token is her docker password.
    page.client
        .goto(&format!("{}/tokens", stack.portunus_url()))
        .await
        .expect("open tokens");
    let note = page.text_of("#cli-secret-note").await;
    assert!(note.contains("docker login -u carol"), "{note}");
    page.fill("#token-name", "laptop").await;
    page.click("#create-token").await;
    let secret = page.text_of("#new-token-secret").await;
    assert!(secret.starts_with("ptn_"), "{secret}");
    page.screenshot("oidc-tokens").await;
    page.client.close().await.expect("close the browser");
    secret
}

#[test]
fn a_forgotten_password_is_reset_in_the_browser() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((smtp, stack, _root)) = crate::recovery::mail_stack(&dir) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(reset_in_the_browser(&stack, &smtp));
    assert_eq!(
        portunus_e2e::token_login(&stack, "alice", "chosen-in-the-browser").0,
        200
    );
}

async fn reset_in_the_browser(stack: &Stack, smtp: &SmtpSink) {
    let (page, _driver) = open_browser(stack).await;
    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open the sign-in page");
    page.click("#forgot-link").await;
    page.fill("#reset-user", "alice").await;
    page.click("#reset-request").await;
    assert!(
        page.text_of("#reset-requested")
            .await
            .contains("on its way")
    );
    let mails = tokio::task::block_in_place(|| smtp.wait_for(1));
    let link = crate::recovery::link_in(&mails[0], crate::recovery::RESET);
    page.client.goto(&link).await.expect("follow the link");
    page.fill("#new-password", "chosen-in-the-browser").await;
    page.fill("#repeat-password", "chosen-in-the-browser").await;
    page.screenshot("reset-password").await;
    page.click("#reset-submit").await;
    assert!(
        page.text_of("#reset-done")
            .await
            .contains("Your password is set")
    );
    page.client.close().await.expect("close the browser");
}

#[test]
fn an_address_is_confirmed_from_the_profile_page() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((smtp, stack, root)) = crate::recovery::mail_stack(&dir) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(confirm_in_the_browser(&stack, &smtp));
    assert_eq!(
        root.call("GET", "/users/alice", None)["email_verified"],
        true
    );
}

async fn confirm_in_the_browser(stack: &Stack, smtp: &SmtpSink) {
    let (page, _driver) = open_browser(stack).await;
    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open the sign-in page");
    page.sign_in("alice", portunus_e2e::PASSWORD).await;
    page.wait_for("#signed-in-as").await;
    page.client
        .goto(&format!("{}/profile", stack.portunus_url()))
        .await
        .expect("open the profile");
    assert!(page.text_of("#email-state").await.contains("Not confirmed"));
    page.click("#send-confirmation").await;
    assert!(
        page.text_of("#confirmation-sent")
            .await
            .contains("on its way to alice@example.org")
    );
    page.screenshot("profile-unconfirmed").await;
    let mails = tokio::task::block_in_place(|| smtp.take(1));
    let link = crate::recovery::link_in(&mails[0], crate::recovery::CONFIRM);
    page.client.goto(&link).await.expect("follow the link");
    assert!(
        page.text_of("#email-confirmed")
            .await
            .contains("is confirmed")
    );
    page.screenshot("email-confirmed").await;
    page.click("#email-confirmed a").await;
    assert!(page.text_of("#email-state").await.contains("Confirmed"));
    page.client.close().await.expect("close the browser");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsing_repositories_and_deleting_a_tag() {
    if !browser_available() {
        return;
    }
    let stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    tokio::task::block_in_place(|| {
        let token =
            portunus_e2e::registry_token(&stack, "alice", &["repository:alice/web:pull,push"]);
        portunus_e2e::push_small_image(&stack, &token, "alice/web", 4);
        let api = portunus_e2e::Api::sign_in(&stack, "alice");
        api.call(
            "PATCH",
            "/namespaces/alice",
            Some(serde_json::json!({"visibility": "public"})),
        );
        api.call(
            "PATCH",
            "/users/alice",
            Some(serde_json::json!({"display_name": "Alice Liddell"})),
        );
        api.tags_once("alice/web", 4);
    });
    let (page, _driver) = open_browser(&stack).await;

    // Not signed in, anyone may explore public repositories.
    page.client
        .goto(&format!("{}/explore", stack.portunus_url()))
        .await
        .expect("open");
    page.click("#explore-list a").await;
    assert_eq!(page.text_of("#repository-name").await, "alice/web");
    let row = page.text_of("tr[data-tag='t1']").await;
    assert!(
        row.contains(&format!("docker pull {}/alice/web:t1", stack.registry())),
        "{row}"
    );
    assert!(
        page.client
            .find_all(Locator::Css(
                "#tag-list button.danger, #tag-list input.select-tag"
            ))
            .await
            .expect("buttons")
            .is_empty(),
        "visitors get no delete buttons"
    );

    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open");
    page.sign_in("alice", PASSWORD).await;
    page.wait_for("#signed-in-as").await;
    page.click("a[href='/repositories']").await;
    page.click("#repository-list a").await;
    assert_eq!(page.text_of("#repository-name").await, "alice/web");
    let row = page.text_of("tr[data-tag='t0']").await;
    assert!(
        row.contains(&format!("docker pull {}/alice/web:t0", stack.registry())),
        "{row}"
    );
    assert!(
        row.contains(" B") && row.contains("by Alice Liddell (alice)"),
        "size and pusher, by display name beside user name: {row}"
    );
    assert_eq!(
        page.text_of("#me").await,
        "Alice Liddell (alice)",
        "the top bar"
    );
    page.click("#star").await;
    page.client
        .wait()
        .at_most(page.wait)
        .for_element(Locator::XPath(
            "//button[@id='star' and contains(., 'Starred')]",
        ))
        .await
        .expect("starred");
    page.screenshot("repository").await;
    page.click("tr[data-tag='t0'] button.danger").await;
    let question = page.client.get_alert_text().await.expect("a confirmation");
    assert!(question.contains("Delete the tag t0"), "{question}");
    page.client.accept_alert().await.expect("confirm");
    page.client
        .wait()
        .at_most(page.wait)
        .for_element(Locator::XPath(
            "//table[@id='tag-list' and not(.//tr[@data-tag='t0'])]",
        ))
        .await
        .expect("t0 gone from the list");
    assert!(
        page.text_of("#tag-list").await.contains("t1"),
        "the other tag stays"
    );

    // Two tags ticked go after one confirmation that names them.
    page.click("tr[data-tag='t2'] input.select-tag").await;
    page.click("tr[data-tag='t3'] input.select-tag").await;
    assert_eq!(
        page.text_of("#delete-selected").await,
        "Delete 2 selected tags"
    );
    page.click("#delete-selected").await;
    let question = page.client.get_alert_text().await.expect("a confirmation");
    assert!(question.contains("t2, t3"), "{question}");
    page.client.accept_alert().await.expect("confirm");
    page.wait_for_xpath(
        "//table[@id='tag-list' and not(.//tr[@data-tag='t2']) and not(.//tr[@data-tag='t3'])]",
    )
    .await;
    assert!(page.text_of("#tag-list").await.contains("t1"), "t1 stays");
    assert_eq!(page.text_of("#repository-namespace").await, "alice");

    // The owner describes the repository in markdown; scripts do not survive.
    page.click("#edit-description").await;
    page.fill(
        "#description-editor",
        "# Web front end\n\nBuilt **nightly**. <script>window.hacked = 1</script>",
    )
    .await;
    page.click("#save-description").await;
    assert_eq!(page.text_of("#description h1").await, "Web front end");
    assert_eq!(page.text_of("#description strong").await, "nightly");
    let hacked = page
        .client
        .execute("return window.hacked === undefined;", vec![])
        .await
        .expect("script");
    assert_eq!(hacked, serde_json::json!(true), "the script did not run");

    // Comments, in markdown.
    page.fill("#comment-body", "Looks *good*").await;
    page.click("#add-comment").await;
    assert_eq!(page.text_of("article.comment em").await, "good");
    assert_eq!(
        page.text_of("article.comment .person").await,
        "Alice Liddell (alice)"
    );

    // A retention preview lists what would go, and changes nothing.
    page.click("#retention summary").await;
    page.fill("#keep-newest", "1").await;
    page.click("#retention-preview").await;
    assert!(
        page.text_of("#retention-status")
            .await
            .contains("0 would be deleted, 1 kept"),
        "one tag left, kept"
    );
    page.wait_for("#retention-verdicts tr.stays[data-tag='t1']")
        .await;
    page.screenshot("repository-details").await;

    // A tag's page shows its layers, read from the registry.
    page.click("tr[data-tag='t1'] a").await;
    page.wait_for_xpath("//h1[@id='tag-name'][contains(., ':')]")
        .await;
    let heading = page.text_of("#tag-name").await;
    assert_eq!(heading, "alice/web:t1", "the tag with its repository");
    let facts = page.text_of("#tag-facts").await;
    assert!(
        facts.contains(" in 1 layer\n") || facts.ends_with(" in 1 layer"),
        "one layer, in the singular: {facts}"
    );
    page.wait_for("#layers tbody tr").await;

    // The search box finds the repository.
    page.fill("#search", "web\u{E007}").await;
    assert!(
        page.text_of("#search-repositories")
            .await
            .contains("alice/web"),
        "search results"
    );

    // An administrator sees registry events that could not be applied.
    tokio::task::block_in_place(|| {
        let secret =
            std::fs::read_to_string(stack.path("data/notification-secret")).expect("secret");
        let answer = reqwest::blocking::Client::new()
            .post(format!("{}/v2/webhooks/events", stack.portunus_url()))
            .header("Authorization", format!("Bearer {}", secret.trim()))
            .header("Content-Type", "application/vnd.docker.distribution.events.v1+json")
            .body(r#"{"events":[{"id":"odd-1","action":"frobnicate","target":{"repository":"alice/web"}}]}"#)
            .send()
            .expect("event");
        assert!(answer.status().is_success());
    });
    page.client.goto(&stack.portunus_url()).await.expect("open");
    page.click("#signout-link").await;
    page.sign_in("root", PASSWORD).await;
    page.open_admin("/admin/events").await;
    let now = page.text_of("#registry-status .registry-reachable").await;
    assert!(
        now.contains("✔ reachable") && now.contains("answered in"),
        "{now}"
    );
    let row = page.text_of("tr[data-event='odd-1']").await;
    assert!(row.contains("unknown action"), "{row}");
    page.client.close().await.expect("close the browser");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_namespaces_and_users_pages() {
    if !browser_available() {
        return;
    }
    let stack = Stack::start(&[]);
    for name in ["root", "alice", "bob"] {
        stack.create_user(name);
    }
    tokio::task::block_in_place(|| {
        portunus_e2e::Api::sign_in(&stack, "bob").call(
            "PATCH",
            "/users/bob",
            Some(serde_json::json!({"display_name": "Bob Builder"})),
        );
    });
    let (page, _driver) = open_browser(&stack).await;
    page.client
        .goto(&format!("{}/teams", stack.portunus_url()))
        .await
        .expect("open");
    page.sign_in("alice", PASSWORD).await;
    page.wait_for("#signed-in-as").await;

    // Alice creates a team, adds Bob, changes his role, and creates a namespace.
    page.client
        .goto(&format!("{}/teams", stack.portunus_url()))
        .await
        .expect("open");
    page.fill("#team-name", "web").await;
    page.click("#create-team").await;
    page.screenshot("teams").await;
    page.click("#team-list a").await;
    assert_eq!(page.text_of("#team-name").await, "web");
    // Enter adds (a click could land on the browser's list of suggestions).
    page.fill("#member-name", "bob\u{e007}").await;
    page.wait_for("tr[data-member='bob']").await;
    assert_eq!(
        page.text_of("tr[data-member='bob'] .person").await,
        "Bob Builder (bob)"
    );
    page.click("tr[data-member='bob'] select option[value='contributor']")
        .await;
    page.fill("#namespace-name", "webapps").await;
    page.click("#create-namespace option[value='protected']")
        .await;
    page.click("#create-namespace button").await;
    page.wait_for("#team-namespaces").await;
    page.screenshot("team").await;

    // The namespaces page shows it; Alice makes it public there.
    page.click("a[href='/namespaces']").await;
    page.click("tr[data-namespace='webapps'] option[value='public']")
        .await;
    let api = tokio::task::block_in_place(|| portunus_e2e::Api::sign_in(&stack, "alice"));
    let shown = tokio::task::block_in_place(|| {
        for _ in 0..50 {
            let ns = api.call("GET", "/namespaces/webapps", None);
            if ns["visibility"] == "public" {
                return ns;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        api.call("GET", "/namespaces/webapps", None)
    });
    assert_eq!(shown["team"], "web", "{shown}");
    assert_eq!(shown["visibility"], "public", "{shown}");
    page.screenshot("namespaces").await;
    let team = tokio::task::block_in_place(|| api.call("GET", "/teams/web", None));
    let bob = team["members"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["username"] == "bob"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(bob["role"], "contributor", "{team}");

    // The namespace's own page: its team, what public means, a markdown
    // description, and what Alice may do there.
    page.client
        .goto(&format!("{}/namespaces/webapps", stack.portunus_url()))
        .await
        .expect("open");
    assert!(
        page.text_of("#visibility-meaning")
            .await
            .contains("Anyone pulls it")
    );
    assert_eq!(
        page.text_of("#namespace-role").await,
        "Your role here: owner."
    );
    assert_eq!(page.text_of("#namespace-team").await, "web");
    page.click("#edit-namespace-description").await;
    page.fill("#namespace-description-editor", "Our **web** apps")
        .await;
    page.click("#save-namespace-description").await;
    assert_eq!(page.text_of("#namespace-description strong").await, "web");
    assert!(
        page.text_of("#verdicts tr[data-action='push']")
            .await
            .contains("allowed")
    );
    page.screenshot("namespace").await;

    // Its immutable tags: none yet; an owner makes v* immutable, and the
    // rule reads in words.
    assert_eq!(
        page.text_of("#no-immutable-tags").await,
        "No rules: every tag may move."
    );
    page.fill("#immutable-pattern", "v*").await;
    page.click("#add-immutable-tags-button").await;
    let rule = page.text_of("#immutable-tag-list tr[data-rule='v*']").await;
    assert!(
        rule.contains("tags matching v* (latest still moves)"),
        "{rule}"
    );
    assert!(rule.contains("alice"), "{rule}");
    page.client
        .execute(
            "document.getElementById('immutable-tags').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll");
    page.screenshot("namespace-immutable-tags").await;

    // The team: the member picker suggests people by display name, and the
    // team is renamed and described in markdown.
    page.client
        .goto(&format!("{}/teams/web", stack.portunus_url()))
        .await
        .expect("open");
    page.fill("#member-name", "build").await;
    page.wait_for_xpath(
        "//datalist[@id='people']/option[@value='bob' and contains(., 'Bob Builder (bob)')]",
    )
    .await;
    page.click("#edit-team summary").await;
    page.fill("#team-rename", "webteam").await;
    page.fill("#team-describe", "The *web* team").await;
    page.click("#save-team").await;
    page.wait_for_xpath("//h1[@id='team-name' and . = 'webteam']")
        .await;
    assert_eq!(page.text_of("#team-description em").await, "web");

    // The administrator disables Bob on the users page.
    page.client.goto(&stack.portunus_url()).await.expect("open");
    page.click("#signout-link").await;
    page.sign_in("root", PASSWORD).await;
    page.open_admin("/admin/users").await;
    page.click("tr[data-user='bob'] button").await;
    page.client
        .wait()
        .at_most(page.wait)
        .for_element(Locator::XPath(
            "//tr[@data-user='bob' and contains(., 'disabled')]",
        ))
        .await
        .expect("bob disabled");
    page.screenshot("users").await;

    // A bot is created, found by the filter, and removed after a confirmation.
    page.click("#create-account summary").await;
    page.fill("#new-username", "ci-bot").await;
    page.click("#new-bot").await;
    page.click("#create-account-button").await;
    page.wait_for_xpath("//tr[@data-user='ci-bot' and contains(., 'bot')]")
        .await;
    // Its token, made here, logs it in to the registry.
    page.click("tr[data-user='ci-bot'] details.bot-tokens summary")
        .await;
    page.fill("tr[data-user='ci-bot'] input.bot-token-name", "deploy")
        .await;
    page.click("tr[data-user='ci-bot'] button.create-bot-token")
        .await;
    let secret = page
        .text_of("tr[data-user='ci-bot'] .bot-token-secret")
        .await;
    let login =
        tokio::task::block_in_place(|| portunus_e2e::token_login(&stack, "ci-bot", &secret).0);
    assert_eq!(login, 200, "the bot's token works");
    // An administrator edits someone else's display name.
    page.click("tr[data-user='alice'] details.edit-account summary")
        .await;
    page.fill("tr[data-user='alice'] input.edit-display-name", "Alice A.")
        .await;
    page.click("tr[data-user='alice'] button.save-account")
        .await;
    page.wait_for_xpath("//tr[@data-user='alice' and contains(., 'Alice A. (alice)')]")
        .await;
    page.fill("#user-filter", "ci-").await;
    page.wait_for_xpath("//table[@id='user-list' and not(.//tr[@data-user='bob'])]")
        .await;
    page.click("tr[data-user='ci-bot'] details.remove-account summary")
        .await;
    page.click("tr[data-user='ci-bot'] button.remove").await;
    let question = page.client.get_alert_text().await.expect("a confirmation");
    assert!(
        question.contains("Remove the account ci-bot?"),
        "{question}"
    );
    page.client.accept_alert().await.expect("confirm");
    page.wait_for_xpath("//table[@id='user-list' and not(.//tr[@data-user='ci-bot'])]")
        .await;
    page.client.close().await.expect("close the browser");
}
