//! A large installation: `large_bench seed` fills the database named by
//! PORTUNUS_DATABASE__URL (once) with many repositories, users, teams and
//! activities. `large_bench measure URL` then asks a running server for the
//! first and last page of each list, and prints `name p50_ms p95_ms` lines
//! for scripts/bench.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use portunus::config::Config;
use portunus::db::entities::{activity, namespace, repository, star, tag, team, team_member, user};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    TransactionTrait,
};

const PASSWORD: &str = "bench-password-1";
const USERS: i64 = 10_000;
const TEAMS: i64 = 2_000;
const TAGS_PER_REPOSITORY: i64 = 10;
const ACTIVITIES: i64 = 1_000_000;
/// Teams `member` belongs to.
const MEMBER_TEAMS: i64 = 50;
/// Rows per INSERT statement (SQLite allows 32,766 bound values).
const BATCH: usize = 1_000;

fn repositories() -> i64 {
    std::env::var("BENCH_LARGE_REPOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// A fixed point in time, `seconds` after 2026-01-01.
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_225_600 + seconds, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("large_bench: {what}: {e}");
    std::process::exit(1)
}

/// Inserts `rows` a batch at a time in one transaction, with progress.
async fn insert_all<A, I>(db: &DatabaseConnection, what: &str, rows: I)
where
    A: sea_orm::ActiveModelTrait + Send,
    I: IntoIterator<Item = A>,
{
    let started = Instant::now();
    let txn = db.begin().await.unwrap_or_else(|e| fail("begin", e));
    let mut batch = Vec::with_capacity(BATCH);
    let mut done = 0usize;
    for row in rows {
        batch.push(row);
        if batch.len() == BATCH {
            done += batch.len();
            <A::Entity as EntityTrait>::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&txn)
                .await
                .unwrap_or_else(|e| fail(what, e));
            if done.is_multiple_of(100_000) {
                eprintln!("  {what}: {done}");
            }
        }
    }
    if !batch.is_empty() {
        done += batch.len();
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec_without_returning(&txn)
            .await
            .unwrap_or_else(|e| fail(what, e));
    }
    txn.commit().await.unwrap_or_else(|e| fail("commit", e));
    eprintln!(
        "  {what}: {done} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Ids are given explicitly so rows can refer to each other without reading
/// them back: users 1..=USERS (`member` is 1, `admin` is 2), their personal
/// teams 1..=USERS, shared teams after them; namespaces likewise.
async fn seed(db: &DatabaseConnection, registry_id: i64) {
    let repos = repositories();
    let hash = portunus::crypto::password::hash(PASSWORD).unwrap_or_else(|e| fail("hash", e));
    let name_of = |u: i64| match u {
        1 => "member".to_owned(),
        2 => "admin".to_owned(),
        u => format!("user{u}"),
    };
    insert_all(
        db,
        "users",
        (1..=USERS).map(|u| user::ActiveModel {
            id: Set(u),
            username: Set(name_of(u)),
            email: Set(Some(format!("{}@example.com", name_of(u)))),
            email_verified_at: Set(None),
            display_name: Set((u % 3 == 0).then(|| format!("Person {u}"))),
            password_hash: Set(Some(hash.clone())),
            admin: Set(u == 2),
            enabled: Set(true),
            bot: Set(false),
            created_at: Set(at(u)),
            updated_at: Set(at(u)),
        }),
    )
    .await;
    // Personal teams (hidden), then the shared ones.
    insert_all(
        db,
        "teams",
        (1..=USERS + TEAMS).map(|t| team::ActiveModel {
            id: Set(t),
            name: Set(if t <= USERS {
                name_of(t)
            } else {
                format!("team{}", t - USERS)
            }),
            description: Set(String::new()),
            hidden: Set(t <= USERS),
            created_at: Set(at(t)),
        }),
    )
    .await;
    // Each user owns their personal team; each shared team has 5 members
    // and `member` is in the first 50 of them.
    let shared = |k: i64| USERS + 1 + k;
    let personal = (1..=USERS).map(|u| (u, u, "owner"));
    let members = (0..TEAMS).flat_map(|k| {
        (0..5).map(move |j| (shared(k), 3 + (k * 5 + j) % (USERS - 2), "contributor"))
    });
    let of_member = (0..MEMBER_TEAMS).map(|k| (shared(k), 1, "viewer"));
    insert_all(
        db,
        "team members",
        personal
            .chain(members)
            .chain(of_member)
            .map(|(team_id, user_id, role)| team_member::ActiveModel {
                team_id: Set(team_id),
                user_id: Set(user_id),
                role: Set(role.to_owned()),
                created_at: Set(at(0)),
                ..Default::default()
            }),
    )
    .await;
    // Personal namespaces, then one per shared team: a third each public,
    // protected and private.
    insert_all(
        db,
        "namespaces",
        (1..=USERS + TEAMS).map(|n| namespace::ActiveModel {
            id: Set(n),
            registry_id: Set(registry_id),
            name: Set(if n <= USERS {
                name_of(n)
            } else {
                format!("ns{}", n - USERS)
            }),
            team_id: Set(n),
            visibility: Set(match n % 3 {
                _ if n <= USERS => "private",
                0 => "public",
                1 => "protected",
                _ => "private",
            }
            .to_owned()),
            description: Set(String::new()),
            global: Set(false),
            personal_user_id: Set((n <= USERS).then_some(n)),
            created_at: Set(at(n)),
            // Counted by the triggers on `repositories` as they are inserted.
            repository_count: Set(0),
        }),
    )
    .await;
    let namespace_of = |r: i64| USERS + 1 + (r - 1) % TEAMS;
    // PostgreSQL: one transaction that moves each namespace's count a
    // hundred thousand times piles up row versions; count once after.
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    if postgres {
        db.execute_unprepared("ALTER TABLE repositories DISABLE TRIGGER repositories_counted")
            .await
            .unwrap_or_else(|e| fail("triggers", e));
    }
    insert_all(
        db,
        "repositories",
        (1..=repos).map(|r| repository::ActiveModel {
            id: Set(r),
            namespace_id: Set(namespace_of(r)),
            name: Set(format!("app{r}")),
            description: Set(String::new()),
            created_at: Set(at(r)),
            last_pushed_at: Set(Some(at(r * 10 + TAGS_PER_REPOSITORY - 1))),
            // Counted by the triggers on `stars` as stars are inserted.
            star_count: Set(0),
        }),
    )
    .await;
    if postgres {
        for statement in [
            "ALTER TABLE repositories ENABLE TRIGGER repositories_counted",
            "UPDATE namespaces SET repository_count = \
             (SELECT COUNT(*) FROM repositories r WHERE r.namespace_id = namespaces.id)",
        ] {
            db.execute_unprepared(statement)
                .await
                .unwrap_or_else(|e| fail("repository counts", e));
        }
    }
    insert_all(
        db,
        "tags",
        (1..=repos).flat_map(|r| {
            (0..TAGS_PER_REPOSITORY).map(move |t| {
                let digest = format!("sha256:{:064x}", r * 16 + t);
                tag::ActiveModel {
                    repository_id: Set(r),
                    name: Set(format!("v{t}")),
                    digest: Set(digest),
                    image_id: Set(None),
                    size: Set(1_000_000 + t),
                    pushed_by_id: Set(Some(3 + r % (USERS - 2))),
                    pushed_at: Set(at(r * 10 + t)),
                    pulled_at: Set(None),
                    media_type: Set("application/vnd.oci.image.manifest.v1+json".to_owned()),
                    layers: Set(3),
                    created_at: Set(Some(at(r * 10 + t))),
                    labels: Set(None),
                    platforms: Set(None),
                    updated_at: Set(None),
                    sync_generation: Set(0),
                    ..Default::default()
                }
            })
        }),
    )
    .await;
    // Pushes, with team changes every tenth entry.
    insert_all(
        db,
        "activities",
        (1..=ACTIVITIES).map(|a| {
            let r = 1 + a % repos;
            let actor = 3 + a % (USERS - 2);
            let (key, target_type, target_id, target_name, parameters, namespace_id) =
                if a % 10 == 0 {
                    let t = shared(a % TEAMS);
                    (
                        "team.add_member",
                        "team",
                        t,
                        format!("team{}", t - USERS),
                        Some(serde_json::json!({"user": name_of(actor), "role": "viewer"})),
                        None,
                    )
                } else {
                    (
                        "repository.push",
                        "repository",
                        r,
                        format!("ns{}/app{r}:v{}", namespace_of(r) - USERS, a % 10),
                        None,
                        Some(namespace_of(r)),
                    )
                };
            activity::ActiveModel {
                actor_id: Set(Some(actor)),
                actor_name: Set(name_of(actor)),
                key: Set(key.to_owned()),
                target_type: Set(target_type.to_owned()),
                target_id: Set(Some(target_id)),
                target_name: Set(target_name),
                parameters: Set(parameters),
                namespace_id: Set(namespace_id),
                created_at: Set(at(a)),
                ..Default::default()
            }
        }),
    )
    .await;
    insert_all(
        db,
        "stars",
        (1..=repos).step_by(7).map(|r| star::ActiveModel {
            user_id: Set(1 + r % USERS),
            repository_id: Set(r),
            created_at: Set(at(r)),
            ..Default::default()
        }),
    )
    .await;
    // PostgreSQL's sequences must continue after the explicit ids.
    if postgres {
        for table in ["users", "teams", "namespaces", "repositories"] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await
            .unwrap_or_else(|e| fail("sequences", e));
        }
        // What autovacuum would have done by now: without it, counting
        // cannot use index-only scans.
        db.execute_unprepared("VACUUM ANALYZE")
            .await
            .unwrap_or_else(|e| fail("analyze", e));
    } else {
        db.execute_unprepared("ANALYZE")
            .await
            .unwrap_or_else(|e| fail("analyze", e));
    }
}

/// Fills the database once (a second run finds it filled): BENCH_LARGE_REPOS
/// repositories (default 100,000) in 2,000 team namespaces, 10 tags each,
/// 10,000 users with personal namespaces, 2,000 teams and 1,000,000
/// activities. Rows are written in bulk by SQL, not through the API: 10,000
/// argon2 hashes alone would take minutes. Every user's password is
/// `bench-password-1`.
async fn seed_command() {
    let config = Config::load(None).unwrap_or_else(|e| fail("configuration", e));
    let db = portunus::db::connect(&config.database_url())
        .await
        .unwrap_or_else(|e| fail("database", e));
    let registry_id = portunus::catalog::ensure_registry(&db, &config)
        .await
        .unwrap_or_else(|e| fail("registry row", e));
    let existing = repository::Entity::find()
        .count(&db)
        .await
        .unwrap_or_else(|e| fail("count", e));
    if existing as i64 >= repositories() {
        eprintln!("large_bench: the database holds {existing} repositories already");
        return;
    }
    if existing > 0 || user::Entity::find().count(&db).await.unwrap_or(0) > 0 {
        fail(
            "seed",
            "the database is partly filled; give an empty one (remove the SQLite file)",
        );
    }
    let started = Instant::now();
    seed(&db, registry_id.0).await;
    println!("seed_seconds {:.1}", started.elapsed().as_secs_f64());
}

/// Signs in and returns the session cookie.
async fn session(http: &reqwest::Client, base: &str, username: &str) -> String {
    let response = http
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| fail("sign in", e));
    if !response.status().is_success() {
        fail("sign in", response.status());
    }
    response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .unwrap_or_else(|| fail("sign in", "no session cookie"))
}

