//! After a job completes, every participant hears how their challenge ended.

use crate::domain::AppError;
use crate::store::Store;

impl Store {
    /// Tells the participants of a completed job how it ended — won / lost /
    /// refunded — a keyset batch at a time, exactly once per user and challenge.
    /// Returns false when no job had anyone left to tell.
    pub async fn payout_notify_next(&self, batch_size: i64, now_ms: i64) -> Result<bool, AppError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT j.id, j.challenge_id, j.kind, COALESCE(j.winning_side, ''), j.amount_per_entry, j.notify_cursor_stake_id, c.title \
             FROM payout_jobs j JOIN challenges c ON c.id = j.challenge_id \
             WHERE j.status = 'completed' AND j.notify_done = 0 ORDER BY j.id LIMIT 1{}",
            self.skip_locked_of("j")
        );
        let job: Option<(i64, i64, String, String, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_optional(&mut *tx)
                .await?;
        let Some((job_id, challenge_id, kind, side, amount, cursor, title)) = job else {
            return Ok(false);
        };
        let through: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(id) FROM (SELECT id FROM stakes WHERE challenge_id = $1 AND id > $2 AND status <> 'cancelled' \
             ORDER BY id LIMIT $3) AS t",
        )
        .bind(challenge_id)
        .bind(cursor)
        .bind(batch_size)
        .fetch_one(&mut *tx)
        .await?;
        let Some(through) = through else {
            sqlx::query("UPDATE payout_jobs SET notify_done = 1 WHERE id = $1")
                .bind(job_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(true);
        };
        let (won, lost, refunded) = (
            format!("You won {amount} coins on “{title}”."),
            format!("The other side won “{title}”. Better luck next time."),
            format!("“{title}” was settled without a winner: your {amount} coins are back."),
        );
        let inserted = sqlx::query(
            "INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, dedupe_key, created_at_ms) \
             SELECT s.user_id, \
                    CASE WHEN $3 = 'refund' THEN 'refunded' WHEN s.side = $4 THEN 'won' ELSE 'lost' END, 'normal', $1, \
                    CASE WHEN $3 = 'refund' THEN 'Stake refunded' WHEN s.side = $4 THEN 'You won' ELSE 'You lost' END, \
                    CASE WHEN $3 = 'refund' THEN $7 WHEN s.side = $4 THEN $5 ELSE $6 END, \
                    'settled:' || $1, $8 \
             FROM stakes s WHERE s.challenge_id = $1 AND s.id > $2 AND s.id <= $9 AND s.status <> 'cancelled' \
             ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
        )
        .bind(challenge_id)
        .bind(cursor)
        .bind(kind.as_str())
        .bind(side.as_str())
        .bind(won)
        .bind(lost)
        .bind(refunded)
        .bind(now_ms)
        .bind(through)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE payout_jobs SET notify_cursor_stake_id = $2 WHERE id = $1")
            .bind(job_id)
            .bind(through)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        metrics::counter!("gauntlet_notifications_sent_total", "kind" => "settled")
            .increment(inserted);
        Ok(true)
    }
}
