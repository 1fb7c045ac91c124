//! Upgrades: the migrations applied one at a time, as one start of a new
//! release applies them, with rows put into every table that exists before
//! each one. Every row a migration finds must still be there after it, with
//! the same values; and once all have run, the rows still mean what they
//! meant.
//!
//! A new table or a new required column makes this test fail until
//! [`SEEDS`] gives it rows or values.

use std::collections::{BTreeMap, BTreeSet};

use portunus::db::migrate::Session;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{Value, json};

use crate::kit::{As, Kit, PASSWORD, basic, fresh_postgres, token_access};

/// One row of a table, as column and SQL value; `{g}` stands for the
/// generation (how many migrations have run before it is written),
/// `{password}` for an argon2 hash of the kit's password, `{token}` for
/// the hash of application token `ptn_upgrade{g}` and `{session}` for
/// that of session cookie `session-from-before-{g}`. Columns the table
/// does not have (yet, or any longer) are left out.
type Row = &'static [(&'static str, &'static str)];

/// A table's rows, written in every generation unless `once`.
struct Seed {
    table: &'static str,
    once: bool,
    rows: &'static [Row],
}

const AT: &str = "'2026-11-20T10:00:00Z'";

/// The rows, in an order in which each refers only to rows before it.
/// Every table and required column must have some, so the next migration
/// is tried with data too.
const SEEDS: &[Seed] = &[
    Seed {
        table: "registries",
        once: true,
        rows: &[&[
            ("name", "'default'"),
            ("hostname", "'127.0.0.1:5000'"),
            ("external_hostname", "'registry.example.org'"),
            ("created_at", AT),
        ]],
    },
    Seed {
        table: "users",
        once: false,
        rows: &[
            &[
                ("username", "'ann{g}'"),
                ("email", "'ann{g}@example.org'"),
                ("display_name", "'Ann {g}'"),
                ("password_hash", "'{password}'"),
                ("admin", "false"),
                ("enabled", "true"),
                ("bot", "false"),
                ("created_at", AT),
                ("updated_at", AT),
            ],
            &[
                ("username", "'dora{g}'"),
                ("password_hash", "'{password}'"),
                ("enabled", "false"),
                ("created_at", AT),
                ("updated_at", AT),
            ],
            &[
                ("username", "'robot{g}'"),
                ("bot", "true"),
                ("created_at", AT),
                ("updated_at", AT),
            ],
        ],
    },
    Seed {
        table: "teams",
        once: false,
        rows: &[
            &[
                ("name", "'crew{g}'"),
                ("description", "'the crew of generation {g}'"),
                ("created_at", AT),
            ],
            &[("name", "'ann{g}'"), ("hidden", "true"), ("created_at", AT)],
        ],
    },
    Seed {
        table: "team_members",
        once: false,
        rows: &[
            &[
                ("team_id", "(SELECT id FROM teams WHERE name = 'crew{g}')"),
                (
                    "user_id",
                    "(SELECT id FROM users WHERE username = 'ann{g}')",
                ),
                ("role", "'owner'"),
                ("created_at", AT),
            ],
            &[
                ("team_id", "(SELECT id FROM teams WHERE name = 'crew{g}')"),
                (
                    "user_id",
                    "(SELECT id FROM users WHERE username = 'robot{g}')",
                ),
                ("role", "'contributor'"),
                ("created_at", AT),
            ],
            &[
                ("team_id", "(SELECT id FROM teams WHERE name = 'crew{g}')"),
                (
                    "user_id",
                    "(SELECT id FROM users WHERE username = 'dora{g}')",
                ),
                ("role", "'viewer'"),
                ("created_at", AT),
            ],
            &[
                ("team_id", "(SELECT id FROM teams WHERE name = 'ann{g}')"),
                (
                    "user_id",
                    "(SELECT id FROM users WHERE username = 'ann{g}')",
                ),
                ("role", "'owner'"),
                ("created_at", AT),
            ],
        ],
    },
    Seed {
        table: "namespaces",
        once: false,
        rows: &[
            &[
                ("registry_id", "(SELECT min(id) FROM registries)"),
                ("name", "'crew{g}'"),
                ("team_id", "(SELECT id FROM teams WHERE name = 'crew{g}')"),
                ("visibility", "'private'"),
                ("description", "'private images'"),
                ("created_at", AT),
            ],
            &[
                ("registry_id", "(SELECT min(id) FROM registries)"),
                ("name", "'crew{g}-docs'"),
                ("team_id", "(SELECT id FROM teams WHERE name = 'crew{g}')"),
                ("visibility", "'protected'"),
                ("created_at", AT),
            ],
            &[
                ("registry_id", "(SELECT min(id) FROM registries)"),
                ("name", "'crew{g}-pub'"),
                ("team_id", "(SELECT id FROM teams WHERE name = 'crew{g}')"),
                ("visibility", "'public'"),
                ("created_at", AT),
            ],
            &[
                ("registry_id", "(SELECT min(id) FROM registries)"),
                ("name", "'ann{g}'"),
                ("team_id", "(SELECT id FROM teams WHERE name = 'ann{g}')"),
                ("visibility", "'private'"),
                (
                    "personal_user_id",
                    "(SELECT id FROM users WHERE username = 'ann{g}')",
                ),
                ("created_at", AT),
            ],
        ],
    },
    Seed {
        table: "repositories",
        once: false,
        rows: &[
            &[
                (
                    "namespace_id",
                    "(SELECT id FROM namespaces WHERE name = 'crew{g}')",
                ),
                ("name", "'app'"),
                ("description", "'# The app'"),
                ("created_at", AT),
            ],
            &[
                (
                    "namespace_id",
                    "(SELECT id FROM namespaces WHERE name = 'crew{g}-docs')",
                ),
                ("name", "'manual'"),
                ("created_at", AT),
            ],
            &[
                (
                    "namespace_id",
                    "(SELECT id FROM namespaces WHERE name = 'crew{g}-pub')",
                ),
                ("name", "'site'"),
                ("created_at", AT),
            ],
            &[
                (
                    "namespace_id",
                    "(SELECT id FROM namespaces WHERE name = 'ann{g}')",
                ),
                ("name", "'tool'"),
                ("created_at", AT),
            ],
        ],
    },
    Seed {
        table: "tags",
        once: false,
        rows: &[&[
            ("repository_id", CREW_APP),
            ("name", "'v1'"),
            (
                "digest",
                "'sha256:{g}000000000000000000000000000000000000000000000000000000000000000'",
            ),
            ("image_id", "'sha256:feed{g}'"),
            ("size", "1234"),
            ("pushed_by_id", ANN),
            ("pushed_at", AT),
            ("media_type", "'application/vnd.oci.image.manifest.v1+json'"),
            ("layers", "2"),
            ("labels", "'{\"org.opencontainers.image.title\": \"app\"}'"),
        ]],
    },
    Seed {
        table: "application_tokens",
        once: false,
        rows: &[
            &[
                ("user_id", ANN),
                ("name", "'ci'"),
                ("token_hash", "'{token}'"),
                (
                    "scope",
                    "'{\"resources\": [\"crew{g}/app\"], \"access\": \"read\"}'",
                ),
                ("expires_at", "'2099-01-01T00:00:00Z'"),
                ("created_at", AT),
            ],
            &[
                ("user_id", ANN),
                ("name", "'all'"),
                ("token_hash", "'unlimited{g}'"),
                ("created_at", AT),
            ],
        ],
    },
    Seed {
        table: "sessions",
        once: false,
        rows: &[&[
            ("user_id", ANN),
            ("token_hash", "'{session}'"),
            ("created_at", AT),
            ("expires_at", "'2099-01-01T00:00:00Z'"),
            ("client", "'Firefox on Linux'"),
            ("address", "'192.0.2.{g}'"),
        ]],
    },
    Seed {
        table: "registry_events",
        once: false,
        rows: &[&[
            ("event_id", "'event-{g}'"),
            ("registry_id", "(SELECT min(id) FROM registries)"),
            ("action", "'push'"),
            ("payload", "'{\"id\": \"event-{g}\"}'"),
            ("received_at", AT),
            ("processed_at", AT),
        ]],
    },
    Seed {
        table: "activities",
        once: false,
        rows: &[
            &[
                ("actor_id", ANN),
                ("actor_name", "'ann{g}'"),
                ("key", "'repository.push'"),
                ("target_type", "'repository'"),
                ("target_id", CREW_APP),
                ("target_name", "'crew{g}/app:v1'"),
                ("parameters", "'{\"tag\": \"v1\"}'"),
                ("created_at", AT),
            ],
            &[
                ("actor_name", "'portunus'"),
                ("key", "'namespace.create'"),
                ("target_type", "'namespace'"),
                (
                    "target_id",
                    "(SELECT id FROM namespaces WHERE name = 'crew{g}')",
                ),
                ("target_name", "'crew{g}'"),
                ("created_at", AT),
            ],
        ],
    },
    Seed {
        table: "refresh_tokens",
        once: false,
        rows: &[&[
            ("user_id", ANN),
            ("service", "'registry'"),
            ("client_id", "'docker'"),
            ("token_hash", "'refresh{g}'"),
            ("password_digest", "'digest{g}'"),
            ("created_at", AT),
            ("address", "'192.0.2.{g}'"),
        ]],
    },
    Seed {
        table: "stars",
        once: false,
        rows: &[&[
            ("user_id", ANN),
            ("repository_id", CREW_APP),
            ("created_at", AT),
        ]],
    },
    Seed {
        table: "artifacts",
        once: false,
        rows: &[&[
            ("repository_id", CREW_APP),
            ("digest", "'sha256:sig{g}'"),
            (
                "subject_digest",
                "'sha256:{g}000000000000000000000000000000000000000000000000000000000000000'",
            ),
            (
                "artifact_type",
                "'application/vnd.dev.cosign.artifact.sig.v1+json'",
            ),
            ("media_type", "'application/vnd.oci.image.manifest.v1+json'"),
            ("size", "300"),
            ("pushed_by_id", ANN),
            ("pushed_at", AT),
        ]],
    },
    Seed {
        table: "comments",
        once: false,
        rows: &[&[
            ("repository_id", CREW_APP),
            ("user_id", ANN),
            ("author_name", "'ann{g}'"),
            ("body", "'Looks good ({g})'"),
            ("created_at", AT),
        ]],
    },
    Seed {
        table: "retention_rules",
        once: false,
        rows: &[&[
            ("repository_id", CREW_APP),
            ("enabled", "false"),
            ("keep_newest", "5"),
            ("tag_pattern", "'^pr-'"),
            ("updated_at", AT),
            ("updated_by_id", ANN),
        ]],
    },
    Seed {
        table: "immutable_tag_rules",
        once: false,
        rows: &[
            &[
                (
                    "namespace_id",
                    "(SELECT id FROM namespaces WHERE name = 'crew{g}')",
                ),
                ("pattern", "'v*'"),
                ("include_latest", "false"),
                ("created_by_id", ANN),
                ("created_at", AT),
            ],
            &[
                ("pattern", "'^release-{g}$'"),
                ("include_latest", "true"),
                ("created_at", AT),
            ],
        ],
    },
    Seed {
        table: "pulls",
        once: false,
        rows: &[
            &[
                (
                    "registry_id",
                    "(SELECT id FROM registries WHERE name = 'default')",
                ),
                ("repository", "'crew{g}/app'"),
                ("reference", "'v1'"),
                ("digest", "'sha256:aa{g}'"),
                ("account", "'ann{g}'"),
                ("address", "'198.51.100.{g}'"),
                ("client", "'docker/27.0'"),
                ("pulled_at", AT),
            ],
            &[
                (
                    "registry_id",
                    "(SELECT id FROM registries WHERE name = 'default')",
                ),
                ("repository", "'crew{g}/app'"),
                ("reference", "'sha256:aa{g}'"),
                ("address", "'203.0.113.{g}'"),
                ("client", "'podman/5'"),
                ("pulled_at", AT),
            ],
        ],
    },
    Seed {
        table: "sign_in_guards",
        once: false,
        rows: &[&[
            ("username", "'dora{g}'"),
            ("address", "'198.51.100.{g}'"),
            ("failures", "2"),
            ("updated_at", AT),
        ]],
    },
    Seed {
        table: "user_identities",
        once: false,
        rows: &[&[
            (
                "user_id",
                "(SELECT id FROM users WHERE username = 'dora{g}')",
            ),
            ("provider", "'ldap'"),
            ("issuer", "'ldap://ldap.example.org'"),
            ("subject", "'uid=dora{g},ou=people,dc=example,dc=org'"),
            ("checked_at", AT),
            ("created_at", AT),
        ]],
    },
    Seed {
        table: "oidc_logins",
        once: false,
        rows: &[&[
            ("state_hash", "'state{g}'"),
            ("browser_hash", "'browser{g}'"),
            ("nonce", "'nonce{g}'"),
            ("pkce_verifier", "'verifier{g}'"),
            ("return_to", "'/'"),
            ("created_at", AT),
        ]],
    },
    Seed {
        table: "email_confirmations",
        once: false,
        rows: &[&[
            ("token_hash", "'confirm{g}'"),
            ("user_id", ANN),
            ("email", "'ann{g}@example.org'"),
            ("created_at", AT),
            ("expires_at", AT),
        ]],
    },
    Seed {
        table: "password_resets",
        once: false,
        rows: &[&[
            ("token_hash", "'reset{g}'"),
            (
                "user_id",
                "(SELECT id FROM users WHERE username = 'dora{g}')",
            ),
            ("purpose", "'reset'"),
            ("created_at", AT),
            ("expires_at", AT),
        ]],
    },
    Seed {
        table: "leases",
        once: false,
        rows: &[&[
            ("name", "'upgrade-test-{g}'"),
            ("holder", "'replica-0123456789ab'"),
            ("expires_at_ms", "0"),
        ]],
    },
    Seed {
        table: "shared_secrets",
        once: false,
        rows: &[&[
            ("name", "'upgrade-test-{g}'"),
            ("value", "'not used'"),
            ("created_at", AT),
        ]],
    },
    Seed {
        table: "webhooks",
        once: false,
        rows: &[
            &[
                (
                    "namespace_id",
                    "(SELECT id FROM namespaces WHERE name = 'crew{g}')",
                ),
                ("name", "'ci'"),
                ("url", "'https://ci.example.org/hook/{g}'"),
                ("events", "'push,delete'"),
                ("enabled", "false"),
                ("secret_sealed", "'sealed{g}'"),
                ("basic_username", "'hook'"),
                ("created_by_id", ANN),
                ("created_at", AT),
                ("updated_at", AT),
            ],
            &[
                ("name", "'audit{g}'"),
                ("url", "'https://audit.example.org/{g}'"),
                ("events", "'push'"),
                ("enabled", "false"),
                ("secret_sealed", "'sealed{g}'"),
                ("created_at", AT),
                ("updated_at", AT),
            ],
        ],
    },
    Seed {
        table: "webhook_deliveries",
        once: false,
        rows: &[&[
            (
                "webhook_id",
                "(SELECT id FROM webhooks WHERE url = 'https://ci.example.org/hook/{g}')",
            ),
            ("delivery_id", "'delivery-{g}'"),
            ("event", "'push'"),
            ("action", "'push'"),
            ("payload", "'{}'"),
            ("state", "'delivered'"),
            ("attempts", "1"),
            ("response_status", "204"),
            ("duration_ms", "12"),
            ("created_at", AT),
            ("last_attempt_at", AT),
        ]],
    },
    Seed {
        table: "webhook_attempts",
        once: false,
        rows: &[&[
            (
                "delivery_id",
                "(SELECT id FROM webhook_deliveries WHERE delivery_id = 'delivery-{g}')",
            ),
            ("number", "1"),
            ("attempted_at", AT),
            ("response_status", "204"),
            ("duration_ms", "12"),
        ]],
    },
    Seed {
        table: "portus_imports",
        once: false,
        rows: &[&[
            ("kind", "'user'"),
            ("portus_id", "{g}"),
            ("portunus_id", ANN),
            ("linked", "false"),
            ("imported_at", AT),
        ]],
    },
];

