//! Payout jobs, their batches and entries: the storage side of the payout engine.
//!
//! A job is planned in batches: each batch is a keyset range of winning stakes
//! (or, on retry, of failed entries) claimed under a lease whose token fences a
//! worker that lost it. Settling a batch is ONE transaction: entries are written
//! already paid (or failed, with the reason), wallets credited, ledger rows written
//! (unique on the entry), escrow debited, the fee moved, the job's counters advanced.
//! The cost of a batch never grows with the number already paid. With one writer
//! (SQLite) the claim and the settling share one transaction instead.

mod at_once;
mod claim;
mod notify;
mod pay;
mod script;
mod settle;

use super::accounts::page;
use super::{dt, opt_dt, Conn, Store};
use crate::domain::model::{EntryStatus, JobKind, JobStatus, Page, PayoutEntry, PayoutJob};
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
        // Unpaid entries have an index of their own; its condition is repeated so
        // that SQLite may use it (the failed entries of a big job, polled by its page).
        let which = match status {
            Some(EntryStatus::Pending | EntryStatus::Failed) => {
                "job_id = $1 AND status <> 'paid' AND status = $2"
            }
            _ => "job_id = $1 AND ($2 = '' OR status = $2)",
        };
        let sql = format!(
            "SELECT id, user_id, amount, status, attempts, error, processed_at_ms FROM payout_entries \
             WHERE {which} AND id > $3 ORDER BY id LIMIT $4"
        );
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, i64, i64, String, i64, Option<String>, Option<i64>)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
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
