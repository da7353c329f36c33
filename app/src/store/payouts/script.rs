//! SQLite: a planned batch settled by ONE call of several statements inside the
//! claim's transaction. SQLite runs in this process, so a round trip costs no
//! network, but each statement is still a hand-off to the connection's thread and
//! back: sending the batch's writes together saves five of them per batch.
//! The statements are `settle.rs`'s steps; the counts the later ones need (paid,
//! failed) are read back from the batch's own entries, a range of their table.

use super::pay::{ledger_kind, plan_query, FROZEN};
use super::{stake_filter, Claim, Settled};
use crate::domain::AppError;
use crate::store::{Conn, Store};
use sqlx::Row;

impl Store {
    /// Settles a planned batch inside `tx` (SQLite only: one writer, so every
    /// entry id above today's largest is this batch's).
    pub(super) async fn settle_plan_script(
        &self,
        tx: &mut Conn,
        claim: &Claim,
        now_ms: i64,
    ) -> Result<Settled, AppError> {
        let newest_before: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM payout_entries")
                .fetch_one(&mut *tx)
                .await?;
        // $9 escrow, $10 the largest entry id before this batch's, $11 fee per
        // entry, $12 platform account; the rest are `plan_query`'s. A range of the
        // entries table itself: `+` keeps SQLite from preferring the (job, stake)
        // index, which would walk every entry the job has so far.
        let batch = "e.id > $10 AND +e.job_id = $3 AND +e.batch_id = $4";
        let sql = format!(
            "INSERT INTO payout_entries (job_id, batch_id, stake_id, user_id, account_id, amount, status, error, attempts, processed_at_ms) \
               SELECT $3, $4, s.id, s.user_id, w.id, $5, \
                      CASE WHEN w.frozen_at_ms IS NULL THEN 'paid' ELSE 'failed' END, \
                      CASE WHEN w.frozen_at_ms IS NULL THEN NULL ELSE '{FROZEN}' END, 1, $6 \
               FROM stakes s JOIN accounts w ON w.kind = 'wallet' AND w.user_id = s.user_id \
               WHERE {filter} AND s.id > $7 AND s.id <= $8; \
             INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, payout_entry_id, payout_job_id, created_at_ms) \
               SELECT '{kind}', $9, e.account_id, e.amount, $1, e.id, e.job_id, $6 FROM payout_entries e \
               WHERE {batch} AND e.status = 'paid'; \
             UPDATE accounts SET balance = balance + $5 \
               WHERE id IN (SELECT e.account_id FROM payout_entries e WHERE {batch} AND e.status = 'paid'); \
             UPDATE payout_batches SET status = 'done', done_at_ms = $6, \
               paid_entries = (SELECT COUNT(*) FROM payout_entries e WHERE {batch} AND e.status = 'paid'), \
               failed_entries = (SELECT COUNT(*) FROM payout_entries e WHERE {batch} AND e.status <> 'paid') \
               WHERE id = $4; \
             UPDATE accounts SET balance = balance + (SELECT CASE WHEN accounts.id = $9 THEN -b.paid_entries * ($5 + $11) \
                                                                ELSE b.paid_entries * $11 END \
                                                      FROM payout_batches b WHERE b.id = $4) \
               WHERE id = $9 OR (id = $12 AND $11 > 0); \
             INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, payout_job_id, memo, created_at_ms) \
               SELECT 'fee', $9, $12, b.paid_entries * $11, $1, $3, 'fee of ' || b.paid_entries || ' pairs, batch ' || $4, $6 \
               FROM payout_batches b WHERE b.id = $4 AND b.paid_entries > 0 AND $11 > 0; \
             SELECT b.paid_entries, b.failed_entries, \
                    CAST((SELECT j.plan_done * j.retry_done FROM payout_jobs j WHERE j.id = b.job_id) AS BIGINT) \
               FROM payout_batches b WHERE b.id = $4",
            filter = stake_filter(claim.job_kind),
            kind = ledger_kind(claim),
        );
        // every statement runs: the rows are read to the end, not just the first
        let rows = plan_query(sql, claim, now_ms)
            .bind(claim.escrow_account_id)
            .bind(newest_before)
            .bind(claim.fee_per_entry)
            .bind(self.platform_account_id)
            .fetch_all(&mut *tx)
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| AppError::internal("the settled batch has no row"))?;
        let (paid, failed, planned): (i64, i64, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        Ok(Settled::Done {
            paid,
            failed,
            planned: planned == 1,
        })
    }
}