const ANN: &str = "(SELECT id FROM users WHERE username = 'ann{g}')";
const CREW_APP: &str = "(SELECT r.id FROM repositories r JOIN namespaces n ON n.id = r.namespace_id \
     WHERE n.name = 'crew{g}' AND r.name = 'app')";

/// Tables that hold no rows of their own to keep: the migrations' record,
/// the one-row counter, and SQLite's full-text index of repository names
/// (made from `repositories` by triggers).
fn derived(table: &str) -> bool {
    table == "seaql_migrations"
        || table == "authz_epoch"
        || table.starts_with("sqlite_")
        || table.starts_with("repository_name_trigrams")
}

/// A column as the database describes it.
struct Column {
    name: String,
    /// NOT NULL without a default: an insert must give it.
    required: bool,
}

async fn query(db: &impl ConnectionTrait, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn tables(db: &impl ConnectionTrait) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1",
    };
    query(db, sql)
        .await
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a name"))
        .filter(|name| !derived(name))
        .collect()
}

async fn columns(db: &impl ConnectionTrait, table: &str) -> Vec<Column> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => query(
            db,
            &format!(
                "SELECT column_name::text, (is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO') \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}' \
                 ORDER BY ordinal_position"
            ),
        )
        .await
        .iter()
        .map(|row| Column {
            name: row.try_get_by_index(0).expect("name"),
            required: row.try_get_by_index(1).expect("required"),
        })
        .collect(),
        _ => query(db, &format!("PRAGMA table_info(\"{table}\")"))
            .await
            .iter()
            .map(|row| {
                let name: String = row.try_get("", "name").expect("name");
                let not_null: i32 = row.try_get("", "notnull").expect("notnull");
                let default: Option<String> = row.try_get("", "dflt_value").expect("default");
                let key: i32 = row.try_get("", "pk").expect("pk");
                // An INTEGER PRIMARY KEY is the row id: SQLite gives it.
                let row_id = key == 1 && name == "id";
                Column {
                    required: not_null != 0 && default.is_none() && !row_id,
                    name,
                }
            })
            .collect(),
    }
}

