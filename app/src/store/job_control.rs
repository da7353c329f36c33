//! Job control: pause, resume, retry (failed entries only), cancel (only before any
//! entry is paid). Each is a conditional update; `None` means "not allowed now".

use super::audit::audit_write;
use super::Store;
use crate::domain::AppError;

/// A job-control request that the job's state refused, with the reason.
pub type Refusal = String;

impl Store {
    /// Stops claiming new batches; batches already held finish.
    pub async fn job_pause_if_live(
        &self,
        job_id: i64,
        admin_id: i64,
        now_ms: i64,
    ) -> Result<Result<(), Refusal>, AppError> {
        self.job_move_if(
            job_id,
            admin_id,
            now_ms,
            "UPDATE payout_jobs SET status = 'paused', updated_at_ms = $2 \
             WHERE id = $1 AND status IN ('queued', 'running')",
            "job.pause",
            "Only a queued or running job can be paused.",
        )
        .await
    }

    pub async fn job_resume_if_paused(
        &self,
        job_id: i64,
        admin_id: i64,
        now_ms: i64,
    ) -> Result<Result<(), Refusal>, AppError> {
        self.job_move_if(
            job_id,
            admin_id,
            now_ms,
            "UPDATE payout_jobs SET status = 'running', updated_at_ms = $2 \
             WHERE id = $1 AND status = 'paused'",
            "job.resume",
            "Only a paused job can be resumed.",
        )
        .await
    }

    /// One conditional status change of a job, with its audit row.
    async fn job_move_if(
        &self,
        job_id: i64,
        admin_id: i64,
        now_ms: i64,
        conditional_update: &'static str,
        action: &str,
        refusal: &str,
    ) -> Result<Result<(), Refusal>, AppError> {
        let mut tx = self.begin().await?;
        let moved = sqlx::query(conditional_update)
            .bind(job_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if moved == 0 {
            return Ok(Err(refusal.to_string()));
        }
        audit_write(
            &mut tx,
            Some(admin_id),
            action,
            &format!("job:{job_id}"),
            "",
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Re-queues the failed entries of a failed job; paid ones are never touched.
    pub async fn job_retry_if_failed(
        &self,
        job_id: i64,
        admin_id: Option<i64>,
        now_ms: i64,
    ) -> Result<Result<i64, Refusal>, AppError> {
        let mut tx = self.begin().await?;
        let locked: Option<i64> = sqlx::query_scalar(
            "UPDATE payout_jobs SET updated_at_ms = $2 WHERE id = $1 AND status = 'failed' RETURNING id",
        )
        .bind(job_id)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if locked.is_none() {
            return Ok(Err("Only a failed job can be retried.".into()));
        }
        let requeued = sqlx::query("UPDATE payout_entries SET status = 'pending', error = NULL WHERE job_id = $1 AND status <> 'paid' AND status = 'failed'")
            .bind(job_id)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        sqlx::query(
            "UPDATE payout_jobs SET status = 'running', retry_done = 0, retry_cursor_entry_id = 0, \
               requeued_entries = requeued_entries + $2, \
               attempts = attempts + 1, error = NULL, completed_at_ms = NULL, updated_at_ms = $3 WHERE id = $1",
        )
        .bind(job_id)
        .bind(requeued)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        audit_write(
            &mut tx,
            admin_id,
            "job.retry",
            &format!("job:{job_id}"),
            &format!("{requeued} failed entries re-queued"),
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(requeued))
    }

    /// Cancels a job that has paid nobody and hands the challenge back to the admin
    /// (`pending_admin`). Held leases are revoked first — waiting for any batch in
    /// flight to commit — so the "nobody paid" check cannot race a settling batch.
    pub async fn job_cancel_if_unpaid(
        &self,
        job_id: i64,
        admin_id: i64,
        now_ms: i64,
    ) -> Result<Result<(), Refusal>, AppError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE payout_batches SET status = 'done', lease_token = 0, lease_expires_at_ms = 0 WHERE job_id = $1 AND status = 'running'")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        let status: Option<(String, i64)> = sqlx::query_as(
            "UPDATE payout_jobs SET updated_at_ms = $2 WHERE id = $1 RETURNING status, challenge_id",
        )
        .bind(job_id)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((status, challenge_id)) = status else {
            return Err(AppError::not_found("Payout job"));
        };
        if !matches!(status.as_str(), "queued" | "running" | "paused" | "failed") {
            return Ok(Err(format!("A {status} job cannot be cancelled.")));
        }
        // a fresh statement: it sees every batch that committed before the revocation
        let paid: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM payout_entries WHERE job_id = $1 AND status = 'paid'",
        )
        .bind(job_id)
        .fetch_one(&mut *tx)
        .await?;
        if paid > 0 {
            return Ok(Err(format!("{paid} entries are already paid: a job can be cancelled only before it pays anyone.")));
        }
        sqlx::query("UPDATE payout_jobs SET status = 'cancelled', completed_at_ms = $2, updated_at_ms = $2 WHERE id = $1")
            .bind(job_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE challenges SET status = 'pending_admin', result = NULL, resolved_at_ms = NULL, updated_at_ms = $2, \
               locked_at_ms = COALESCE(locked_at_ms, $2) WHERE id = $1 AND status = 'resolving'",
        )
        .bind(challenge_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        audit_write(
            &mut tx,
            Some(admin_id),
            "job.cancel",
            &format!("job:{job_id}"),
            &format!("challenge:{challenge_id} back to awaiting"),
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    pub async fn jobs_failed_ids(&self) -> Result<Vec<i64>, AppError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM payout_jobs WHERE status = 'failed' ORDER BY id")
                .fetch_all(&self.read)
                .await?,
        )
    }
}
