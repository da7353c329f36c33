//! Paying one claimed batch: its entries (paid, or failed with the reason), one
//! ledger row per paid entry and one credit per winner's wallet. The caller owns
//! the transaction; the escrow, the fee and the counters are the caller's too.
//!
//! Every winner costs an entry row, a ledger row and a wallet update, so the
//! statements are shaped to touch each row once: on PostgreSQL one statement
//! (data-modifying CTEs, no read-back) credits the wallets, writes the entries and
//! their ledger rows — `at_once.rs` adds the rest of the settling to it. A retry
//! reads its re-queued entries as a range of their table. SQLite's planned batches
//! are settled in `script.rs`.

use super::{stake_filter, BatchKind, Claim};
use crate::domain::model::JobKind;
use crate::domain::AppError;
use crate::store::{Conn, Store};
use sqlx::Row;

pub(super) const FROZEN: &str = "The wallet is frozen: unfreeze it, then retry.";

/// How many entries a batch settled, and how many of them were paid.
pub(super) struct Paid {
    pub settled: i64,
    pub paid: i64,
}

impl Store {
    pub(super) async fn pay_in(
        &self,
        tx: &mut Conn,
        claim: &Claim,
        now_ms: i64,
    ) -> Result<Paid, AppError> {
        match claim.kind {
            // on SQLite a planned batch is settled by `settle_plan_script` instead
            BatchKind::Plan => plan_in_one_statement(tx, claim, now_ms).await,
            BatchKind::Retry => {
                let settled = requeue_entries(tx, claim, now_ms).await?;
                let paid =
                    credit_entries(tx, claim, (claim.after_id, claim.through_id), now_ms).await?;
                Ok(Paid { settled, paid })
            }
        }
    }
}

pub(super) fn ledger_kind(claim: &Claim) -> &'static str {
    match claim.job_kind {
        JobKind::Payout => "payout",
        JobKind::Refund => "refund",
    }
}

/// PostgreSQL: one statement credits the wallets of the batch's stakes (finding
/// each wallet once, by the update itself), writes the entries — failed where the
/// wallet is frozen, whose balance the update leaves as it is — and a ledger row
/// per paid entry. Each part reads the one before it: no join, no second lookup.
async fn plan_in_one_statement(
    tx: &mut Conn,
    claim: &Claim,
    now_ms: i64,
) -> Result<Paid, AppError> {
    let sql = format!(
        "WITH {} SELECT (SELECT COUNT(*) FROM e), (SELECT COUNT(*) FROM l)",
        paying_ctes(claim, "")
    );
    let row = plan_query(sql, claim, now_ms)
        .bind(claim.escrow_account_id)
        .fetch_one(&mut *tx)
        .await?;
    let (settled, paid): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    Ok(Paid { settled, paid })
}

/// The PostgreSQL paying steps as common table expressions `w` (the wallets
/// credited), `e` (the entries) and `l` (the ledger rows), for `plan_query`'s
/// parameters and $9, the escrow. `only_if` further limits the stakes paid.
pub(super) fn paying_ctes(claim: &Claim, only_if: &str) -> String {
    format!(
        "w AS (UPDATE accounts a SET balance = a.balance + CASE WHEN a.frozen_at_ms IS NULL THEN $5 ELSE 0 END \
               FROM (SELECT s.id, s.user_id FROM stakes s WHERE {filter} AND s.id > $7 AND s.id <= $8{only_if}) AS s \
               WHERE a.kind = 'wallet' AND a.user_id = s.user_id \
               RETURNING a.id AS account_id, s.id AS stake_id, s.user_id, a.frozen_at_ms IS NULL AS unfrozen), \
         e AS (INSERT INTO payout_entries (job_id, batch_id, stake_id, user_id, account_id, amount, status, error, attempts, processed_at_ms) \
               SELECT $3, $4, w.stake_id, w.user_id, w.account_id, $5, \
                      CASE WHEN w.unfrozen THEN 'paid' ELSE 'failed' END, \
                      CASE WHEN w.unfrozen THEN NULL ELSE '{FROZEN}' END, 1, $6 \
               FROM w RETURNING id, account_id, amount, status), \
         l AS (INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, payout_entry_id, payout_job_id, created_at_ms) \
               SELECT '{kind}', $9, e.account_id, e.amount, $1, e.id, $3, $6 FROM e WHERE e.status = 'paid' \
               RETURNING 1)",
        filter = stake_filter(claim.job_kind),
        kind = ledger_kind(claim),
    )
}

