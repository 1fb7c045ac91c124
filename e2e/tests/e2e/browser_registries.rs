//! Several registries in the web UI, in a real browser: an administrator
//! adds one (refused while nothing answers there, then added without the
//! check), sees its notification secret once with the command that
//! configures it, and sees it reachable once that registry runs; a user
//! finds their personal namespace in it, and a team owner makes a
//! namespace there.

use portunus_e2e::{PASSWORD, Stack, free_port};

use portunus_e2e::browser::{browser_available, open_browser};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_is_added_configured_and_shown_reachable() {
    if !browser_available() {
        return;
    }
    let mut stack = Stack::start(&[]);
    stack.create_user("root");
    stack.create_user("alice");
    let port = free_port();
    let (page, _driver) = open_browser(&stack).await;
    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open the UI");
    page.sign_in("root", PASSWORD).await;
    page.wait_for("#signed-in-as").await;
    page.open_admin("/admin/registries").await;
    let configured = page.text_of("tr.registry[data-registry='default']").await;
    assert!(configured.contains("✔ reachable"), "{configured}");
    assert!(
        configured.contains("configured in the file"),
        "{configured}"
    );

    page.click("#add-registry summary").await;
    page.fill("#registry-name", "europe").await;
    page.fill("#registry-url", &format!("http://127.0.0.1:{port}"))
        .await;
    page.fill("#registry-service", "registry-europe").await;
    page.click("#create-registry").await;
    let refused = page.text_of("#add-registry .error").await;
    assert!(refused.contains("does not answer"), "{refused}");

    page.click("#registry-skip-check").await;
    page.click("#create-registry").await;
    let secret = page.text_of("#registry-secret").await;
    assert_eq!(secret.len(), 64, "{secret}");
    assert_eq!(
        page.text_of("#registry-config-command").await,
        "portunus registry-config --registry europe"
    );
    let added = page.text_of("tr.registry[data-registry='europe']").await;
    assert!(added.contains("✘ unreachable"), "{added}");
    assert!(added.contains("registry-europe"), "{added}");

    // Configured from the command the page shows, it answers.
    let config = stack.start_registry("europe", port);
    assert!(
        config.contains(&secret),
        "the secret shown is the one configured"
    );
    page.client.refresh().await.expect("reload");
    let running = page.text_of("tr.registry[data-registry='europe']").await;
    assert!(running.contains("✔ reachable"), "{running}");
    page.screenshot("registries").await;

    // Everyone has a personal namespace in it.
    page.click("#signout-link").await;
    page.sign_in("alice", PASSWORD).await;
    page.wait_for("#signed-in-as").await;
    page.client
        .goto(&format!(
            "{}/registries/europe/namespaces/alice",
            stack.portunus_url()
        ))
        .await
        .expect("open the namespace");
    assert_eq!(page.text_of("#namespace-name").await, "alice");
    assert_eq!(
        page.text_of("#namespace-registry").await,
        "In the registry europe"
    );
    page.text_of("#namespace-access").await;

    // A team's owner chooses the registry of a new namespace.
    // (A blocking client: off the browser's runtime.)
    tokio::task::block_in_place(|| {
        portunus_e2e::Api::sign_in(&stack, "alice").call(
            "POST",
            "/teams",
            Some(serde_json::json!({"name": "acme"})),
        )
    });
    page.client
        .goto(&format!("{}/teams/acme", stack.portunus_url()))
        .await
        .expect("open the team");
    page.fill("#namespace-name", "acme").await;
    page.wait_for("#namespace-registry")
        .await
        .select_by_value("europe")
        .await
        .expect("choose the registry");
    page.click("#create-namespace button[type='submit']").await;
    assert_eq!(page.text_of("#team-namespaces").await, "acme (europe)");
    page.click("#team-namespaces a").await;
    assert_eq!(
        page.text_of("#namespace-registry").await,
        "In the registry europe"
    );
    assert_eq!(page.text_of("#namespace-name").await, "acme");
    page.client.close().await.expect("close the browser");
}
