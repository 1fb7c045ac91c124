//! What people notice on every page, in a real browser: axe-core finds no
//! serious accessibility problem (in the light and the dark palette), every
//! page fits a phone's width without scrolling sideways, the dark palette
//! follows the system's setting, and the back button returns to the page
//! before without reloading the app.

use portunus_e2e::peers::installed_tool;
use portunus_e2e::{Api, PASSWORD, Stack, push_small_image, registry_token};
use serde_json::json;

use portunus_e2e::browser::{Page, browser_available, open_browser, open_browser_with};

/// A page to visit and what shows that it has loaded.
struct Visit {
    path: String,
    loaded: &'static str,
    /// Its picture for the README (`target/e2e-NAME.png`), if any.
    screenshot: Option<&'static str>,
}

fn visit(path: impl Into<String>, loaded: &'static str) -> Visit {
    Visit {
        path: path.into(),
        loaded,
        screenshot: None,
    }
}

fn pictured(path: impl Into<String>, loaded: &'static str, name: &'static str) -> Visit {
    Visit {
        screenshot: Some(name),
        ..visit(path, loaded)
    }
}

/// Every main page of an administrator who is also a team member, with
/// data on it: a pushed repository, a team with a namespace.
fn signed_in_pages(repository: &str) -> Vec<Visit> {
    vec![
        visit("/", "li.feed-entry"),
        visit("/repositories", "#repository-list a"),
        visit(
            format!("/repositories/{repository}"),
            "#tag-list tr.tag-row",
        ),
        pictured(
            format!("/repositories/{repository}/tags/t0"),
            "#tag-facts",
            "tag",
        ),
        pictured("/explore", "#explore-list a", "explore"),
        visit(format!("/explore/{repository}"), "#repository-name"),
        visit("/search?q=web", "#search-repositories"),
        visit("/teams", "#team-list a"),
        visit("/teams/ops", "#member-list"),
        visit("/namespaces", "#namespace-list"),
        visit("/namespaces/ops-apps", "#namespace-visibility"),
        visit("/tokens", "#token-name"),
        visit("/permissions", "#perm-repository"),
        visit("/profile", "#session-list"),
        visit("/admin/users", "#user-list"),
        visit("/admin/activities", "#audit-list"),
        visit("/admin/events", "#registry-status .registry-reachable"),
        visit("/admin/registries", "#registry-list .registry-reachable"),
        visit("/admin/webhooks", "#webhook-list"),
    ]
}

fn signed_out_pages() -> Vec<Visit> {
    vec![
        visit("/signin", "#signin-button"),
        visit("/explore", "#explore-list a"),
        visit("/forgot-password", "#reset-user"),
    ]
}

async fn open(page: &Page, stack: &Stack, visit: &Visit) {
    page.client
        .goto(&format!("{}{}", stack.portunus_url(), visit.path))
        .await
        .unwrap_or_else(|e| panic!("open {}: {e}", visit.path));
    page.wait_for(visit.loaded).await;
}

/// Opens each page and collects what axe-core says about it.
async fn audit(
    page: &Page,
    stack: &Stack,
    visits: &[Visit],
    axe: &str,
    palette: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    for visit in visits {
        open(page, stack, visit).await;
        for violation in page.accessibility_violations(axe).await {
            problems.push(format!("{} ({palette}): {violation}", visit.path));
        }
    }
    problems
}

/// Opens each page in a window `width` pixels wide and lists those wider.
async fn too_wide(page: &Page, stack: &Stack, visits: &[Visit]) -> Vec<String> {
    let mut wide = Vec::new();
    for visit in visits {
        open(page, stack, visit).await;
        let overflow = page.overflow_width().await;
        if overflow > 0 {
            wide.push(format!("{} is {overflow} px too wide", visit.path));
        }
    }
    wide
}

async fn sign_in(page: &Page, stack: &Stack, user: &str) {
    page.client
        .goto(&format!("{}/signin", stack.portunus_url()))
        .await
        .expect("open the sign-in page");
    page.sign_in(user, PASSWORD).await;
    page.wait_for("#me").await;
}

/// The background colour's brightness (0 to 255) of `css`.
async fn brightness(page: &Page, css: &str) -> f64 {
    let colour = page
        .client
        .execute(
            "return getComputedStyle(document.querySelector(arguments[0])).backgroundColor;",
            vec![json!(css)],
        )
        .await
        .expect("read a colour");
    let channels: Vec<f64> = colour
        .as_str()
        .unwrap_or("")
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .filter_map(|part| part.parse().ok())
        .take(3)
        .collect();
    assert_eq!(channels.len(), 3, "a colour: {colour}");
    channels.iter().sum::<f64>() / 3.0
}

async fn absent(page: &Page, css: &str) -> bool {
    page.client
        .find_all(fantoccini::Locator::Css(css))
        .await
        .expect("look for elements")
        .is_empty()
}

/// A page and the controls on it that only those who may change things get.
struct Controls {
    path: String,
    loaded: &'static str,
    controls: &'static [&'static str],
}

fn guarded_pages(repository: &str) -> [Controls; 3] {
    [
        Controls {
            path: "/teams/ops".into(),
            loaded: "#member-list tr[data-member='bob']",
            controls: &["#add-member", "#delete-team", "#edit-team", "select.role"],
        },
        Controls {
            path: format!("/repositories/{repository}"),
            loaded: "#tag-list tr.tag-row",
            controls: &[
                "#delete-repository",
                "#tag-list button.danger",
                "#tag-list input.select-tag",
                "#edit-description",
            ],
        },
        Controls {
            path: "/namespaces/ops-apps".into(),
            loaded: "#namespace-role",
            controls: &[
                "#delete-namespace",
                "#edit-namespace-description",
                "#move-namespace",
                "select#namespace-visibility",
            ],
        },
    ]
}

