//! The start page, the profile and the audit log in a real browser: the
//! feed and the repository panel of a member, the figures an administrator
//! sees, editing one's profile and ending sessions, disabling one's own
//! account, and filtering the audit log.

use portunus_e2e::{Api, PASSWORD, Stack, push_small_image, registry_token, token_login};
use serde_json::json;

use portunus_e2e::browser::{browser_available, open_browser};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_page_the_profile_and_the_audit_log() {
    if !browser_available() {
        return;
    }
    let stack = Stack::start(&[]);
    for name in ["root", "alice", "bob"] {
        stack.create_user(name);
    }
    tokio::task::block_in_place(|| {
        let token = registry_token(&stack, "alice", &["repository:alice/web:pull,push"]);
        push_small_image(&stack, &token, "alice/web", 1);
        let root = Api::sign_in(&stack, "root");
        root.call(
            "POST",
            "/teams",
            Some(json!({"name": "ops", "description": ""})),
        );
        root.call(
            "PUT",
            "/teams/ops/members/alice",
            Some(json!({"role": "viewer"})),
        );
        let alice = Api::sign_in(&stack, "alice");
        let id = alice.repositories_once(1)["items"][0]["id"].clone();
        alice.call("PUT", &format!("/repositories/{id}/star"), None);
    });
    let (page, _driver) = open_browser(&stack).await;

    // Signed out, the bar offers what a visitor can do.
    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open");
    page.wait_for("header.bar a[href='/explore']").await;
    assert!(
        page.client
            .find(fantoccini::Locator::Css("header.bar a[href='/teams']"))
            .await
            .is_err(),
        "no member links for visitors"
    );

    // A member's start page: her push and her team in the feed, her
    // repository on every shelf, no figures.
    page.sign_in("alice", PASSWORD).await;
    let push = page
        .text_of("li.feed-entry[data-key='repository.push']")
        .await;
    assert!(push.contains("alice pushed alice/web:t0"), "{push}");
    assert!(
        push.contains("just now") || push.contains("minute"),
        "a relative time: {push}"
    );
    let added = page
        .text_of("li.feed-entry[data-key='team.add_member']")
        .await;
    assert!(
        added.contains("root added alice to team ops as viewer"),
        "{added}"
    );
    assert!(page.text_of("#shelf-list").await.contains("alice/web"));
    page.click("#shelf-starred").await;
    page.wait_for_xpath("//button[@id='shelf-starred' and @aria-selected='true']")
        .await;
    assert!(page.text_of("#shelf-list").await.contains("alice/web"));
    page.click("#shelf-personal").await;
    page.wait_for_xpath("//button[@id='shelf-personal' and @aria-selected='true']")
        .await;
    assert!(page.text_of("#shelf-list").await.contains("alice/web"));
    assert!(
        page.client
            .find(fantoccini::Locator::Css("#figures"))
            .await
            .is_err(),
        "figures are for administrators"
    );
    page.screenshot("dashboard").await;

    // The push in her feed leads to the tag it pushed.
    page.click("li.feed-entry[data-key='repository.push'] a")
        .await;
    page.wait_for("#tag-facts").await;
    assert_eq!(page.text_of("#tag-name").await, "alice/web:t0");

    // Her profile: a display name, shown beside her user name; a password
    // change; this browser among her sessions.
    page.click("#me").await;
    page.fill("#display-name", "Alice Liddell").await;
    page.click("#save-profile").await;
    page.wait_for("#profile-saved").await;
    assert_eq!(
        page.text_of("#profile-shown-as").await,
        "Alice Liddell (alice)"
    );
    let session = page.text_of("#session-list tbody tr").await;
    assert!(session.contains("this browser"), "{session}");
    page.fill("#current-password", PASSWORD).await;
    page.fill("#new-password", "a-brand-new-password-7").await;
    page.click("#change-password").await;
    page.wait_for("#password-changed").await;
    page.screenshot("profile").await;
    page.click("#session-list tbody tr button").await;
    page.wait_for("#username").await;

    // An administrator's start page has the figures and the chart.
    page.sign_in("root", PASSWORD).await;
    assert_eq!(
        page.text_of("a.counter[data-counter='Users'] .figure")
            .await,
        "3"
    );
    assert_eq!(
        page.text_of("a.counter[data-counter='Repositories'] .figure")
            .await,
        "1"
    );
    assert!(
        page.text_of("#push-chart figcaption")
            .await
            .contains("1 push in the last 30 days")
    );
    page.screenshot("dashboard-admin").await;

    // The audit log, filtered by actor; the CSV link carries the filter.
    page.open_admin("/admin/activities").await;
    page.wait_for("#audit-list").await;
    page.fill("#filter-actor", "alice").await;
    page.wait_for_xpath("//table[@id='audit-list' and not(.//td[contains(., 'root')])]")
        .await;
    let rows = page.text_of("#audit-list tbody").await;
    assert!(
        rows.contains("changed password") || rows.contains("user.change_password"),
        "{rows}"
    );
    let csv = page
        .wait_for("#audit-csv")
        .await
        .attr("href")
        .await
        .expect("href")
        .unwrap_or_default();
    assert!(csv.ends_with("/api/v1/activities.csv?actor=alice"), "{csv}");
    page.screenshot("audit-log").await;
    page.click("#signout-link").await;

    // Bob disables his own account: signed out, and his password no longer works.
    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open");
    page.sign_in("bob", PASSWORD).await;
    page.click("#me").await;
    page.click("#disable-account").await;
    page.client.accept_alert().await.expect("confirm");
    page.wait_for("#username").await;
    let refused = tokio::task::block_in_place(|| token_login(&stack, "bob", PASSWORD).0);
    assert_eq!(refused, 401);
    page.client.close().await.expect("close the browser");
}
