//! Settling a claimed batch: ONE transaction writes its entries (paid, or failed
//! with the reason), the ledger rows (unique on the entry), the wallet credits, the
//! escrow debit and the fee, and the batch's counters — or nothing at all. A planned
//! batch takes one statement on PostgreSQL (`at_once.rs`) and one call on SQLite
//! (`script.rs`); the steps here settle the rest (retries).

use super::pay::Paid;
use super::{BatchKind, Claim, Finished, Settled};
use crate::domain::model::{JobStatus, Priority};
use crate::domain::AppError;
use crate::store::audit::audit_write;
use crate::store::notifications::{notification_insert_once, Notice};
use crate::store::{Backend, Conn, Store};

impl Store {
    /// Settles a batch claimed earlier, or commits nothing if the lease was lost.
    pub async fn payout_settle_batch(
        &self,
        claim: &Claim,
        now_ms: i64,
    ) -> Result<Settled, AppError> {
        if claim.kind == BatchKind::Plan && self.backend() == Backend::Postgres {
            return self.settle_plan_at_once(claim, now_ms).await;
        }
        let mut tx = self.begin().await?;
        // the batch row stays locked to this transaction: a worker looking for expired
        // leases skips it meanwhile, and finds it done after
        let fenced = sqlx::query(
            "UPDATE payout_batches SET status = 'done', done_at_ms = $3 WHERE id = $1 AND lease_token = $2 AND status = 'running'",
        )
        .bind(claim.batch_id)
        .bind(claim.lease_token)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if fenced != 1 {
            return Ok(Settled::LeaseLost);
        }
        let settled = self.settle_in(&mut tx, claim, now_ms).await?;
        tx.commit().await?;
        Ok(settled)
    }

    /// The settling steps inside `tx`, whose claim is current. An entry that cannot
    /// be paid (a frozen wallet) is written `failed` with the reason; the rest of the
    /// batch goes on.
    pub(super) async fn settle_in(
        &self,
        tx: &mut Conn,
        claim: &Claim,
        now_ms: i64,
    ) -> Result<Settled, AppError> {
        if claim.kind == BatchKind::Plan && self.backend() == Backend::Sqlite {
            return self.settle_plan_script(tx, claim, now_ms).await;
        }
        let Paid { settled, paid } = self.pay_in(tx, claim, now_ms).await?;
        let failed = settled - paid;
        if paid > 0 {
            self.move_escrow_and_fee(tx, claim, paid, now_ms).await?;
        }
        let planned: i64 = sqlx::query_scalar(
            "UPDATE payout_batches SET paid_entries = $2, failed_entries = $3, status = 'done', done_at_ms = $4 WHERE id = $1 \
             RETURNING (SELECT j.plan_done * j.retry_done FROM payout_jobs j WHERE j.id = payout_batches.job_id)",
        )
        .bind(claim.batch_id)
        .bind(paid)
        .bind(failed)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        Ok(Settled::Done {
            paid,
            failed,
            planned: planned == 1,
        })
    }

