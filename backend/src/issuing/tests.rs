//! The exchange without HTTP: a real SQLite database, time passed in.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use portunus_shared::api;
use portunus_shared::domain::ActivityKey;
use portunus_shared::scope::Scope;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::*;

use crate::accounts::users::{self, NewUser};
use crate::audit::Actor;
use crate::db::entities::activity;

const PASSWORD: &str = "correct horse battery";
const FROM: &str = "192.0.2.10";

/// What an issuer reads, for one test.
struct Fixture {
    _dir: tempfile::TempDir,
    config: Config,
    db: DatabaseConnection,
    registries: Registries,
    signer: Arc<TokenSigner>,
    credentials: CredentialCache,
    epoch: Epoch,
    facts: FactsCache,
    limits: RateLimits,
    database: Watch,
    deferred_audit: Backlog,
}

impl Fixture {
    /// An installation with one person, alice, and her namespace.
    async fn new() -> Fixture {
        Fixture::with(|_| {}).await
    }

    /// [`Fixture::new`] with the settings `change` makes.
    async fn with(change: impl FnOnce(&mut Config)) -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = Config {
            data_dir: dir.path().to_owned(),
            ..Config::default()
        };
        change(&mut config);
        let db = crate::db::connect("sqlite::memory:").await.expect("db");
        let id = crate::catalog::ensure_registry(&db, &config)
            .await
            .expect("the registry row");
        crate::accounts::namespaces::ensure_global(&db, id)
            .await
            .expect("the global namespace");
        let signer = Arc::new(TokenSigner::load_or_generate(&config).expect("a key"));
        let registries = Registries::load(db.clone(), &config, signer.clone(), "s".into())
            .await
            .expect("registries");
        let alice = NewUser {
            username: "alice".into(),
            password: PASSWORD.into(),
            email: None,
            admin: false,
            bot: false,
            bootstrap: false,
            password_by_mail: false,
        };
        let actor = Actor {
            id: None,
            name: "test".into(),
        };
        users::create(&db, alice, &actor).await.expect("alice");
        Fixture {
            _dir: dir,
            limits: RateLimits::new(&config),
            config,
            db,
            registries,
            signer,
            credentials: CredentialCache::new(Duration::from_secs(300), 100),
            epoch: Epoch::new(Duration::from_millis(0)),
            facts: FactsCache::new(100),
            database: Watch::default(),
            deferred_audit: Backlog::default(),
        }
    }

    fn issuer(&self) -> Issuer<'_> {
        Issuer {
            config: &self.config,
            db: &self.db,
            registries: &self.registries,
            signer: &self.signer,
            credentials: &self.credentials,
            epoch: &self.epoch,
            facts: &self.facts,
            limits: &self.limits,
            database: &self.database,
            deferred_audit: &self.deferred_audit,
            ldap: None,
        }
    }

    async fn exchange(&self, request: &TokenRequest) -> Result<TokenResponse, Refusal> {
        exchange(&self.issuer(), FROM, request, At::now()).await
    }

    async fn activities(&self, key: ActivityKey) -> u64 {
        activity::Entity::find()
            .filter(activity::Column::Key.eq(key.as_str()))
            .count(&self.db)
            .await
            .expect("count activities")
    }
}

fn request(grant: Grant, scopes: &[&str]) -> TokenRequest {
    TokenRequest {
        service: None,
        account: None,
        scopes: scopes
            .iter()
            .map(|s| Scope::parse(s).expect("a scope"))
            .collect(),
        offline: false,
        client_id: None,
        grant,
    }
}

fn alice(password: &str) -> Grant {
    Grant::Basic(Some(Credentials {
        username: "alice".into(),
        password: password.into(),
    }))
}

/// The `access` claim of a signed token: each resource with its actions.
fn access_of(token: &TokenResponse) -> Vec<(String, Vec<String>)> {
    let payload = token.token.split('.').nth(1).expect("a JWT");
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(payload.as_bytes())
        .expect("base64url");
    let claims: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON claims");
    let entries: Vec<crate::crypto::mint::AccessEntry> =
        serde_json::from_value(claims["access"].clone()).expect("the access claim");
    entries.into_iter().map(|e| (e.name, e.actions)).collect()
}

