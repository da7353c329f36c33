//! Payout jobs, their batches and entries: the storage side of the payout engine.
//!
//! A job is planned in batches: each batch is a keyset range of winning stakes
//! (or, on retry, of failed entries) claimed under a lease whose token fences a
//! worker that lost it. Settling a batch is ONE transaction: entries are written
//! already paid (or failed, with the reason), wallets credited, ledger rows written
//! (unique on the entry), escrow debited, the fee moved, the job's counters advanced.
//! The cost of a batch never grows with the number already paid.

use super::accounts::page;
use super::audit::audit_write;
use super::notifications::{notification_insert_once, Notice};
use super::{dt, opt_dt, Conn, Store};
use crate::domain::model::{
    EntryStatus, JobKind, JobStatus, Page, PayoutEntry, PayoutJob, Priority,
};
use crate::domain::AppError;
use sqlx::FromRow;

/// Progress is summed over the job's batches (a few thousand rows at most, by
/// index): settling a batch writes only its own row, never the job's, so parallel
/// batches of one job do not queue on it.
pub(crate) const JOB_COLUMNS: &str = "j.id, j.challenge_id, j.kind, j.status, j.amount_per_entry, j.total_entries, \
     (SELECT CAST(COALESCE(SUM(b.paid_entries + b.failed_entries), 0) AS BIGINT) FROM payout_batches b WHERE b.job_id = j.id) \
       - j.requeued_entries AS processed_entries, \
     (SELECT CAST(COALESCE(SUM(b.failed_entries), 0) AS BIGINT) FROM payout_batches b WHERE b.job_id = j.id) \
       - j.requeued_entries AS failed_entries, \
     (SELECT CAST(COALESCE(SUM(b.paid_entries), 0) AS BIGINT) FROM payout_batches b WHERE b.job_id = j.id) \
       * j.amount_per_entry AS paid_coins, \
     j.total_pool, j.platform_fee, j.attempts, j.error, j.created_at_ms, j.started_at_ms, j.completed_at_ms, \
     c.title AS challenge_title";

#[derive(Debug, Clone, FromRow)]
pub(crate) struct JobRow {
    pub id: i64,
    pub challenge_id: i64,
    pub kind: String,
    pub status: String,
    pub amount_per_entry: i64,
    pub total_entries: i64,
    pub processed_entries: i64,
    pub failed_entries: i64,
    pub paid_coins: i64,
    pub total_pool: i64,
    pub platform_fee: i64,
    pub attempts: i64,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub completed_at_ms: Option<i64>,
    pub challenge_title: String,
}

impl JobRow {
    pub(crate) fn into_job(self, now_ms: i64) -> PayoutJob {
        let progress = if self.total_entries == 0 {
            if self.completed_at_ms.is_some() {
                1.0
            } else {
                0.0
            }
        } else {
            (self.processed_entries as f64 / self.total_entries as f64).clamp(0.0, 1.0)
        };
        let elapsed_ms = self
            .started_at_ms
            .map(|s| self.completed_at_ms.unwrap_or(now_ms) - s)
            .unwrap_or(0);
        let entries_per_sec = if elapsed_ms > 0 {
            self.processed_entries as f64 * 1000.0 / elapsed_ms as f64
        } else {
            0.0
        };
        PayoutJob {
            id: self.id,
            challenge_id: self.challenge_id,
            kind: JobKind::parse(&self.kind).unwrap_or(JobKind::Payout),
            status: JobStatus::parse(&self.status).unwrap_or(JobStatus::Queued),
            total_entries: self.total_entries,
            processed_entries: self.processed_entries,
            failed_entries: self.failed_entries,
            progress,
            total_pool: self.total_pool,
            platform_fee: self.platform_fee,
            attempts: self.attempts,
            error: self.error,
            created_at: dt(self.created_at_ms),
            started_at: opt_dt(self.started_at_ms),
            completed_at: opt_dt(self.completed_at_ms),
            entries_per_sec,
            challenge_title: self.challenge_title,
            amount_per_entry: self.amount_per_entry,
            paid_coins: self.paid_coins,
        }
    }
}

