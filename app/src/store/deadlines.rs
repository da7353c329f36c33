//! The scheduler's storage side: find the next deadline, and lock every challenge
//! whose deadline has passed — active → pending_admin, pending → cancelled — with
//! its unmatched stakes refunded, all set-based and in one transaction per batch.

use super::Store;
use crate::domain::AppError;

/// A challenge this pass locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub id: i64,
    /// `pending_admin`, or `cancelled` when nobody took the other side.
    pub status: String,
    pub due_at_ms: i64,
}

impl Store {
    /// The earliest deadline among challenges still taking stakes.
    pub async fn next_open_due_at_ms(&self) -> Result<Option<i64>, AppError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(due_at_ms) FROM challenges WHERE status IN ('pending', 'active')",
        )
        .fetch_one(&self.read)
        .await?)
    }

    /// Locks up to `limit` challenges whose deadline is at or before `now_ms`, oldest
    /// deadline first. Each transition is conditional (still open, still past due),
    /// and on PostgreSQL rows another instance is locking are skipped, so any number
    /// of schedulers can run at once without a double transition or a double refund.
    pub async fn challenges_lock_if_due(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<Locked>, AppError> {
        let token: i64 = rand::random::<i64>().abs().max(1);
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE challenges SET \
               status = CASE WHEN status = 'active' THEN 'pending_admin' ELSE 'cancelled' END, \
               locked_at_ms = $1, lock_token = $2, updated_at_ms = $1, next_warning_at_ms = NULL, \
               completed_at_ms = CASE WHEN status = 'pending' THEN $1 ELSE completed_at_ms END \
             WHERE id IN (SELECT id FROM challenges WHERE status IN ('pending', 'active') AND due_at_ms <= $1 \
                          ORDER BY due_at_ms LIMIT $3{}) \
               AND status IN ('pending', 'active') AND due_at_ms <= $1 \
             RETURNING id, status, due_at_ms",
            self.skip_locked()
        );
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now_ms)
            .bind(token)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        refund_unmatched_of_locked(&mut tx, token, now_ms).await?;
        sqlx::query(
            "INSERT INTO audit_log (actor_id, action, target, detail, at_ms) \
             SELECT NULL, CASE WHEN status = 'pending_admin' THEN 'challenge.lock' ELSE 'challenge.cancel_unmatched' END, \
                    'challenge:' || id, 'deadline passed; ' || matched_pairs || ' matched pairs', $2 \
             FROM challenges WHERE lock_token = $1",
        )
        .bind(token)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        notify_locked(&mut tx, token, now_ms).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(id, status, due_at_ms)| Locked {
                id,
                status,
                due_at_ms,
            })
            .collect())
    }
}

/// Every waiting stake of the challenges locked under `token` goes back to its
/// owner: ledger rows (unique per stake), wallets, escrows, stake statuses and
/// counters, set-based.
async fn refund_unmatched_of_locked(
    tx: &mut super::Conn,
    token: i64,
    now_ms: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, stake_id, memo, created_at_ms) \
         SELECT 'refund', c.escrow_account_id, w.id, s.amount, c.id, s.id, 'unmatched at the deadline', $2 \
         FROM stakes s JOIN challenges c ON c.id = s.challenge_id \
           JOIN accounts w ON w.kind = 'wallet' AND w.user_id = s.user_id \
         WHERE c.lock_token = $1 AND s.status = 'waiting'",
    )
    .bind(token)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE accounts SET balance = balance + ( \
           SELECT CAST(SUM(s.amount) AS BIGINT) FROM stakes s JOIN challenges c ON c.id = s.challenge_id \
           WHERE c.lock_token = $1 AND s.status = 'waiting' AND s.user_id = accounts.user_id) \
         WHERE kind = 'wallet' AND user_id IN ( \
           SELECT s.user_id FROM stakes s JOIN challenges c ON c.id = s.challenge_id \
           WHERE c.lock_token = $1 AND s.status = 'waiting')",
    )
    .bind(token)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE accounts SET balance = balance - ( \
           SELECT CAST(SUM(s.amount) AS BIGINT) FROM stakes s \
           WHERE s.challenge_id = accounts.challenge_id AND s.status = 'waiting') \
         WHERE kind = 'escrow' AND challenge_id IN ( \
           SELECT s.challenge_id FROM stakes s JOIN challenges c ON c.id = s.challenge_id \
           WHERE c.lock_token = $1 AND s.status = 'waiting')",
    )
    .bind(token)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, dedupe_key, created_at_ms) \
         SELECT s.user_id, 'refunded', 'normal', c.id, 'Stake refunded', \
                'Nobody took the other side of “' || c.title || '” before the deadline: your ' || s.amount || ' coins are back.', \
                'refunded:stake:' || s.id, $2 \
         FROM stakes s JOIN challenges c ON c.id = s.challenge_id WHERE c.lock_token = $1 AND s.status = 'waiting' \
         ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
    )
    .bind(token)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE stakes SET status = 'cancelled', cancelled_at_ms = $2 \
         WHERE status = 'waiting' AND challenge_id IN (SELECT id FROM challenges WHERE lock_token = $1)",
    )
    .bind(token)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE challenges SET yes_waiting = 0, no_waiting = 0 WHERE lock_token = $1")
        .bind(token)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Participants of each locked challenge hear it locked; admins hear how many
/// await a result (one notice per pass, not one per challenge).
async fn notify_locked(tx: &mut super::Conn, token: i64, now_ms: i64) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, dedupe_key, created_at_ms) \
         SELECT s.user_id, 'locked', 'normal', c.id, 'Deadline reached', \
                '“' || c.title || '” is locked and awaits the result.', 'locked:' || c.id, $2 \
         FROM stakes s JOIN challenges c ON c.id = s.challenge_id \
         WHERE c.lock_token = $1 AND c.status = 'pending_admin' AND s.status = 'matched' \
         ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
    )
    .bind(token)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    let awaiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM challenges WHERE lock_token = $1 AND status = 'pending_admin'",
    )
    .bind(token)
    .fetch_one(&mut *tx)
    .await?;
    if awaiting > 0 {
        let (title, body) = if awaiting == 1 {
            (
                "1 challenge awaits resolution".to_string(),
                "A deadline passed: open the Awaiting tab to resolve it.".to_string(),
            )
        } else {
            (
                format!("{awaiting} challenges await resolution"),
                "Deadlines passed: open the Awaiting tab to resolve them.".to_string(),
            )
        };
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, priority, challenge_id, title, body, dedupe_key, created_at_ms) \
             SELECT u.id, 'awaiting_resolution', 'normal', \
                    (SELECT MIN(id) FROM challenges WHERE lock_token = $1 AND status = 'pending_admin'), \
                    $2, $3, 'awaiting:' || $1, $4 \
             FROM users u WHERE u.role = 'admin' \
             ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
        )
        .bind(token)
        .bind(title)
        .bind(body)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