/// What stands in a template for this generation.
struct Values {
    generation: usize,
    password: String,
}

impl Values {
    fn fill(&self, template: &str) -> String {
        let g = self.generation;
        template
            .replace("{password}", &self.password)
            .replace("{token}", &token_hash(g))
            .replace(
                "{session}",
                &portunus::crypto::secrets::sha256_hex(&session_secret(g)),
            )
            .replace("{g}", &g.to_string())
    }
}

fn token_secret(generation: usize) -> String {
    format!("ptn_upgrade{generation}")
}

fn session_secret(generation: usize) -> String {
    format!("session-from-before-{generation}")
}

fn token_hash(generation: usize) -> String {
    portunus::accounts::app_tokens::hash(&token_secret(generation))
}

/// Writes generation `values.generation` into every table there is now.
async fn seed(db: &impl ConnectionTrait, values: &Values) {
    let existing = tables(db).await;
    for table in &existing {
        assert!(
            SEEDS.iter().any(|s| s.table == table),
            "table {table} has no rows in the upgrade test: add a Seed for it to SEEDS"
        );
    }
    for seed in SEEDS
        .iter()
        .filter(|s| existing.iter().any(|t| t == s.table))
    {
        let table = seed.table;
        if seed.once && !empty(db, table).await {
            continue;
        }
        let columns = columns(db, table).await;
        for row in seed.rows {
            let given: Vec<&(&str, &str)> = row
                .iter()
                .filter(|(name, _)| columns.iter().any(|c| c.name == *name))
                .collect();
            for column in columns.iter().filter(|c| c.required) {
                assert!(
                    given.iter().any(|(name, _)| *name == column.name),
                    "{table}.{} must be given and has no default: give the upgrade test's row a value for it",
                    column.name
                );
            }
            let names: Vec<&str> = given.iter().map(|(name, _)| *name).collect();
            let sql_values: Vec<String> = given.iter().map(|(_, v)| values.fill(v)).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                sql_values.join(", ")
            );
            db.execute_unprepared(&sql)
                .await
                .unwrap_or_else(|e| panic!("generation {}: {sql}: {e}", values.generation));
        }
    }
}