/// GETs `path` `times` times; the median and 95th percentile in ms, and
/// the last answer.
async fn timed(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    path: &str,
    times: usize,
) -> (f64, f64, serde_json::Value) {
    let mut took = Vec::with_capacity(times);
    let mut last = serde_json::Value::Null;
    for _ in 0..times {
        let started = Instant::now();
        let response = http
            .get(format!("{base}/api/v1{path}"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap_or_else(|e| fail(path, e));
        let status = response.status();
        let body = response.text().await.unwrap_or_else(|e| fail(path, e));
        took.push(started.elapsed());
        if !status.is_success() {
            fail(path, format!("{status}: {body}"));
        }
        last = serde_json::from_str(&body).unwrap_or_else(|e| fail(path, e));
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = took[(times * 95).div_ceil(100).saturating_sub(1)];
    (ms(took[times / 2]), ms(p95), last)
}

/// The last page number of a paged answer.
fn last_page(answer: &serde_json::Value) -> u64 {
    let total = answer["total"].as_u64().unwrap_or(0);
    let per_page = answer["per_page"].as_u64().unwrap_or(50).max(1);
    total.div_ceil(per_page).max(1)
}

/// Times the first and last page of each list, as an administrator and as
/// `member` (in 50 teams).
async fn measure_command(base: &str) {
    let http = reqwest::Client::new();
    let times = 20;
    for who in ["admin", "member"] {
        let cookie = session(&http, base, who).await;
        for (name, path) in [
            ("repositories", "/repositories?per_page=50"),
            (
                "repositories_recent",
                "/repositories?per_page=50&sort=recent",
            ),
            ("repositories_stars", "/repositories?per_page=50&sort=stars"),
            ("feed", "/feed?per_page=50"),
        ] {
            let (p50, p95, first) =
                timed(&http, base, &cookie, &format!("{path}&page=1"), times).await;
            println!(
                "{who}_{name}_first {p50:.1} {p95:.1} total={}",
                first["total"]
            );
            let last = last_page(&first);
            let (p50, p95, _) =
                timed(&http, base, &cookie, &format!("{path}&page={last}"), times).await;
            println!("{who}_{name}_last {p50:.1} {p95:.1} page={last}");
        }
        let (p50, p95, _) = timed(&http, base, &cookie, "/search?q=app123", times).await;
        println!("{who}_search {p50:.1} {p95:.1}");
        let (p50, p95, _) = timed(&http, base, &cookie, "/repositories/3/images", times).await;
        println!("{who}_tags {p50:.1} {p95:.1}");
    }
    let cookie = session(&http, base, "admin").await;
    let (p50, p95, first) = timed(&http, base, &cookie, "/activities?page=1", times).await;
    println!(
        "admin_audit_first {p50:.1} {p95:.1} total={}",
        first["total"]
    );
    let last = last_page(&first);
    let (p50, p95, _) = timed(
        &http,
        base,
        &cookie,
        &format!("/activities?page={last}"),
        times,
    )
    .await;
    println!("admin_audit_last {p50:.1} {p95:.1} page={last}");
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("seed") => seed_command().await,
        Some("measure") => match args.get(2) {
            Some(base) => measure_command(base.trim_end_matches('/')).await,
            None => fail("usage", "large_bench measure URL"),
        },
        _ => fail("usage", "large_bench seed | large_bench measure URL"),
    }
}