/// A plan statement with its parameters: $1 challenge, $2 winning side, $3 job,
/// $4 batch, $5 amount per entry, $6 now, $7 and $8 the batch's stake range.
pub(super) fn plan_query<'q>(
    sql: String,
    claim: &'q Claim,
    now_ms: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(claim.challenge_id)
        .bind(claim.winning_side.as_deref().unwrap_or_default())
        .bind(claim.job_id)
        .bind(claim.batch_id)
        .bind(claim.amount_per_entry)
        .bind(now_ms)
        .bind(claim.after_id)
        .bind(claim.through_id)
}

/// A retry settles re-queued entries again: paid now, or failed again. (`status
/// <> 'paid'` lets SQLite find them by the index of unpaid entries.)
async fn requeue_entries(tx: &mut Conn, claim: &Claim, now_ms: i64) -> Result<i64, AppError> {
    let sql = format!(
        "UPDATE payout_entries SET batch_id = $4, attempts = attempts + 1, processed_at_ms = $5, \
           status = CASE WHEN (SELECT w.frozen_at_ms FROM accounts w WHERE w.id = payout_entries.account_id) IS NULL \
                         THEN 'paid' ELSE 'failed' END, \
           error = CASE WHEN (SELECT w.frozen_at_ms FROM accounts w WHERE w.id = payout_entries.account_id) IS NULL \
                        THEN NULL ELSE '{FROZEN}' END \
         WHERE job_id = $1 AND status <> 'paid' AND status = 'pending' AND id > $2 AND id <= $3"
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(claim.job_id)
        .bind(claim.after_id)
        .bind(claim.through_id)
        .bind(claim.batch_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64)
}

/// Writes the ledger row of every paid entry of this batch with `after < id <=
/// through`, and credits their wallets. Returns the paid count: one ledger row
/// per paid entry.
async fn credit_entries(
    tx: &mut Conn,
    claim: &Claim,
    (after_id, through_id): (i64, i64),
    now_ms: i64,
) -> Result<i64, AppError> {
    // a range of the entries table itself: `+` keeps SQLite from preferring the
    // (job, stake) index, which would walk every entry the job has so far
    const THIS_BATCH: &str =
        "e.id > $2 AND e.id <= $3 AND +e.job_id = $1 AND +e.batch_id = $4 AND e.status = 'paid'";
    let sql = format!(
        "INSERT INTO ledger_tx (kind, debit_account_id, credit_account_id, amount, challenge_id, payout_entry_id, payout_job_id, created_at_ms) \
         SELECT '{}', $5, e.account_id, e.amount, $6, e.id, e.job_id, $7 FROM payout_entries e WHERE {THIS_BATCH}",
        ledger_kind(claim)
    );
    let paid = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(claim.job_id)
        .bind(after_id)
        .bind(through_id)
        .bind(claim.batch_id)
        .bind(claim.escrow_account_id)
        .bind(claim.challenge_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    // every entry of a job pays the same amount, and a user holds one stake per
    // challenge: one set-based update credits each winner once
    let sql = format!(
        "UPDATE accounts SET balance = balance + $5 WHERE id IN (SELECT e.account_id FROM payout_entries e WHERE {THIS_BATCH})"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(claim.job_id)
        .bind(after_id)
        .bind(through_id)
        .bind(claim.batch_id)
        .bind(claim.amount_per_entry)
        .execute(&mut *tx)
        .await?;
    Ok(paid)
}