pub(crate) async fn job_by_id_in(conn: &mut Conn, job_id: i64) -> Result<Option<JobRow>, AppError> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM payout_jobs j JOIN challenges c ON c.id = j.challenge_id WHERE j.id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(job_id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// What a batch ranges over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    /// Winning (or refunded) stakes with `after < id <= through`.
    Plan,
    /// Re-queued failed entries with `after < id <= through`.
    Retry,
}

/// A batch this worker holds, with what settling it needs.
#[derive(Debug, Clone)]
pub struct Claim {
    pub batch_id: i64,
    pub job_id: i64,
    pub kind: BatchKind,
    pub after_id: i64,
    pub through_id: i64,
    pub lease_token: i64,
    pub challenge_id: i64,
    pub job_kind: JobKind,
    pub winning_side: Option<String>,
    pub amount_per_entry: i64,
    pub fee_per_entry: i64,
    pub escrow_account_id: i64,
}

/// What settling a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// `planned` says the job has no range left to hand out, so this may have been
    /// its last batch: time to check for completion.
    Done {
        paid: i64,
        failed: i64,
        planned: bool,
    },
    /// The lease was taken over (or revoked by a cancel): nothing was committed.
    LeaseLost,
}

/// How a job ended, when its last batch settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub job_id: i64,
    pub challenge_id: i64,
    pub status: JobStatus,
    pub escrow_left: i64,
}

const WINNING_STAKES: &str = "s.challenge_id = $1 AND s.side = $2 AND s.status = 'matched'";
const REFUNDED_STAKES: &str = "s.challenge_id = $1 AND s.status <> 'cancelled' AND $2 = $2";

fn stake_filter(job_kind: JobKind) -> &'static str {
    match job_kind {
        JobKind::Payout => WINNING_STAKES,
        JobKind::Refund => REFUNDED_STAKES,
    }
}

