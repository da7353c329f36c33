//! PostgreSQL specifics: one pool, and LISTEN/NOTIFY for waking other instances.

use super::PoolSettings;
use crate::domain::AppError;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

pub(super) async fn pool(url: &str, settings: &PoolSettings) -> Result<AnyPool, AppError> {
    Ok(AnyPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect(url)
        .await?)
}
