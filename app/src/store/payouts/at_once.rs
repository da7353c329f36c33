//! PostgreSQL: a planned batch settled by ONE statement, which is its own
//! transaction. Every settling step of `settle.rs` is in it — the lease check, the
//! wallets, entries and ledger rows of `pay.rs`, the escrow debit, the fee and the
//! batch's counters — so a batch costs one round trip instead of seven, and the
//! rows every batch shares (the escrow, the platform account) are written last,
//! held only for the commit.

use super::pay::{paying_ctes, plan_query};
use super::{Claim, Settled};
use crate::domain::AppError;
use crate::store::Store;
use sqlx::Row;

impl Store {
    /// Settles a planned batch on PostgreSQL, or writes nothing if the lease was
    /// lost: the batch row is locked first and every write depends on it.
    pub(super) async fn settle_plan_at_once(
        &self,
        claim: &Claim,
        now_ms: i64,
    ) -> Result<Settled, AppError> {
        // $9 escrow, $10 lease token, $11 fee per entry, $12 platform account; the
        // rest are `plan_query`'s. A part no later part reads still runs to the end.
        let sql = format!(
            "WITH f AS (SELECT b.id FROM payout_batches b \
                        WHERE b.id = $4 AND b.lease_token = $10 AND b.status = 'running' FOR UPDATE), \
             {paying}, \
             n AS (SELECT (SELECT COUNT(*) FROM e) AS settled, (SELECT COUNT(*) FROM l) AS paid), \
             m AS (UPDATE accounts a SET balance = a.balance + CASE WHEN a.id = $9 THEN -n.paid * ($5 + $11) ELSE n.paid * $11 END \
                   FROM n WHERE n.paid > 0 AND (a.id = $9 OR (a.id = $12 AND $11 > 0)) RETURNING 1), \
             fee AS (INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, payout_job_id, memo, created_at_ms) \
                     SELECT 'fee', $9, $12, n.paid * $11, $1, $3, 'fee of ' || n.paid || ' pairs, batch ' || $4, $6 \
                     FROM n WHERE n.paid > 0 AND $11 > 0 RETURNING 1), \
             d AS (UPDATE payout_batches b SET status = 'done', done_at_ms = $6, \
                     paid_entries = n.paid, failed_entries = n.settled - n.paid \
                   FROM f, n WHERE b.id = f.id \
                   RETURNING CAST((SELECT j.plan_done * j.retry_done FROM payout_jobs j WHERE j.id = b.job_id) AS BIGINT) AS planned) \
             SELECT (SELECT COUNT(*) FROM f), n.settled, n.paid, COALESCE((SELECT planned FROM d), 0) FROM n",
            paying = paying_ctes(claim, " AND EXISTS (SELECT 1 FROM f)"),
        );
        let row = plan_query(sql, claim, now_ms)
            .bind(claim.escrow_account_id)
            .bind(claim.lease_token)
            .bind(claim.fee_per_entry)
            .bind(self.platform_account_id)
            .fetch_one(&self.write)
            .await?;
        let fenced: i64 = row.try_get(0)?;
        if fenced != 1 {
            return Ok(Settled::LeaseLost);
        }
        let (settled, paid, planned): (i64, i64, i64) =
            (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
        Ok(Settled::Done {
            paid,
            failed: settled - paid,
            planned: planned == 1,
        })
    }
}