async fn empty(db: &impl ConnectionTrait, table: &str) -> bool {
    let rows = query(db, &format!("SELECT count(*) FROM {table}")).await;
    rows[0].try_get_by_index::<i64>(0).expect("a count") == 0
}

/// Every table's rows, each as its columns' values in text, sorted.
type Snapshot = BTreeMap<String, (Vec<String>, Vec<Vec<Option<String>>>)>;

async fn snapshot(db: &impl ConnectionTrait) -> Snapshot {
    let mut all = Snapshot::new();
    for table in tables(db).await {
        let names: Vec<String> = columns(db, &table)
            .await
            .into_iter()
            .map(|c| c.name)
            .collect();
        let select = names
            .iter()
            .map(|n| format!("CAST(\"{n}\" AS TEXT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut rows: Vec<Vec<Option<String>>> =
            query(db, &format!("SELECT {select} FROM {table}"))
                .await
                .iter()
                .map(|row| {
                    (0..names.len())
                        .map(|i| row.try_get_by_index::<Option<String>>(i).expect("text"))
                        .collect()
                })
                .collect();
        rows.sort();
        all.insert(table, (names, rows));
    }
    all
}

/// Asserts that every row of `before` is in `after`, with the same values
/// in the columns both have.
fn kept(migration: &str, before: &Snapshot, after: &Snapshot) {
    for (table, (names, rows)) in before {
        let (names_after, rows_after) = after.get(table).unwrap_or_else(|| {
            panic!(
                "{migration} dropped table {table} and its {} rows",
                rows.len()
            )
        });
        let common: Vec<(usize, usize)> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| names_after.iter().position(|m| m == n).map(|j| (i, j)))
            .collect();
        let project = |row: &Vec<Option<String>>, pick: fn(&(usize, usize)) -> usize| {
            common
                .iter()
                .map(|c| row[pick(c)].clone())
                .collect::<Vec<_>>()
        };
        let was: Vec<_> = rows.iter().map(|r| project(r, |c| c.0)).collect();
        let is: Vec<_> = rows_after.iter().map(|r| project(r, |c| c.1)).collect();
        let lost: Vec<_> = was.iter().filter(|r| !is.contains(r)).take(3).collect();
        assert!(
            lost.is_empty() && was.len() <= is.len(),
            "{migration} lost or changed rows of {table} ({} before, {} after; columns {:?}); for example {lost:?}",
            was.len(),
            is.len(),
            common.iter().map(|c| &names[c.0]).collect::<Vec<_>>()
        );
    }
}

/// Runs the migrations one at a time in one session, seeding before each,
/// and checks that each keeps every row; answers the last generation.
/// One session and one transaction, as one start of a new release.
async fn upgrade_with_data(session: Session) -> usize {
    let password = portunus::crypto::password::hash(PASSWORD).expect("a hash");
    let values = |generation| Values {
        generation,
        password: password.clone(),
    };
    let known = portunus::db::migrate::known();
    let mut before: Option<Snapshot> = None;
    let mut generation = 0;
    loop {
        let applied = session
            .apply(Some(1), &mut |_| {})
            .await
            .unwrap_or_else(|e| panic!("after generation {generation}: {e}"));
        let Some(migration) = applied.first() else {
            break;
        };
        assert_eq!(migration, &known[generation], "in order");
        generation += 1;
        let now = snapshot(&session.connection()).await;
        if let Some(before) = &before {
            kept(migration, before, &now);
        }
        if generation < known.len() {
            seed(&session.connection(), &values(generation)).await;
            before = Some(snapshot(&session.connection()).await);
        }
    }
    assert_eq!(generation, known.len(), "every migration ran");
    session.commit().await.expect("the upgrade commits");
    generation - 1
}

/// The names in a page of repositories.
fn names(page: &Value) -> BTreeSet<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|r| r["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// What generation `g`'s rows mean after the upgrade, as the started
/// application reads them: a person signs in with the password she had, an
/// application token logs in with no more than its scope, a listing shows
/// her repositories.
async fn rows_still_mean_the_same(kit: &Kit, g: usize) {
    let ann = kit.sign_in(&format!("ann{g}")).await;
    let disabled = kit
        .send(
            kit.client
                .post("/api/v1/session")
                .body_json(&json!({"username": format!("dora{g}"), "password": PASSWORD})),
        )
        .await;
    disabled.assert_client_error(401, &format!("dora{g} stays disabled"));
    assert!(disabled.text.contains("disabled"), "{}", disabled.text);
    let signed_in_before = As::Cookie(format!("portunus_session={}", session_secret(g)));
    let me = kit.call(&signed_in_before, "GET", "/api/v1/me", None).await;
    me.assert_status(200, "a session from before the upgrade");
    assert_eq!(me.json()["username"], format!("ann{g}"));

    let token_for = |auth: String| {
        let request = kit
            .client
            .get(format!(
                "/v2/token?service=registry&scope=repository:crew{g}/app:pull,push\
                 &scope=repository:crew{g}-pub/site:pull,push"
            ))
            .header("Authorization", auth);
        kit.send(request)
    };
    let by_password = token_for(basic(&format!("ann{g}"), PASSWORD)).await;
    assert_eq!(
        token_access(&by_password),
        json!([
            {"type": "repository", "name": format!("crew{g}/app"), "actions": ["pull", "push"]},
            {"type": "repository", "name": format!("crew{g}-pub/site"), "actions": ["pull", "push"]},
        ]),
        "ann{g} owns crew{g}'s namespaces ({})",
        kit.backend
    );
    let by_token = token_for(basic(&format!("ann{g}"), &token_secret(g))).await;
    assert_eq!(
        token_access(&by_token),
        json!([{"type": "repository", "name": format!("crew{g}/app"), "actions": ["pull"]}]),
        "her token reads crew{g}/app only ({})",
        kit.backend
    );

    for (namespace, expected) in [
        (format!("crew{g}"), format!("crew{g}/app")),
        (format!("crew{g}-docs"), format!("crew{g}-docs/manual")),
        (format!("ann{g}"), format!("ann{g}/tool")),
    ] {
        let page = kit
            .call(
                &ann,
                "GET",
                &format!("/api/v1/repositories?namespace={namespace}"),
                None,
            )
            .await;
        page.assert_status(200, &namespace);
        assert_eq!(
            names(&page.json()),
            BTreeSet::from([expected]),
            "{namespace}"
        );
    }
}

#[tokio::test]
async fn every_migration_keeps_the_rows_it_finds_and_they_mean_the_same_after() {
    let mut databases = vec![("sqlite", None)];
    if let Some(database) = fresh_postgres().await {
        databases.push(("postgres", Some(database)));
    }
    for (backend, postgres) in databases {
        let dir = tempfile::tempdir().expect("a directory");
        let url = postgres.unwrap_or_else(|| {
            format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display())
        });
        let session = Session::begin(&url).await.expect("a migration session");
        let last = upgrade_with_data(session).await;
        let kit = Kit::with_config(backend, Some(url), |_| {}).await;
        for g in [1, last] {
            rows_still_mean_the_same(&kit, g).await;
        }
    }
}
