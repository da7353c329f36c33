//! Storage: one `Store` over SQLite (the embedded default) or PostgreSQL.
//!
//! Both databases are reached through sqlx's `Any` driver, so an operation whose SQL
//! the two agree on is written once (`$1` placeholders work on both; times are integer
//! milliseconds; sums are cast to BIGINT). What differs — pool shape, locking
//! clauses, LISTEN/NOTIFY — lives in `sqlite.rs` and `postgres.rs`. Every state change
//! is a conditional update named for its condition, so any number of server
//! instances can share one PostgreSQL database.

pub mod accounts;
pub mod analytics;
pub mod audit;
pub mod challenges;
pub mod deadlines;
pub mod job_control;
pub mod ledger;
pub mod notifications;
pub mod payouts;
mod postgres;
pub mod settlement;
mod sqlite;
pub mod warnings;

#[cfg(test)]
mod conformance;
#[cfg(any(test, feature = "testing"))]
pub mod seed;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

use crate::domain::AppError;
use sqlx::{AnyConnection, AnyPool};
use std::sync::Arc;
use std::time::Duration;

static MIGRATIONS_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static MIGRATIONS_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

pub type Conn = AnyConnection;
pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, AppError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(AppError::internal(format!(
                "DATABASE_URL must start with sqlite: or postgres:, got `{}`",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub struct Store {
    /// Reads; on SQLite a pool of readers beside the single writer.
    read: AnyPool,
    /// Writes. SQLite allows one writer at a time, so its write pool has exactly one
    /// connection: transactions queue in-process instead of failing with SQLITE_BUSY.
    write: AnyPool,
    backend: Backend,
    url: String,
    pub(crate) issuance_account_id: i64,
    pub(crate) platform_account_id: i64,
    /// SQLite files: stops the log checkpointer when the last clone is dropped.
    _checkpointer: Option<Arc<tokio_util::sync::DropGuard>>,
}

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl Store {
    /// Connects, applies the migrations and loads the system account ids.
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Store, AppError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let (read, write) = match backend {
            Backend::Sqlite => sqlite::pools(url, settings).await?,
            Backend::Postgres => {
                let pool = postgres::pool(url, settings).await?;
                (pool.clone(), pool)
            }
        };
        let checkpointer = (backend == Backend::Sqlite && sqlite::file_path(url).is_some())
            .then(|| Arc::new(sqlite::spawn_checkpointer(read.clone(), write.clone())));
        let migrator = match backend {
            Backend::Sqlite => &MIGRATIONS_SQLITE,
            Backend::Postgres => &MIGRATIONS_POSTGRES,
        };
        migrator
            .run(&write)
            .await
            .map_err(|e| AppError::internal(format!("applying migrations failed: {e}")))?;
        let mut store = Store {
            read,
            write,
            backend,
            url: url.to_string(),
            issuance_account_id: 0,
            platform_account_id: 0,
            _checkpointer: checkpointer,
        };
        store.issuance_account_id = store.system_account_id("issuance").await?;
        store.platform_account_id = store.system_account_id("platform").await?;
        Ok(store)
    }

    async fn system_account_id(&self, kind: &'static str) -> Result<i64, AppError> {
        let id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE kind = $1")
            .bind(kind)
            .fetch_one(&self.read)
            .await?;
        Ok(id)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn read_pool(&self) -> &AnyPool {
        &self.read
    }

    pub fn write_pool(&self) -> &AnyPool {
        &self.write
    }

    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN
    /// IMMEDIATE`), so a transaction that reads first cannot fail when it then writes
    /// while another process holds the lock; it waits its turn instead.
    pub async fn begin(&self) -> Result<Tx<'static>, AppError> {
        match self.backend {
            Backend::Sqlite => Ok(self.write.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => Ok(self.write.begin().await?),
        }
    }

    /// `/readyz`: the database answers and every migration is applied.
    pub async fn ready(&self) -> Result<(), AppError> {
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.read)
                .await?;
        let expected = match self.backend {
            Backend::Sqlite => MIGRATIONS_SQLITE.iter().count(),
            Backend::Postgres => MIGRATIONS_POSTGRES.iter().count(),
        };
        if applied as usize >= expected {
            Ok(())
        } else {
            Err(AppError::Unavailable)
        }
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    /// `FOR UPDATE SKIP LOCKED` where the database has it; SQLite's single writer
    /// already serialises claims.
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// Whether a database error is the violation of a unique key (the product relies on
/// these to make double effects impossible rather than unlikely).
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

pub(crate) fn is_check_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_check_violation() || e.message().contains("CHECK constraint failed"))
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match &err {
            E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            E::RowNotFound => AppError::not_found("Record"),
            E::Database(db) if is_connection_lost(db.code().as_deref()) => {
                tracing::warn!(error = %err, "database connection lost");
                AppError::Unavailable
            }
            _ => {
                tracing::error!(error = %err, "database error");
                AppError::internal("a database operation failed")
            }
        }
    }
}

/// PostgreSQL SQLSTATE classes 08 (connection) and 57P (operator intervention,
/// e.g. shutdown), and SQLite's BUSY/LOCKED: transient, so 503 and retry.
fn is_connection_lost(code: Option<&str>) -> bool {
    match code {
        Some(c) => c.starts_with("08") || c.starts_with("57P") || c == "5" || c == "6",
        None => false,
    }
}

pub(crate) fn opt_dt(ms: Option<i64>) -> Option<chrono::DateTime<chrono::Utc>> {
    ms.map(crate::domain::time::datetime_from_ms)
}

pub(crate) fn dt(ms: i64) -> chrono::DateTime<chrono::Utc> {
    crate::domain::time::datetime_from_ms(ms)
}
