//! Deadline warnings (SPEC §5): each challenge keeps the moment its next warning
//! falls due; the notifier sends what is due and moves the moment on.

use super::Store;
use crate::domain::warning::{warning_text, WarningKind, WarningSchedule};
use crate::domain::AppError;

/// A warning pass over one challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warned {
    pub challenge_id: i64,
    pub kind: Option<WarningKind>,
    /// When the warning became due (its offset before the deadline, or the moment
    /// a participant joined inside the window): the send lag is measured from it.
    pub due_ms: i64,
    pub sent: u64,
}

impl Store {
    /// The earliest moment a warning falls due.
    pub async fn next_warning_at_ms(&self) -> Result<Option<i64>, AppError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_warning_at_ms) FROM challenges WHERE next_warning_at_ms IS NOT NULL",
        )
        .fetch_one(&self.read)
        .await?)
    }

    /// Sends every warning due at `now_ms` for up to `limit` challenges. Exactly once
    /// per (user, challenge, kind) by the notifications' unique key — insert or skip,
    /// never check then insert — so two notifiers never send twice.
    pub async fn warnings_send_due(
        &self,
        schedule: &WarningSchedule,
        cooldown_ms: i64,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<Warned>, AppError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT id, due_at_ms, status, title, next_warning_at_ms FROM challenges \
             WHERE next_warning_at_ms IS NOT NULL AND next_warning_at_ms <= $1 \
             ORDER BY next_warning_at_ms LIMIT $2{}",
            self.skip_locked()
        );
        let due: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mut warned = Vec::with_capacity(due.len());
        for (id, due_at_ms, status, title, planned_ms) in due {
            // pending challenges warn nobody yet; activation brings the moment forward
            let kind = if status == "active" {
                schedule.due_warning(due_at_ms, now_ms)
            } else {
                None
            };
            let mut sent = 0;
            if let Some(kind) = kind {
                let (headline, body) = warning_text(&title, due_at_ms, now_ms);
                // the 10-minute warning is exempt from the cooldown
                let cooldown = if kind.is_high_priority() {
                    ""
                } else {
                    "AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = s.user_id AND n.challenge_id = $1 \
                       AND n.kind IN ('deadline_1h', 'deadline_10m') AND n.created_at_ms > $6 - $7)"
                };
                let sql = format!(
                    "INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, dedupe_key, created_at_ms) \
                     SELECT DISTINCT s.user_id, $2, $3, $1, $4, $5, $2 || ':' || $1, $6 \
                     FROM stakes s WHERE s.challenge_id = $1 AND s.status <> 'cancelled' {cooldown} \
                     ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING"
                );
                sent = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .bind(kind.as_str())
                    .bind(if kind.is_high_priority() {
                        "high"
                    } else {
                        "normal"
                    })
                    .bind(headline)
                    .bind(body)
                    .bind(now_ms)
                    .bind(cooldown_ms)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                metrics::counter!("gauntlet_notifications_sent_total", "kind" => kind.as_str())
                    .increment(sent);
            }
            let next = if status == "active" || status == "pending" {
                schedule.next_moment_ms(due_at_ms, now_ms)
            } else {
                None
            };
            // conditional: another notifier may have moved it on already
            sqlx::query("UPDATE challenges SET next_warning_at_ms = $2 WHERE id = $1 AND next_warning_at_ms = $3")
                .bind(id)
                .bind(next)
                .bind(planned_ms)
                .execute(&mut *tx)
                .await?;
            let nominal = kind
                .map(|k| due_at_ms - schedule.offset_ms(k))
                .unwrap_or(planned_ms);
            warned.push(Warned {
                challenge_id: id,
                kind,
                due_ms: nominal.max(planned_ms),
                sent,
            });
        }
        tx.commit().await?;
        Ok(warned)
    }
}
