//! When the database cannot be reached, Portunus says so with a 503 and a
//! message to retry, on the REST API (cookie or token) and on the token
//! endpoint: never a 401, which would tell clients their credentials are
//! wrong, and never a 500.

use serde_json::json;

use crate::kit::{As, Kit, PASSWORD, basic};

#[tokio::test]
async fn a_database_outage_is_a_503_never_a_401() {
    let kit = Kit::new("sqlite", None).await;
    kit.create_user("alice").await;
    let cookie = kit.sign_in("alice").await;
    let created = kit
        .call(
            &cookie,
            "POST",
            "/api/v1/tokens",
            Some(json!({"name": "ci"})),
        )
        .await;
    created.assert_status(201, "token");
    let bearer = As::Bearer(created.json()["secret"].as_str().unwrap().to_owned());
    for who in [&cookie, &bearer] {
        kit.call(who, "GET", "/api/v1/teams", None)
            .await
            .assert_status(200, "before the outage");
    }

    kit.state.db.close_by_ref().await.expect("close the pool");

    for (who, what) in [(&cookie, "cookie"), (&bearer, "token")] {
        let answer = kit.call(who, "GET", "/api/v1/teams", None).await;
        answer.assert_status(503, what);
        assert_eq!(answer.json()["code"], "database_unavailable", "{what}");
        assert!(answer.headers.contains_key("retry-after"), "{what}");
    }
    let signing_in = kit
        .call(
            &As::Nobody,
            "POST",
            "/api/v1/session",
            Some(json!({"username": "alice", "password": PASSWORD})),
        )
        .await;
    signing_in.assert_status(503, "sign in");
    let token = kit
        .send(
            kit.client
                .get("/v2/token?service=registry&scope=repository:alice/app:pull")
                .header("Authorization", basic("alice", PASSWORD)),
        )
        .await;
    token.assert_status(503, "token endpoint");
    assert_eq!(token.json()["error"], "temporarily_unavailable");
    // Without credentials, a request is still plainly unauthorized.
    kit.call(&As::Nobody, "GET", "/api/v1/teams", None)
        .await
        .assert_status(401, "no credentials");
}
