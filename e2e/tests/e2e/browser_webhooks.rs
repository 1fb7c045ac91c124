//! Webhooks in the web UI, in a real browser: a namespace's owner adds one
//! (its secret shown once), sends a test to a receiver started here, and
//! sees the delivery arrive in the log; the global ones have their page.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use portunus_e2e::Stack;

use crate::webhooks::receiver;
use portunus_e2e::browser::{browser_available, open_browser};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_is_added_tested_and_its_delivery_logged() {
    if !browser_available() {
        return;
    }
    let stack = Stack::start(&[("PORTUNUS_WEBHOOKS__ALLOW_PRIVATE_TARGETS", "true")]);
    stack.create_user("root");
    stack.create_user("alice");
    let (url, got) = receiver();
    let (page, _driver) = open_browser(&stack).await;
    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open the UI");
    page.sign_in("alice", portunus_e2e::PASSWORD).await;
    page.wait_for("#signed-in-as").await;
    page.client
        .goto(&format!("{}/namespaces/alice", stack.portunus_url()))
        .await
        .expect("open the namespace");
    page.text_of("#no-webhooks").await;

    page.click("#add-webhook summary").await;
    page.fill("#webhook-name", "CI").await;
    page.fill("#webhook-url", &url).await;
    page.fill("#webhook-headers", "X-Token: t0k3n").await;
    page.click("#create-webhook").await;
    let secret = page.text_of("#webhook-secret").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let entry = page.text_of("section.webhook[data-webhook='CI']").await;
    assert!(entry.contains(&url), "{entry}");
    assert!(entry.contains("Events: push"), "{entry}");
    assert!(entry.contains("sends x-token"), "{entry}");
    assert!(!entry.contains("t0k3n"), "the header's value is not shown");

    page.click("section.webhook .webhook-ping").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let delivered = page
            .client
            .find(Locator::Css("tr.delivery[data-state='delivered']"))
            .await;
        if delivered.is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the test was not shown delivered within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        page.click(".delivery-log > button").await;
    }
    let row = page.text_of("tr.delivery").await;
    assert!(
        row.contains("webhook.ping") && row.contains("delivered (204)"),
        "{row}"
    );
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1, "one test delivery");
        assert_eq!(got[0].header("x-token"), Some("t0k3n"));
    }
    page.client
        .execute(
            "document.querySelector('#webhooks').scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll to the webhooks");
    page.screenshot("webhooks").await;

    // Administrators have the global ones on their own page.
    page.click("#signout-link").await;
    page.sign_in("root", portunus_e2e::PASSWORD).await;
    page.wait_for("#signed-in-as").await;
    page.open_admin("/admin/webhooks").await;
    assert_eq!(page.text_of("#webhooks h2").await, "Global webhooks");
    page.text_of("#no-webhooks").await;
    page.client.close().await.expect("close the browser");
}
