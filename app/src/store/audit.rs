//! The audit log: every admin action and every automatic transition, with actor,
//! target and time, written in the same transaction as the change it records.

use super::accounts::page;
use super::{dt, Conn, Store};
use crate::domain::model::{AuditEntry, Page};
use crate::domain::AppError;

pub(crate) async fn audit_write(
    conn: &mut Conn,
    actor_id: Option<i64>,
    action: &str,
    target: &str,
    detail: &str,
    now_ms: i64,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO audit_log (actor_id, action, target, detail, at_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(actor_id)
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// Newest first.
    pub async fn audit_list(
        &self,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Page<AuditEntry>, AppError> {
        let rows: Vec<(i64, Option<i64>, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, actor_id, action, target, detail, at_ms FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        let items = rows
            .into_iter()
            .map(|(id, actor_id, action, target, detail, at_ms)| AuditEntry {
                id,
                actor_id,
                action,
                target,
                detail,
                at: dt(at_ms),
            })
            .collect();
        Ok(page(items, limit, |e| e.id))
    }
}
