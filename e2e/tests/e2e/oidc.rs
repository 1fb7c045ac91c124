//! The OpenID Connect round trip without a browser, against a real OpenID
//! Provider: what a forged, replayed, foreign or refused callback gets,
//! groups deciding the administrator flag, and a name that a local
//! account holds.

use portunus_e2e::peers::{OpenIdProvider, SmtpSink};
use portunus_e2e::{Api, Stack};

use crate::recovery::{CONFIRM, create_with_address, is_confirmation_to, post, token_in};
use reqwest::blocking::Client;

/// A browser's cookie jar without its redirect-following.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Where a response redirects to, as sent (Portunus's own are paths).
fn location(response: &reqwest::blocking::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no redirect: {}", response.status()))
        .to_owned()
}

/// Where a response redirects to, as an absolute URL.
fn next(response: &reqwest::blocking::Response) -> String {
    response
        .url()
        .join(&location(response))
        .expect("a redirect URL")
        .to_string()
}

/// Starts a stack whose `[oidc]` is a provider started next to it.
fn start() -> Option<(OpenIdProvider, Stack)> {
    start_with(Vec::new())
}

/// [`start`] with `settings` too.
fn start_with(mut settings: Vec<(&'static str, String)>) -> Option<(OpenIdProvider, Stack)> {
    if !portunus_e2e::require("docker-registry") {
        return None;
    }
    let port = OpenIdProvider::reserve_port();
    settings.extend(OpenIdProvider::settings(port));
    let stack = Stack::start_with(&settings);
    let callback = format!("{}/api/v1/oidc/callback", stack.portunus_url());
    let provider = OpenIdProvider::start(port, &callback, &stack.path("op.log"))?;
    Some((provider, stack))
}

/// Begins a sign-in in `browser` and logs `login` in at the provider;
/// returns the callback URL the provider sends the browser to.
fn through_the_provider(stack: &Stack, browser: &Client, login: &str) -> String {
    let begun = browser
        .get(format!(
            "{}/api/v1/oidc/login?return_to=/tokens",
            stack.portunus_url()
        ))
        .send()
        .expect("begin");
    assert_eq!(begun.status(), 302);
    let to_provider = location(&begun);
    assert!(
        to_provider.contains("code_challenge_method=S256"),
        "{to_provider}"
    );
    let interaction = next(&browser.get(&to_provider).send().expect("authorize"));
    let resumed = browser
        .post(&interaction)
        .form(&[("prompt", "login"), ("login", login), ("password", "x")])
        .send()
        .expect("log in at the provider");
    let callback = next(&browser.get(next(&resumed)).send().expect("resume"));
    assert!(
        callback.contains("/api/v1/oidc/callback?code="),
        "{callback}"
    );
    callback
}

/// The error the sign-in page is sent with (from a redirect to it).
fn sign_in_error(response: &reqwest::blocking::Response) -> String {
    let to = location(response);
    let query = to
        .strip_prefix("/signin?")
        .unwrap_or_else(|| panic!("not the sign-in page: {to}"));
    form_urlencoded(query)
}

fn form_urlencoded(query: &str) -> String {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[test]
fn callbacks_are_single_use_bound_to_the_browser_and_checked() {
    let Some((_provider, stack)) = start() else {
        return;
    };
    // A callback taken to another browser is refused, and used up.
    let first = browser();
    let callback = through_the_provider(&stack, &first, "alice");
    let elsewhere = browser().get(&callback).send().expect("callback");
    assert!(
        sign_in_error(&elsewhere).contains("begun in another browser"),
        "{elsewhere:?}"
    );
    let replayed = first.get(&callback).send().expect("callback");
    assert!(sign_in_error(&replayed).contains("unknown, used"));

    // The right browser: signed in, back where it began, an administrator
    // because the provider puts alice in "admins".
    let second = browser();
    let callback = through_the_provider(&stack, &second, "alice");
    let done = second.get(&callback).send().expect("callback");
    assert_eq!(location(&done), "/tokens");
    let me: serde_json::Value = second
        .get(format!("{}/api/v1/me", stack.portunus_url()))
        .send()
        .and_then(|r| r.json())
        .expect("me");
    assert_eq!(me["username"], "alice");
    assert_eq!(me["directory"], "oidc");
    assert_eq!(me["admin"], true);
    let replayed = second.get(&callback).send().expect("callback");
    assert!(sign_in_error(&replayed).contains("unknown, used"));

    // A forged state is unknown; a provider's refusal is passed on.
    let forged = browser()
        .get(format!(
            "{}/api/v1/oidc/callback?code=abc&state=forged",
            stack.portunus_url()
        ))
        .send()
        .expect("forged");
    assert!(sign_in_error(&forged).contains("unknown, used"));
    let third = browser();
    let begun = third
        .get(format!("{}/api/v1/oidc/login", stack.portunus_url()))
        .send()
        .expect("begin");
    let to_provider = location(&begun);
    let state = url::Url::parse(&to_provider)
        .expect("URL")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let refused = third
        .get(format!(
            "{}/api/v1/oidc/callback?error=access_denied&error_description=the+user+said+no&state={state}",
            stack.portunus_url()
        ))
        .send()
        .expect("refusal");
    assert_eq!(
        sign_in_error(&refused),
        format!(
            "the OpenID Provider {} refused the sign-in: the user said no",
            OpenIdProvider::issuer(_provider.port)
        )
    );
}

#[test]
fn a_local_account_is_taken_over_only_by_a_confirmed_address_when_allowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(smtp) = SmtpSink::start(&dir.path().join("mail")) else {
        return;
    };
    let Some((_provider, mut stack)) = start_with(smtp.settings()) else {
        return;
    };
    stack.create_user("root");
    stack.create_user("bob");
    let browser = browser();
    let callback = through_the_provider(&stack, &browser, "bob");
    let refused = browser.get(&callback).send().expect("callback");
    let error = sign_in_error(&refused);
    assert!(
        error.contains("an account named \"bob\" exists already"),
        "{error}"
    );
    assert!(error.contains("oidc.link_by_verified_email"), "{error}");
    // bob's local account is untouched: his password still works.
    let root = Api::sign_in(&stack, "root");
    Api::sign_in(&stack, "bob");
    let failures = root.call("GET", "/activities?key=auth.sign_in_failed", None);
    assert!(
        failures["items"][0]["parameters"]
            .as_str()
            .is_some_and(|p| p.contains("exists already")),
        "{failures}"
    );

    // With the rule on, the provider's verified address finds the local
    // account whose owner confirmed it by the mailed link (robert's,
    // whatever bob's name says). Mallory typed carol's address in and
    // cannot confirm it.
    for (name, email) in [
        ("robert", "bob@example.org"),
        ("dana", "unverified-dana@example.org"),
        ("mallory", "carol@example.org"),
    ] {
        create_with_address(&root, name, email);
    }
    let mails = smtp.take(3);
    let to_bob = mails
        .iter()
        .find(|m| is_confirmation_to(m, "bob@example.org"))
        .expect("a confirmation link for bob@example.org");
    let body = serde_json::json!({"token": token_in(to_bob, CONFIRM)});
    let (status, answer) = post(&stack, "/email-confirmation/complete", body);
    assert_eq!(status, 204, "{answer}");
    let prepared = Api::sign_in(&stack, "mallory");
    let mallorys = prepared.call("POST", "/tokens", Some(serde_json::json!({"name": "bait"})));
    let mallorys = mallorys["secret"].as_str().expect("a token").to_owned();
    // Whoever made robert's account signed in and made a token: a link
    // must leave them neither.
    let before = Api::sign_in(&stack, "robert");
    let token = before.call("POST", "/tokens", Some(serde_json::json!({"name": "kept"})))["secret"]
        .as_str()
        .expect("a token")
        .to_owned();
    assert_eq!(portunus_e2e::token_login(&stack, "robert", &token).0, 200);
    stack.stop_portunus();
    stack.set_env("PORTUNUS_OIDC__LINK_BY_VERIFIED_EMAIL", "true");
    stack.restart_portunus();

    // An address the provider does not vouch for takes over nothing: the
    // sign-in gets an account of its own.
    let me = signed_in_through_the_provider(&stack, "unverified-dana");
    assert_eq!(me["username"], "unverified-dana", "{me}");
    let root = Api::sign_in(&stack, "root");
    let dana = root.call("GET", "/users/dana", None);
    assert_eq!(
        dana["directory"],
        serde_json::Value::Null,
        "dana stays local: {dana}"
    );
    Api::sign_in(&stack, "dana");

    // An address the provider vouches for, but its local holder never
    // confirmed: no takeover either way. Carol gets an account of her own
    // (without the address mallory holds); mallory keeps hers.
    let me = signed_in_through_the_provider(&stack, "carol");
    assert_eq!(me["username"], "carol", "{me}");
    assert_eq!(me["email"], serde_json::Value::Null, "{me}");
    assert_eq!(
        portunus_e2e::token_login(&stack, "mallory", &mallorys).0,
        200
    );
    let mallory = Api::sign_in(&stack, "root").call("GET", "/users/mallory", None);
    assert_eq!(mallory["directory"], serde_json::Value::Null, "{mallory}");

    let me = signed_in_through_the_provider(&stack, "bob");
    assert_eq!(me["username"], "robert");
    assert_eq!(me["directory"], "oidc");
    assert_eq!(
        before.status("GET", "/me"),
        401,
        "the session made before the link ended"
    );
    assert_eq!(
        portunus_e2e::token_login(&stack, "robert", &token).0,
        401,
        "and so did the application token"
    );
}

/// Signs `name` in through the provider in a new browser; answers `/me`.
fn signed_in_through_the_provider(stack: &Stack, name: &str) -> serde_json::Value {
    let browser = browser();
    let callback = through_the_provider(stack, &browser, name);
    let done = browser.get(&callback).send().expect("callback");
    assert_eq!(location(&done), "/tokens");
    browser
        .get(format!("{}/api/v1/me", stack.portunus_url()))
        .send()
        .and_then(|r| r.json())
        .expect("me")
}
