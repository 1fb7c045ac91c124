//! Rate limits per client address: sign-ins, sign-ups and failed logins at
//! the token endpoint get 429 with `Retry-After` past their allowance,
//! while other addresses and successful logins are not held back.

use portunus::config::RateLimitSettings;
use serde_json::json;

use crate::kit::{Answer, As, Kit, PASSWORD, basic};

async fn limited_kit() -> Kit {
    limited_kit_locking_after(10).await
}

/// [`limited_kit`] with a lockout after `attempts` wrong passwords.
async fn limited_kit_locking_after(attempts: u32) -> Kit {
    let kit = Kit::with_config("sqlite", None, |c| {
        c.lockout_attempts = attempts;
        c.rate_limits = RateLimitSettings {
            sign_ins_per_minute: 3,
            sign_ups_per_hour: 2,
            failed_logins_per_minute: 2,
            password_resets_per_hour: 2,
            email_changes_per_hour: 2,
            ..RateLimitSettings::default()
        };
        c.client_address_header = "X-Real-IP".into();
    })
    .await;
    kit.create_user("alice").await;
    kit
}

async fn sign_in(kit: &Kit, from: &str, password: &str) -> Answer {
    let body = json!({"username": "alice", "password": password});
    let request = kit.client.post("/api/v1/session").header("X-Real-IP", from);
    kit.send(request.body_json(&body)).await
}

async fn docker_login(kit: &Kit, from: &str, password: &str) -> Answer {
    let request = kit
        .client
        .get("/v2/token?service=registry")
        .header("X-Real-IP", from)
        .header("Authorization", basic("alice", password));
    kit.send(request).await
}

