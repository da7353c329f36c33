//! The notification inbox. Rows are written inside the transaction of the change
//! they announce; a dedupe key makes "exactly once" a property of the schema.

use super::Conn;
use crate::domain::model::Priority;
use crate::domain::AppError;

/// One notification to write.
#[derive(Debug, Clone)]
pub struct Notice {
    pub user_id: i64,
    pub kind: &'static str,
    pub priority: Priority,
    pub challenge_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// At most one row per (user, key): a second insert is skipped, not an error.
    pub dedupe_key: Option<String>,
}

/// Inserts the notice unless one with its key exists; returns the new row's id.
pub(crate) async fn notification_insert_once(conn: &mut Conn, n: &Notice, now_ms: i64) -> Result<Option<i64>, AppError> {
    let priority = match n.priority {
        Priority::Normal => "normal",
        Priority::High => "high",
    };
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, dedupe_key, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id",
    )
    .bind(n.user_id)
    .bind(n.kind)
    .bind(priority)
    .bind(n.challenge_id)
    .bind(&n.title)
    .bind(&n.body)
    .bind(n.dedupe_key.as_deref())
    .bind(now_ms)
    .fetch_optional(&mut *conn)
    .await?;
    if id.is_some() {
        metrics::counter!("gauntlet_notifications_sent_total", "kind" => n.kind).increment(1);
    }
    Ok(id)
}
