//! The web UI in a real browser: a deep link sends a visitor to sign in, a
//! wrong password is explained, and signing in shows who you are.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use portunus_e2e::{PASSWORD, Stack, require, workspace_root};
use serde_json::json;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn sign_in_through_the_web_ui() {
    if !require("chromium") || !require("chromedriver") || !require("docker-registry") {
        return;
    }
    assert!(
        workspace_root().join("frontend/dist/index.html").is_file(),
        "the web UI is not built: run `just build-ui` (just test does)"
    );
    // Two TLS back ends are linked in; pick one (no TLS is used on loopback).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let stack = Stack::start(&[]);
    stack.create_user("alice");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let _driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let profile = stack.path("chromium-profile");
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,800",
                     format!("--user-data-dir={}", profile.display())],
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("TLS setup")
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let client = client.expect("chromedriver session");
    let wait = Duration::from_secs(30);

    // The start page sends a signed-out visitor to sign in.
    client
        .goto(&stack.portunus_url())
        .await
        .expect("open the UI");
    let username = client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("#username"))
        .await
        .expect("sign-in form");
    assert!(
        client
            .current_url()
            .await
            .expect("url")
            .as_str()
            .ends_with("/signin")
    );

    username.send_keys("alice").await.expect("type user name");
    let password = client
        .find(Locator::Css("#password"))
        .await
        .expect("password field");
    password
        .send_keys("not-the-password")
        .await
        .expect("type password");
    client
        .find(Locator::Css("#signin-button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    let error = client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("#signin-error"))
        .await
        .expect("error shown");
    assert!(
        error
            .text()
            .await
            .expect("text")
            .contains("invalid user name or password")
    );

    password.clear().await.expect("clear");
    password.send_keys(PASSWORD).await.expect("type password");
    client
        .find(Locator::Css("#signin-button"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    let who = client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("#signed-in-as"))
        .await
        .expect("signed-in page");
    assert_eq!(who.text().await.expect("text"), "alice");
    let namespace = client
        .find(Locator::Css("#namespace"))
        .await
        .expect("namespace")
        .text()
        .await
        .expect("text");
    assert_eq!(namespace, "alice");
    let page = client.source().await.expect("page source");
    assert!(
        page.contains(&format!("docker login {}", stack.registry())),
        "the push hint names the registry"
    );
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(workspace_root().join("target/e2e-signed-in.png"), png);
    }

    client
        .find(Locator::Css("#signout"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("click");
    client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("#username"))
        .await
        .expect("back at sign-in");
    client.close().await.expect("close the browser");
}
