//! SQLite specifics: a WAL database file, one writer connection and a pool of readers.

use super::PoolSettings;
use crate::domain::AppError;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor;
use std::path::Path;

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
/// (SQLite's default is 1,000). A payout batch writes about 50 pages, most of them
/// the same few tail pages again: copying every 20 batches rewrote those pages and
/// synced the file 100 times per million winners; every 200 batches the copy is
/// mostly new pages, at the cost of a log of about 40 MiB.
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

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
