//! Fresh, isolated databases for tests: a new SQLite file, or a new PostgreSQL
//! schema on the server at `TEST_DATABASE_URL`.

use super::{Backend, PoolSettings, Store};
use std::sync::atomic::{AtomicU64, Ordering};

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const SCHEMA_PREFIX: &str = "gauntlet_t_";

pub fn test_database_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_string())
}

/// A database that lives as long as this value (its files or schema are removed on drop).
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(#[allow(dead_code)] tempfile::TempDir),
    Schema { admin_url: String, schema: String },
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres().await,
        }
    }

    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}/gauntlet.db", dir.path().display());
        let store = Store::connect(&url, &PoolSettings::default())
            .await
            .expect("sqlite store");
        TestDb {
            store,
            url,
            cleanup: Cleanup::File(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        let (url, admin_url, schema) = fresh_postgres_schema().await;
        let store = Store::connect(&url, &PoolSettings::default())
            .await
            .expect("postgres store");
        TestDb {
            store,
            url,
            cleanup: Cleanup::Schema { admin_url, schema },
        }
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }
}

/// Creates an empty schema and returns a URL whose connections use it.
pub async fn fresh_postgres_schema() -> (String, String, String) {
    use sqlx::Connection;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let admin_url = test_database_url();
    let schema = format!(
        "{SCHEMA_PREFIX}{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} must answer for these tests: {e}"));
    sweep_abandoned_schemas(&mut conn).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("create schema");
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
    (url, admin_url, schema)
}

/// Schemas of test processes that no longer run (a test killed mid-way).
async fn sweep_abandoned_schemas(conn: &mut sqlx::PgConnection) {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    let mut first = false;
    SWEPT.call_once(|| first = true);
    if !first {
        return;
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'gauntlet\\_t\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name
            .trim_start_matches(SCHEMA_PREFIX)
            .split('_')
            .next()
            .unwrap_or_default();
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Schema { admin_url, schema } = &self.cleanup {
            let (admin_url, schema) = (admin_url.clone(), schema.clone());
            // Drop runs outside any async context we could await in: a thread of its own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP SCHEMA IF EXISTS {schema} CASCADE"
                        )))
                        .execute(&mut conn)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}
