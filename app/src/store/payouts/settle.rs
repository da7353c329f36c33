//! Settling a claimed batch: ONE transaction writes its entries (paid, or failed
//! with the reason), the ledger rows (unique on the entry), the wallet credits, the
//! escrow debit and the fee, and the batch's counters — or nothing at all.

use super::claim::ClaimStep;
use super::{stake_filter, BatchKind, Claim, Finished, Settled};
use crate::domain::model::{JobKind, JobStatus, Priority};
use crate::domain::AppError;
use crate::store::audit::audit_write;
use crate::store::notifications::{notification_insert_once, Notice};
use crate::store::{Conn, Store};

impl Store {
    /// Settles a batch claimed earlier, or commits nothing if the lease was lost.
    pub async fn payout_settle_batch(
        &self,
        claim: &Claim,
        now_ms: i64,
    ) -> Result<Settled, AppError> {
        let mut tx = self.begin().await?;
        let settled = self.settle_in(&mut tx, claim, now_ms).await?;
        if settled != Settled::LeaseLost {
            tx.commit().await?;
        }
        Ok(settled)
    }

    /// Claims the next batch and settles it in the same transaction. With one
    /// writer (SQLite) nothing is gained by holding a lease across two commits,
    /// and a crash anywhere rolls back the claim with the payments.
    pub async fn payout_claim_and_settle(
        &self,
        batch_size: i64,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<Option<(Claim, Settled)>, AppError> {
        let token: i64 = rand::random::<i64>().abs().max(1);
        for _ in 0..8 {
            let mut tx = self.begin().await?;
            match self
                .claim_in(&mut tx, token, batch_size, lease_ms, now_ms)
                .await?
            {
                ClaimStep::Claimed(claim) => {
                    let settled = self.settle_in(&mut tx, &claim, now_ms).await?;
                    tx.commit().await?;
                    return Ok(Some((claim, settled)));
                }
                ClaimStep::SideDone(job_id) => {
                    tx.commit().await?;
                    self.payout_complete_if_settled(job_id, now_ms).await?;
                }
                ClaimStep::Idle => return Ok(None),
            }
        }
        Ok(None)
    }

    /// The settling steps inside `tx`. An entry that cannot be paid (a frozen
    /// wallet) is written `failed` with the reason; the rest of the batch goes on.
    async fn settle_in(
        &self,
        tx: &mut Conn,
        claim: &Claim,
        now_ms: i64,
    ) -> Result<Settled, AppError> {
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
        let side = claim.winning_side.clone().unwrap_or_default();
        // the settled entries of this batch, for the ledger, wallet and count steps
        let this_batch = match claim.kind {
            BatchKind::Plan => {
                "e.job_id = $1 AND e.stake_id > $2 AND e.stake_id <= $3 AND e.batch_id = $4"
            }
            BatchKind::Retry => "e.job_id = $1 AND e.id > $2 AND e.id <= $3 AND e.batch_id = $4",
        };
        let settled = match claim.kind {
            BatchKind::Plan => {
                let sql = format!(
                    "INSERT INTO payout_entries (job_id, batch_id, stake_id, user_id, account_id, amount, status, error, attempts, processed_at_ms) \
                     SELECT $3, $4, s.id, s.user_id, w.id, $5, \
                            CASE WHEN w.frozen_at_ms IS NULL THEN 'paid' ELSE 'failed' END, \
                            CASE WHEN w.frozen_at_ms IS NULL THEN NULL ELSE 'The wallet is frozen: unfreeze it, then retry.' END, 1, $6 \
                     FROM stakes s JOIN accounts w ON w.kind = 'wallet' AND w.user_id = s.user_id \
                     WHERE {} AND s.id > $7 AND s.id <= $8",
                    stake_filter(claim.job_kind)
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(claim.challenge_id)
                    .bind(side.as_str())
                    .bind(claim.job_id)
                    .bind(claim.batch_id)
                    .bind(claim.amount_per_entry)
                    .bind(now_ms)
                    .bind(claim.after_id)
                    .bind(claim.through_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            }
            BatchKind::Retry => {
                sqlx::query(
                    "UPDATE payout_entries SET batch_id = $4, attempts = attempts + 1, processed_at_ms = $5, \
                       status = CASE WHEN (SELECT w.frozen_at_ms FROM accounts w WHERE w.id = payout_entries.account_id) IS NULL \
                                     THEN 'paid' ELSE 'failed' END, \
                       error = CASE WHEN (SELECT w.frozen_at_ms FROM accounts w WHERE w.id = payout_entries.account_id) IS NULL \
                                    THEN NULL ELSE 'The wallet is frozen: unfreeze it, then retry.' END \
                     WHERE job_id = $1 AND status = 'pending' AND id > $2 AND id <= $3",
                )
                .bind(claim.job_id)
                .bind(claim.after_id)
                .bind(claim.through_id)
                .bind(claim.batch_id)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
        } as i64;
        let ledger_kind = match claim.job_kind {
            JobKind::Payout => "payout",
            JobKind::Refund => "refund",
        };
        let sql = format!(
            "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, payout_entry_id, payout_job_id, created_at_ms) \
             SELECT '{ledger_kind}', $5, e.account_id, e.amount, $6, e.id, e.job_id, $7 FROM payout_entries e \
             WHERE {this_batch} AND e.status = 'paid'"
        );
        // one ledger row per paid entry: their count is the batch's paid count
        let paid = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(claim.job_id)
            .bind(claim.after_id)
            .bind(claim.through_id)
            .bind(claim.batch_id)
            .bind(claim.escrow_account_id)
            .bind(claim.challenge_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        let failed = settled - paid;
        // every entry of a job pays the same amount, and a user holds one stake per
        // challenge: one set-based update credits each winner once
        let sql = format!(
            "UPDATE accounts SET balance = balance + $5 WHERE id IN (SELECT e.account_id FROM payout_entries e WHERE {this_batch} AND e.status = 'paid')"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(claim.job_id)
            .bind(claim.after_id)
            .bind(claim.through_id)
            .bind(claim.batch_id)
            .bind(claim.amount_per_entry)
            .execute(&mut *tx)
            .await?;
        if paid > 0 {
            self.move_escrow_and_fee(tx, claim, paid, now_ms).await?;
        }
        let planned: i64 = sqlx::query_scalar(
            "UPDATE payout_batches SET paid_entries = $2, failed_entries = $3 WHERE id = $1 \
             RETURNING (SELECT j.plan_done * j.retry_done FROM payout_jobs j WHERE j.id = payout_batches.job_id)",
        )
        .bind(claim.batch_id)
        .bind(paid)
        .bind(failed)
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
        // entries that failed and were not re-queued by a retry
        let failed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM payout_entries WHERE job_id = $1 AND status = 'failed'",
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