impl Store {
    /// A claim need not wait for its commit to reach the disk: if a crash loses it,
    /// the range is simply planned again — and the settle that depends on it commits
    /// later in the same write-ahead log, so it can never survive without it.
    async fn relax_commit_durability(&self, tx: &mut Conn) -> Result<(), AppError> {
        if self.backend() == super::Backend::Postgres {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    fn skip_locked_of(&self, alias: &str) -> String {
        match self.backend() {
            super::Backend::Sqlite => String::new(),
            super::Backend::Postgres => format!(" FOR UPDATE OF {alias} SKIP LOCKED"),
        }
    }

    fn for_update(&self) -> &'static str {
        match self.backend() {
            super::Backend::Sqlite => "",
            super::Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Claims the next batch: first a batch whose lease expired (its worker died),
    /// else a new keyset range of the job least recently served. Jobs take turns,
    /// and several batches of one job may be held at once.
    pub async fn payout_claim_batch(
        &self,
        batch_size: i64,
        lease_ms: i64,
        now_ms: i64,
    ) -> Result<Option<Claim>, AppError> {
        let token: i64 = rand::random::<i64>().abs().max(1);
        for _ in 0..8 {
            let mut tx = self.begin().await?;
            self.relax_commit_durability(&mut tx).await?;
            let sql = format!(
                "UPDATE payout_batches SET lease_token = $1, lease_expires_at_ms = $2, attempts = attempts + 1 \
                 WHERE id = (SELECT b.id FROM payout_batches b JOIN payout_jobs j ON j.id = b.job_id \
                             WHERE b.status = 'running' AND b.lease_expires_at_ms < $3 AND j.status = 'running' \
                             ORDER BY b.id LIMIT 1{}) \
                   AND status = 'running' AND lease_expires_at_ms < $3 \
                 RETURNING id, job_id, kind, after_id, through_id",
                self.skip_locked_of("b")
            );
            let reclaimed: Option<(i64, i64, String, i64, i64)> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(token)
                    .bind(now_ms + lease_ms)
                    .bind(now_ms)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((batch_id, job_id, kind, after_id, through_id)) = reclaimed {
                let kind = if kind == "retry" {
                    BatchKind::Retry
                } else {
                    BatchKind::Plan
                };
                let claim =
                    claim_for(&mut tx, batch_id, job_id, kind, after_id, through_id, token).await?;
                tx.commit().await?;
                tracing::warn!(job_id, batch_id, "took over a batch whose lease expired");
                return Ok(Some(claim));
            }
            let sql = format!(
                "SELECT id, challenge_id, kind, plan_cursor_stake_id, plan_done, retry_cursor_entry_id, retry_done, winning_side \
                 FROM payout_jobs WHERE status IN ('queued', 'running') AND (plan_done = 0 OR retry_done = 0) \
                 ORDER BY last_claim_at_ms, id LIMIT 1{}",
                self.for_update()
            );
            #[allow(clippy::type_complexity)]
            let job: Option<(i64, i64, String, i64, i64, i64, i64, Option<String>)> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((
                job_id,
                challenge_id,
                job_kind,
                plan_cursor,
                plan_done,
                retry_cursor,
                _retry_done,
                side,
            )) = job
            else {
                return Ok(None);
            };
            let job_kind = JobKind::parse(&job_kind).unwrap_or(JobKind::Payout);
            let (kind, after_id, through) = if plan_done == 0 {
                let filter = stake_filter(job_kind);
                let side = side.clone().unwrap_or_default();
                let through = range_end(
                    &mut tx,
                    &format!("SELECT s.id FROM stakes s WHERE {filter} AND s.id > $3 ORDER BY s.id LIMIT 1 OFFSET $4"),
                    &format!("SELECT MAX(s.id) FROM stakes s WHERE {filter} AND s.id > $3 AND $4 = $4"),
                    (challenge_id, side.as_str()),
                    plan_cursor,
                    batch_size,
                )
                .await?;
                (BatchKind::Plan, plan_cursor, through)
            } else {
                let through = range_end(
                    &mut tx,
                    "SELECT id FROM payout_entries WHERE job_id = $1 AND status = 'pending' AND $2 = $2 AND id > $3 ORDER BY id LIMIT 1 OFFSET $4",
                    "SELECT MAX(id) FROM payout_entries WHERE job_id = $1 AND status = 'pending' AND $2 = $2 AND id > $3 AND $4 = $4",
                    (job_id, ""),
                    retry_cursor,
                    batch_size,
                )
                .await?;
                (BatchKind::Retry, retry_cursor, through)
            };
            let Some(through_id) = through else {
                // nothing left to plan on this side: mark it, and let completion decide
                let column = if kind == BatchKind::Plan {
                    "plan_done"
                } else {
                    "retry_done"
                };
                let sql = format!(
                    "UPDATE payout_jobs SET {column} = 1, status = 'running', started_at_ms = COALESCE(started_at_ms, $2), \
                       last_claim_at_ms = $2, updated_at_ms = $2 WHERE id = $1"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(job_id)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                self.payout_complete_if_settled(job_id, now_ms).await?;
                continue;
            };
            let batch_id: i64 = sqlx::query_scalar(
                "INSERT INTO payout_batches (job_id, kind, after_id, through_id, status, lease_token, lease_expires_at_ms, created_at_ms) \
                 VALUES ($1, $2, $3, $4, 'running', $5, $6, $7) RETURNING id",
            )
            .bind(job_id)
            .bind(if kind == BatchKind::Plan { "plan" } else { "retry" })
            .bind(after_id)
            .bind(through_id)
            .bind(token)
            .bind(now_ms + lease_ms)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await?;
            let cursor = if kind == BatchKind::Plan {
                "plan_cursor_stake_id"
            } else {
                "retry_cursor_entry_id"
            };
            let sql = format!(
                "UPDATE payout_jobs SET {cursor} = $2, status = 'running', started_at_ms = COALESCE(started_at_ms, $3), \
                   last_claim_at_ms = $3, updated_at_ms = $3 WHERE id = $1"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(job_id)
                .bind(through_id)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            let claim =
                claim_for(&mut tx, batch_id, job_id, kind, after_id, through_id, token).await?;
            tx.commit().await?;
            return Ok(Some(claim));
        }
        Ok(None)
    }

    /// Settles a claimed batch in one transaction, or commits nothing if the lease
    /// was lost. An entry that cannot be paid (a frozen wallet) is written `failed`
    /// with the reason; the rest of the batch goes on.
    pub async fn payout_settle_batch(
        &self,
        claim: &Claim,
        now_ms: i64,
    ) -> Result<Settled, AppError> {
        let mut tx = self.begin().await?;
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
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(claim.job_id)
            .bind(claim.after_id)
            .bind(claim.through_id)
            .bind(claim.batch_id)
            .bind(claim.escrow_account_id)
            .bind(claim.challenge_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
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
        // unpaid entries are few and sit in a small partial index; paid = settled − failed
        let failed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM payout_entries WHERE job_id = $1 AND status <> 'paid' AND batch_id = $2",
        )
        .bind(claim.job_id)
        .bind(claim.batch_id)
        .fetch_one(&mut *tx)
        .await?;
        let paid = settled - failed;
        if paid > 0 {
            let out_of_escrow = paid * (claim.amount_per_entry + claim.fee_per_entry);
            sqlx::query("UPDATE accounts SET balance = balance - $1 WHERE id = $2")
                .bind(out_of_escrow)
                .bind(claim.escrow_account_id)
                .execute(&mut *tx)
                .await?;
            let fee = paid * claim.fee_per_entry;
            if fee > 0 {
                sqlx::query("UPDATE accounts SET balance = balance + $1 WHERE id = $2")
                    .bind(fee)
                    .bind(self.platform_account_id)
                    .execute(&mut *tx)
                    .await?;
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
        }
        sqlx::query(
            "UPDATE payout_batches SET paid_entries = $2, failed_entries = $3 WHERE id = $1",
        )
        .bind(claim.batch_id)
        .bind(paid)
        .bind(failed)
        .execute(&mut *tx)
        .await?;
        let (plan_done, retry_done): (i64, i64) =
            sqlx::query_as("SELECT plan_done, retry_done FROM payout_jobs WHERE id = $1")
                .bind(claim.job_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Settled::Done {
            paid,
            failed,
            planned: plan_done == 1 && retry_done == 1,
        })
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

    pub async fn job_get(&self, job_id: i64, now_ms: i64) -> Result<Option<PayoutJob>, AppError> {
        let mut conn = self.read.acquire().await?;
        Ok(job_by_id_in(&mut conn, job_id)
            .await?
            .map(|r| r.into_job(now_ms)))
    }

    /// Jobs newest first, optionally of one status.
    pub async fn jobs_list(
        &self,
        status: Option<JobStatus>,
        before: Option<i64>,
        limit: i64,
        now_ms: i64,
    ) -> Result<Page<PayoutJob>, AppError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM payout_jobs j JOIN challenges c ON c.id = j.challenge_id \
             WHERE ($1 = '' OR j.status = $1) AND j.id < $2 ORDER BY j.id DESC LIMIT $3"
        );
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(status.map(|s| s.as_str()).unwrap_or(""))
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit + 1)
            .fetch_all(&self.read)
            .await?;
        Ok(page(
            rows.into_iter().map(|r| r.into_job(now_ms)).collect(),
            limit,
            |j| j.id,
        ))
    }

    /// Entries of a job by id, optionally of one status.
    pub async fn job_entries(
        &self,
        job_id: i64,
        status: Option<EntryStatus>,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Page<PayoutEntry>, AppError> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, i64, i64, String, i64, Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT id, user_id, amount, status, attempts, error, processed_at_ms FROM payout_entries \
             WHERE job_id = $1 AND ($2 = '' OR status = $2) AND id > $3 ORDER BY id LIMIT $4",
        )
        .bind(job_id)
        .bind(status.map(|s| s.as_str()).unwrap_or(""))
        .bind(after.unwrap_or(0))
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        let items = rows
            .into_iter()
            .map(
                |(id, user_id, amount, status, attempts, error, processed)| PayoutEntry {
                    id,
                    job_id,
                    user_id,
                    amount,
                    status: EntryStatus::parse(&status).unwrap_or(EntryStatus::Pending),
                    attempts,
                    error,
                    processed_at: opt_dt(processed),
                },
            )
            .collect();
        Ok(page(items, limit, |e| e.id))
    }

    /// Coins the ledger says this job paid (next to the job's own counter).
    pub async fn job_paid_by_ledger(&self, job_id: i64) -> Result<(i64, i64), AppError> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger_tx \
             WHERE payout_job_id = $1 AND kind IN ('payout', 'refund')",
        )
        .bind(job_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// Jobs whose work is done but whose completion was not recorded (a crash
    /// between the last batch and the completion): finish them now.
    pub async fn payout_jobs_awaiting_completion(&self) -> Result<Vec<i64>, AppError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM payout_jobs WHERE status = 'running' AND plan_done = 1 AND retry_done = 1",
        )
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn job_count_by_status(&self) -> Result<Vec<(JobStatus, i64)>, AppError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM payout_jobs GROUP BY status")
                .fetch_all(&self.read)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, n)| JobStatus::parse(&s).map(|s| (s, n)))
            .collect())
    }
}

