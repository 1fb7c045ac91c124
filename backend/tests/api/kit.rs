//! The test kit: boots the application on a fresh database (one per test and
//! backend) and sends requests to it.

use poem::EndpointExt;
use poem::endpoint::BoxEndpoint;
use poem::http::{HeaderMap, StatusCode};
use poem::test::{TestClient, TestRequestBuilder};
use portunus::accounts::users::{self, NewUser};
use portunus::audit::Actor;
use portunus::config::Config;
use portunus::http::state::SharedState;
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;

pub const PASSWORD: &str = "correct-horse-battery";

pub struct Kit {
    pub backend: &'static str,
    pub state: SharedState,
    pub client: TestClient<BoxEndpoint<'static>>,
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Asserts the status, showing the body when it differs.
    pub fn assert_status(&self, expected: u16, context: &str) {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "{context}: got {} {}",
            self.status,
            self.text
        );
    }

    /// Asserts exactly this 4xx status with a JSON error body.
    pub fn assert_client_error(&self, expected: u16, context: &str) {
        assert!(
            (400..500).contains(&expected),
            "{context}: {expected} is no client error"
        );
        self.assert_status(expected, context);
        let is_json = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        assert!(
            is_json,
            "{context}: not JSON: {:?} {}",
            self.headers, self.text
        );
        let _ = self.json();
    }
}

/// A kit per database backend available: SQLite always, PostgreSQL when set.
pub async fn kits() -> Vec<Kit> {
    kits_with(|_| {}).await
}

/// [`kits`] with the configuration changed by `adjust`.
pub async fn kits_with(adjust: impl Fn(&mut Config)) -> Vec<Kit> {
    let mut kits = vec![Kit::with_config("sqlite", None, &adjust).await];
    if let Some(database) = fresh_postgres().await {
        kits.push(Kit::with_config("postgres", Some(database), &adjust).await)
    }
    kits
}

/// A new, empty database on the PostgreSQL server that
/// `PORTUNUS_TEST_DATABASE_URL` names; `None` (said loudly) when it is not
/// set outside CI, a failure under CI.
pub async fn fresh_postgres() -> Option<String> {
    match std::env::var("PORTUNUS_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(fresh_postgres_database(&url).await),
        _ if under_ci() => panic!(
            "PORTUNUS_TEST_DATABASE_URL is not set under CI: PostgreSQL must be tested; `just test` runs the tests inside scripts/with-postgres"
        ),
        _ => {
            eprintln!(
                "PORTUNUS_TEST_DATABASE_URL is not set: PostgreSQL is NOT tested in this run (just test sets it)"
            );
            None
        }
    }
}

/// The `access` claim of the registry token in a token endpoint's answer
/// (200 asserted), read without checking its signature (the token tests do).
pub fn token_access(answer: &Answer) -> Value {
    answer.assert_status(200, "a token");
    let token = answer.json()["token"].as_str().expect("a token").to_owned();
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(payload.as_bytes())
        .expect("base64url");
    serde_json::from_slice::<Value>(&bytes).expect("claims")["access"].clone()
}