#[tokio::test]
async fn a_right_password_is_granted_what_the_policy_allows() {
    let fixture = Fixture::new().await;
    let asked = request(
        alice(PASSWORD),
        &[
            "repository:alice/app:pull,push",
            "repository:bob/app:pull,push",
        ],
    );
    let token = fixture.exchange(&asked).await.expect("a token");
    assert_eq!(
        access_of(&token),
        vec![(
            "alice/app".to_owned(),
            vec!["pull".to_owned(), "push".to_owned()]
        )],
        "her own namespace; nothing of one that does not exist"
    );
    assert_eq!(
        token.scope, None,
        "a GET is answered without the OAuth2 scope"
    );
    let login = request(alice(PASSWORD), &[]);
    fixture.exchange(&login).await.expect("a login");
    assert_eq!(
        fixture.activities(ActivityKey::AuthRegistryLogin).await,
        1,
        "a login (no scope) is recorded"
    );
}

#[tokio::test]
async fn refusals_are_typed() {
    let fixture = Fixture::new().await;
    let anonymous_login = request(Grant::Basic(None), &[]);
    assert!(matches!(
        fixture.exchange(&anonymous_login).await,
        Err(Refusal::Unauthenticated(_))
    ));
    let wrong = request(alice("a wrong guess"), &["repository:alice/app:pull"]);
    let refused = fixture
        .exchange(&wrong)
        .await
        .expect_err("a wrong password");
    assert_eq!(
        refused,
        Refusal::Unauthenticated("invalid user name or password".into())
    );
    assert_eq!(
        fixture
            .activities(ActivityKey::AuthRegistryLoginFailed)
            .await,
        1
    );
    let mut elsewhere = request(alice(PASSWORD), &[]);
    elsewhere.service = Some("nowhere".into());
    assert!(matches!(
        fixture.exchange(&elsewhere).await,
        Err(Refusal::BadRequest {
            oauth: "invalid_request",
            ..
        })
    ));
    let mut other_account = request(alice(PASSWORD), &[]);
    other_account.account = Some("bob".into());
    assert!(matches!(
        fixture.exchange(&other_account).await,
        Err(Refusal::Unauthenticated(m)) if m.contains("does not match")
    ));
    let refresh = request(Grant::Refresh("ptr_unknown".into()), &[]);
    assert!(matches!(
        fixture.exchange(&refresh).await,
        Err(Refusal::Unauthenticated(_))
    ));
}

#[tokio::test]
async fn an_oauth2_grant_is_answered_with_its_scope_and_a_refresh_token() {
    let fixture = Fixture::new().await;
    let password = Grant::Password(Credentials {
        username: "alice".into(),
        password: PASSWORD.into(),
    });
    let mut asked = request(password, &["repository:alice/app:pull"]);
    asked.offline = true;
    asked.client_id = Some("containerd".into());
    let token = fixture.exchange(&asked).await.expect("a token");
    assert_eq!(token.scope.as_deref(), Some("repository:alice/app:pull"));
    let refresh = token
        .refresh_token
        .expect("offline access: a refresh token");
    let again = request(
        Grant::Refresh(refresh.clone()),
        &["repository:alice/app:push"],
    );
    let token = fixture.exchange(&again).await.expect("redeemed");
    assert_eq!(token.refresh_token, Some(refresh), "returned unchanged");
    assert_eq!(token.scope.as_deref(), Some("repository:alice/app:push"));
}