/// What the UI keeps from those who may not use it (team pages from
/// visitors, every change from a team's viewer) and shows its owner.
async fn controls_by_role(page: &Page, stack: &Stack, repository: &str) {
    // A visitor's deep link to a team page ends at the sign-in form.
    open(page, stack, &visit("/teams/ops", "#signin-button")).await;
    assert!(absent(page, "#member-list").await, "visitors see no team");
    // The owner gets every control (waited for: they are there to find).
    sign_in(page, stack, "alice").await;
    for guarded in guarded_pages(repository) {
        open(page, stack, &visit(guarded.path.clone(), guarded.loaded)).await;
        for css in guarded.controls {
            page.wait_for(css).await;
        }
    }
    page.click("#signout-link").await;
    page.wait_for("#signin-button").await;
    // The viewer gets none of them.
    sign_in(page, stack, "bob").await;
    for guarded in guarded_pages(repository) {
        open(page, stack, &visit(guarded.path.clone(), guarded.loaded)).await;
        for css in guarded.controls {
            assert!(absent(page, css).await, "a viewer gets no {css}");
        }
    }
    page.click("#signout-link").await;
    page.wait_for("#signin-button").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_accessible_fits_a_phone_and_follows_the_dark_setting() {
    if !browser_available() {
        return;
    }
    let Some(axe_file) = installed_tool("axe-core/node_modules/axe-core/axe.min.js") else {
        return;
    };
    let axe = std::fs::read_to_string(axe_file).expect("read axe-core");
    let stack = Stack::start(&[]);
    for name in ["root", "alice", "bob"] {
        stack.create_user(name);
    }
    let repository = tokio::task::block_in_place(|| {
        let root = Api::sign_in(&stack, "root");
        root.call(
            "POST",
            "/teams",
            Some(json!({"name": "ops", "description": "The **operations** team"})),
        );
        root.call(
            "PUT",
            "/teams/ops/members/alice",
            Some(json!({"role": "owner"})),
        );
        root.call(
            "PUT",
            "/teams/ops/members/bob",
            Some(json!({"role": "viewer"})),
        );
        root.call(
            "POST",
            "/namespaces",
            Some(json!({"name": "ops-apps", "team": "ops", "visibility": "public"})),
        );
        root.call(
            "POST",
            "/webhooks",
            Some(json!({"name": "chat", "url": "https://chat.example.org/hook", "events": ["push", "team"]})),
        );
        let token = registry_token(&stack, "alice", &["repository:ops-apps/web:pull,push"]);
        push_small_image(&stack, &token, "ops-apps/web", 2);
        root.repositories_once(1)["items"][0]["id"].to_string()
    });

    // Light palette, desktop width: no serious problem on any page.
    let (page, _driver) = open_browser(&stack).await;
    let mut problems = audit(&page, &stack, &signed_out_pages(), &axe, "light").await;
    controls_by_role(&page, &stack, &repository).await;
    sign_in(&page, &stack, "root").await;
    let pages = signed_in_pages(&repository);
    problems.extend(audit(&page, &stack, &pages, &axe, "light").await);
    for visit in &pages {
        if let Some(name) = visit.screenshot {
            open(&page, &stack, visit).await;
            page.screenshot(name).await;
        }
    }

    // Back goes to the page before, inside the app (no reload: a marker
    // set on the window survives).
    open(&page, &stack, &pages[1]).await;
    page.client
        .execute("window.stillTheSameApp = true;", vec![])
        .await
        .expect("mark the window");
    page.click("#repository-list a").await;
    page.wait_for("#tag-list tr.tag-row").await;
    page.client.back().await.expect("back");
    page.wait_for("#repository-list a").await;
    let same = page
        .client
        .execute("return window.stillTheSameApp === true;", vec![])
        .await
        .expect("read the mark");
    assert_eq!(same, json!(true), "going back reloaded the app");

    // Phone width: nothing scrolls sideways.
    page.client
        .set_window_size(390, 844)
        .await
        .expect("narrow the window");
    let width = page
        .client
        .execute("return window.innerWidth;", vec![])
        .await
        .expect("read the width");
    assert!(
        width.as_i64().is_some_and(|w| w <= 400),
        "a phone-sized window: {width}"
    );
    let mut wide = too_wide(&page, &stack, &pages).await;
    open(&page, &stack, &pages[0]).await;
    page.screenshot("dashboard-phone").await;
    page.client.close().await.expect("close the browser");

    // Dark palette, as the system asks: dark backgrounds, and no serious
    // problem (contrast!) on any page.
    let (dark, _dark_driver) = open_browser_with(&stack, &["--force-dark-mode"]).await;
    open(&dark, &stack, &signed_out_pages()[0]).await;
    let prefers_dark = dark
        .client
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .expect("ask the browser");
    assert_eq!(
        prefers_dark,
        json!(true),
        "the browser reports a dark system setting"
    );
    assert!(
        brightness(&dark, "html").await < 40.0,
        "a dark page background"
    );
    assert!(brightness(&dark, ".card").await < 60.0, "dark cards");
    problems.extend(audit(&dark, &stack, &signed_out_pages(), &axe, "dark").await);
    sign_in(&dark, &stack, "root").await;
    problems.extend(audit(&dark, &stack, &pages, &axe, "dark").await);
    open(&dark, &stack, &pages[0]).await;
    dark.screenshot("dashboard-dark").await;
    dark.client.close().await.expect("close the browser");

    wide.sort();
    assert!(
        wide.is_empty(),
        "pages wider than a phone:\n{}",
        wide.join("\n")
    );
    assert!(
        problems.is_empty(),
        "accessibility problems axe-core calls serious or critical:\n{}",
        problems.join("\n")
    );
}