/// Whether this runs under CI, where a missing database fails the tests.
fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// Creates an empty database on the server at `base_url` and returns its URL.
pub async fn fresh_postgres_database(base_url: &str) -> String {
    let admin = Database::connect(base_url)
        .await
        .expect("connect to PORTUNUS_TEST_DATABASE_URL");
    let name = format!("portunus_test_{}", portunus::crypto::secrets::random_hex(8));
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    let mut url = url::Url::parse(base_url).expect("PORTUNUS_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Kit {
    pub async fn new(backend: &'static str, database_url: Option<String>) -> Kit {
        Self::with_config(backend, database_url, |_| {}).await
    }

    pub async fn with_config(
        backend: &'static str,
        database_url: Option<String>,
        adjust: impl FnOnce(&mut Config),
    ) -> Kit {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            data_dir: dir.path().to_owned(),
            web_dir: dir.path().join("web"),
            database_url: database_url.unwrap_or_default(),
            ..Config::default()
        };
        // No registry runs in API tests: a port nothing listens on (discard).
        config.registry.url = "http://127.0.0.1:9".into();
        adjust(&mut config);
        let state = portunus::app::init(config)
            .await
            .expect("application starts");
        let client = TestClient::new(
            portunus::http::routes(state.clone())
                .map_to_response()
                .boxed(),
        );
        Kit {
            backend,
            state,
            client,
            _dir: dir,
        }
    }

    pub async fn create_user(&self, name: &str) -> users::CreatedUser {
        self.create_user_with_password(name, PASSWORD).await
    }

    pub async fn create_user_with_password(
        &self,
        name: &str,
        password: &str,
    ) -> users::CreatedUser {
        let new = NewUser {
            username: name.into(),
            password: password.into(),
            email: None,
            admin: false,
            bot: false,
            // As the operator's command line does: the first is administrator.
            bootstrap: true,
            password_by_mail: false,
        };
        users::create(&self.state.db, new, &Actor::cli())
            .await
            .expect("user created")
    }

    pub async fn send(&self, request: TestRequestBuilder<'_, BoxEndpoint<'static>>) -> Answer {
        let response = request.send().await.0;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.into_body().into_string().await.unwrap_or_default();
        Answer {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.send(self.client.get(uri)).await
    }
}

/// How a test request authenticates.
#[derive(Clone)]
pub enum As {
    Nobody,
    Cookie(String),
    Bearer(String),
}

impl Kit {
    /// Signs `username` in through the API; returns the session cookie.
    pub async fn sign_in(&self, username: &str) -> As {
        let answer = self
            .send(
                self.client
                    .post("/api/v1/session")
                    .body_json(&serde_json::json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(answer.status, 200, "sign in {username}: {}", answer.text);
        let cookie = answer
            .headers
            .get("set-cookie")
            .expect("cookie")
            .to_str()
            .unwrap();
        As::Cookie(cookie.split(';').next().unwrap().to_owned())
    }

    /// Sends `method path` with an optional JSON body as `who`.
    pub async fn call(&self, who: &As, method: &str, path: &str, body: Option<Value>) -> Answer {
        let mut request = match method {
            "GET" => self.client.get(path),
            "POST" => self.client.post(path),
            "PUT" => self.client.put(path),
            "PATCH" => self.client.patch(path),
            "DELETE" => self.client.delete(path),
            other => panic!("unsupported method {other}"),
        };
        request = match who {
            As::Nobody => request,
            As::Cookie(cookie) => request.header("Cookie", cookie),
            As::Bearer(token) => request.header("Authorization", format!("Bearer {token}")),
        };
        if let Some(body) = body {
            request = request.body_json(&body);
        }
        self.send(request).await
    }
}

/// The usual people, signed in: an administrator, and the owner, a
/// contributor and a viewer of the private team namespace `web`, and an
/// outsider.
pub struct Cast {
    pub root: As,
    pub olivia: As,
    pub carl: As,
    pub vera: As,
    pub oscar: As,
}

impl Kit {
    /// Creates the [`Cast`] and the namespace `web`.
    pub async fn cast(&self) -> Cast {
        for name in ["root", "olivia", "carl", "vera", "oscar"] {
            self.create_user(name).await;
        }
        let olivia = self.sign_in("olivia").await;
        self.team_namespace(
            &olivia,
            "web",
            "private",
            &[("carl", "contributor"), ("vera", "viewer")],
        )
        .await;
        Cast {
            root: self.sign_in("root").await,
            olivia,
            carl: self.sign_in("carl").await,
            vera: self.sign_in("vera").await,
            oscar: self.sign_in("oscar").await,
        }
    }

    /// `owner` creates team NAME with `members` (user, role) and a namespace
    /// NAME of that team with `visibility`.
    pub async fn team_namespace(
        &self,
        owner: &As,
        name: &str,
        visibility: &str,
        members: &[(&str, &str)],
    ) {
        let made = self
            .call(
                owner,
                "POST",
                "/api/v1/teams",
                Some(serde_json::json!({"name": name})),
            )
            .await;
        assert_eq!(made.status, 201, "team {name}: {}", made.text);
        for (user, role) in members {
            let added = self
                .call(
                    owner,
                    "PUT",
                    &format!("/api/v1/teams/{name}/members/{user}"),
                    Some(serde_json::json!({ "role": role })),
                )
                .await;
            assert!(added.status.is_success(), "member {user}: {}", added.text);
        }
        let made = self
            .call(
                owner,
                "POST",
                "/api/v1/namespaces",
                Some(serde_json::json!({"name": name, "team": name, "visibility": visibility})),
            )
            .await;
        assert_eq!(made.status, 201, "namespace {name}: {}", made.text);
    }

    /// Records `path:tag` as if the registry had reported a push now;
    /// returns the repository id.
    pub async fn recorded(&self, path: &str, tag: &str) -> i64 {
        self.recorded_at(path, tag, chrono::Utc::now()).await
    }

    /// Records `path:tag` as pushed at `at`; returns the repository id.
    pub async fn recorded_at(
        &self,
        path: &str,
        tag: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> i64 {
        self.recorded_by(path, tag, at, None).await
    }

    /// Records `path:tag` as pushed at `at` by the account `pusher`.
    pub async fn recorded_by(
        &self,
        path: &str,
        tag: &str,
        at: chrono::DateTime<chrono::Utc>,
        pusher: Option<i64>,
    ) -> i64 {
        let repo = portunus::catalog::recording::ensure(
            &self.state.db,
            self.state.registries.configured().id,
            path,
            None,
        )
        .await
        .unwrap();
        let meta = portunus::registry::ImageMetadata {
            digest: format!("sha256:{}", "a".repeat(64)),
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            size: 1234,
            layers: 2,
            ..Default::default()
        };
        portunus::catalog::recording::record_tag(&self.state.db, &repo, tag, &meta, pusher, at, 0)
            .await
            .unwrap();
        repo.id
    }
}

pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        data_encoding::BASE64.encode(format!("{user}:{password}").as_bytes())
    )
}

/// `plain` sealed as values were before they were sealed for their place
/// (`v1.`: AES-256-GCM with no associated data) with the kit's key.
pub fn sealed_for_no_place(kit: &Kit, plain: &str) -> String {
    use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
    let hex = std::fs::read_to_string(kit.state.config.webhook_key_path()).expect("the key");
    let bytes = data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.trim().as_bytes())
        .expect("hex");
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &bytes).expect("a key"));
    let nonce = [5u8; NONCE_LEN];
    let mut body = plain.as_bytes().to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut body)
        .expect("sealed");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&body);
    format!("v1.{}", data_encoding::BASE64URL_NOPAD.encode(&out))
}

/// Every Rust source file under `dir`, into `out`.
pub fn rust_sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source tree") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