/// The end of the next keyset range: the `size`-th row after the cursor, or the
/// last row if fewer remain, or None when nothing remains.
async fn range_end(
    tx: &mut Conn,
    nth_sql: &str,
    max_sql: &str,
    (owner, side): (i64, &str),
    cursor: i64,
    size: i64,
) -> Result<Option<i64>, AppError> {
    let nth: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(nth_sql.to_string()))
        .bind(owner)
        .bind(side)
        .bind(cursor)
        .bind(size - 1)
        .fetch_optional(&mut *tx)
        .await?;
    if nth.is_some() {
        return Ok(nth);
    }
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(max_sql.to_string()))
        .bind(owner)
        .bind(side)
        .bind(cursor)
        .bind(size)
        .fetch_one(&mut *tx)
        .await?)
}

async fn claim_for(
    tx: &mut Conn,
    batch_id: i64,
    job_id: i64,
    kind: BatchKind,
    after_id: i64,
    through_id: i64,
    lease_token: i64,
) -> Result<Claim, AppError> {
    let (challenge_id, job_kind, winning_side, amount_per_entry, fee_per_entry, escrow): (i64, String, Option<String>, i64, i64, Option<i64>) =
        sqlx::query_as(
            "SELECT j.challenge_id, j.kind, j.winning_side, j.amount_per_entry, j.fee_per_entry, c.escrow_account_id \
             FROM payout_jobs j JOIN challenges c ON c.id = j.challenge_id WHERE j.id = $1",
        )
        .bind(job_id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(Claim {
        batch_id,
        job_id,
        kind,
        after_id,
        through_id,
        lease_token,
        challenge_id,
        job_kind: JobKind::parse(&job_kind).unwrap_or(JobKind::Payout),
        winning_side,
        amount_per_entry,
        fee_per_entry,
        escrow_account_id: escrow.ok_or_else(|| AppError::internal("challenge without escrow"))?,
    })
}

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

impl Store {
    /// The challenge's job that is not cancelled (at most one, by a unique key).
    pub async fn job_of_challenge(
        &self,
        challenge_id: i64,
        now_ms: i64,
    ) -> Result<Option<PayoutJob>, AppError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM payout_jobs j JOIN challenges c ON c.id = j.challenge_id \
             WHERE j.challenge_id = $1 AND j.status <> 'cancelled'"
        );
        let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(challenge_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.into_job(now_ms)))
    }
}
