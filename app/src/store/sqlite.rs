//! SQLite specifics: a WAL database file, one writer connection and a pool of readers.

use super::PoolSettings;
use crate::domain::AppError;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor;
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::{CancellationToken, DropGuard};

/// Creates the database file's folder, then the two pools.
pub(super) async fn pools(
    url: &str,
    settings: &PoolSettings,
) -> Result<(AnyPool, AnyPool), AppError> {
    if let Some(dir) = file_path(url).and_then(|p| Path::new(p).parent().map(Path::to_path_buf)) {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(&dir).map_err(|e| {
                AppError::internal(format!(
                    "cannot create the database folder {}: {e}",
                    dir.display()
                ))
            })?;
        }
    }
    let url = with_create_mode(url);
    let write = options(1, settings, WRITER_CACHE_KIB).connect(&url).await?;
    // WAL lets readers proceed while the writer commits; it is a property of the file,
    // so setting it once through the writer is enough.
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&write)
        .await?;
    let read = options(settings.max_connections.max(2), settings, READER_CACHE_KIB)
        .connect(&url)
        .await?;
    Ok((read, write))
}

/// Page cache per connection: the writer walks the big indexes of a payout, the
/// readers mostly small pages.
const WRITER_CACHE_KIB: u32 = 131_072;
const READER_CACHE_KIB: u32 = 16_384;

/// Write-ahead log pages a commit may leave before it copies them into the file
/// itself (SQLite's default is 1,000). The checkpointer below normally copies them
/// first, beside the writer; this is the writer's own fallback. A payout batch
/// writes about 50 pages, many of them the same tail pages again: copying every 20
/// batches rewrote those pages and synced the file 100 times per million winners.
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

/// How often the checkpointer copies committed log pages into the file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);
/// Log pages after which the checkpointer, once all are copied, lets the writer
/// start the log over (about 32 MiB).
const RESTART_LOG_PAGES: i64 = 8_192;

/// Copies the write-ahead log into the database file from a reader connection,
/// on the other core, so the writer's commits do not stop to do it. A copy that
/// runs beside the writer can never start the log over, so once the log is long
/// and fully copied, the writer takes one turn to check that — between two write
/// transactions — and its next transaction writes the log from the start.
/// Runs until the returned guard (held by every clone of the store) is dropped.
pub(super) fn spawn_checkpointer(read: AnyPool, write: AnyPool) -> DropGuard {
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stopped.cancelled() => return,
                _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
            }
            if let Err(e) = checkpoint(&read, &write).await {
                tracing::warn!(error = %e, "copying the write-ahead log failed");
            }
        }
    });
    stop.drop_guard()
}

async fn checkpoint(read: &AnyPool, write: &AnyPool) -> Result<(), AppError> {
    // (busy, pages in the log, pages copied so far)
    let (_, log_pages, copied_pages): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(read)
            .await?;
    if log_pages >= RESTART_LOG_PAGES && copied_pages == log_pages {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(write)
            .await?;
    }
    Ok(())
}

fn options(max_connections: u32, settings: &PoolSettings, cache_kib: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                // NORMAL is durable in WAL mode except for the last commits before a power
                // loss; a process crash loses nothing.
                let pragmas = format!(
                    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{cache_kib}; \
                     PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES};"
                );
                conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                Ok(())
            })
        })
}

/// `sqlite://data/gauntlet.db?x=y` → `data/gauntlet.db`; None for in-memory databases.
pub(crate) fn file_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_file_in_each_url_form() {
        assert_eq!(
            file_path("sqlite://data/gauntlet.db"),
            Some("data/gauntlet.db")
        );
        assert_eq!(file_path("sqlite:data/g.db?mode=rwc"), Some("data/g.db"));
        assert_eq!(file_path("sqlite:///tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(file_path("sqlite::memory:"), None);
        assert_eq!(with_create_mode("sqlite:a.db"), "sqlite:a.db?mode=rwc");
        assert_eq!(
            with_create_mode("sqlite:a.db?mode=ro"),
            "sqlite:a.db?mode=ro"
        );
    }
}
