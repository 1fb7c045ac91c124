//! The browser kit of the end-to-end tests: headless Chromium driven
//! through chromedriver, and `Page`, the find / act / check helpers the
//! web UI's tests use (with retries where the UI re-renders, an
//! accessibility check with axe-core, screenshots).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

use crate::{Stack, require, workspace_root};

pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether the browser tests can run (tools and a built UI).
pub fn browser_available() -> bool {
    if !require("chromium") || !require("chromedriver") || !require("docker-registry") {
        return false;
    }
    assert!(
        workspace_root().join("frontend/dist/index.html").is_file(),
        "the web UI is not built: run `just build-ui` (just test does)"
    );
    // Two TLS back ends are linked in; pick one (no TLS is used on loopback).
    let _ = rustls::crypto::ring::default_provider().install_default();
    true
}

/// Headless Chromium driven through chromedriver; both end with the guard.
pub async fn open_browser(stack: &Stack) -> (Page, Driver) {
    open_browser_with(stack, &[]).await
}

/// As [`open_browser`], with more Chromium flags (`--force-dark-mode`, say).
pub async fn open_browser_with(stack: &Stack, flags: &[&str]) -> (Page, Driver) {
    let port = crate::free_port();
    let driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let profile = stack.path("chromium-profile");
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--window-size=1280,800".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.extend(flags.iter().map(|flag| flag.to_string()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": "/usr/bin/chromium", "args": args }),
    );
    for _ in 0..50 {
        let connected = ClientBuilder::rustls()
            .expect("TLS setup")
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        if let Ok(client) = connected {
            return (
                Page {
                    client,
                    wait: Duration::from_secs(30),
                },
                driver,
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no chromedriver session");
}

/// Find / act / check helpers over the WebDriver client.
pub struct Page {
    pub client: fantoccini::Client,
    pub wait: Duration,
}

impl Page {
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(self.wait)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.wait_for(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.on_element(css, "click", |e| async move { e.click().await.map(|_| ()) })
            .await;
    }

    pub async fn fill(&self, css: &str, text: &str) {
        self.on_element(css, "type into", |e| {
            let text = text.to_owned();
            async move {
                e.clear().await?;
                e.send_keys(&text).await
            }
        })
        .await;
    }

    /// Opens an administrators' page through the top bar's menu.
    pub async fn open_admin(&self, path: &str) {
        self.click("#admin-menu summary").await;
        self.click(&format!("#admin-menu a[href='{path}']")).await;
    }

    /// Waits until an element matching `xpath` appears.
    pub async fn wait_for_xpath(&self, xpath: &str) {
        self.client
            .wait()
            .at_most(self.wait)
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("{xpath} did not appear: {e}"));
    }

    /// Runs `act` on what `css` finds; when the page re-renders it meanwhile
    /// (a refetch replaces or briefly hides it), finds it again and retries.
    async fn on_element<F, Fut>(&self, css: &str, what: &str, act: F)
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
    {
        for attempt in 1..=10 {
            let element = self.wait_for(css).await;
            match act(element).await {
                Ok(()) => return,
                Err(e)
                    if attempt < 10
                        && (e.to_string().contains("stale")
                            || e.to_string().contains("not interactable")) =>
                {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("{what} {css}: {e}"),
            }
        }
    }

    /// The serious and critical accessibility problems axe-core (its
    /// source in `axe`) finds in the page as it is now, one line each.
    pub async fn accessibility_violations(&self, axe: &str) -> Vec<String> {
        self.client
            .execute(axe, vec![])
            .await
            .expect("load axe-core into the page");
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] }).then(result => done(
                   result.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => `${v.id} (${v.impact}): ${v.help}: ` +
                       v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))),
                   error => done([`axe failed: ${error}`]));",
                vec![],
            )
            .await
            .expect("run axe-core");
        serde_json::from_value(found).expect("a list of violations")
    }

    /// How much wider than the window the page is, in CSS pixels (0 when
    /// it fits and nothing scrolls sideways).
    pub async fn overflow_width(&self) -> i64 {
        self.client
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .expect("measure the page")
            .as_i64()
            .unwrap_or(i64::MAX)
    }

    /// Saves what the page shows as `target/e2e-NAME.png`, for the README
    /// (`just screenshots`); a picture that cannot be saved fails nothing.
    pub async fn screenshot(&self, name: &str) {
        let dir = workspace_root().join("target");
        if let Ok(png) = self.client.screenshot().await
            && std::fs::create_dir_all(&dir).is_ok()
        {
            let _ = std::fs::write(dir.join(format!("e2e-{name}.png")), png);
        }
    }

    pub async fn sign_in(&self, username: &str, password: &str) {
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click("#signin-button").await;
    }
}