fn retry_after(answer: &Answer) -> u64 {
    let header = answer.headers.get("Retry-After").expect("Retry-After");
    header.to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn sign_ins_past_the_allowance_wait() {
    let kit = limited_kit().await;
    let statuses = [
        sign_in(&kit, "203.0.113.1", "a-wrong-guess").await.status,
        sign_in(&kit, "203.0.113.1", PASSWORD).await.status,
        sign_in(&kit, "203.0.113.1", "a-wrong-guess").await.status,
    ];
    assert_eq!(statuses.map(|s| s.as_u16()), [401, 200, 401]);
    let refused = sign_in(&kit, "203.0.113.1", PASSWORD).await;
    refused.assert_status(429, "the fourth in a minute");
    // One comes back every 20 s (the arithmetic is the rate limiter's unit
    // test, with the time passed in); the hashing of the passwords above
    // took real time, which counts towards the wait.
    let wait = retry_after(&refused);
    assert!((10..=20).contains(&wait), "Retry-After {wait}");
    assert!(
        refused.text.contains("too many sign-ins"),
        "{}",
        refused.text
    );
    sign_in(&kit, "198.51.100.2", PASSWORD)
        .await
        .assert_status(200, "another address");
}

#[tokio::test]
async fn failed_logins_past_the_allowance_wait_and_good_ones_never_count() {
    let kit = limited_kit().await;
    for i in 0..5 {
        docker_login(&kit, "203.0.113.1", PASSWORD)
            .await
            .assert_status(200, &format!("good login {i}"));
    }
    for i in 0..2 {
        docker_login(&kit, "203.0.113.1", "a-wrong-guess")
            .await
            .assert_status(401, &format!("failure {i}"));
    }
    // Alice's password was verified a moment ago: the flood from her
    // address does not hold her back (a CI job behind a shared NAT).
    docker_login(&kit, "203.0.113.1", PASSWORD)
        .await
        .assert_status(200, "credentials verified within the cache lifetime");
    // Bob's was not: it may be a guess, and waits.
    kit.create_user("bob").await;
    let bob = kit.client.get("/v2/token?service=registry");
    let refused = kit
        .send(
            bob.header("X-Real-IP", "203.0.113.1")
                .header("Authorization", basic("bob", PASSWORD)),
        )
        .await;
    refused.assert_status(429, "a password not verified lately, before any check");
    let wait = retry_after(&refused);
    assert!(
        (20..=30).contains(&wait),
        "one comes back every 30 s: {wait}"
    );
    assert_eq!(refused.json()["errors"][0]["code"], "TOOMANYREQUESTS");
    docker_login(&kit, "198.51.100.2", "a-wrong-guess")
        .await
        .assert_status(401, "another address");
    // IPv6 clients count by their /64: another address in it waits too.
    for i in 0..2 {
        docker_login(&kit, "2001:db8:1:2::1", "a-wrong-guess")
            .await
            .assert_status(401, &format!("IPv6 failure {i}"));
    }
    docker_login(&kit, "2001:db8:1:2:ffff::9", "a-wrong-guess")
        .await
        .assert_status(429, "the same /64");
    docker_login(&kit, "2001:db8:1:3::1", "a-wrong-guess")
        .await
        .assert_status(401, "another /64");
}

#[tokio::test]
async fn sign_ups_past_the_allowance_wait() {
    let kit = limited_kit().await;
    // A taken name spends an attempt too (a malformed one never reaches
    // the handler).
    for (name, expected) in [("bob", 201), ("bob", 409)] {
        let body = json!({"username": name, "password": PASSWORD});
        let request = kit
            .client
            .post("/api/v1/signup")
            .header("X-Real-IP", "203.0.113.1");
        let answer = kit.send(request.body_json(&body)).await;
        answer.assert_status(expected, name);
    }
    let body = json!({"username": "carol", "password": PASSWORD});
    let request = kit
        .client
        .post("/api/v1/signup")
        .header("X-Real-IP", "203.0.113.1");
    let refused = kit.send(request.body_json(&body)).await;
    refused.assert_status(429, "the third attempt in an hour");
    let wait = retry_after(&refused);
    assert!(
        (1700..=1800).contains(&wait),
        "one comes back every 30 minutes: {wait}"
    );
}

/// The statuses of twenty `docker login`s with `password` from one
/// address, all sent at once.
async fn logins_at_once(kit: &Kit, password: &str) -> Vec<u16> {
    let at_once = (0..20).map(|_| docker_login(kit, "203.0.113.1", password));
    futures::future::join_all(at_once)
        .await
        .iter()
        .map(|answer| answer.status.as_u16())
        .collect()
}

/// A CI fleet behind one address logging in at once with a password
/// checked a moment ago: none of them can be a guess, none is held up.
#[tokio::test]
async fn many_logins_at_once_with_verified_credentials_are_not_limited() {
    let kit = limited_kit().await;
    docker_login(&kit, "203.0.113.1", PASSWORD)
        .await
        .assert_status(200, "the first login checks the password");
    let statuses = logins_at_once(&kit, PASSWORD).await;
    assert_eq!(statuses, vec![200; 20], "twenty at once, allowance 2");
    // Guesses are still counted: the allowance of two, then 429.
    for i in 0..2 {
        docker_login(&kit, "203.0.113.1", "a-wrong-guess")
            .await
            .assert_status(401, &format!("failure {i}"));
    }
    docker_login(&kit, "203.0.113.1", "another-guess")
        .await
        .assert_status(429, "the third guess in a minute");
}

/// While an address is out of allowance, guesses are refused before any
/// check, so the lockout never sees them. A remembered password is let
/// through, so the guesses must end that for their name: otherwise a 200
/// among quick 429s would tell which guess is the password, at any rate.
/// After the lockout's allowance of unchecked guesses for a name (4 here),
/// its right password waits too, at the token endpoint and at the web UI's
/// sign-in; other names and other addresses do not.
#[tokio::test]
async fn guesses_for_a_name_end_its_remembered_passwords_exemption() {
    let kit = limited_kit_locking_after(4).await;
    kit.create_user("bob").await;
    let bob_login = || {
        let request = kit.client.get("/v2/token?service=registry");
        let request = request
            .header("X-Real-IP", "203.0.113.1")
            .header("Authorization", basic("bob", PASSWORD));
        kit.send(request)
    };
    bob_login()
        .await
        .assert_status(200, "bob's password, remembered");
    docker_login(&kit, "203.0.113.1", PASSWORD)
        .await
        .assert_status(200, "alice's password, remembered");
    for i in 0..2 {
        docker_login(&kit, "203.0.113.1", "a-wrong-guess")
            .await
            .assert_status(401, &format!("checked guess {i}"));
    }
    docker_login(&kit, "203.0.113.1", PASSWORD)
        .await
        .assert_status(200, "the address is out; alice's name is not");
    for i in 0..4 {
        let guess = docker_login(&kit, "203.0.113.1", &format!("unchecked-guess-{i}")).await;
        guess.assert_status(429, &format!("unchecked guess {i}"));
        assert!(
            guess
                .text
                .contains("too many failed logins from your address"),
            "{}",
            guess.text
        );
    }
    let refused = docker_login(&kit, "203.0.113.1", PASSWORD).await;
    refused.assert_status(
        429,
        "her name is out: the right password waits like a guess",
    );
    assert!(
        refused
            .text
            .contains("too many failed logins for this user name"),
        "{}",
        refused.text
    );
    let web = sign_in(&kit, "203.0.113.1", PASSWORD).await;
    web.assert_status(429, "the web UI's sign-in shares the allowance");
    bob_login()
        .await
        .assert_status(200, "another name from the address");
    docker_login(&kit, "198.51.100.2", PASSWORD)
        .await
        .assert_status(200, "alice from another address");
}

/// Application tokens are random secrets: logins with one at once are not
/// limited, wrong ones still count.
#[tokio::test]
async fn many_logins_at_once_with_an_application_token_are_not_limited() {
    let kit = limited_kit().await;
    let alice = kit.sign_in("alice").await;
    let made = kit
        .call(
            &alice,
            "POST",
            "/api/v1/tokens",
            Some(json!({"name": "ci"})),
        )
        .await;
    made.assert_status(201, "token");
    let secret = made.json()["secret"].as_str().unwrap().to_owned();
    let statuses = logins_at_once(&kit, &secret).await;
    assert_eq!(statuses, vec![200; 20], "twenty at once, allowance 2");
    for i in 0..2 {
        docker_login(
            &kit,
            "203.0.113.1",
            "ptn_0000000000000000000000000000000000",
        )
        .await
        .assert_status(401, &format!("wrong token {i}"));
    }
    docker_login(&kit, "203.0.113.1", &secret)
        .await
        .assert_status(
            200,
            "a valid token is no guess: the flood does not hold it back",
        );
    docker_login(
        &kit,
        "203.0.113.1",
        "ptn_0000000000000000000000000000000000",
    )
    .await
    .assert_status(401, "a wrong one is refused (and counted)");
}

#[tokio::test]
async fn changes_of_ones_own_address_past_the_allowance_wait() {
    let kit = limited_kit().await; // alice, the first account: the administrator
    kit.create_user("bob").await;
    kit.create_user("carol").await;
    let alice = kit.sign_in("alice").await;
    let bob = kit.sign_in("bob").await;
    let As::Cookie(cookie) = &bob else {
        unreachable!()
    };
    let change = |email: &str| {
        let request = kit
            .client
            .patch("/api/v1/users/bob")
            .header("X-Real-IP", "203.0.113.1")
            .header("Cookie", cookie)
            .body_json(&json!({ "email": email }));
        kit.send(request)
    };
    for email in ["carol@example.org", "c@example.org", "carol@example.org"] {
        kit.call(
            &alice,
            "PATCH",
            "/api/v1/users/carol",
            Some(json!({ "email": email })),
        )
        .await
        .assert_status(200, "an administrator is not limited");
    }
    change("carol@example.org")
        .await
        .assert_client_error(409, "taken");
    change("bob@example.org").await.assert_status(200, "free");
    let refused = change("robert@example.org").await;
    refused.assert_status(429, "the third in an hour");
    assert!(
        refused.text.contains("changes of e-mail address"),
        "{}",
        refused.text
    );
    kit.call(
        &bob,
        "PATCH",
        "/api/v1/users/bob",
        Some(json!({"display_name": "Bob"})),
    )
    .await
    .assert_status(200, "other changes are not limited");
}