    /// The escrow pays out the pot of every paid pair; the fee part goes to the
    /// platform account, with one ledger row for the whole batch.
    async fn move_escrow_and_fee(
        &self,
        tx: &mut Conn,
        claim: &Claim,
        paid: i64,
        now_ms: i64,
    ) -> Result<(), AppError> {
        let out_of_escrow = paid * (claim.amount_per_entry + claim.fee_per_entry);
        let fee = paid * claim.fee_per_entry;
        sqlx::query(
            "UPDATE accounts SET balance = balance + CASE WHEN id = $1 THEN -$2 ELSE $4 END \
             WHERE id = $1 OR (id = $3 AND $4 > 0)",
        )
        .bind(claim.escrow_account_id)
        .bind(out_of_escrow)
        .bind(self.platform_account_id)
        .bind(fee)
        .execute(&mut *tx)
        .await?;
        if fee > 0 {
            sqlx::query(
                "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, payout_job_id, memo, created_at_ms) \
                 VALUES ('fee', $1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(claim.escrow_account_id)
            .bind(self.platform_account_id)
            .bind(fee)
            .bind(claim.challenge_id)
            .bind(claim.job_id)
            .bind(format!("fee of {paid} pairs, batch {}", claim.batch_id))
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    /// Ends a job once nothing is left to plan and no batch is held: `completed`, or
    /// `failed` when entries could not be paid. Completion moves the challenge to
    /// `completed` (or `cancelled` for a cancel's refunds) and tells the admins.
    pub async fn payout_complete_if_settled(
        &self,
        job_id: i64,
        now_ms: i64,
    ) -> Result<Option<Finished>, AppError> {
        let mut tx = self.begin().await?;
        // A batch being settled right now holds its row locked. Waiting for those
        // settles closes a race: a settle that read the job as not yet fully planned
        // (before this caller marked it so) leaves completion to this call, so this
        // call must see that settle's outcome, not its `running` row.
        let sql = format!(
            "SELECT b.id FROM payout_batches b WHERE b.job_id = $1 AND b.status = 'running'{}",
            self.for_update_of("b")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(job_id)
            .fetch_all(&mut *tx)
            .await?;
        // entries that failed and were not re-queued by a retry
        let failed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM payout_entries WHERE job_id = $1 AND status <> 'paid' AND status = 'failed'",
        )
        .bind(job_id)
        .fetch_one(&mut *tx)
        .await?;
        let ended: Option<(String, i64, i64, i64)> = sqlx::query_as(
            "UPDATE payout_jobs SET status = CASE WHEN $3 > 0 THEN 'failed' ELSE 'completed' END, \
               completed_at_ms = $2, updated_at_ms = $2, \
               error = CASE WHEN $3 > 0 THEN $3 || ' entries could not be paid' ELSE NULL END \
             WHERE id = $1 AND status = 'running' AND plan_done = 1 AND retry_done = 1 \
               AND NOT EXISTS (SELECT 1 FROM payout_batches b WHERE b.job_id = $1 AND b.status = 'running') \
             RETURNING status, challenge_id, $3, total_entries",
        )
        .bind(job_id)
        .bind(now_ms)
        .bind(failed)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((status, challenge_id, failed, total)) = ended else {
            // release the batch rows locked above now, not whenever the connection is next used
            tx.rollback().await?;
            return Ok(None);
        };
        let status = JobStatus::parse(&status).unwrap_or(JobStatus::Failed);
        let escrow_left: i64 = sqlx::query_scalar(
            "SELECT a.balance FROM accounts a JOIN challenges c ON c.escrow_account_id = a.id WHERE c.id = $1",
        )
        .bind(challenge_id)
        .fetch_one(&mut *tx)
        .await?;
        let (kind, title, body) = if status == JobStatus::Completed {
            sqlx::query(
                "UPDATE challenges SET status = CASE WHEN result IS NULL THEN 'cancelled' ELSE 'completed' END, \
                   completed_at_ms = $2, updated_at_ms = $2 WHERE id = $1 AND status = 'resolving'",
            )
            .bind(challenge_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            if escrow_left != 0 {
                // The books say every settled stake left the escrow; anything else is a bug
                // worth an alarm, not a crash of the payout engine.
                tracing::error!(
                    job_id,
                    challenge_id,
                    escrow_left,
                    "escrow not empty after a completed job"
                );
            }
            (
                "job_finished",
                format!("Payout job #{job_id} finished"),
                format!("{total} entries settled; escrow holds {escrow_left} coins."),
            )
        } else {
            (
                "job_failed",
                format!("Payout job #{job_id} failed"),
                format!("{failed} of {total} entries could not be paid; fix them, then retry."),
            )
        };
        audit_write(
            &mut tx,
            None,
            &format!("job.{}", status.as_str()),
            &format!("job:{job_id}"),
            &body,
            now_ms,
        )
        .await?;
        let admins: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin'")
            .fetch_all(&mut *tx)
            .await?;
        let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM payout_jobs WHERE id = $1")
            .bind(job_id)
            .fetch_one(&mut *tx)
            .await?;
        for admin in admins {
            let notice = Notice {
                user_id: admin,
                kind,
                priority: if status == JobStatus::Failed {
                    Priority::High
                } else {
                    Priority::Normal
                },
                challenge_id: Some(challenge_id),
                title: title.clone(),
                body: body.clone(),
                dedupe_key: Some(format!("{kind}:{job_id}:{attempts}")),
            };
            notification_insert_once(&mut tx, &notice, now_ms).await?;
        }
        tx.commit().await?;
        Ok(Some(Finished {
            job_id,
            challenge_id,
            status,
            escrow_left,
        }))
    }
}