/// While the database is away, what was verified at the last epoch read
/// still pulls; pushes, and credentials not seen, get a 503 saying so.
#[tokio::test]
async fn while_the_database_is_away_remembered_credentials_pull() {
    let fixture = Fixture::new().await;
    let pull = request(alice(PASSWORD), &["repository:alice/app:pull"]);
    fixture.exchange(&pull).await.expect("verified while up");
    fixture.database.went_away("test", Utc::now());
    let token = fixture.exchange(&pull).await.expect("answered from memory");
    assert_eq!(
        access_of(&token),
        vec![("alice/app".to_owned(), vec!["pull".to_owned()])]
    );
    let push = request(alice(PASSWORD), &["repository:alice/app:push"]);
    assert!(matches!(
        fixture.exchange(&push).await,
        Err(Refusal::DatabaseAway(m)) if m.contains("only pulls are answered, not push")
    ));
    let unseen = request(alice("another secret"), &["repository:alice/app:pull"]);
    assert!(matches!(
        fixture.exchange(&unseen).await,
        Err(Refusal::DatabaseAway(m)) if m.contains("only credentials used here")
    ));
}

/// While the database is away, a refresh grant is answered only for a
/// refresh token remembered, never for an application token's secret
/// (which the refresh grant refuses while the database answers).
#[tokio::test]
async fn while_the_database_is_away_an_application_token_is_no_refresh_token() {
    let fixture = Fixture::new().await;
    let owner = users::find_by_name(&fixture.db, "alice")
        .await
        .expect("read alice")
        .expect("alice");
    let new = api::NewApplicationToken {
        name: "ci".into(),
        resources: None,
        registry: None,
        access: None,
        expires_at: None,
    };
    let made = crate::accounts::app_tokens::create(&fixture.db, &owner, &owner, new)
        .await
        .expect("a token");
    let pull = &["repository:alice/app:pull"];
    let basic = request(alice(&made.secret), pull);
    fixture
        .exchange(&basic)
        .await
        .expect("the token, verified while up");
    let as_refresh = request(Grant::Refresh(made.secret.clone()), pull);
    assert!(
        matches!(
            fixture.exchange(&as_refresh).await,
            Err(Refusal::Unauthenticated(_))
        ),
        "refused while the database answers"
    );
    fixture.database.went_away("test", Utc::now());
    fixture
        .exchange(&basic)
        .await
        .expect("as a password, answered from memory");
    assert!(
        matches!(
            fixture.exchange(&as_refresh).await,
            Err(Refusal::DatabaseAway(_))
        ),
        "as a refresh token, not"
    );
}

/// While the database is away, guesses cannot be checked: each counts, and
/// once the address is out, each counts against its name too, until even
/// the remembered password of that name is refused (as the token endpoint
/// does while the database answers).
#[tokio::test]
async fn while_the_database_is_away_guesses_end_a_remembered_passwords_pass() {
    let fixture = Fixture::with(|c| {
        c.rate_limits.failed_logins_per_minute = 1;
        c.lockout_attempts = 2;
    })
    .await;
    let pull = &["repository:alice/app:pull"];
    let right = request(alice(PASSWORD), pull);
    fixture.exchange(&right).await.expect("verified while up");
    fixture.database.went_away("test", Utc::now());
    let limited =
        |answer: Result<TokenResponse, Refusal>| matches!(answer, Err(Refusal::RateLimited { .. }));
    let first = fixture.exchange(&request(alice("guess 1"), pull)).await;
    assert!(
        matches!(first, Err(Refusal::DatabaseAway(_))),
        "the address's one failed login"
    );
    fixture
        .exchange(&right)
        .await
        .expect("the address is out; alice's name is not");
    for guess in ["guess 2", "guess 3"] {
        let refused = fixture.exchange(&request(alice(guess), pull)).await;
        assert!(
            limited(refused),
            "{guess}: unchecked, counted against alice"
        );
    }
    assert!(
        limited(fixture.exchange(&right).await),
        "her name is out: the remembered password waits like a guess"
    );
}

/// Every request's future is moved into a box by the server: the database
/// paths a remembered login never takes are boxed, so it stays small (it
/// was 10 KB, a copy the profile showed on every token).
#[tokio::test]
async fn the_exchange_future_stays_small() {
    let f = Fixture::new().await;
    let asked = request(alice("x"), &["repository:a/b:pull"]);
    let issuer = f.issuer();
    let future = exchange(&issuer, FROM, &asked, At::now());
    let size = std::mem::size_of_val(&future);
    assert!(
        size < 4096,
        "the exchange future is {size} bytes: box the cold path that grew it"
    );
}
